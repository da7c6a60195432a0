"""Translations and locale-aware number formatting (English and Spanish).

Catalogs are flat JSON files in ``locales/<lang>/``, one per area of the app
(``core.json``, ``changes.json``...), merged at load; keys are dotted names and may
appear in one file only. Every user-facing string in the app goes through
:func:`t`; a test checks that both languages have the same keys and the same
``{placeholders}``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import cache
from pathlib import Path
from typing import Any, Literal

Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")
DEFAULT: Lang = "en"
_DIR = Path(__file__).parent / "locales"
_MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")


@cache
def catalog(lang: Lang) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted((_DIR / lang).glob("*.json")):
        part = json.loads(path.read_text(encoding="utf-8"))
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"{path}: keys already defined in another catalog: {sorted(clash)}")
        merged.update(part)
    return merged


def t(key: str, lang: Lang = DEFAULT, **params: Any) -> str:
    """The text for ``key`` in ``lang``; a missing key shows itself, never crashes."""
    text = catalog(lang).get(key) or catalog(DEFAULT).get(key) or key
    if not params:
        return text
    for name, value in params.items():  # "21,3 p.p." ending a sentence: one full stop
        if isinstance(value, str) and value.endswith("."):
            placeholder = "{" + name + "}"
            text = text.replace(placeholder + ".", placeholder)
    return text.format(**params)


def language_from_locale(locale: str | None) -> Lang:
    """'es-MX' -> 'es'; anything not translated falls back to English."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    for lang in LANGS:
        if code == lang:
            return lang
    return DEFAULT


def number(value: float | None, lang: Lang, decimals: int = 1, sign: bool = False) -> str:
    """12345.6 -> '12,345.6' (en) / '12.345,6' (es); NaN -> an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if math.isinf(value):  # an unbounded interval (an odds ratio's upper limit)
        return "∞" if value > 0 else "-∞"
    value = round(value, decimals) + 0.0  # "+ 0.0" turns -0.0 into 0.0: no "-0.0 pp"
    text = f"{value:+,.{decimals}f}" if sign and value != 0 else f"{value:,.{decimals}f}"
    if lang == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def duration(seconds: float | None, lang: Lang, decimals: int = 0) -> str:
    """Seconds as m:ss (handle time, speed of answer); with ``decimals``, fractions of
    a second too (0:00.3), for a change that whole seconds would show as 0:00. A value
    that rounds to zero has no minus sign."""
    if seconds is None or math.isnan(seconds):
        return "–"
    total = round(abs(seconds), decimals)
    sign = "-" if seconds < 0 and total > 0 else ""
    minutes, rest = divmod(total, 60)
    if decimals <= 0:
        return f"{sign}{int(minutes)}:{int(rest):02d}"
    secs = f"{rest:0{3 + decimals}.{decimals}f}"
    return f"{sign}{int(minutes)}:{secs.replace('.', ',') if lang == 'es' else secs}"


def day(value: dt.date, lang: Lang) -> str:
    if lang == "es":
        return f"{value.day} {_MONTHS_ES[value.month - 1]} {value.year}"
    return value.strftime("%d %b %Y").lstrip("0")


def percent(value: float | None, lang: Lang, decimals: int = 1, sign: bool = False) -> str:
    """12.3 -> '12.3%' (en) / '12,3 %' (es: a space before the sign); NaN -> an en dash."""
    text = number(value, lang, decimals, sign)
    if text == "–":
        return text
    return f"{text} %" if lang == "es" else f"{text}%"


def kpi_value(unit: str, value: float | None, lang: Lang, sign: bool = False) -> str:
    """A KPI value in its unit: NPS points, percent, m:ss or a 1-7 score."""
    if unit == "seconds":
        text = duration(value, lang)
        return f"+{text}" if sign and value is not None and round(value) > 0 else text
    if unit == "percent":
        return percent(value, lang, 1, sign)
    decimals = 2 if unit == "score" else 1
    return number(value, lang, decimals, sign)


# A moment (date and time, to the minute) as the reader writes it; tables (ui/tables.py)
# and exports use the same pattern.
MOMENT = {"en": "%Y-%m-%d %H:%M", "es": "%d/%m/%Y %H:%M"}


def moment(value: dt.datetime | None, lang: Lang) -> str:
    """2026-06-10 19:53 (en) / 10/06/2026 19:53 (es); no seconds; None -> ''."""
    return "" if value is None else value.strftime(MOMENT[lang])
