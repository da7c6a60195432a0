"""``python -m analytics report``: files written, and clear refusals with exit codes."""

from __future__ import annotations

import builtins
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from analytics.cli import main
from analytics.weekly.pdf import PdfUnavailable, load

END = dt.date(2026, 6, 28)


@pytest.fixture
def db(demo_stores: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = demo_stores.copy(tmp_path, calls=20_000, seed=3, end=END)
    monkeypatch.setenv("PULSO_DB", str(path))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["report", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_writes_html_text_and_pdf(db: Path, tmp_path: Path, capsys: Any) -> None:
    html, txt, pdf = tmp_path / "r.html", tmp_path / "r.txt", tmp_path / "r.pdf"
    code, out, _ = run(capsys, "--week", "2026-W25", "--format", "html", "--out", str(html),
                       "--region", "North", "South")  # fmt: skip
    assert code == 0 and str(html) in out
    page = html.read_text(encoding="utf-8")
    assert "Satisfaction review: week 25, 2026" in page and "Region: North, South" in page
    code, _, _ = run(capsys, "--month", "2026-05", "--lang", "es", "--format", "text",
                     "--out", str(txt))  # fmt: skip
    assert code == 0 and "mayo de 2026" in txt.read_text(encoding="utf-8")
    code, _, _ = run(capsys, "--start", "2026-06-01", "--end", "2026-06-10", "--out", str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")


def test_without_a_period_the_last_complete_week(
    db: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "--format", "html")
    assert code == 0 and (tmp_path / "review-2026-W26.html").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("--week", "2026-W54"), "2026 has weeks 1 to 53, not week 54"),
        (("--week", "47"), "write it as YYYY-Www"),
        (("--month", "2026-13"), "write it as YYYY-MM"),
        (("--start", "2026-06-01"), "give both --start and --end"),
        (("--start", "2026-06-01", "--end", "June 7"), "--end 'June 7' is not a date"),
        (("--week", "2026-W25", "--region", "Nowhere"),
         "--region Nowhere: not in the data; known values: Central, East, North, South, West"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_a_clear_message(
    db: Path, capsys: Any, argv: tuple[str, ...], says: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert says in err and err.startswith("error: ")


def test_an_unwritable_path_exits_2_before_any_work(db: Path, tmp_path: Path, capsys: Any) -> None:
    missing = tmp_path / "no" / "such" / "review.pdf"
    code, _, err = run(capsys, "--week", "2026-W25", "--out", str(missing))
    assert code == 2 and f"the folder {missing.parent} does not exist" in err
    code, _, err = run(capsys, "--week", "2026-W25", "--out", str(tmp_path))
    assert code == 2 and "it is a folder" in err
    assert not missing.parent.exists()


def test_a_machine_without_pango_is_told_what_to_install(
    db: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = builtins.__import__

    def no_pango(name: str, *args: Any, **kw: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': No such file or directory")
        return real(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    out = tmp_path / "r.pdf"
    code, _, err = run(capsys, "--week", "2026-W25", "--out", str(out))
    assert code == 3 and not out.exists()
    assert "apt install libpango-1.0-0 libpangoft2-1.0-0" in err
    assert "brew install pango" in err and "libpango-1.0-0': No such file" in err
    with pytest.raises(PdfUnavailable, match="GTK runtime"):
        load()
