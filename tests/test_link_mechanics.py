"""The matcher's batched signal mechanics give the answers of the plain per-item loops.

The corpus stage scores thousands of claims, so the topic hits look terms up by key word,
the named-phrase hits run one ``rapidfuzz.process.cdist`` and the best aim is an ``argmax``
over precomputed indices. Each is checked here, on invented inputs, against the
straightforward loop it replaced (written out below as the reference).
"""

from __future__ import annotations

import numpy as np
import pytest
from rapidfuzz import fuzz
from scipy import sparse

from pipeline.link.matcher import Matcher, _rownorm
from pipeline.link.signals import (
    MULTIWORD_WEIGHT,
    Lexicon,
    build_lexicon,
    lexicon,
    phrase_hits,
    phrase_matrix,
    topic_hits,
    topic_matrix,
    topic_scores,
)

TOPICS = {
    "transport": ["bus", "buses", "road safety", "e-bike", "EV", "park and ride"],
    "children": ["children's centre", "children", "SEND", "2-year-olds", "looked-after"],
    "equality": ["LGBTQ+", "co-production", "(draft) equality plan"],
}
NONE_TERMS = ["budget", "council tax", "scrutiny"]

TEXTS = [
    "Bus passengers rose on the park and ride; ROAD SAFETY checks were done.",
    "Road   safety\nschemes and e-bikes: the e-bike hire started.",
    "Children's centres opened; children with SEND were supported.",
    "We will send letters about the budget and council tax to scrutiny.",
    "The rebus puzzle and omnibuses were not about transport.",
    "Funding for 2-year-olds and looked-after children; LGBTQ+ co-production.",
    "The (draft) equality plan went to consultation.",
    "An EV charger, an ev charger and EVs.",
    "Nothing here at all.",
    "",
    "bus-lane works and pre-school places",
    # multi-word terms looked up by their first two words as consecutive runs: parted by
    # punctuation, hyphens or a longer word they are not the term; a third word is still needed
    "road, safety; road-safety; roads safety; park and rides; park and; council\ttax",
    "Park and\n\nRide then council taxes, the council-tax and COUNCIL TAX",
    # ... matched by their runs, not a regex: any white space between them (a control
    # separator, a no-break space), and a near miss before the real one
    "park and\x1cride; park and  ride2; park\u00a0and\u2003RIDE",
    "park and - ride park and_ride park and ride",
    "council tax",
    "park",
]


def _reference_topic_hits(text: str, lex: Lexicon) -> np.ndarray:
    """The loop the index replaced: every term of every topic, searched in the text."""
    out = np.zeros(len(lex.topics) + 1)
    groups = [lex.terms[t] for t in lex.topics] + [lex.none_terms]
    for i, patterns in enumerate(groups):
        hits = sum(MULTIWORD_WEIGHT if r"\s+" in p.pattern else 1.0
                   for p in patterns if p.search(text))
        out[i] = 1.0 - 0.5 ** hits
    return out


#: the same texts with a non-ASCII tail of punctuation only (the run lookup still holds) ...
NON_ASCII = [f"{t} \u2013 \u00a35m for the council\u2019s budget" for t in TEXTS]
#: ... and texts with non-ASCII word characters, some of which match ASCII letters when case
#: is ignored (Kelvin sign, dotted and dotless i): topic_hits takes its other path for those
NON_ASCII += ["EV charging at 5\u212a; e-bi\u212ae hire",
              "Children\u2019s centres in \u0130stanbul; SEND \u0131s here", "caf\u00e9 bus \u2013 road safety",
              "\u00c9quipe: park and ride, Park\u00a0and\u00a0Ride", "\u24b7us shelters \u2160 and road-safety"]


@pytest.mark.parametrize("text", TEXTS + NON_ASCII)
def test_topic_hits_match_the_term_by_term_search(text: str) -> None:
    lex = build_lexicon(TOPICS, NONE_TERMS, ["finance"])
    assert np.array_equal(topic_hits(text, lex), _reference_topic_hits(text, lex))


def test_topic_hits_of_random_texts_match_the_term_by_term_search() -> None:
    """Texts made of the terms' words and near misses, parted by white space and punctuation
    of every kind, so that multi-word terms meet every kind of gap."""
    lex = build_lexicon(TOPICS, NONE_TERMS, ["finance"])
    words = ["park", "and", "ride", "Ride", "rides", "road", "safety", "council", "tax", "TAX",
             "children's", "centre", "bus", "e-bike", "EV", "ride_", "-", "(draft)", "equality"]
    gaps = [" ", "  ", "\n", "\t", "\u00a0", "\x1c", "-", ", ", "_", "'", " - ", "\u2013", ""]
    rng = np.random.default_rng(11)
    for _ in range(400):
        n = int(rng.integers(1, 8))
        text = "".join(str(rng.choice(words)) + str(rng.choice(gaps)) for _ in range(n))
        assert np.array_equal(topic_hits(text, lex), _reference_topic_hits(text, lex)), text


