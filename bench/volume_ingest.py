"""Ingest at volume: a calls CSV of every call of a bench store (exported with DuckDB's
``COPY ... TO``, one column per canonical field, 10% of the rows changed: their
``wait_s`` one second longer), loaded by ``analytics.ingest.ingest``

- (a) into an empty store (every row inserted), and
- (b) into a copy of the store it came from (10% updated, 90% unchanged: the rollup
  maintenance refreshes the days and customers of the changed calls),

against DuckDB doing the same with the same file: ``read_csv`` + ``insert`` into a new
table for (a), ``read_csv`` + ``insert or replace`` into a keyed copy of the raw calls
for (b). Each timing includes opening and closing its database file (everything on
disk). The rollup maintenance (``rollups.collect`` + ``rollups.refresh``) is timed by
wrapping both functions in this process; its share of the load and what it adds to
the load without it are reported, and apart its parts: the calls' flags, the answers,
the day rollups.

What is kept has a floor: DuckDB itself, doing the same upkeep in its cheapest form (the
flags in the statement that reads the file, the two call rollups in one statement each,
hand-written; the first round checks that they hold what Pulso's store holds), against
the same ``create table ... as select * from read_csv`` without it. ``duckdb_kept_adds``
is what the upkeep adds to DuckDB's own load: the lowest that Pulso's ``rollup_adds``
could be. The six timings are taken in turn, three rounds, and each figure is
its median round's (on a shared 2-core machine one run of DuckDB's own load varied from
1.4 to 2.1 s within minutes). Runs in its own process (``bench_volume`` starts it);
a first load of 1,000 rows, timed apart, pays the imports and the first compiles that
a running app has paid already (the Upload page's case; the command line pays them once).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from bench.volume_mem import peak_mb, reset_peak

COLUMNS = (
    "call_id", "started_at", "channel", "queue", "region", "product", "segment", "agent_id",
    "team", "customer_id", "wait_s", "duration_s", "hold_s", "transfers", "resolved",
    "abandoned", "escalated",
)  # fmt: skip
CHANGED_EVERY = 10  # one row in ten differs from the store
FIRST_ROWS = 1_000  # the process's first load, untimed in the comparison
ROUNDS = 3  # each timing's runs, taken in turn with the others'


#: What is kept at load, apart (inside ``rollups.refresh``): the calls' flags, the answers
#: with their call, the day rollups. The rest of the refresh is its plumbing.
PARTS = {
    "flags": ("call_flags", ("update_customer", "update_surveyed")),
    "answers": ("answers", ("refresh",)),
    "rollups": ("rollups", ("_refresh_days",)),
}


def rollup_timers() -> dict[str, float]:
    """Wrap ``rollups.collect`` and ``rollups.refresh`` (the loaders call them through
    the module), and the parts of :data:`PARTS` (the refresh calls them through their
    modules too): the seconds spent in each accumulate in the returned dict."""
    from analytics import answers, call_flags, rollups

    spent = {"collect": 0.0, "refresh": 0.0, **dict.fromkeys(PARTS, 0.0)}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t0

        return wrapper

    for name in ("collect", "refresh"):
        setattr(rollups, name, timed(name, getattr(rollups, name)))
    modules = {"rollups": rollups, "answers": answers, "call_flags": call_flags}
    for part, (module, functions) in PARTS.items():
        for fn in functions:
            setattr(modules[module], fn, timed(part, getattr(modules[module], fn)))
    return spent


def export_csv(store_path: Path, csv: Path) -> tuple[int, int]:
    """Every call, one in ten changed; returns (rows, changed rows)."""
    changed = f"row_number() over (order by call_id) % {CHANGED_EVERY} = 0"
    picked = ", ".join(
        f"case when {changed} then coalesce(wait_s, 0) + 1 else wait_s end as wait_s"
        if c == "wait_s"
        else c
        for c in COLUMNS
    )
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        query = f"select {picked} from calls order by call_id"  # noqa: S608 (fixed names)
        con.execute(f"copy ({query}) to '{csv}' (header, delimiter ',')")
        row = con.execute("select count(*) from calls").fetchone()
    finally:
        con.close()
    rows = int(row[0]) if row else 0
    return rows, rows // CHANGED_EVERY


def duckdb_insert(csv: Path, db: Path) -> float:
    """DuckDB alone: ``read_csv`` + ``insert`` into a new table of a new file."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("create table calls as select * from read_csv(?) limit 0", [str(csv)])
    con.execute("insert into calls select * from read_csv(?)", [str(csv)])
    con.close()
    return time.perf_counter() - t0


