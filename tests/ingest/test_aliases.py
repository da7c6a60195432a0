"""The value map: suggested matches, the table, how cells are read, what it changed."""

from __future__ import annotations

import json

import polars as pl
import pytest

from analytics import queries
from analytics.ingest import IngestError, Mapping, aliases, quality, validate
from analytics.ingest.aliases import Alias, Aliased, NewValue
from analytics.ingest.quality import Quality
from analytics.ingest.readers import read_file
from analytics.ingest.value_match import Match, concepts, suggest
from analytics.store import Store
from tests.ingest import builders as b

REGIONS = {"North": 400, "South": 380, "East": 200, "West": 190, "Central": 90}
QUEUES = {"billing": 500, "technical": 300, "sales": 200, "cancellations": 80, "general": 60}
CHANNELS = {"voice": 900, "chat": 300, "email": 200, "callback": 50}
TEAMS = {"Team A": 100, "Team B": 90, "Technical support": 40, "Customer service": 30}

# -- suggestions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "known", "value", "how"),
    [
        ("SOUTH", REGIONS, "South", "same"),
        ("  north ", REGIONS, "North", "same"),
        ("Céntral", REGIONS, "Central", "same"),
        ("Sur", REGIONS, "South", "translation"),
        ("Norte", REGIONS, "North", "translation"),
        ("OESTE", REGIONS, "West", "translation"),
        ("Centro", REGIONS, "Central", "translation"),
        ("facturación", QUEUES, "billing", "translation"),
        ("Ventas", QUEUES, "sales", "translation"),
        ("Técnico", QUEUES, "technical", "translation"),
        ("Bajas", QUEUES, "cancellations", "translation"),
        ("Teléfono", CHANNELS, "voice", "translation"),
        ("Correo electrónico", CHANNELS, "email", "translation"),
        ("Soporte técnico", TEAMS, "Technical support", "translation"),  # word order
        ("Atención al cliente", TEAMS, "Customer service", "translation"),
        ("Equipo A", TEAMS, "Team A", "translation"),
        ("biling", QUEUES, "billing", "similar"),
        ("Cancelations", QUEUES, "cancellations", "similar"),
    ],
)
def test_a_new_value_gets_the_stored_value_it_stands_for(
    new: str, known: dict[str, int], value: str, how: str
) -> None:
    assert suggest(new, known) == Match(value, how)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("new", "known"),
    [
        ("Islas", REGIONS),  # really new
        ("North", {"South": 5}),  # 0.6 alike: not close enough
        ("B2C", {"B2B": 5}),
        ("Devoluciones", QUEUES),  # "returns" is not a queue yet
        ("Team C", TEAMS),  # team C is another team
        ("---", REGIONS),  # no words at all
    ],
)
def test_no_suggestion_where_nothing_is_close(new: str, known: dict[str, int]) -> None:
    assert suggest(new, known) is None


def test_among_equals_the_value_with_most_rows_is_suggested() -> None:
    assert suggest("south", {"South": 5, "SOUTH": 50}) == Match("SOUTH", "same")
    assert suggest("Sur", {"South": 5, "south east": 1, "Southern": 9}) == Match(
        "South", "translation"
    )


def test_concepts_read_plurals_and_leave_unknown_words_as_they_are() -> None:
    assert concepts("Reclamaciones") == concepts("Complaints") == frozenset({"complaint"})
    assert concepts("Devoluciones y cambios") == frozenset({"return", "cambios"})
    assert concepts("") == frozenset()


# -- the table -------------------------------------------------------------------------------


def test_entries_are_saved_read_replaced_and_removed(store: Store) -> None:
    saved = aliases.save(store, [Alias("region", "Sur", "South"), Alias("queue", " facturación ", "billing")], by="ana")  # fmt: skip
    assert saved == 2
    assert aliases.read(store) == (
        Alias("queue", "facturación", "billing"),
        Alias("region", "Sur", "South"),
    )
    aliases.save(store, [Alias("region", "SUR", "Southern")])  # same key: replaces
    assert aliases.read(store, ["region"]) == (Alias("region", "SUR", "Southern"),)
    assert store.sql("select created_by from value_aliases where field = 'queue'").item() == "ana"
    aliases.remove(store, "region", "sur")
    assert aliases.read(store, ["region"]) == ()
    with pytest.raises(IngestError) as err:
        aliases.remove(store, "region", "Sur")
    assert err.value.code == "alias_not_found"


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (Alias("agent_id", "A1", "A2"), "alias_unknown_field"),
        (Alias("survey_channel", "tel", "ivr"), "alias_unknown_field"),
        (Alias("region", "  ", "South"), "alias_blank"),
        (Alias("region", "--", "South"), "alias_blank"),
        (Alias("region", "Sur", " "), "alias_blank"),
    ],
)
def test_entries_that_cannot_work_are_refused(store: Store, entry: Alias, code: str) -> None:
    with pytest.raises(IngestError) as err:
        aliases.save(store, [Alias("region", "Norte", "North"), entry])
    assert err.value.code == code
    assert aliases.read(store) == ()  # all or nothing


