"""What was sent, what is waiting and what failed: the log the Settings page shows."""

from __future__ import annotations

import datetime as dt

import polars as pl

from analytics.store import Store

STATUSES = ("sent", "pending", "failed")
LOG_LIMIT = 1_000
#: The log's columns, in the order the page shows them.
COLUMNS = (
    "at",
    "rule",
    "kind",
    "events",
    "recipient",
    "channel",
    "status",
    "attempts",
    "last_error",
    "next_try_at",
)


def deliveries(
    store: Store, statuses: tuple[str, ...] = (), limit: int = LOG_LIMIT
) -> pl.DataFrame:
    """The latest deliveries first: when (sent, else last tried, else recorded), the
    rule (its name; ``#id`` once deleted), how many events the message carried, the
    recipient and what came of it."""
    where = "true" if not statuses else "list_contains(?::varchar[], d.status)"
    params: list[object] = [list(statuses)] if statuses else []
    sql = (
        'select coalesce(d.sent_at, d.updated_at, d.created_at) as "at",'  # noqa: S608 (fixed)
        " coalesce(r.name, '#' || d.rule_id::varchar) as rule, r.kind,"
        " (select count(*) from alert_events e where e.rule_id = d.rule_id"
        "   and e.message_key = d.message_key) as events,"
        " d.recipient, d.channel, d.status, d.attempts, d.last_error, d.next_try_at,"
        " d.rule_id, d.message_key"
        " from alert_deliveries d left join alert_rules r on r.rule_id = d.rule_id"
        f' where {where} order by "at" desc, d.rule_id, d.recipient limit ?'
    )
    return store.sql(sql, [*params, limit])


def counts(store: Store) -> dict[str, int]:
    """Deliveries per status (every status present, 0 when none)."""
    rows = (
        store.cursor()
        .execute("select status, count(*) from alert_deliveries group by status")
        .fetchall()
    )
    found = {str(s): int(n) for s, n in rows}
    return {s: found.get(s, 0) for s in STATUSES}


def retry_failed(store: Store, now: dt.datetime | None = None) -> int:
    """Give the failed deliveries a new set of attempts, due at once; returns how many.
    Their last error stays until a send replaces it."""
    at = now or dt.datetime.now().replace(microsecond=0)
    with store.transaction() as cur:
        row = cur.execute(
            "update alert_deliveries set status = 'pending', attempts = 0, next_try_at = null,"
            " updated_at = ? where status = 'failed'",
            [at],
        ).fetchone()
    return int(row[0]) if row else 0


def version(store: Store) -> str:
    """Changes whenever a delivery is recorded or updated (for caches)."""
    row = (
        store.cursor()
        .execute("select count(*), max(updated_at), max(created_at) from alert_deliveries")
        .fetchone()
    )
    return repr(row)