def duckdb_upsert(csv: Path, base: Path, db: Path) -> float:
    """DuckDB alone: ``insert or replace`` of the file into a keyed copy of the calls
    (the copy is made before the clock starts)."""
    con = duckdb.connect(str(db))
    con.execute(f"attach '{base}' as base (read_only)")
    con.execute(f"create table calls as select {', '.join(COLUMNS)} from base.calls")  # noqa: S608
    con.execute("alter table calls add primary key (call_id)")
    con.execute("detach base")
    con.close()
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("insert or replace into calls select * from read_csv(?)", [str(csv)])
    con.close()
    return time.perf_counter() - t0


# What Pulso keeps at load, hand-written for DuckDB in its cheapest form (nothing to
# refresh: one statement per table into an empty file): the repeat- and prior-contact
# flags in the statement that reads the file (one pass of the window), then the two call
# rollups (``rollups.ROLLUPS``), each statistic as ``queries.call_stats`` defines it.
# With no survey loaded, no call is surveyed and none is in the response rate's base.
_FLAGS = (
    "coalesce(lead(started_at) over w <= started_at + interval {days} day, false) "
    "and customer_id is not null as repeat_7d, "
    "count(*) over (partition by customer_id order by started_at range between interval "
    "{days} day preceding and current row exclude group) > 0 and customer_id is not null "
    "as prior_7d, false as surveyed"
)
_STATS = """
select "at", {dims}, count(*) as n_calls, count_if(ans) as n_answered,
  count_if(known) as n_abandon_known, count_if(gone) as n_abandoned,
  count_if(ans and resolved is not null) as n_resolved_known,
  count_if(ans and resolved) as n_resolved, count_if(ans and seen) as n_fcr_observed,
  count_if(ans and seen and resolved is not null and customer_id is not null) as n_fcr_eligible,
  count_if(ans and seen and resolved and customer_id is not null and not repeat_7d) as n_fcr,
  count(d) as handle_n, sum(d) as handle_sum, sum(d * d) as handle_sumsq,
  count(w) as wait_n, sum(w) as wait_sum, sum(w * w) as wait_sumsq,
  count_if(known and (gone or wait_s is not null)) as n_sl_known,
  count_if(known and ans and wait_s <= {sl}) as n_within_sl,
  count_if(ans and transfers is not null) as n_transfers_known,
  count_if(ans and transfers > 0) as n_transferred,
  count_if(false) as n_response_base, count_if(ans and surveyed) as n_surveyed
from (
  select *, date_trunc('day', started_at) as "at", not coalesce(abandoned, false) as ans,
    abandoned is not null as known, coalesce(abandoned, false) as gone,
    started_at <= (select max(started_at) from calls) - interval {days} day as seen,
    case when not coalesce(abandoned, false) then duration_s end as d,
    case when not coalesce(abandoned, false) then wait_s end as w
  from calls
)
group by all
"""
#: What each kept table must hold alike in Pulso's store and in DuckDB's (the floor
#: is checked to do the same work: see :func:`same_kept`).
_KEPT_SUMS = {
    "calls": "count(*), count_if(repeat_7d), count_if(prior_7d), count_if(surveyed)",
    **dict.fromkeys(
        ("rollup_calls_day", "rollup_calls_agent_day"),
        "count(*), sum(n_calls), sum(n_answered), sum(n_fcr_observed), sum(n_fcr_eligible), "
        "sum(n_fcr), sum(n_within_sl), sum(n_transferred), round(sum(wait_sum), 3), "
        "round(sum(handle_sumsq), 0)",
    ),
}


