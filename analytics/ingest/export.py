"""Safe exports of uploaded text: no spreadsheet formulas planted through a CSV.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula by Excel/LibreOffice/Sheets when the export is opened (OWASP "CSV
injection"); prefixing a single quote makes it plain text. Applied to every text
column (rejected rows carry the analyst's raw values, which may be hostile), and
to column names.

The rule itself is :mod:`analytics.exports`'s (one rule for every download): a page
that shows a table must not import this package to quote its cells.
"""

from __future__ import annotations

from analytics.exports import TRIGGERS, neutralise_for_export, neutralise_text

__all__ = ["TRIGGERS", "neutralise_for_export", "neutralise_text"]
