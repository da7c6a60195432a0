"""The value map end to end: a Spanish extract after an English one, through the
engine, the command line, and a real 911 extract (tests/data/corpus/PROVENANCE.md)."""

from __future__ import annotations

import shlex
from pathlib import Path

import polars as pl
import pytest

from analytics.cli import main
from analytics.ingest import (
    aliases,
    ingest,
    load,
    quality,
    read_file,
    suggest,
    undo_batch,
    validate,
)
from analytics.ingest.aliases import Alias, Aliased
from analytics.ingest.model import Mapping
from analytics.ingest.value_match import Match
from analytics.store import Store, connect
from tests.ingest import builders as b

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
SEATTLE = CORPUS / "calls_seattle_pd_911_csss508.csv"
HEADER = ["call_id", "started_at", "region", "queue"]
ENGLISH = [
    ["E1", "2024-01-02 09:00", "South", "billing"],
    ["E2", "2024-01-02 09:05", "North", "billing"],
    ["E3", "2024-01-02 09:10", "South", "sales"],
]
SPANISH = [
    ["S1", "2024-02-02 09:00", "Sur", "facturación"],
    ["S2", "2024-02-02 09:05", "Norte", "Facturación"],
    ["S3", "2024-02-02 09:10", "SUR", "Ventas"],
    ["S4", "2024-02-02 09:15", "Islas", "facturacion"],
]


