"""A change analysis's numbers as text: one formatter for verdicts, tables and charts.

A change is shown in its metric's unit - NPS points and 1-7 scores as signed numbers,
rates in percentage points, durations as m:ss - with the same decimals wherever it
appears: the verdict sentence, the tables, the one-page summary and the charts' hover
labels. :func:`analytics.changes.verdicts.precision` adds decimals where rounding would make
the text contradict the numbers (an interval bound of 0.3 s shown as "0:00" is shown
as "0:00.3"), for the verdict and the tables alike.
"""

from __future__ import annotations

import math

from analytics import kpis
from analytics.changes.verdicts import Format, p_value, precision
from analytics.i18n import Lang, duration, kpi_value, number, t

# Decimals of a change in each unit (m:ss shows whole seconds).
DECIMALS: dict[str, int] = {"points": 1, "percent": 1, "seconds": 0, "score": 2}


def decimals(metric: str, *values: float, mde: float = math.nan) -> int:
    """The decimals for a change and its interval (``values``: estimate, low, high)."""
    base = DECIMALS[kpis.get(metric).unit]
    return precision(values, mde, base) if values else base


def change_text(
    metric: str, value: float, lang: Lang, places: int | None = None, sign: bool = True
) -> str:
    """A change in the metric's unit: +3.1 (NPS), -2.2 pp, -0:17 (m:ss), +0.51 (score)."""
    if math.isnan(value):  # no change to state: a bare dash, not "– pp"
        return "–"
    unit = kpis.get(metric).unit
    places = DECIMALS[unit] if places is None else places
    if unit == "seconds":
        text = duration(value, lang, places)
        return f"+{text}" if sign and round(value, places) > 0 else text
    text = number(value, lang, places, sign)
    return f"{text} {t('unit.pp', lang)}" if unit == "percent" else text


def formatter(metric: str, lang: Lang) -> Format:
    """:func:`change_text` as the verdict's formatter (value, decimals, sign)."""
    return lambda value, places, sign: change_text(metric, value, lang, places, sign)


def interval_text(
    metric: str, low: float, high: float, lang: Lang, places: int | None = None
) -> str:
    """ "-6.0 pp … +3.3 pp"; a dash when there is no interval."""
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"{change_text(metric, low, lang, places)} … {change_text(metric, high, lang, places)}"


def mde_text(metric: str, mde: float, lang: Lang, places: int | None = None) -> str:
    return "–" if math.isnan(mde) else change_text(metric, mde, lang, places, sign=False)


def level_text(metric: str, value: float, lang: Lang) -> str:
    """A level (a window's value, a period's value) in the metric's unit: 7:49, 77.8%."""
    return kpi_value(kpis.get(metric).unit, value, lang)


def p_text(p: float, lang: Lang) -> str:
    """A p-value for a table cell headed "p": "0.012", "< 0.001"."""
    if math.isnan(p):
        return "–"
    return f"< {number(0.001, lang, 3)}" if p < 0.001 else p_value(p, lang)


def effect_cells(
    metric: str,
    estimate: float,
    low: float,
    high: float,
    lang: Lang,
    mde: float = math.nan,
    key: str = "change",
) -> dict[str, str]:
    """A table row's change (under ``key``), interval and MDE, with the decimals the
    verdict uses for the same numbers."""
    places = decimals(metric, estimate, low, high, mde=mde)
    return {
        key: change_text(metric, estimate, lang, places),
        "ci": interval_text(metric, low, high, lang, places),
        "mde": mde_text(metric, mde, lang, places),
    }
