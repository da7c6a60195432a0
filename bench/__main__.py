"""``make bench`` / ``python -m bench [NAME [flags]]``: run the benchmarks.

With no name, every benchmark runs with its defaults; each prints its figures and
writes them to ``bench/results/NAME.json``. Each compares Pulso with the raw engine
doing the same work, in the same run, as a ratio.
"""

from __future__ import annotations

import importlib
import sys

BENCHES = {
    "overview": "bench.bench_overview",
    "ingest": "bench.bench_ingest",
    "changes": "bench.bench_changes",
    "drivers": "bench.bench_drivers",
    "report": "bench.bench_report",
    "sessions": "bench.bench_sessions",
    "volume": "bench.bench_volume",
    "browser": "bench.bench_browser",
}


def main(argv: list[str]) -> int:
    chosen = argv[0] if argv and argv[0] in BENCHES else None
    flags = argv[1:] if chosen else argv
    for name in [chosen] if chosen else list(BENCHES):
        module = importlib.import_module(BENCHES[name])
        sys.argv = [f"bench {name}", *flags]  # each benchmark parses its own flags
        print(f"== {name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
