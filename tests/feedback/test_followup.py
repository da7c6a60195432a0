"""Follow-up items: creation, business-day deadlines, the lifecycle, compliance, export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest

from analytics import access, exports
from analytics.feedback import compliance as followup_rates
from analytics.feedback import followup
from analytics.feedback import queue as followup_queue
from analytics.feedback.deadlines import Policy
from analytics.feedback.queue import ListFilter
from analytics.ingest import ingest, read_file, suggest_mapping, undo_batch
from analytics.metrics import proportion
from analytics.queries import Filters
from analytics.store import Store, connect
from tests.conftest import DemoStores, call, insert, survey

MON = dt.datetime(2026, 3, 2, 10, 0)  # a Monday
NOW = dt.datetime(2026, 3, 20, 12, 0)  # a Friday, weeks later


def _day(offset: int, hour: int = 10) -> dt.datetime:
    return MON.replace(hour=hour) + dt.timedelta(days=offset)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (_day(4), 2, _day(8)),  # Friday + 2 -> Tuesday
        (_day(3), 1, _day(4)),  # Thursday + 1 -> Friday
        (_day(2), 3, _day(7)),  # Wednesday + 3 -> Monday
        (_day(5), 1, _day(7)),  # Saturday + 1 -> Monday
        (_day(6), 2, _day(8)),  # Sunday + 2 -> Tuesday
        (_day(0), 5, _day(7)),  # Monday + 5 -> next Monday
        (_day(4), 10, _day(18)),  # Friday + 10 -> Friday two weeks on
    ],
)
def test_business_days_skip_weekends(start: dt.datetime, days: int, due: dt.datetime) -> None:
    # A weekend moment counts from the Friday before, at the same time of day.
    expected = due if start.weekday() < 5 else due.replace(hour=start.hour)
    assert followup.add_business_days(start, days) == expected


@pytest.mark.parametrize("days", [1, 2, 3, 4, 5, 6, 7, 11])
def test_sql_due_dates_equal_the_python_rule(empty_store: Store, days: int) -> None:
    """The set-based SQL and add_business_days agree for every weekday."""
    rows = [survey(i, _day(i, hour=9 + i), nps=0) for i in range(7)]
    insert(empty_store, "surveys", rows)
    followup.sync_items(empty_store, Policy(detractor_days=days), now=NOW)
    got = empty_store.sql("select responded_at, due_at from followup_items order by 1")
    expected = [followup.add_business_days(at, days) for at in got["responded_at"]]
    assert got.height == len(rows) and got["due_at"].to_list() == expected  # every weekday


def _eligibility_store(store: Store) -> None:
    insert(store, "calls", [call(1, _day(0), team="T1"), call(2, _day(0), team="T2")])
    insert(
        store,
        "surveys",
        [
            survey(1, _day(0), call_id="C1", nps=6),  # detractor
            survey(2, _day(0), call_id="C2", nps=7, csat=2),  # dissatisfied
            survey(3, _day(0), nps=8),  # passive
            survey(4, _day(0), csat=3),  # passive (neutral CSAT)
            survey(5, _day(0), nps=9, csat=5),  # promoter: nothing to do
            survey(6, _day(0), ces=2.0, ces_scale=7),  # no NPS/CSAT: nothing to do
            survey(7, _day(0), nps=0, survey_type="relational"),  # detractor without a call
        ],
    )


def test_detractors_and_dissatisfied_get_items_passives_only_when_enabled(
    empty_store: Store,
) -> None:
    _eligibility_store(empty_store)
    assert followup.sync_items(empty_store, Policy(), now=NOW) == 3
    items = empty_store.sql("select response_id, reason, team from followup_items order by 1")
    assert items.rows() == [
        ("R1", "detractor", "T1"),
        ("R2", "dissatisfied", "T2"),
        ("R7", "detractor", None),
    ]
    assert followup.sync_items(empty_store, Policy(passive_days=5), now=NOW) == 2
    passive = empty_store.sql(
        "select response_id, due_at from followup_items where reason = 'passive' order by 1"
    )
    assert passive["due_at"].to_list() == [_day(7), _day(7)]  # Monday + 5 business days


def test_no_duplicates_on_resync_or_reload(empty_store: Store) -> None:
    _eligibility_store(empty_store)
    assert followup.sync_items(empty_store, now=NOW) == 3
    assert followup.sync_items(empty_store, now=NOW) == 0
    # The same responses loaded again (deleted and re-inserted, as an upsert would).
    again = empty_store.sql("select * from surveys")
    empty_store.cursor().execute("delete from surveys")
    cur = empty_store.cursor()
    cur.register("again", again.to_arrow())
    cur.execute("insert into surveys by name select * from again")
    assert followup.sync_items(empty_store, now=NOW) == 0
    assert empty_store.sql("select count(*) as n from followup_items")["n"][0] == 3
    with pytest.raises(Exception, match=r"(?i)constraint"):
        empty_store.cursor().execute(
            "insert into followup_items (response_id, reason, responded_at, due_at)"
            " values ('R1', 'detractor', ?, ?)",
            [NOW, NOW],
        )


def test_a_sync_with_nothing_new_reads_no_answer_again(
    empty_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages make sure the items exist. With the same answers, items and deadlines
    as after the last sync, they do not scan every answer again (1.3 s at 10M calls);
    anything else makes the next sync a full one."""
    _eligibility_store(empty_store)
    assert followup.sync_items(empty_store, now=NOW) == 3
    scans = ("_SYNC_SQL", "_DROP_ORPHANS_SQL")
    for name in scans:  # a scan now fails the test
        monkeypatch.setattr(followup, name, "select error('scanned every answer')")
    assert followup.sync_items(empty_store, now=NOW) == 0
    monkeypatch.undo()
    # an item removed by hand is made again
    empty_store.cursor().execute("delete from followup_items where response_id = 'R7'")
    assert followup.sync_items(empty_store, now=NOW) == 1
    # other deadlines: the two passives
    assert followup.sync_items(empty_store, Policy(passive_days=5), now=NOW) == 2
    # an answer changed in place (the same row count): the promoter's item comes
    empty_store.cursor().execute("update surveys set nps = 0 where response_id = 'R5'")
    assert followup.sync_items(empty_store, Policy(passive_days=5), now=NOW) == 1
    # a load, then its undo
    csv_file = tmp_path / "answers.csv"
    csv_file.write_text("response_id,responded_at,nps\nR30,2026-03-03 10:00,1\n")
    raw = read_file(csv_file)
    batch = ingest(empty_store, raw, suggest_mapping(raw, "surveys").mapping).batch_id
    assert followup.sync_items(empty_store, Policy(passive_days=5), now=NOW) == 1
    undo_batch(empty_store, batch)
    followup.sync_items(empty_store, Policy(passive_days=5), now=NOW)
    gone = empty_store.sql("select count(*) n from followup_items where response_id = 'R30'")
    assert gone["n"][0] == 0  # its item went with it


