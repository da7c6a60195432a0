"""Who is measured, and how fairly.

- :mod:`analytics.review.rankings`: agents and teams by shrunk (empirical-Bayes)
  estimates;
- :mod:`analytics.review.rank_ranges`: how sure the order of a league table is;
- :mod:`analytics.review.bias`: who answers the survey, and the satisfaction of all calls.
"""