def test_topic_hits_count_each_term_once_and_respect_word_edges() -> None:
    lex = build_lexicon(TOPICS, NONE_TERMS, [])
    t = lex.topics.index("transport")
    assert topic_hits("bus bus bus", lex)[t] == 0.5  # one term, however often
    assert topic_hits("omnibus rebus", lex)[t] == 0.0  # inside a longer word
    assert topic_hits("bus-lane", lex)[t] == 0.0  # hyphen joins words
    assert topic_hits("ev charging", lex)[t] == 0.0  # an acronym term is case-sensitive
    assert topic_hits("road safety", lex)[t] == 0.75  # a multi-word term counts twice
    e = lex.topics.index("equality")
    assert topic_hits("see the (draft) equality plan", lex)[e] == 0.75  # no key word: always tried


def test_topic_hits_on_the_shipped_taxonomy_match_the_reference() -> None:
    lex = lexicon()
    for text in TEXTS + NON_ASCII + ["Road safety near schools", "road maintenance; EV charge points"]:
        assert np.array_equal(topic_hits(text, lex), _reference_topic_hits(text, lex))


def test_topic_matrix_stacks_topic_hits() -> None:
    lex = build_lexicon(TOPICS, NONE_TERMS, [])
    m = topic_matrix(TEXTS, lex)
    assert m.shape == (len(TEXTS), len(lex.topics) + 1)
    for row, text in zip(m, TEXTS, strict=True):
        assert np.array_equal(row, topic_hits(text, lex))
    assert topic_matrix([], lex).shape == (0, len(lex.topics) + 1)


PHRASES = {"a": ["Bus Service Improvement Plan", "Park and Ride"],
           "b": ["Family Hubs"], "c": [], "none": []}
LABELS = ["a", "b", "c", "none"]


def _reference_phrase_hits(text: str, min_score: float = 90.0) -> np.ndarray:
    out = np.zeros(len(LABELS))
    for i, label in enumerate(LABELS):
        best = 0.0
        for phrase in PHRASES.get(label, ()):
            score = fuzz.partial_ratio(phrase.lower(), text.lower())
            if score >= min_score:
                best = max(best, score / 100.0)
        out[i] = best
    return out


PHRASE_TEXTS = [
    "The Bus Service Improvement Plan was agreed.",
    "The bus service improvment plan was agreed.",  # a typo still scores high
    "Two new family hubs opened and the park & ride ran.",
    "Nothing named here.",
    "Hubs",
    "",
]


def test_phrase_matrix_matches_the_per_phrase_loop() -> None:
    m = phrase_matrix(PHRASE_TEXTS, PHRASES, LABELS)
    assert m.shape == (len(PHRASE_TEXTS), len(LABELS))
    for row, text in zip(m, PHRASE_TEXTS, strict=True):
        assert np.array_equal(row, _reference_phrase_hits(text))
        assert np.array_equal(phrase_hits(text, PHRASES, LABELS), row)
    assert m[0, 0] == 1.0 and m[3].sum() == 0.0
    for cut in (50.0, 99.0):
        assert np.array_equal(phrase_matrix(PHRASE_TEXTS, PHRASES, LABELS, cut)[1],
                              _reference_phrase_hits(PHRASE_TEXTS[1], cut))


def test_phrase_matrix_without_texts_or_phrases() -> None:
    assert phrase_matrix([], PHRASES, LABELS).shape == (0, len(LABELS))
    assert not phrase_matrix(["Family Hubs"], {}, LABELS).any()


def _matcher_with_elements(subs_of_elements: list[str], elements: sparse.csr_matrix) -> Matcher:
    m = Matcher.__new__(Matcher)
    m.plan_aims = [{"aim_id": f"e{k}", "sub_outcome_id": sub} for k, sub in enumerate(subs_of_elements)]
    m._subs = list(dict.fromkeys(subs_of_elements))
    m.elements = elements
    return m


