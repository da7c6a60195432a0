"""Hand-written DuckDB SQL on the RAW ``surveys`` table doing the "what customers say"
page's main read, and Pulso's read of the same numbers, for the ratio pulso/raw.

The page's heavy scan is the distinguishing terms' counts (``text.term_counts``): every
comment of the period, in the page's language, lower-cased, its accents translated away,
split into words, then the words and adjacent pairs counted per side (detractors vs
promoters), with each side's totals, the rare terms left out. The language comes first:
the comments per language (``text.language_counts``), the declared one or else guessed
from function words, and the page takes English when there is any. The twin does both;
the weighted log-odds computed in polars afterwards are the same work on both sides and
are not twinned, nor are the suggestion count and list (two lighter scans).

The raw SQL splits each comment once and reads its language off the same words (a word
list, not Pulso's regular expression on the padded text); the word lists (stop words,
negations, the function words of each language) are the lexicon's, as the team's would
be its own. The defaults filter no call attribute, so no join with ``calls``. The twin
is checked to return Pulso's numbers: the same counts per language and, per term, the
same counts and totals per side.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import polars as pl

from analytics.feedback import text
from analytics.feedback.lexicon import NEGATORS, ONLY_EN, ONLY_ES, STOP_WORDS
from analytics.feedback.sentiment import LANGS, Lang
from analytics.store import Store
from bench.volume_pages import LANG, Defaults

if TYPE_CHECKING:
    from bench.volume_raw import Twin

# Every comment of the period that is not blank, split into words, with its language:
# the declared one when it is a known code, else Spanish when it has a Spanish function
# word and no English one.
COMMENTS = """
with c as (
  select nps, left(lower(trim(language, $blank)), 2) as code,
    str_split_regex(translate(lower(comment), $accented, $plain), '[^a-z0-9]+') as words
  from surveys
  where responded_at >= $lo and responded_at < $hi and trim(comment, $blank) <> ''),
l as (
  select nps, words, case when code in ('en', 'es') then code
    when list_has_any(words, $only_es) and not list_has_any(words, $only_en) then 'es'
    else 'en' end as lang
  from c)
"""
LANGUAGES = COMMENTS + "select lang, count(*) as n from l group by all"  # noqa: S608 (constants only)
# A term: a word, or a pair of adjacent words, of two characters or more, not a number,
# not a stop word; a negation only inside a pair.
TERMS = (
    COMMENTS  # noqa: S608 (constants only)
    + """,
t as (
  select case when nps <= 6 then 'a' else 'b' end as side, words
  from l where lang = $lang and (nps <= 6 or nps >= 9)),
one as (select side, unnest(words) as w from t),
two as (select side, unnest(list_zip(words[1:-2], words[2:-1])) as p from t),
terms as (
  select side, 1 as "order", w as term from one
  where length(w) >= 2 and not regexp_full_match(w, '[0-9]+')
    and not list_contains($stop, w) and not list_contains($negators, w)
  union all
  select side, 2, p[1] || ' ' || p[2] from two
  where length(p[1]) >= 2 and not regexp_full_match(p[1], '[0-9]+')
    and not list_contains($stop, p[1])
    and length(p[2]) >= 2 and not regexp_full_match(p[2], '[0-9]+')
    and not list_contains($stop, p[2])),
counted as (
  select "order", term, count(*) filter (side = 'a') as y_a,
    count(*) filter (side = 'b') as y_b
  from terms group by all),
totals as (
  select "order", sum(y_a)::bigint as n_a, sum(y_b)::bigint as n_b from counted group by all)
select "order", term, y_a, y_b, n_a, n_b
from counted join totals using ("order")
where y_a + y_b >= $min_count
"""
)
_BLANK = " \t\n\r\x0b\x0c"  # what Pulso's "not only whitespace" test skips
Read = tuple[dict[Lang, int], pl.DataFrame]


def _ts(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def said(counts: dict[Lang, int]) -> Lang | None:
    """The page's language (volume_pages.voice_page): English when it has comments, else
    the language with most; None when there is no comment (the page stops)."""
    if not any(counts.values()):
        return None
    if counts.get(LANG):
        return LANG
    return max(counts, key=lambda lang: counts[lang])


def twin(store: Store, d: Defaults) -> Twin:
    """The comments per language, then the page language's term counts per side."""
    from bench.volume_raw import Twin

    f = d.filters
    assert f.start is not None and f.end is not None
    assert not f.dimension_values("surveys"), "the raw SQL knows only the default filters"
    split = text.Split()
    lo, hi = _ts(f.start), _ts(f.end + dt.timedelta(days=1))

    def pulso() -> Read:
        counts = text.language_counts(store, f)
        lang = said(counts)
        if lang is None:
            return counts, pl.DataFrame()
        return counts, text.term_counts(store, f, split, lang=lang)

    def raw() -> Read:
        return voice_raw(store, lo, hi)

    def check() -> bool:
        from bench.volume_raw import _same

        ours, theirs = pulso(), raw()
        if ours[0] != theirs[0]:
            return False
        if ours[1].height == 0 or theirs[1].height == 0:
            return ours[1].height == theirs[1].height
        # n_a / n_b: Pulso reads a side's total off its kept terms (0 when none is kept),
        # the raw SQL over all of them: the same unless a side keeps no term of an order
        return _same(theirs[1], ours[1], ("order", "term"))

    covers = (
        "comments per language, then the page language's word and pair counts per side"
        " (detractors vs promoters) with the sides' totals; not the log-odds in polars after"
    )
    return Twin(raw, pulso, covers, check)


def voice_raw(store: Store, lo: dt.datetime, hi: dt.datetime) -> Read:
    """Two statements, as a team would write them: the counts per language, then the
    chosen language's terms."""
    cur = store.cursor()
    common = {
        "lo": lo,
        "hi": hi,
        "blank": _BLANK,
        "accented": text.ACCENTED,
        "plain": text.PLAIN,
        "only_es": sorted(ONLY_ES),
        "only_en": sorted(ONLY_EN),
    }
    rows = cur.sql(LANGUAGES, params=common).fetchall()
    found = dict(rows)
    counts: dict[Lang, int] = {lang: int(found.get(lang, 0)) for lang in LANGS}
    lang = said(counts)
    if lang is None:
        return counts, pl.DataFrame()
    params = common | {
        "lang": lang,
        "stop": sorted(STOP_WORDS),
        "negators": sorted(NEGATORS),
        "min_count": text.MIN_COUNT,
    }
    return counts, cur.sql(TERMS, params=params).pl()
