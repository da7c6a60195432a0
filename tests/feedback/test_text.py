"""Comment analysis: tokens in the database, weighted log-odds, sentiment, suggestions."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from analytics.feedback import followup, text
from analytics.queries import Filters
from analytics.store import Store, connect
from tests.conftest import call, insert, survey

T0 = dt.datetime(2026, 3, 2, 9)


def test_log_odds_with_informative_prior_by_hand() -> None:
    # Monroe, Colaresi & Quinn (2008), eq. 16-22. "wait": 8 of 100 tokens in group a,
    # 2 of 100 in group b; alpha_0 = 10, pooled frequency pi = 10/200 = 0.05, so
    # alpha_w = 0.5.
    # delta = log((8 + 0.5) / (100 + 10 - 8 - 0.5)) - log((2 + 0.5) / (100 + 10 - 2 - 0.5))
    #       = log(8.5 / 101.5) - log(2.5 / 107.5) = log(0.0837438) - log(0.0232558)
    #       = -2.479985 - (-3.761200) = 1.281207
    # sigma^2 = 1 / 8.5 + 1 / 2.5 = 0.117647 + 0.4 = 0.517647, sigma = 0.719477
    # z = 1.281207 / 0.719477 = 1.780749
    counts = pl.DataFrame(
        dict(
            order=[1, 1],
            term=["wait", "rest"],
            y_a=[8, 92],
            y_b=[2, 98],
            n_a=[100] * 2,
            n_b=[100] * 2,
        )
    )
    out = text.log_odds(counts, prior_size=10).row(0, named=True)
    assert out["term"] == "wait"
    assert round(out["alpha"], 6) == 0.5
    assert round(out["delta"], 6) == 1.281207
    assert round(out["se"], 6) == 0.719477
    assert round(out["z"], 6) == 1.780749


def test_default_prior_is_the_pooled_corpus() -> None:
    counts = pl.DataFrame(dict(order=[1], term=["x"], y_a=[8], y_b=[2], n_a=[100], n_b=[100]))
    out = text.log_odds(counts).row(0, named=True)
    alpha = 200 * 10 / 200  # alpha_0 = n_a + n_b = 200
    expected = math.log((8 + alpha) / (300 - 8 - alpha)) - math.log((2 + alpha) / (300 - 2 - alpha))
    assert out["delta"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("Esperé 20 MINUTOS, ¡pésimo!", ["espere", "20", "minutos", "pesimo"]),
        ("Año   difícil…", ["ano", "dificil"]),
        ("It's not FIXED.", ["it", "s", "not", "fixed"]),
    ],
)
def test_tokens_are_case_and_accent_insensitive(raw: str, tokens: list[str]) -> None:
    assert text.tokens(raw) == tokens


COMMENTS = [  # nps, comment
    (2, "Esperé mucho. La espera fue terrible."),
    (3, "ESPERE demasiado; my problem is still not fixed"),
    (1, "Not fixed, the wait was terrible"),
    (10, "Excellent service, very friendly agent"),
    (9, "Friendly agent, problem solved"),
    (8, "Average service"),  # passive: in neither group
]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = connect(str(tmp_path / "pulso.duckdb"))
    calls = [
        call(i, T0 + dt.timedelta(days=i), queue="billing" if i < 3 else "tech") for i in range(6)
    ]
    insert(s, "calls", calls)
    rows = [
        survey(
            i,
            T0 + dt.timedelta(days=i, hours=1),
            call_id=f"C{i}",
            nps=nps,
            comment=c,
            language=None,
        )
        for i, (nps, c) in enumerate(COMMENTS)
    ]
    insert(s, "surveys", rows)
    yield s
    s.close()


def test_term_counts_in_the_database(store: Store) -> None:
    counts = text.term_counts(store, Filters(), text.Split(), min_count=1)
    got = {(r["term"], r["order"]): (r["y_a"], r["y_b"]) for r in counts.iter_rows(named=True)}
    assert got[("espere", 1)] == (2, 0)  # "Esperé" and "ESPERE": one token
    assert got[("terrible", 1)] == (2, 0)
    assert got[("friendly agent", 2)] == (0, 2)
    assert got[("not fixed", 2)] == (2, 0)  # negation kept inside pairs...
    assert ("not", 1) not in got  # ...not alone
    assert ("la", 1) not in got and ("the", 1) not in got  # stop words
    assert ("average", 1) not in got  # the passive is in neither group
    uni = counts.filter(pl.col("order") == 1)
    # group a unigrams ("mucho", "my", "still"... are stop words; "not" counts in pairs):
    # espere espera terrible | espere demasiado problem fixed | fixed wait terrible = 10
    assert uni["n_a"][0] == 10


def test_distinguishing_terms_split_the_sides(store: Store) -> None:
    terms = text.distinguishing_terms(
        store, Filters(), text.Split(), top=3
    )  # min_count 5 keeps nothing on 6 comments
    assert terms.is_empty()
    counts = text.log_odds(text.term_counts(store, Filters(), text.Split(), min_count=2))
    assert (
        counts.filter(pl.col("term") == "friendly")["z"][0]
        < 0
        < counts.filter(pl.col("term") == "terrible")["z"][0]
    )


def test_other_splits(store: Store) -> None:
    by_queue = text.term_counts(store, Filters(), text.Split("queue", queue="billing"), min_count=1)
    assert by_queue.filter(pl.col("term") == "friendly")["y_b"][0] == 2
    cut = (T0 + dt.timedelta(days=3)).date()
    by_date = text.term_counts(store, Filters(), text.Split("period", date=cut), min_count=1)
    assert by_date.filter(pl.col("term") == "espere")[["y_a", "y_b"]].row(0) == (0, 2)
    with pytest.raises(ValueError, match="queue"):
        text.term_counts(store, Filters(), text.Split("queue"))


def test_comments_for_a_term_match_whole_words_without_accents(store: Store) -> None:
    found = text.term_comments(store, Filters(), text.Split(), text.check_term("Esperé"))
    assert found.height == 2 and found["nps"].to_list() == [3, 2]  # newest first
    assert text.term_comments(store, Filters(), text.Split(), "not fixed").height == 2
    assert text.term_comments(store, Filters(), text.Split(), "wai").height == 0
    assert found["sentiment"].to_list()[1] < 0
    assert found["lang"].to_list() == ["en", "es"]  # no language declared: detected


def test_language_filter_keeps_terms_in_one_language(store: Store) -> None:
    # "ESPERE demasiado; my problem is still not fixed" uses English function words only
    assert text.language_counts(store, Filters()) == {"en": 5, "es": 1}
    only_es = text.term_counts(store, Filters(), text.Split(), min_count=1, lang="es")
    assert set(only_es.filter(pl.col("order") == 1)["term"]) == {"espere", "espera", "terrible"}
    only_en = text.term_counts(store, Filters(), text.Split(), min_count=1, lang="en")
    assert "espera" not in only_en["term"].to_list() and "friendly" in only_en["term"].to_list()


def test_comments_carry_their_follow_up_item(store: Store) -> None:
    followup.sync_items(store)
    found = text.term_comments(store, Filters(), text.Split(), "terrible")
    items = store.sql("select response_id, item_id from followup_items")
    expected = dict(zip(items["response_id"], items["item_id"], strict=True))
    assert found["item_id"].to_list() == [expected[r] for r in found["response_id"]]
    assert set(found["item_status"]) == {"open"}
    friendly = text.term_comments(store, Filters(), text.Split(), "friendly")
    assert friendly["item_id"].to_list() == [None, None]  # promoters get no item


def test_filters_apply_to_comments(store: Store) -> None:
    day = (T0 + dt.timedelta(days=3)).date()
    found = text.term_comments(store, Filters(start=day, end=day), text.Split(), "friendly")
    assert found["comment"].to_list() == ["Excellent service, very friendly agent"]


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("Sugiero que me devuelvan la llamada.", True),
        ("Deberían tener un chat en la web.", True),
        ("Sería bueno que envíen un SMS.", True),
        ("Ojalá atiendan más rápido.", True),
        ("It would be great if agents could see my previous calls.", True),
        ("You should send a text with the case number.", True),
        ("I suggest adding a chat.", True),
        ("Please add an option to pay by phone.", True),
        ("Terrible service, nobody picks up.", False),
        ("Me resolvieron el problema.", False),
        ("Great experience.", False),
    ],
)
def test_suggestions_on_labelled_examples(comment: str, expected: bool) -> None:
    assert text.is_suggestion(comment) is expected


def test_suggestions_in_the_database_agree_with_python(tmp_path: Path) -> None:
    s = connect(str(tmp_path / "s.duckdb"))
    phrases = ["Deberían tener un chat", "Gracias", "You should call back", "Shoulder pain"]
    rows = [survey(i, T0, comment=c) for i, c in enumerate(phrases)]
    insert(s, "surveys", rows)
    found = set(text.suggestions(s, Filters())["comment"])
    assert found == {c for c in phrases if text.is_suggestion(c)} == set(phrases[::2])
    assert text.count_suggestions(s, Filters()) == (2, 4)
    s.close()


def test_a_call_filter_joins_the_calls_and_comments_carry_their_queue(store: Store) -> None:
    # without a call attribute chosen the comments are read without the calls (faster);
    # the queue of the comments shown is then joined after the newest are picked
    everyone = text.term_comments(store, Filters(), text.Split(), "terrible")
    assert everyone["queue"].to_list() == ["billing", "billing"]
    billing = Filters(queue=("billing",))
    assert text.language_counts(store, billing) == {"en": 2, "es": 1}
    tech = text.term_comments(store, Filters(queue=("tech",)), text.Split(), "friendly")
    assert tech["queue"].to_list() == ["tech", "tech"]
    assert text.term_comments(store, billing, text.Split(), "friendly").is_empty()


BLANKS = ("", " ", "\t\n", "\r\x0b\x0c ", "\u00a0", " ok ")


def test_blank_comments_are_left_out_as_strip_would(tmp_path: Path) -> None:
    s = connect(str(tmp_path / "blank.duckdb"))
    rows = [survey(i, T0, nps=3, comment=c, language="en") for i, c in enumerate(BLANKS)]
    insert(s, "surveys", rows)
    # Python's definition of blank for the characters Ibis's strip() removes
    kept = sum(1 for c in BLANKS if c.strip(" \t\n\r\x0b\x0c") != "")
    assert kept == 2  # the non-breaking space and " ok "
    assert sum(text.language_counts(s, Filters()).values()) == kept
    s.close()