def test_lifecycle_persists_across_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "pulso.duckdb")
    store = connect(path)
    _eligibility_store(store)
    followup.sync_items(store, now=NOW)
    item = int(store.sql("select item_id from followup_items where response_id = 'R1'")[0, 0])
    t1, t2, t3 = (NOW + dt.timedelta(hours=h) for h in (1, 2, 3))
    followup.assign(store, item, "  Ana  ", by="lead", now=t1)
    followup.record_contact(store, item, "Called back, refund offered", now=t2)
    followup.close(store, item, recovered=True, note="Happy again", now=t3)
    store.close()

    store = connect(path)  # a restart: a new process opening the same file
    row = followup_queue.list_items(store, ListFilter(statuses=()), now=t3).filter(
        pl.col("item_id") == item
    )
    r = row.row(0, named=True)
    assert (r["status"], r["owner"], r["note"]) == ("recovered", "Ana", "Happy again")
    # Contacted on 20 March for a response due on 4 March: the deadline was missed.
    assert (r["contacted_at"], r["closed_at"], r["overdue"]) == (t2, t3, True)
    log = followup.history(store, item)
    assert log.select("action", "owner", "note", "acted_by").rows() == [
        ("assigned", "Ana", "", "lead"),
        # no name given: the acting user is recorded (here the OS user: no sign-in)
        ("contacted", None, "Called back, refund offered", access.local_actor().user),
        ("recovered", None, "Happy again", access.local_actor().user),
    ]
    assert followup.sync_items(store, now=t3) == 0  # restart + re-sync: still no duplicate
    store.close()