def duckdb_create(csv: Path, db: Path) -> float:
    """DuckDB alone: one ``create table ... as select * from read_csv``: the baseline of
    :func:`duckdb_kept` (the same statement without what is kept)."""
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute("create table calls as select * from read_csv(?)", [str(csv)])
    con.close()
    return time.perf_counter() - t0


def duckdb_kept(csv: Path, db: Path) -> float:
    """DuckDB alone, doing what Pulso keeps at load (hand-written, see :data:`_STATS`)."""
    from analytics import queries

    days, sl = queries.REPEAT_WINDOW_DAYS, queries.SERVICE_LEVEL_S
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(
        f"create table calls as select *, {_FLAGS.format(days=days)} from read_csv(?) "  # noqa: S608 (fixed text)
        "window w as (partition by customer_id order by started_at, call_id)",
        [str(csv)],
    )
    for table, dims in (
        ("rollup_calls_day", "region, channel, queue, product, segment"),
        ("rollup_calls_agent_day", "team, agent_id"),
    ):
        con.execute(f"create table {table} as {_STATS.format(dims=dims, days=days, sl=sl)}")
    con.close()
    return time.perf_counter() - t0


def same_kept(pulso: Path, raw: Path) -> bool:
    """Whether DuckDB's hand-written floor kept what Pulso kept (flags and rollups)."""
    found = []
    for db in (pulso, raw):
        con = duckdb.connect(str(db), read_only=True)
        try:
            found.append(
                [
                    con.execute(f"select {sums} from {t}").fetchall()  # noqa: S608 (fixed names)
                    for t, sums in _KEPT_SUMS.items()
                ]
            )
        finally:
            con.close()
    return found[0] == found[1]


def pulso_ingest(csv: Path, db: Path, spent: dict[str, float]) -> dict[str, Any]:
    """Open (or create) the store, read the file, map it, ingest it, close."""
    from analytics.ingest import ingest, read_file, suggest_mapping
    from analytics.store import connect

    for key in spent:
        spent[key] = 0.0
    t0 = time.perf_counter()
    store = connect(str(db))
    raw = read_file(csv)
    suggestion = suggest_mapping(raw, "calls")
    if not suggestion.is_complete:
        raise RuntimeError(f"the calls CSV does not map: {suggestion}")
    report = ingest(store, raw, suggestion.mapping)
    store.close()
    seconds = time.perf_counter() - t0
    maintenance = spent["collect"] + spent["refresh"]
    return {
        "seconds": round(seconds, 3),
        "rollup_collect_s": round(spent["collect"], 3),
        "rollup_refresh_s": round(spent["refresh"], 3),
        "rollup_share": round(maintenance / seconds, 3),
        "rollup_adds": round(maintenance / max(seconds - maintenance, 1e-9), 3),
        # of the refresh: the flags, the answers, the day rollups alone
        **{f"{part}_s": round(spent[part], 3) for part in PARTS},
        "day_rollups_adds": round(spent["rollups"] / max(seconds - maintenance, 1e-9), 3),
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
    }


