"""``make bench``: every benchmark, figures printed and written to bench/results/."""

from __future__ import annotations

import sys

from bench import bench_overview


def main() -> int:
    bench_overview.main(sys.argv[1:])
    try:
        from bench import bench_ingest
    except ImportError:
        return 0
    bench_ingest.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
