"""What customers say and closing the loop with them.

- :mod:`analytics.feedback.text`: distinguishing terms, comments per term, suggestions;
- :mod:`analytics.feedback.sentiment`, :mod:`analytics.feedback.words`,
  :mod:`analytics.feedback.lexicon`: sentiment and the word lists behind it;
- :mod:`analytics.feedback.followup`: a follow-up item for every detractor;
- :mod:`analytics.feedback.deadlines`, :mod:`analytics.feedback.region_holidays`: its deadline
  in business days, and the public holidays those skip;
- :mod:`analytics.feedback.actions`: assigning, contacting and closing an item;
- :mod:`analytics.feedback.queue`: the work queue and its export;
- :mod:`analytics.feedback.compliance`: deadline compliance and recovery;
- :mod:`analytics.feedback.fatigue`: customers asked too often.
"""
