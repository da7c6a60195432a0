"""AppTest of the Upload page's "New values" section (issue 12, point 7).

A Spanish extract loaded into the demo store (regions North, South...; queues
billing, sales...) brings "Sur", "Norte", "facturación": the section lists them with
the stored value each probably stands for, the analyst accepts, changes or keeps
them, saves, and the check reads the file through the saved value map. Helpers and
fixtures are the Upload page's (tests/upload/page.py, tests/upload/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ingest import builders as b
from tests.upload.page import Open, confirm, stored, texts, upload

SPANISH = b.csv_text(
    [["call_id", "started_at", "region", "queue"],
     ["NV1", "2026-06-20 10:00", "Sur", "facturación"],
     ["NV2", "2026-06-20 10:05", "Norte", "Facturacion"],
     ["NV3", "2026-06-20 10:10", "SUR", "Ventas"],
     ["NV4", "2026-06-20 10:15", "Islas", "billing"]]
).encode()  # fmt: skip


def pickers(at: AppTest) -> dict[str, object]:
    """The New values pickers by label: what each value will be read as ("": kept)."""
    return {s.label: s.value for s in at.selectbox if (s.key or "").startswith("upload_new_")}


def picker(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(s for s in at.selectbox if s.label == label)


@pytest.mark.parametrize(
    ("lang", "title", "keep", "sur"),
    [("en", "New values", "Keep as a new value", "“SUR” · 2 rows"),
     ("es", "Valores nuevos", "Mantener como valor nuevo", "«SUR» · 2 filas")],
)  # fmt: skip
def test_new_values_are_listed_with_the_suggested_stored_value(
    open_page: Open, lang: str, title: str, keep: str, sur: str
) -> None:
    at = upload(open_page(lang), "llamadas.csv", SPANISH)
    assert title in [s.value for s in at.subheader]
    found = pickers(at)
    assert found[sur] == "South"  # suggested, not saved: nothing is read differently yet
    assert len(found) == 5 and list(found.values()).count("") == 1  # Islas: no match
    islas = next(s for s in at.selectbox if (s.key or "").startswith("upload_new_") and s.value == "")  # fmt: skip
    assert islas.format_func("") == keep
    assert picker(at, sur).format_func("South").startswith("South (")
    assert at.dataframe[0].value.iloc[:, -1].tolist() == ["Sur", "Norte", "SUR", "Islas"]


def test_saved_choices_become_the_value_map_and_the_check_reads_them(
    db: Path,
    open_page: Open,
) -> None:
    at = upload(open_page(), "llamadas.csv", SPANISH)
    picker(at, "“Ventas” · 1 row").set_value("")  # the analyst: a new queue after all
    picker(at, "“Islas” · 1 row").set_value("West")  # and Islas is West, though unlike
    at.button(key="upload_new_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Value map: 4 entries saved" in texts(at)
    preview = at.dataframe[0].value
    assert preview["Region"].tolist() == ["South", "North", "South", "West"]
    assert preview["Queue (contact reason)"].tolist() == ["billing", "billing", "Ventas", "billing"]
    assert list(pickers(at)) == ["“Ventas” · 1 row"]  # only what is still new
    quality = "Region: 4 values read through the value map (Islas → West, Norte → North, SUR → South, Sur → South), 4 rows."  # fmt: skip
    assert quality in [w.value for w in at.warning]  # in the data-quality report
    assert any(e.label == "Value map (4 entries)" for e in at.expander)

    confirm(at)
    rows = stored(db, "select region, queue from calls where call_id like 'NV%' order by call_id")
    assert rows == [("South", "billing"), ("North", "billing"), ("South", "Ventas"), ("West", "billing")]  # fmt: skip


def test_a_wrong_entry_can_be_removed_from_the_map(db: Path, open_page: Open) -> None:
    at = upload(open_page(), "llamadas.csv", SPANISH)
    at.button(key="upload_new_save").click().run()  # every suggestion accepted as it is
    assert at.dataframe[0].value["Region"].tolist() == ["South", "North", "South", "Islas"]
    remove = next(m for m in at.multiselect if (m.key or "").startswith("upload_map_remove"))
    remove.set_value([o for o in remove.options if "Norte" in str(o)]).run()
    at.button(key="upload_map_remove_go").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "1 entries removed from the value map." in texts(at)
    assert at.dataframe[0].value["Region"].tolist() == ["South", "Norte", "South", "Islas"]
    assert "“Norte” · 1 row" in pickers(at)


def test_a_file_with_only_stored_values_says_so(open_page: Open, tmp_path: Path) -> None:
    data = b.calls_csv(tmp_path / "calls.csv", 3, start=900_000).read_bytes()
    at = upload(open_page(), "calls.csv", data)  # queue "billing": the demo store has it
    assert "New values" in [s.value for s in at.subheader]
    assert "No new values: Pulso already holds every value of Queue (contact reason) in this file." in texts(at)  # fmt: skip
