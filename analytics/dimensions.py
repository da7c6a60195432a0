"""The filter dimensions: one catalog that every filter derives from.

A dimension is a column of ``calls`` or ``surveys`` whose values the sidebar offers
(region, queue, agent, survey type...). Each entry says which table holds it and how it
applies to the *other* source's facts:

- a call attribute filters surveys **through their call**: a survey without a call (a
  relational one) has no region, so choosing a region leaves it out;
- a survey attribute (``survey_type``) does **not** filter calls: call KPIs count every
  call whatever survey followed it, and a page that shows both says so.

The fields of :class:`analytics.queries.Filters` (so its URL parameters), the sidebar's
widgets and value lists, the columns the facts carry, the change-analysis units and the
tests all derive from :data:`CATALOG`: adding a dimension is one entry here plus its
name, ``dim.<name>`` (the filter's label and the breakdown's), in ``locales/*/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Source = Literal["calls", "surveys"]
#: How a dimension applies to the other table's facts (see the module docstring).
Across = Literal["through_call", "not_applied"]


@dataclass(frozen=True)
class Dimension:
    """One filter dimension.

    ``name`` is the column in ``table``, the :class:`~analytics.queries.Filters` field and
    the URL parameter; ``label`` the i18n key of the filter's name (``<label>_help``, when
    the catalogs have it, is the widget's help). ``coded``: the values are codes with
    translated names (``<label>.<value>``), kept in the URL as codes. ``narrowed_by``:
    a dimension of the same table whose chosen values narrow this one's options (the
    agents of the chosen teams: a list of 120 agents stays usable).
    """

    name: str
    table: Source
    across: Across
    label: str
    coded: bool = False
    narrowed_by: str | None = None

    def __post_init__(self) -> None:
        # Calls have no survey to go through: a survey attribute cannot filter them.
        if self.table == "surveys" and self.across == "through_call":
            raise ValueError(f"{self.name}: a survey attribute cannot filter calls")

    def applies_to(self, source: Source) -> bool:
        """Whether the dimension filters the facts of ``source`` (calls or surveys)."""
        return source == self.table or self.across == "through_call"


CATALOG: tuple[Dimension, ...] = (
    Dimension("region", "calls", "through_call", "dim.region"),
    Dimension("channel", "calls", "through_call", "dim.channel"),
    Dimension("queue", "calls", "through_call", "dim.queue"),
    Dimension("product", "calls", "through_call", "dim.product"),
    Dimension("segment", "calls", "through_call", "dim.segment"),
    Dimension("team", "calls", "through_call", "dim.team"),
    Dimension("agent_id", "calls", "through_call", "dim.agent_id", narrowed_by="team"),
    Dimension("survey_type", "surveys", "not_applied", "dim.survey_type", coded=True),
)
BY_NAME: dict[str, Dimension] = {d.name: d for d in CATALOG}


def columns(table: Source) -> tuple[str, ...]:
    """The dimensions ``table`` holds, in catalog order."""
    return tuple(d.name for d in CATALOG if d.table == table)


def get(name: str) -> Dimension:
    """Allow-list for dimension names that come from users or URLs."""
    if name not in BY_NAME:
        raise ValueError(f"unknown dimension {name!r}; expected one of {', '.join(BY_NAME)}")
    return BY_NAME[name]


def _check(catalog: tuple[Dimension, ...]) -> None:
    """Fail at import on a catalog that cannot work (a typo would only show in the UI).

    A narrowing dimension comes first: the sidebar shows the catalog in order, and the
    team must be chosen before the agents of that team are listed."""
    for i, d in enumerate(catalog):
        if d.narrowed_by is None:
            continue
        before = {p.name: p for p in catalog[:i]}
        parent = before.get(d.narrowed_by)
        if parent is None or parent.table != d.table:
            raise ValueError(f"{d.name}: narrowed_by must name an earlier {d.table} dimension")


_check(CATALOG)
