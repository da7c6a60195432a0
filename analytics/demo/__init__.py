"""Demo data: a contact center with planted truths, and a follow-up history.

- :mod:`analytics.demo.contact_center`: calls, surveys and a process change
  (:func:`generate`), and the planted truths the tests check;
- :mod:`analytics.demo.plan`: the calendar, the customers and the agents it shares;
- :mod:`analytics.demo.calls`: what its calls are made of;
- :mod:`analytics.demo.surveys`: what its survey responses are made of;
- :mod:`analytics.demo.tables`: its chunks as rows of the ``calls`` and ``surveys`` tables;
- :mod:`analytics.demo.comments`: the bilingual comment composer;
- :mod:`analytics.demo.followup`: the follow-up queue's history.
"""

from analytics.demo.contact_center import DemoSummary, generate

__all__ = ["DemoSummary", "generate"]