def test_best_aim_is_the_first_most_similar_element_of_the_sub_outcome() -> None:
    m = _matcher_with_elements(["s1", "s2", "s1", "s1", "s2"],
                               sparse.csr_matrix(np.eye(5)[:, :3] * [[1], [2], [3], [3], [0]]))
    assert [list(v) for v in m._members().values()] == [[0, 2, 3], [1, 4]]
    claims = sparse.csr_matrix(np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    rows, subs = np.array([0, 0, 1, 2, 2]), np.array([0, 1, 0, 0, 1])
    # e2 and e3 tie for claim 0: the first wins; a claim like no element gets the first
    assert m._best_aims(claims, rows, subs) == ["e2", "e1", "e0", "e0", "e1"]
    assert m._best_aims(claims, rows[:0], subs[:0]) == []


def test_best_aims_are_those_of_the_product_with_every_element() -> None:
    """The per-sub-outcome products give the very similarities of the full product (the
    argmax sees equal numbers, ties included), on rows with many overlapping terms."""
    rng = np.random.default_rng(3)
    n_claims, n_terms = 60, 40
    subs_of_elements = [f"s{k}" for k in rng.integers(0, 6, size=25)]
    elements = sparse.random(25, n_terms, density=0.3, random_state=4, format="csr")
    elements.data = np.round(elements.data, 1)  # coarse values: ties happen
    elements = sparse.csr_matrix(np.vstack([elements.toarray(), elements.toarray()[:3]]))
    subs_of_elements += subs_of_elements[:3]  # exact duplicates within a sub-outcome
    m = _matcher_with_elements(subs_of_elements, elements)
    x = sparse.random(n_claims, n_terms, density=0.4, random_state=5, format="csr")
    x = _rownorm(x)
    rows = np.repeat(np.arange(n_claims), 3)
    subs = np.concatenate([rng.choice(len(m._subs), size=3, replace=False) for _ in range(n_claims)])
    full = (x @ elements.T).toarray()
    members = m._members()
    expected = []
    for i, j in zip(rows, subs, strict=True):
        idx = members[m._subs[j]]
        expected.append(f"e{idx[np.argmax(full[i, idx])]}")
    assert m._best_aims(x, rows, subs) == expected


def _reference_topic_scores(hits: np.ndarray, profile: np.ndarray) -> np.ndarray:
    t = hits[:, :-1]
    log_miss = np.log1p(-np.clip(t[:, None, :] * profile[None, :, :], 0.0, 0.999999)).sum(axis=2)
    return np.column_stack([1.0 - np.exp(log_miss), hits[:, -1]])


def test_topic_scores_of_distinct_rows_are_those_of_every_row() -> None:
    rng = np.random.default_rng(7)
    levels = np.array([0.0, 0.5, 0.75, 0.875])
    hits = levels[rng.integers(0, 4, size=(300, 9))] * (rng.random((300, 9)) < 0.3)
    hits[::7] = 0.0  # many rows alike, as claims without any topic are
    profile = rng.random((5, 8))
    profile /= profile.sum(axis=0, keepdims=True)
    got = topic_scores(hits, profile)
    assert got.shape == (300, 6)
    assert np.array_equal(got, _reference_topic_scores(hits, profile))
    assert topic_scores(hits[:0], profile).shape == (0, 6)


def test_repeated_texts_get_the_same_rows() -> None:
    lex = build_lexicon(TOPICS, NONE_TERMS, [])
    texts = [TEXTS[0], TEXTS[2], TEXTS[0], TEXTS[2], TEXTS[3]]
    m = topic_matrix(texts, lex)
    assert np.array_equal(m[0], m[2]) and np.array_equal(m[1], m[3])
    p = phrase_matrix(["Family Hubs", "family hubs", "Nothing"], PHRASES, LABELS)
    assert np.array_equal(p[0], p[1]) and p[2].sum() == 0.0


def _reference_window_mean(x: np.ndarray, groups: np.ndarray, radius: int) -> np.ndarray:
    """The loop over groups the padded version replaced."""
    out = np.empty_like(x, dtype=float)
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        csum = np.vstack([np.zeros((1, x.shape[1])), np.cumsum(x[idx], axis=0)])
        pos = np.arange(len(idx))
        lo, hi = np.maximum(pos - radius, 0), np.minimum(pos + radius + 1, len(idx))
        out[idx] = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("radius", [0, 1, 2, 7])
def test_window_mean_is_the_per_group_loop(seed: int, radius: int) -> None:
    from pipeline.link.matcher import _window_mean

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    x = rng.random((n, int(rng.integers(1, 8)))) * 10 - 3
    groups = rng.integers(0, int(rng.integers(1, 60)), size=n)
    groups[: n // 3] = 0  # one long group beside many short ones (several padding widths)
    assert np.array_equal(_window_mean(x, groups, radius), _reference_window_mean(x, groups, radius))


def test_window_mean_of_nothing_and_of_lone_rows() -> None:
    from pipeline.link.matcher import _window_mean

    assert _window_mean(np.zeros((0, 3)), np.zeros(0, dtype=int), 2).shape == (0, 3)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert np.array_equal(_window_mean(x, np.array([0, 1]), 2), x)  # no neighbours: itself
    assert np.array_equal(_window_mean(x, np.array([5, 5]), 1), np.array([[2.0, 3.0], [2.0, 3.0]]))


def test_group_mean_adds_each_groups_rows_in_order() -> None:
    """The membership product gives the very sums of np.add.at (rows of a group added in
    their order), on values whose sums round differently in another order."""
    from pipeline.link.matcher import _group_mean

    rng = np.random.default_rng(5)
    x = rng.random((400, 9)) * 10.0 ** rng.integers(-8, 8, size=(400, 9))
    groups = rng.integers(0, 30, size=400)
    sums = np.zeros((30, 9))
    np.add.at(sums, groups, x)
    want = (sums / np.bincount(groups, minlength=30).astype(float)[:, None])[groups]
    assert np.array_equal(_group_mean(x, groups), want)
    assert _group_mean(np.zeros((0, 3)), np.zeros(0, dtype=int)).shape == (0, 3)


def test_may_reach_never_leaves_out_a_pair_that_reaches_the_score() -> None:
    """The q-gram filter is exact: every pair it leaves out scores under the cut (checked on
    made-up strings over a small alphabet, so near misses, typos and repeats are common;
    texts shorter than the needle, empty texts and non-ASCII characters included)."""
    import random

    from pipeline.link.signals import _may_reach

    rng = random.Random(7)
    alphabet = "abcde é"
    needles = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 14))) for _ in range(30)]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(200)]
    texts += [n[:k] + "x" + n[k + 1:] for n in needles for k in (0, len(n) // 2)]  # one typo
    texts += [f"zz {n} zz" for n in needles[:5]] + [n[1:] for n in needles[:5]]
    for cut in (50.0, 80.0, 90.0, 99.0):
        kept = _may_reach(needles, texts, cut)
        left_out = 0
        for needle, cols in zip(needles, kept, strict=True):
            inside = set(cols.tolist())
            for t, text in enumerate(texts):
                if t not in inside:
                    left_out += 1
                    assert fuzz.partial_ratio(needle, text) < cut, (needle, text, cut)
        if cut >= 90.0:
            assert left_out  # the filter does leave pairs out


def _reference_links(m: Matcher, claims: list, min_score: float | None) -> list:
    """The per-claim loop :meth:`Matcher.link` replaced: candidates in rank order up to the
    first under an explicit ``min_score``, each with the first most similar element of its
    sub-outcome in the product of every claim with every element."""
    from pipeline.link.matcher import MAX_CANDIDATES, Link

    x = m.transform([c.text for c in claims])
    x_unit = _rownorm(x)
    score, order, gate = m.scores(claims, m.signals(claims, x, x_unit))
    kept = (np.flatnonzero(~(gate < m.settings.min_score)) if min_score is None
            else np.arange(len(claims)))
    sims = (x_unit @ m.elements.T).toarray()
    members = m._members()
    links = []
    for i in kept.tolist():
        rank = 0
        for j in order[i, :MAX_CANDIDATES]:
            value = float(score[i, j])
            if min_score is not None and value < min_score:
                break
            rank += 1
            idx = members[m._subs[j]]
            aim = m.plan_aims[int(idx[np.argmax(sims[i, idx])])]["aim_id"]
            links.append(Link(claims[i].claim_id, aim, m._subs[j], rank, round(value, 4), "combined"))
    return links


def test_link_lists_the_candidates_of_the_per_claim_loop() -> None:
    """Candidates, ranks, scores and best elements are those of the loop, by the gate and
    under explicit thresholds that cut a claim's list part way."""
    from pipeline.config import MATCHER_DIR
    from pipeline.link.matcher import ClaimInput

    m = Matcher.load(MATCHER_DIR)
    texts = ["We planted 20,000 trees on council land to boost biodiversity.",
             "Bus services were extended to rural villages.",
             "Over 700 carers received a carers assessment.",
             "The revenue budget and council tax were agreed by Cabinet.",
             "Recycling rates rose to 45% at household waste sites.",
             "New school places opened for children with SEND.",
             "Road safety checks were carried out near 40 schools.",
             "Nothing here at all."]
    claims = [ClaimInput(f"c{i}", t, ("Our Year",) if i % 2 else (), "annual_report", "d1")
              for i, t in enumerate(texts * 2)]
    for min_score in (None, 0.0, 0.01, 0.02, 0.05, 0.2, 0.5, 1.0):
        got = m.link(claims, min_score=min_score)
        assert got == _reference_links(m, claims, min_score), min_score
    ranks = [link.rank for link in m.link(claims, min_score=0.02)]
    assert ranks.count(1) > ranks.count(2) > ranks.count(3) > 0  # lists cut part way
