"""The Upload page's "New values" section in a real browser, in English and Spanish:
a Spanish extract beside the demo store's English regions and queues, each new value
with its suggested stored value; saving the suggestions makes the check read them.

Screenshots of the section go to tests/artifacts/ (new_values_en.png, _es.png).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.server import ARTIFACTS, no_exception
from tests.ingest import builders as b

HEADER = ["call_id", "started_at", "region", "queue"]
#: Other values per language: the module's store keeps what the first test saved.
ROWS = {
    "en": [["NV1", "2026-06-20 10:00", "Sur", "facturación"],
           ["NV2", "2026-06-20 10:05", "Norte", "Facturacion"],
           ["NV3", "2026-06-20 10:10", "SUR", "Ventas"],
           ["NV4", "2026-06-20 10:15", "Islas", "Soporte técnico"]],
    "es": [["NE1", "2026-06-21 10:00", "Oeste", "Bajas"],
           ["NE2", "2026-06-21 10:05", "Centro", "bajas"],
           ["NE3", "2026-06-21 10:10", "OESTE", "Técnico"],
           ["NE4", "2026-06-21 10:15", "Canarias", "Reclamaciones"]],
}  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "title", "save", "picker", "suggested"),
    [("en", "New values", "Save to the value map", "“SUR” · 2 rows", "South (suggested)"),
     ("es", "Valores nuevos", "Guardar en la tabla de equivalencias", "«OESTE» · 2 filas",
      "West (sugerido)")],
)  # fmt: skip
def test_new_values_offer_their_stored_match_and_save_it(  # type: ignore[no-untyped-def]
    page,
    base_url: str,
    tmp_path: Path,
    lang: str,
    title: str,
    save: str,
    picker: str,
    suggested: str,
) -> None:
    extract = b.write(tmp_path / f"llamadas_{lang}.csv", b.csv_text([HEADER, *ROWS[lang]]))
    page.goto(f"{base_url}/upload?lang={lang}")
    page.locator("input[type=file]").set_input_files(str(extract))
    heading = page.get_by_role("heading", name=title)
    heading.wait_for(timeout=60_000)
    no_exception(page)
    heading.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"new_values_{lang}.png"), full_page=True)
    assert page.get_by_role("combobox", name=picker).input_value() == suggested

    page.get_by_role("button", name=save).click()
    page.get_by_role("combobox", name=picker).wait_for(state="detached", timeout=60_000)
    page.get_by_role("heading", name=title).wait_for(timeout=60_000)
    no_exception(page)
    page.screenshot(path=str(ARTIFACTS / f"new_values_saved_{lang}.png"), full_page=True)