def test_closed_items_cannot_be_closed_again_and_unknown_items_are_refused(
    empty_store: Store,
) -> None:
    _eligibility_store(empty_store)
    followup.sync_items(empty_store, now=NOW)
    followup.close(empty_store, 1, recovered=False, note="", now=NOW)
    with pytest.raises(ValueError, match=r"followup\.error\.closed"):
        followup.record_contact(empty_store, 1, now=NOW)
    with pytest.raises(ValueError, match=r"followup\.error\.closed"):
        followup.close(empty_store, 1, recovered=True, now=NOW)
    with pytest.raises(KeyError):
        followup.assign(empty_store, 999, "Ana")
    with pytest.raises(ValueError, match=r"followup\.error\.owner"):
        followup.assign(empty_store, 2, "   ")
    followup.assign(empty_store, 1, "Ben", now=NOW)  # re-assigning a closed item is fine
    closed = followup_queue.list_items(
        empty_store, ListFilter(statuses=("not_recovered",)), now=NOW
    )
    assert closed.select("item_id", "owner", "contacted_at").rows() == [(1, "Ben", NOW)]


def _compliance_store(store: Store) -> None:
    """Week 1 (Mon 2 March): 4 items due Wed 4 March 10:00; week 2: 3 items due Wed 11th."""
    insert(store, "surveys", [survey(i, _day(0), nps=3) for i in range(4)])
    insert(store, "surveys", [survey(10 + i, _day(7), nps=3) for i in range(3)])
    followup.sync_items(store, now=_day(0))
    on_time, late = _day(1), _day(3)
    followup.record_contact(store, 1, now=on_time)  # week 1: on time, then recovered
    followup.close(store, 1, recovered=True, now=_day(4))
    followup.close(store, 2, recovered=False, now=late)  # week 1: late (closing = contact)
    followup.record_contact(store, 3, now=late)  # week 1: late, still contacted
    # item 4 (week 1): never contacted, past due -> counts against compliance
    followup.close(store, 5, recovered=True, now=_day(8))  # week 2: on time, recovered
    # items 6, 7 (week 2): open, due Wed 11th 10:00, not yet due at "now" below


def test_compliance_and_recovery_equal_a_hand_count(empty_store: Store) -> None:
    _compliance_store(empty_store)
    now = _day(9, hour=9)  # Wednesday 11 March 09:00: week 2's deadline not reached
    got = followup_rates.compliance(empty_store, "week", now=now)
    by = {(r["period"], r["kpi"]): r for r in got.iter_rows(named=True)}
    w1, w2 = dt.date(2026, 3, 2), dt.date(2026, 3, 9)
    # Hand count. Week 1: 4 decided, 1 on time; 2 closed, 1 recovered.
    # Week 2: 1 decided (item 5), on time; 1 closed, recovered; items 6-7 pending.
    expected = {
        (w1, "compliance"): proportion(1, 4),
        (w1, "recovery"): proportion(1, 2),
        (w2, "compliance"): proportion(1, 1),
        (w2, "recovery"): proportion(1, 1),
    }
    got_rates = {
        key: (by[key]["n"], *(round(by[key][f], 5) for f in ("value", "low", "high")))
        for key in expected
    }
    assert got_rates == {
        key: (est.n, *(round(v, 5) for v in (est.value, est.low, est.high)))
        for key, est in expected.items()
    }  # every period and rate compared at once: a mismatch shows them all
    assert by[(w1, "compliance")]["value"] == 25.0
    assert not by[(w1, "compliance")]["partial"] and by[(w2, "compliance")]["partial"]
    later = followup_rates.compliance(empty_store, "week", now=_day(12))  # now week 2 is all due
    assert later.filter((pl.col("period") == w2) & (pl.col("kpi") == "compliance"))["n"][0] == 3