def test_a_value_read_as_itself_is_not_saved(store: Store) -> None:
    assert aliases.save(store, [Alias("region", "South", "South")]) == 0
    assert aliases.read(store) == ()


def test_chains_are_followed_and_cycles_stop() -> None:
    entries = [
        Alias("region", "Sur", "South"),
        Alias("region", "South", "Southern"),
        Alias("queue", "a", "b"),
        Alias("queue", "B", "a"),
    ]
    assert aliases.resolved(entries) == (
        ("queue", "a", "a"),
        ("queue", "b", "b"),
        ("region", "south", "Southern"),
        ("region", "sur", "Southern"),
    )


def test_the_map_covers_the_named_breakdowns_only() -> None:
    assert set(aliases.ALL_FIELDS) == set(queries.DIMENSIONS) - {"agent_id"}
    assert aliases.FIELDS["surveys"] == ()


def test_attach_takes_the_entries_of_the_mapped_fields(store: Store) -> None:
    aliases.save(store, [Alias("region", "Sur", "South"), Alias("team", "Equipo A", "Team A")])
    mapping = Mapping.of("calls", {"call_id": "id", "started_at": "at", "region": "zona"})
    assert aliases.attach(store, mapping).aliases == (("region", "sur", "South"),)
    assert aliases.attach(store, mapping).to_json() == mapping.to_json()  # not saved with it


# -- reading cells ---------------------------------------------------------------------------


def test_cells_are_read_through_the_map_whatever_their_case_and_accents(
    tmp_path: pl.DataFrame,
) -> None:
    cells = ["Sur", "SUR", " sur ", "Súr", "SÚR", "Sur  Este", "sur este", "Surf", "", "South"]
    rows = [[f"C{i}", "2024-01-01 10:00", cell] for i, cell in enumerate(cells)]
    path = b.write(tmp_path / "c.csv", b.csv_text([["id", "at", "zona"], *rows]))  # type: ignore[operator]
    mapping = Mapping(
        "calls",
        (("call_id", "id"), ("region", "zona"), ("started_at", "at")),
        aliases=(("region", "sur", "South"), ("region", "sur este", "Southeast")),
    )
    got = validate(read_file(path), mapping).good.get_column("region").to_list()
    assert got == [*["South"] * 5, "Southeast", "Southeast", "Surf", None, "South"]


def test_quality_counts_the_cells_the_map_changed_and_keeps_them_in_json(
    tmp_path: pl.DataFrame,
) -> None:
    rows = [["C1", "2024-01-01", "Sur"], ["C2", "2024-01-01", "SUR"], ["C3", "2024-01-01", "Sur"],
            ["C4", "2024-01-01", "North"], ["C5", "not a date", "Sur"]]  # fmt: skip
    path = b.write(tmp_path / "c.csv", b.csv_text([["id", "at", "zona"], *rows]))  # type: ignore[operator]
    mapping = Mapping(
        "calls",
        (("call_id", "id"), ("region", "zona"), ("started_at", "at")),
        aliases=(("region", "sur", "South"),),
    )
    measured = quality.measure(validate(read_file(path), mapping))
    # The rejected row's cell counts too, as every measure of the report does.
    assert measured.aliased == (Aliased("region", (("SUR", "South"), ("Sur", "South")), 4),)
    assert Quality.from_json(measured.to_json()) == measured
    line = quality.lines(measured, "es")[-1]
    assert (
        line
        == "Región: 2 valores leídos con la tabla de equivalencias (SUR → South, Sur → South), 4 filas."
    )


def test_old_quality_reports_read_without_the_map() -> None:
    body = json.loads(Quality("calls", 1, ()).to_json())
    del body["aliased"]  # as a batch measured before the value map existed kept it
    assert Quality.from_json(json.dumps(body)) == Quality("calls", 1, ())


# -- new values ------------------------------------------------------------------------------


def test_new_values_group_spellings_and_come_most_rows_first() -> None:
    found = {
        "region": {"South": 9, "Sur": 2, "SUR": 3, "Islas": 4},
        "queue": {"facturación": 1},
        "team": {"Team Z": 5},  # the store has no team yet: nothing to match
    }
    new = aliases.new_values(found, {"region": REGIONS, "queue": QUEUES, "team": {}})
    assert new == (
        NewValue("region", "SUR", 5, Match("South", "translation"), ("Sur",)),
        NewValue("region", "Islas", 4, None),
        NewValue("queue", "facturación", 1, Match("billing", "translation")),
    )


def test_a_value_with_no_letter_or_digit_is_not_offered() -> None:
    assert aliases.new_values({"region": {"--": 3}}, {"region": REGIONS}) == ()