def measure(source: Path, rounds: int = ROUNDS) -> dict[str, Any]:
    """Both loads and both references, in ``rounds`` rounds taken in turn (a change in
    the machine's load hits all four), on copies in a temporary folder. Each figure is
    the median round's; a Pulso load's breakdown is its median run's."""
    from analytics.store import connect

    spent = rollup_timers()
    with tempfile.TemporaryDirectory(prefix="pulso-volume-") as tmp:
        folder = Path(tmp)
        base = folder / "base.duckdb"
        shutil.copy(source, base)
        t0 = time.perf_counter()
        connect(str(base)).close()  # an older store is migrated here, not in the timings
        base_open = time.perf_counter() - t0
        csv = folder / "calls.csv"
        rows, changed = export_csv(base, csv)
        steps: dict[str, Any] = {}
        # The loads below run as in the app, whose process has loaded before: one small
        # load first pays the imports and the statements' first compiles, once.
        small = folder / "first.csv"
        with csv.open() as src, small.open("w") as dst:
            dst.writelines(line for _, line in zip(range(FIRST_ROWS + 1), src, strict=False))
        first = pulso_ingest(small, folder / "first.duckdb", spent)
        steps["first_load_in_process"] = {"rows": FIRST_ROWS, "seconds": first["seconds"]}
        runs: dict[str, list[Any]] = {
            "insert": [], "empty": [], "upsert": [], "update": [], "create": [], "kept": [],
        }  # fmt: skip
        db = folder / "round.duckdb"  # each run's database, removed after it
        # the first round's stores from an empty start, kept to check the floor against
        pulso, raw = folder / "pulso.duckdb", folder / "raw.duckdb"
        for i in range(rounds):
            checking = i == 0
            runs["insert"].append(_timed(lambda: duckdb_insert(csv, db), db))
            runs["empty"].append(
                _timed(lambda: pulso_ingest(csv, db, spent), db, pulso if checking else None)
            )
            runs["create"].append(_timed(lambda: duckdb_create(csv, db), db))
            runs["kept"].append(_timed(lambda: duckdb_kept(csv, db), db, raw if checking else None))
            if checking:
                steps["duckdb_kept_same_as_pulso"] = same_kept(pulso, raw)
                _remove(pulso)
                _remove(raw)
            runs["upsert"].append(_timed(lambda: duckdb_upsert(csv, base, db), db))
            shutil.copy(base, db)
            runs["update"].append(_timed(lambda: pulso_ingest(csv, db, spent), db))
        csv_mb = round(csv.stat().st_size / 1e6, 1)
    empty, update = _median(runs["empty"]), _median(runs["update"])
    if empty["inserted"] != rows or update["updated"] != changed:
        raise RuntimeError(f"unexpected load counts: {empty}, {update} ({rows}, {changed})")
    if not steps["duckdb_kept_same_as_pulso"]:
        raise RuntimeError("DuckDB's hand-written floor did not keep what Pulso kept")
    for name in ("insert", "upsert", "create", "kept"):
        median = _median(runs[name])
        steps[f"duckdb_{name}_s"] = median["seconds"]
        steps[f"duckdb_{name}_peak_mb"] = median["peak_mb"]
    # what keeping the flags and the rollups adds to DuckDB's own load, at its cheapest:
    # the floor under Pulso's ``rollup_adds``
    steps["duckdb_kept_adds"] = round(steps["duckdb_kept_s"] / steps["duckdb_create_s"] - 1, 3)
    return {
        "rows": rows,
        "changed_rows": changed,
        "csv_mb": csv_mb,
        "source_open_s": round(base_open, 3),
        "rounds": rounds,
        "runs_s": {name: [r["seconds"] for r in found] for name, found in runs.items()},
        **steps,
        "pulso_empty": empty,
        "pulso_update": update,
        "ratio_empty_to_duckdb": round(empty["seconds"] / steps["duckdb_insert_s"], 2),
        "ratio_update_to_duckdb": round(update["seconds"] / steps["duckdb_insert_s"], 2),
        "ratio_update_to_duckdb_upsert": round(update["seconds"] / steps["duckdb_upsert_s"], 2),
        "ratio_empty_to_duckdb_kept": round(empty["seconds"] / steps["duckdb_kept_s"], 2),
    }


def _timed(run: Callable[[], Any], db: Path, keep: Path | None = None) -> dict[str, Any]:
    """One timing with its peak memory; the database it wrote is removed after (or
    moved to ``keep``)."""
    reset_peak()
    found = run()
    result = dict(found) if isinstance(found, dict) else {"seconds": round(found, 3)}
    result["peak_mb"] = peak_mb()
    if keep is not None:  # closed: DuckDB wrote everything into the file
        db.rename(keep)
    _remove(db)
    return result


def _remove(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)


def _median(found: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time (the lower middle one of an even number)."""
    return sorted(found, key=lambda r: r["seconds"])[(len(found) - 1) // 2]
