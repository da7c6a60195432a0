"""Demo data: a contact center with planted truths, and a follow-up history.

- :mod:`analytics.demo.contact_center`: calls, surveys and a process change
  (:func:`generate`), and the planted truths the tests check;
- :mod:`analytics.demo.comments`: the bilingual comment composer;
- :mod:`analytics.demo.followup`: the follow-up queue's history.
"""

from analytics.demo.contact_center import DemoSummary, generate

__all__ = ["DemoSummary", "generate"]