def _file(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    return b.write(tmp_path / name, b.csv_text([HEADER, *rows]))


def _mapping(store: Store, path: Path) -> Mapping:
    return suggest(store, read_file(path), "calls").mapping


def _values(store: Store, field: str) -> list[str]:
    return store.sql(f"select distinct {field} from calls order by 1").to_series().to_list()


def test_a_spanish_extract_reads_as_the_stored_values_once_the_map_says_so(
    store: Store, tmp_path: Path
) -> None:
    english = _file(tmp_path, "english.csv", ENGLISH)
    ingest(store, read_file(english), _mapping(store, english))
    spanish = _file(tmp_path, "spanish.csv", SPANISH)
    raw = read_file(spanish)
    mapping = aliases.attach(store, _mapping(store, spanish))  # the page's flow: empty map
    checked = validate(raw, mapping)
    stored = aliases.known(store.cursor(), "calls", ["region", "queue"])
    new = aliases.new_values(aliases.in_rows(checked.good, "calls"), stored)
    assert [(n.field, n.value, n.rows, n.match) for n in new] == [
        ("queue", "Facturación", 3, Match("billing", "translation")),  # one entry reads all 3
        ("queue", "Ventas", 1, Match("sales", "translation")),
        ("region", "SUR", 2, Match("South", "translation")),
        ("region", "Islas", 1, None),
        ("region", "Norte", 1, Match("North", "translation")),
    ]
    accepted = [Alias(n.field, n.value, n.match.value) for n in new if n.match is not None]
    assert aliases.save(store, accepted) == 4

    mapping = aliases.attach(store, mapping)
    report = load(store, validate(raw, mapping))
    assert _values(store, "region") == ["Islas", "North", "South"]
    assert _values(store, "queue") == ["billing", "sales"]
    assert quality.of(report).aliased == (  # type: ignore[union-attr]
        Aliased("queue", (("Facturación", "billing"), ("Ventas", "sales"),
                          ("facturacion", "billing"), ("facturación", "billing")), 4),
        Aliased("region", (("Norte", "North"), ("SUR", "South"), ("Sur", "South")), 3),
    )  # fmt: skip
    assert aliases.new_in_batch(store, report.batch_id, "calls") == (
        aliases.NewValue("region", "Islas", 1),
    )


def test_the_streaming_load_reads_the_map_without_being_told(store: Store, tmp_path: Path) -> None:
    english = _file(tmp_path, "english.csv", ENGLISH)
    ingest(store, read_file(english), _mapping(store, english))
    aliases.save(store, [Alias("region", "Sur", "South"), Alias("queue", "Facturación", "billing")])
    spanish = _file(tmp_path, "spanish.csv", SPANISH)
    report = ingest(store, read_file(spanish), _mapping(store, spanish))  # no attach
    assert _values(store, "region") == ["Islas", "Norte", "North", "South"]
    assert _values(store, "queue") == ["Ventas", "billing", "sales"]
    assert [(a.field, a.rows) for a in quality.of(report).aliased] == [("queue", 3), ("region", 2)]  # type: ignore[union-attr]  # fmt: skip


def test_a_value_loaded_before_its_entry_is_relabelled_by_loading_the_file_again(
    store: Store, tmp_path: Path
) -> None:
    english = _file(tmp_path, "english.csv", ENGLISH)
    ingest(store, read_file(english), _mapping(store, english))
    spanish = _file(tmp_path, "spanish.csv", SPANISH)
    first = ingest(store, read_file(spanish), _mapping(store, spanish))
    assert "Sur" in _values(store, "region")
    aliases.save(store, [Alias("region", "sur", "South")])
    again = ingest(store, read_file(spanish), _mapping(store, spanish))
    assert (again.updated, again.unchanged) == (2, 2)
    assert "Sur" not in _values(store, "region") and "SUR" not in _values(store, "region")
    undo_batch(store, again.batch_id)  # and it can be taken back like any load
    assert {"Sur", "SUR"} <= set(_values(store, "region"))
    assert first.batch_id < again.batch_id


# -- command line ----------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.duckdb"
    monkeypatch.setenv("PULSO_DB", str(path))
    return path


def test_the_cli_warns_of_new_values_and_the_printed_command_maps_them(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = main(["ingest", "calls", str(_file(tmp_path, "english.csv", ENGLISH))])
    assert first == 0
    assert "warning: new" not in capsys.readouterr().out  # a first load: nothing to compare
    spanish = str(_file(tmp_path, "spanish.csv", SPANISH))
    assert main(["ingest", "calls", spanish]) == 0
    warnings = [w for w in capsys.readouterr().out.splitlines() if w.startswith("warning: new")]
    assert warnings[0] == (
        "warning: new queue “Facturación” (3 rows), not in Pulso before this load; closest "
        "stored value “billing” (the same words in Spanish or English). To read it so in "
        "later loads: python -m analytics aliases add queue 'Facturación' billing"
    )
    assert "warning: new region “Islas” (1 row), not in Pulso before this load; no stored value is close." in warnings  # fmt: skip
    for line in warnings:
        if "aliases add" in line:
            assert main(shlex.split(line.partition("python -m analytics ")[2])) == 0
    assert main(["ingest", "calls", spanish]) == 0  # the same file again, now mapped
    out = capsys.readouterr().out
    assert "quality: Region: 3 values read through the value map (Norte → North, SUR → South, Sur → South), 3 rows." in out  # fmt: skip
    store = connect(str(db))
    try:
        assert _values(store, "region") == ["Islas", "North", "South"]
        assert _values(store, "queue") == ["billing", "sales"]
    finally:
        store.close()


def test_the_aliases_command_lists_adds_removes_and_refuses(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["aliases", "list"]) == 0
    assert capsys.readouterr().out == "The value map is empty.\n"
    assert main(["aliases", "add", "queue", "Facturación", "billing"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "queue: “Facturación” now reads as “billing” in every later load.",
        "note: Pulso holds no queue “billing” yet; check the spelling.",
    ]
    assert main(["aliases", "list", "queue"]) == 0
    assert capsys.readouterr().out == "queue: “Facturación” reads as “billing”\n"
    assert main(["aliases", "add", "agent", "A1", "A2"]) == 1
    assert "“agent” has no value map" in capsys.readouterr().err
    assert main(["aliases", "remove", "queue", "FACTURACION"]) == 0
    assert main(["aliases", "remove", "queue", "facturación"]) == 1
    assert "has no entry for “facturación”" in capsys.readouterr().err


# -- a real extract --------------------------------------------------------------------------


def test_a_real_911_extract_gets_no_false_suggestion_and_reads_an_entry(
    db: Path, tmp_path: Path
) -> None:
    """Seattle PD's calls for service (CC0): loaded with "Event Clearance Group" as the
    queue, then checked with "Initial Type Group" instead. The groups the first lacks are
    new values; none is a spelling of another group, so none gets a suggestion. An
    entry the analyst saves ("PROWLER" is a "CAR PROWL") reads every such row."""
    flags = ["--map", "CAD Event Number=call_id", "--map", "Event Clearance Date=started_at",
             "--map", "District/Sector=region"]  # fmt: skip
    queue = ["--map", "Event Clearance Group=queue"]
    assert main(["ingest", "calls", str(SEATTLE), *flags, *queue]) == 0
    frame = pl.read_csv(SEATTLE, infer_schema=False)
    cleared, initial = (set(frame.get_column(c)) for c in ("Event Clearance Group", "Initial Type Group"))  # fmt: skip
    store = connect(str(db))
    try:
        raw = read_file(SEATTLE)
        mapping = aliases.attach(store, _mapping(store, SEATTLE).with_columns({"queue": "Initial Type Group"}))  # fmt: skip
        stored = aliases.known(store.cursor(), "calls", ["queue"])
        new = aliases.new_values(aliases.in_rows(validate(raw, mapping).good, "calls"), stored)
        assert {n.value for n in new} == initial - cleared - {None}
        assert [n for n in new if n.match is not None] == []
        aliases.save(store, [Alias("queue", "Prowler", "CAR PROWL")])
        good = validate(raw, aliases.attach(store, mapping)).good
        prowlers = frame.filter(pl.col("Initial Type Group").is_in(["PROWLER", "CAR PROWL"]))
        assert good.filter(pl.col("queue") == "CAR PROWL").height == prowlers.height
        assert "PROWLER" not in set(good.get_column("queue"))
    finally:
        store.close()