def test_status_counts_and_list_filters(empty_store: Store) -> None:
    _compliance_store(empty_store)
    now = _day(9, hour=9)
    counts = followup_queue.status_counts(empty_store, now=now)
    assert counts == {
        "open": 3,
        "contacted": 1,
        "recovered": 2,
        "not_recovered": 1,
        "overdue": 3,  # deadline missed: 2 (closed late), 3 (contacted late), 4 (never)
        "overdue_open": 1,  # item 4: still not contacted, past its due time
    }
    overdue = followup_queue.list_items(empty_store, ListFilter(overdue_only=True), now=now)
    assert overdue["item_id"].to_list() == [3, 4]  # active and late
    followup.assign(empty_store, 6, "Ana", now=now)
    mine = followup_queue.list_items(empty_store, ListFilter(owners=("Ana",)), now=now)
    assert mine["item_id"].to_list() == [6]
    old = followup_queue.list_items(empty_store, ListFilter(statuses=(), min_age_days=5), now=now)
    assert old["item_id"].to_list() == [1, 2, 3, 4]
    assert followup_queue.owners(empty_store) == ["Ana"]


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Fine, thanks", "Fine, thanks"),
        ("", ""),
        (42, 42),
    ],
)
def test_formula_cells_are_neutralised(cell: object, safe: object) -> None:
    frame = pl.DataFrame({"cell": [cell]})
    rows = list(csv.reader(io.StringIO(exports.to_csv(frame, "en").decode("utf-8-sig"))))
    assert rows[1] == [str(safe)]


def test_export_neutralises_comments_and_notes(empty_store: Store) -> None:
    insert(empty_store, "surveys", [survey(1, _day(0), nps=0, comment="=1+1 awful")])
    followup.sync_items(empty_store, now=NOW)
    followup.close(empty_store, 1, recovered=False, note="@boss call me", now=NOW)
    data = followup_queue.export(empty_store, now=NOW)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert (rows[0]["Comment"], rows[0]["Note"]) == ("'=1+1 awful", "'@boss call me")
    assert rows[0]["NPS"] == "0"


def test_policy_refuses_deadlines_under_one_day() -> None:
    with pytest.raises(ValueError):
        Policy(detractor_days=0)
    with pytest.raises(ValueError):
        Policy(passive_days=0)


def test_demo_history_plants_rising_compliance_and_nothing_after_the_end(
    demo_stores: DemoStores, tmp_path: Path
) -> None:
    from analytics.demo import followup as followup_demo

    store = demo_stores.open(tmp_path, calls=20_000, seed=3, end=dt.date(2026, 6, 28))
    followup.sync_items(store)
    assert followup_demo.simulate(store, seed=1) > 0
    actions = "select * from followup_actions order by action_id"
    done = store.sql(actions)
    # Idempotent for what was done: acted-on items are left as they are. (An item whose
    # first step fell after the end has none yet, and may get one on a second run.)
    again = followup_demo.simulate(store, seed=1)
    assert store.sql(actions).head(done.height).equals(done) and again < 10
    last = store.sql("select max(responded_at) as t from surveys")["t"][0]
    after = store.sql(
        "select count(*) as n from followup_actions a join followup_items i using (item_id)"
        " where a.acted_at > ? or i.contacted_at > ? or i.closed_at > ?",
        [last, last, last],
    )
    assert after["n"][0] == 0
    active = followup_queue.list_items(store, now=last, limit=None)
    assert active.height > 0  # a live queue at the end of the data
    rates = followup_rates.compliance(store, "month", now=last)
    comp = rates.filter(pl.col("kpi") == "compliance")
    first, late = comp["value"].head(6).mean(), comp["value"].slice(-7, 6).mean()
    assert 45 < first < 65 and 65 < late < 85  # type: ignore[operator]
    rec = rates.filter(pl.col("kpi") == "recovery")
    share = rec["value"].dot(rec["n"]) / rec["n"].sum()
    assert abs(share - 100 * followup_demo.RECOVER_SHARE) < 3
    store.close()


def test_policy_from_the_environment() -> None:
    assert Policy.from_env({}) == Policy(2, None)
    env = {"PULSO_FOLLOWUP_DAYS": "3", "PULSO_FOLLOWUP_PASSIVE_DAYS": "10"}
    assert Policy.from_env(env) == Policy(3, 10)


def test_items_of_an_undone_load_go_unless_someone_acted_on_them(empty_store: Store) -> None:
    _eligibility_store(empty_store)
    followup.sync_items(empty_store, now=NOW)
    followup.assign(empty_store, 2, "Ana", now=NOW)  # item of R2: has a history
    empty_store.cursor().execute("delete from surveys where response_id in ('R1', 'R2')")
    assert followup.sync_items(empty_store, now=NOW) == 0
    left = empty_store.sql("select response_id from followup_items order by 1")
    assert left["response_id"].to_list() == ["R2", "R7"]


def test_the_demo_command_comes_with_a_follow_up_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analytics import cli

    path = tmp_path / "demo.duckdb"
    monkeypatch.setenv("PULSO_DB", str(path))
    assert cli.main(["demo", "--calls", "3000", "--seed", "3", "--end", "2026-06-28"]) == 0
    store = connect(str(path))
    eligible = store.sql("select count(*) as n from surveys where nps <= 6 or csat <= 2")
    counts = followup_queue.status_counts(store)
    store.close()
    assert sum(counts[s] for s in followup.STATUSES) == eligible["n"][0] > 0
    assert counts["recovered"] > 0 and counts["not_recovered"] > 0  # a history, not all open


def test_an_item_contacted_21_days_late_stays_overdue(empty_store: Store) -> None:
    """Overdue means "not done by the deadline", whether or not it was done later."""
    insert(empty_store, "surveys", [survey(1, _day(0), nps=2), survey(2, _day(0), nps=2)])
    followup.sync_items(empty_store, now=_day(0))  # both due Wednesday 4 March, 10:00
    followup.record_contact(empty_store, 1, now=_day(2) + dt.timedelta(days=21))
    followup.record_contact(empty_store, 2, now=_day(1))  # on time
    now = _day(30)
    items = followup_queue.list_items(empty_store, followup_queue.EVERY, now=now)
    assert dict(items.select("item_id", "overdue").rows()) == {1: True, 2: False}
    counts = followup_queue.status_counts(empty_store, now=now)
    assert (counts["overdue"], counts["overdue_open"]) == (1, 0)
    late = followup_queue.list_items(empty_store, ListFilter(overdue_only=True), now=now)
    assert late["item_id"].to_list() == [1]
    # Overdue is the complement of deadline compliance over the decided items.
    rates = followup_rates.compliance(empty_store, "month", now=now)
    compliance = rates.filter(pl.col("kpi") == "compliance").row(0, named=True)
    assert (compliance["n"], compliance["value"]) == (2, 50.0)


@pytest.mark.parametrize("now", [_day(1), _day(2, hour=10), _day(2, hour=11)])
def test_an_open_item_is_overdue_only_once_its_deadline_has_passed(
    empty_store: Store, now: dt.datetime
) -> None:
    insert(empty_store, "surveys", [survey(1, _day(0), nps=2)])  # due 4 March 10:00
    followup.sync_items(empty_store, now=_day(0))
    items = followup_queue.list_items(empty_store, now=now)
    assert items["overdue"].to_list() == [now > _day(2)]


def _scoped_store(store: Store) -> None:
    """Two detractors in the North (1 and 8 March), one in the South (2 March) and one
    without a call (3 March)."""
    calls = [
        call(1, _day(0), region="North", channel="voice"),
        call(2, _day(1), region="South", channel="chat"),
        call(3, _day(6), region="North", channel="chat"),
    ]
    insert(store, "calls", calls)
    rows = [survey(i, c["started_at"], call_id=c["call_id"], nps=1) for i, c in enumerate(calls)]
    insert(store, "surveys", [*rows, survey(9, _day(2), nps=0)])
    followup.sync_items(store, now=_day(0))
    followup.close(store, 3, recovered=True, now=_day(7))  # the 8 March North item


@pytest.mark.parametrize(
    ("scope", "responses"),
    [
        (Filters(), ["R0", "R1", "R2", "R9"]),
        (Filters(region=("North",)), ["R0", "R2"]),
        (Filters(region=("North",), channel=("chat",)), ["R2"]),
        (Filters(start=_day(1).date(), end=_day(2).date()), ["R1", "R9"]),
        (Filters(start=_day(0).date(), end=_day(5).date(), region=("North",)), ["R0"]),
        (Filters(region=("East",)), []),
    ],
)
@pytest.mark.parametrize("kept", [True, False], ids=["kept-answers", "join"])
def test_the_sidebar_filters_select_items_everywhere(
    empty_store: Store, scope: Filters, responses: list[str], kept: bool
) -> None:
    """The list, its count, the status tiles and the rates all take the same items:
    from the answers kept with their call, and from the join when they are not current
    (a direct write, here a call no answer names, without the rebuild)."""
    _scoped_store(empty_store)
    if not kept:
        empty_store.con.execute(
            "insert into calls (call_id, started_at, region) values ('C99', ?, 'East')",
            [_day(3)],
        )
    assert (empty_store.answers() is not None) is kept
    every = ListFilter(statuses=(), scope=scope)
    listed = followup_queue.list_items(empty_store, every, now=NOW)
    assert sorted(listed["response_id"].to_list()) == responses
    assert followup_queue.count_items(empty_store, every, now=NOW) == len(responses)
    counts = followup_queue.status_counts(empty_store, scope, now=NOW)
    assert sum(counts[s] for s in followup.STATUSES) == len(responses)
    rates = followup_rates.compliance(empty_store, "month", now=NOW, scope=scope)
    assert rates.filter(pl.col("kpi") == "compliance")["n"].sum() == len(responses)


def test_the_export_reads_in_the_readers_language(empty_store: Store) -> None:
    """Headers, status, reason and overdue in words; moments to the minute; a Spanish
    file separates cells with ';' (a Spanish spreadsheet's list separator)."""
    insert(empty_store, "surveys", [survey(1, _day(0, 10) + dt.timedelta(seconds=7.25), nps=0)])
    followup.sync_items(empty_store, now=NOW)
    followup.record_contact(empty_store, 1, now=_day(21))
    es = followup_queue.export(empty_store, lang="es", now=NOW).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(es), delimiter=";"))
    assert len(rows[0]) == len(followup_queue.EXPORTED)  # one header per column
    got = {k: rows[0][k] for k in ("Estado", "Vencido", "Motivo", "Respuesta", "Contactado")}
    assert got == {
        "Estado": "Contactado",
        "Vencido": "sí",
        "Motivo": "Detractor",
        "Respuesta": "02/03/2026 10:00",
        "Contactado": "23/03/2026 10:00",
    }
    en = followup_queue.export(empty_store, lang="en", now=NOW).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(en)))
    assert (row["Overdue"], row["Response"], row["Due"]) == (
        "yes",
        "2026-03-02 10:00",
        "2026-03-04 10:00",
    )
    assert "true" not in en.lower() and "T10" not in en and ".000" not in en


def test_owner_options_offer_the_items_team_and_its_agents_first(empty_store: Store) -> None:
    calls = [
        call(1, _day(0), team="T2", agent_id="B7"),
        call(2, _day(0), team="T1", agent_id="A2"),
        call(3, _day(0), team="T1", agent_id="A1"),
        call(4, _day(0), team="T2", agent_id="B1"),
    ]
    insert(empty_store, "calls", calls)
    insert(empty_store, "surveys", [survey(1, _day(0), call_id="C1", nps=0)])
    followup.sync_items(empty_store, now=NOW)
    followup.assign(empty_store, 1, "Ana Pérez", now=NOW)
    assert followup_queue.owner_options(empty_store, "T1") == [
        ("T1", "team"),
        ("A1", "agent"),
        ("A2", "agent"),
        ("T2", "team"),
        ("B1", "agent"),
        ("B7", "agent"),
        ("Ana Pérez", "owner"),
    ]
    assert followup_queue.owner_options(empty_store, None)[0] == ("T1", "team")
