"""Evidence per plan element, measure values, money roles and repeats, on invented sentences."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz, process

from pipeline.evidence.coverage import build_element_coverage
from pipeline.evidence.elements import (
    _CLASS_OF,
    _N_CLASSES,
    ElementScorer,
    _class_histograms,
    build_evidence,
    claim_role,
    content_words,
    elements_in_force,
    find_repeats,
    find_restatements,
    normalise,
    normalise_all,
    ratio_cdist,
    ratio_pairs,
)
from pipeline.evidence.measures import build_measure_values, measure_unit, money_role
from pipeline.evidence.rules import LevelRules, default_rules, load_all_rules

DOCS = pd.DataFrame({
    "doc_id": ["plan", "r1", "r2"], "file": ["p.pdf", "r1.pdf", "r2.pdf"], "sha256": "",
    "format": "pdf", "title": "", "organisation": "",
    "doc_type": ["strategic_plan", "annual_report", "annual_report"],
    "period_label": ["2022-26", "2022/23", "2023/24"], "period_start": "", "period_end": "",
    "pages": 1, "n_sections": 0, "n_claims": 0, "status": "ok", "error": "",
    "reporting_start": "", "reporting_end": "", "warnings": ""})

AIMS = pd.DataFrame([
    ("P:1.1:a1", "P", "1", "Green", "1.1", "Waste", "aim", "More household waste recycled and less sent to landfill"),
    ("P:1.1:a2", "P", "1", "Green", "1.1", "Waste", "aim", "Fewer fly-tipping incidents on rural roads"),
    ("P:1.1:c1", "P", "1", "Green", "1.1", "Waste", "action", "Run a campaign against fly-tipping with parish councils"),
    ("P:1.1:m1", "P", "1", "Green", "1.1", "Waste", "measure", "Percentage of household waste sent for recycling"),
    ("P:1.1:m2", "P", "1", "Green", "1.1", "Waste", "measure", "Number of fly-tipping incidents cleared"),
    ("P:1.1:m3", "P", "1", "Green", "1.1", "Waste", "measure", "Rate of littering offences"),
], columns=["aim_id", "plan_id", "outcome_id", "outcome", "sub_outcome_id", "sub_outcome", "kind", "text"])


def _claims(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"claim_id": c, "doc_id": d, "section_id": "", "page": 1, "text": t,
                          "claim_type": ty, "char_start": 0, "char_end": len(t)}
                         for c, d, t, ty in rows])


def test_repeat_points_to_earlier_report_only() -> None:
    text = "The mobile library van visited forty villages every fortnight during the year."
    claims = _claims([("r1:c1", "r1", text, "achievement"),
                      ("r2:c1", "r2", text.replace("forty", "forty-one"), "achievement"),
                      ("r2:c2", "r2", "A wholly different sentence about bridge repairs in spring.", "progress")])
    rep = find_repeats(claims, DOCS)
    assert rep["r2:c1"] == "r1:c1"
    assert rep["r1:c1"] == "" and rep["r2:c2"] == ""


def test_short_headings_are_not_repeats() -> None:
    claims = _claims([("r1:c1", "r1", "Key achievements", "other"),
                      ("r2:c1", "r2", "Key achievements", "other")])
    assert find_repeats(claims, DOCS)["r2:c1"] == ""


def test_restatement_of_plan_wording_is_found_and_not_evidence() -> None:
    claims = _claims([("r2:c1", "r2", "Fewer fly-tipping incidents on rural roads.", "achievement"),
                      ("r2:c2", "r2", "We cleared 120 fly-tipping incidents on rural roads.", "achievement")])
    restates = find_restatements(claims, AIMS)
    assert restates["r2:c1"] == "P:1.1:a2" and restates["r2:c2"] == ""


def test_an_action_printed_under_two_sub_outcomes_is_restated_where_its_heading_says() -> None:
    """The same action under two sub-outcomes: the words tie, the claim's headings decide."""
    action = "Deliver the county's depot investment plan to secure new vehicle sites"
    aims = pd.concat([AIMS, pd.DataFrame([
        ("P:1.1:c9", "P", "1", "Green", "1.1", "Waste", "action", action),
        ("P:2.3:c4", "P", "2", "Roads", "2.3", "Safe and well maintained roads", "action", action),
    ], columns=AIMS.columns)], ignore_index=True)
    sections = pd.DataFrame({
        "section_id": ["s1", "s2", "s3", "s4"], "doc_id": "plan",
        "parent_id": ["", "s1", "", "s3"], "level": [1, 2, 1, 2],
        "number": ["1.1", "", "", ""],
        "title": ["1.1 Waste", "Our actions", "Safe and well maintained roads", "Our actions"],
        "page_start": 1, "page_end": 1})
    claims = _claims([("plan:c1", "plan", action, "plan"), ("plan:c2", "plan", action, "plan"),
                      ("plan:c3", "plan", action, "plan")])
    claims["section_id"] = ["s2", "s4", ""]
    restates = find_restatements(claims, aims, sections=sections)
    # by number, by title, and with no heading the first copy (as without sections)
    assert restates.tolist() == ["P:1.1:c9", "P:2.3:c4", "P:1.1:c9"]
    assert find_restatements(claims, aims).tolist() == ["P:1.1:c9"] * 3


@pytest.mark.parametrize(("ctype", "text", "n", "role"), [
    ("achievement", "We opened the new recycling centre in May.", 0, "result"),
    ("statistic", "Recycling reached 48.9% of household waste.", 1, "result"),
    ("progress", "Work continues on the new recycling centre.", 0, "activity"),
    ("achievement", "We worked with schools on waste education.", 0, "activity"),
    ("plan", "We will open a new recycling centre.", 0, ""),
    ("challenge", "Fly-tipping remains a problem.", 0, ""),
])
def test_claim_roles(ctype: str, text: str, n: int, role: str) -> None:
    assert claim_role(ctype, text, n) == role


@pytest.mark.parametrize(("text", "unit"), [
    ("Percentage of household waste sent for recycling", "percent"),
    ("Number of trees planted", "count"),
    ("Amount of community grants awarded to charities", "money"),
    ("Rate of littering offences", ""),
    ("Index of deprivation", ""),
])
def test_measure_units(text: str, unit: str) -> None:
    assert measure_unit(text) == unit


def _figures(rows: list[tuple[str, str, float, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"mention_id": f"{c}:m{i}", "claim_id": c, "doc_id": c.split(":")[0],
                          "text": t, "value": v, "low": None, "high": None, "unit": u,
                          "approx": False, "qualifier": "", "measure": m}
                         for i, (c, t, v, u, m) in enumerate(rows)])


def test_measure_values_need_unit_and_words() -> None:
    claims = _claims([
        ("r2:c1", "r2", "In 2023 we sent 48.9% of household waste for recycling.", "statistic"),
        ("r2:c2", "r2", "Satisfaction with recycling sites was 48% among residents.", "statistic"),
        ("r2:c3", "r2", "Our crews cleared 350 fly-tipping incidents this year.", "achievement"),
        ("r2:c4", "r2", "We aim to send 60% of household waste for recycling by 2026.", "target"),
    ])
    figures = _figures([("r2:c1", "48.9%", 48.9, "percent", "household waste"),
                        ("r2:c2", "48%", 48.0, "percent", "residents"),
                        ("r2:c3", "350 fly-tipping incidents", 350, "count", "fly-tipping incidents"),
                        ("r2:c4", "60%", 60.0, "percent", "household waste")])
    mv = build_measure_values(AIMS, claims, DOCS, figures, pd.DataFrame())
    got = {(r.aim_id, r.claim_id, r.value, r.unit) for r in mv.itertuples(index=False)}
    assert got == {("P:1.1:m1", "r2:c1", 48.9, "percent"), ("P:1.1:m2", "r2:c3", 350.0, "count")}


@pytest.mark.parametrize(("sentence", "amount", "role"), [
    ("The visitor economy is worth £2.1bn to the county.", "£2.1bn", "economy"),
    ("Tourism generated £900m for the local economy last year.", "£900m", "economy"),
    ("A £3bn national road programme was announced.", "£3bn", "economy"),
    ("We launched a £500,000 grant fund for village halls.", "£500,000", "programme"),
    ("We secured £1.2m to resurface rural roads.", "£1.2m", "council"),
    ("The council invested £4m in new school places.", "£4m", "council"),
    ("The start-up, valued at £2 billion, opened an office here.", "£2 billion", "economy"),
    ("Government has included in its budget £6bn for new bridges nationally over ten years.",
     "£6bn", "economy"),
    ("The government pledged £5bn for flood defences over five years.", "£5bn", "programme"),
    ("Ministers announced £900m for buses, and we bid for our share.", "£900m", "programme"),
    ("We announced £2m for village halls after the government review.", "£2m", "council"),
])
def test_money_roles(sentence: str, amount: str, role: str) -> None:
    assert money_role(sentence, amount) == role


def test_evidence_picks_aim_within_sub_outcome_and_skips_repeats() -> None:
    claims = _claims([
        ("r2:c1", "r2", "Fly-tipping incidents on rural roads fell after the parish campaign.", "achievement"),
        ("r2:c2", "r2", "We will recycle more household waste.", "plan"),
    ]).assign(restates_aim_id="", repeat_of=["", ""])
    links = pd.DataFrame({"claim_id": ["r2:c1", "r2:c2"], "aim_id": ["P:1.1:a1"] * 2,
                          "sub_outcome_id": ["1.1"] * 2, "rank": [1, 1], "score": [0.8, 0.8],
                          "method": "combined"})
    in_force = {"2022/23": AIMS, "2023/24": AIMS}
    ev = build_evidence(claims, links, in_force, DOCS, pd.DataFrame(), pd.DataFrame())
    rows = ev[ev["claim_id"] == "r2:c1"]
    assert "P:1.1:a2" in set(rows["aim_id"]) and "P:1.1:a1" not in set(rows["aim_id"])
    assert "P:1.1:c1" in set(rows["aim_id"])
    assert set(rows["role"]) == {"result"}
    assert ev[ev["claim_id"] == "r2:c2"].empty  # a plan is not evidence
    repeated = claims.assign(repeat_of=["r1:c9", ""])
    assert build_evidence(repeated, links, in_force, DOCS, pd.DataFrame(), pd.DataFrame()).empty


def test_refreshed_wording_replaces_base_aim_once() -> None:
    refreshed = pd.DataFrame([("r2:1.1:a1", "r2", "1", "Green", "1.1", "Waste", "aim",
                               "More household waste recycled and less sent to landfill by 2030")],
                             columns=AIMS.columns)
    aims = pd.concat([AIMS, refreshed], ignore_index=True)
    plans = pd.DataFrame({"plan_id": ["P", "r2"], "doc_id": ["plan", "r2"], "title": ["Plan", "Plan (refresh)"]})
    force = elements_in_force(plans, aims, DOCS)
    assert "P:1.1:a1" in set(force["2022/23"]["aim_id"]) and "r2:1.1:a1" not in set(force["2022/23"]["aim_id"])
    later = set(force["2023/24"]["aim_id"])
    assert "r2:1.1:a1" in later and "P:1.1:a1" not in later and "P:1.1:a2" in later


def test_levels_weigh_results_over_activity() -> None:
    levels = default_rules().levels
    assert levels.level(0, 0, 0) == "none"
    assert levels.level(0, 3, 0) == "weak"  # activity alone never moderate
    assert levels.level(1, 1, 0) == "moderate"
    assert levels.level(3, 0, 0) == "strong"
    with pytest.raises(ValueError, match="result_points must be greater"):
        LevelRules(**{**levels.model_dump(), "result_points": 1, "activity_points": 1})


def test_coverage_counts_each_element_own_evidence() -> None:
    ev = pd.DataFrame({"claim_id": ["a", "b", "b"], "aim_id": ["P:1.1:a1", "P:1.1:a1", "P:1.1:c1"],
                       "period_label": "2023/24", "score": 0.5, "role": ["result", "activity", "activity"]})
    claims = _claims([("a", "r2", "x", "achievement"), ("b", "r2", "y", "progress")])
    cov = build_element_coverage({"2023/24": AIMS}, ev, pd.DataFrame(), claims, pd.DataFrame(),
                                 pd.DataFrame(), default_rules().levels)
    row = cov.set_index("aim_id").loc["P:1.1:a1"]
    assert (row["n_claims"], row["n_results"], row["evidence"]) == (2, 1, "moderate")
    assert cov.set_index("aim_id").loc["P:1.1:a2", "evidence"] == "none"


def test_unknown_rule_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("repeats:\n  min_ratoi: 90\n")
    with pytest.raises(ValueError, match="min_ratoi"):
        load_all_rules(path)


def test_a_missing_rule_key_is_an_error_not_a_default(tmp_path: Path) -> None:
    """The rule file is the only source of the settings: no default in code fills a gap."""
    import yaml

    from pipeline.evidence.coverage import RULES_PATH

    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    del data["measures"]["context_window"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"rules\.yaml: measures\.context_window: Field required"):
        load_all_rules(path)


AIMS2 = pd.DataFrame([
    ("P:2.1:m1", "P", "2", "Kids", "2.1", "Early years", "measure",
     "Percentage of children reaching a good level of development at age two"),
    ("P:2.1:m2", "P", "2", "Kids", "2.1", "Early years", "measure",
     "Percentage of children reaching a good level of development at school entry"),
    ("P:2.1:m3", "P", "2", "Kids", "2.1", "Early years", "measure",
     "Number of hours of reading support given by volunteers"),
    ("P:2.1:m4", "P", "2", "Kids", "2.1", "Early years", "measure",
     "Amount of nursery grants awarded to childminders"),
], columns=AIMS.columns)


@pytest.mark.parametrize(("sentence", "figs", "expected"), [
    # a starting value is not the period's value; the later one is
    ("Children reaching a good level of development at age two rose from 61.0% to 64.5% this year.",
     [("61.0%", 61.0, "percent", ""), ("64.5%", 64.5, "percent", "")], {("P:2.1:m1", 64.5)}),
    # a change is not a value
    ("Children reaching a good level of development at age two increased by 3% on the year before.",
     [("3%", 3.0, "percent", "")], set()),
    # twin measures: the words that set them apart decide
    ("At school entry, 70% of children reached a good level of development.",
     [("70%", 70.0, "percent", "children")], {("P:2.1:m2", 70.0)}),
    # a named unit: hours, not a plain count
    ("Volunteers gave 2,400 hours of reading support in village schools.",
     [("2,400 hours", 2400.0, "hours", "reading support")], {("P:2.1:m3", 2400.0)}),
    ("Volunteers gave reading support to 2,400 children in village schools.",
     [("2,400 children", 2400.0, "count", "children")], set()),
    # a cap is not an amount awarded
    ("Childminders could apply for nursery grants of up to £2,000 each.",
     [("£2,000", 2000.0, "money", "")], set()),
])
def test_measure_values_take_only_the_period_value(sentence: str, figs: list, expected: set) -> None:
    claims = _claims([("r2:c1", "r2", sentence, "statistic")])
    money = pd.DataFrame([{"mention_id": f"r2:c1:m{i}", "claim_id": "r2:c1", "doc_id": "r2", "text": t,
                           "value": v, "low": None, "high": None, "currency": "GBP", "approx": False,
                           "qualifier": "", "per": "", "role": "council"}
                          for i, (t, v, u, _) in enumerate(figs) if u == "money"])
    figures = _figures([("r2:c1", t, v, u, m) for t, v, u, m in figs if u != "money"])
    mv = build_measure_values(AIMS2, claims, DOCS, figures, money)
    assert {(r.aim_id, r.value) for r in mv.itertuples(index=False)} == expected


def test_table_row_holding_two_aims_restates_the_plan() -> None:
    row = "Greener county\tMore household waste recycled and less sent to landfill Fewer fly-tipping incidents on rural roads"
    claims = _claims([("r2:c1", "r2", row, "other")])
    assert find_restatements(claims, AIMS)["r2:c1"] in {"P:1.1:a1", "P:1.1:a2"}


def test_restatement_with_the_plan_words_reordered_is_found() -> None:
    """The token-sort path (words sorted once per text, then ``fuzz.ratio``) finds a claim that
    restates an element with its words in another order, and only that element."""
    claims = _claims([
        ("r2:c1", "r2", "Less sent to landfill and more household waste recycled.", "achievement"),
        ("r2:c2", "r2", "Landfill taxes rose while household budgets shrank.", "achievement")])
    restates = find_restatements(claims, AIMS)
    assert restates["r2:c1"] == "P:1.1:a1" and restates["r2:c2"] == ""


@pytest.mark.parametrize(("a", "b"), [
    ("less sent to landfill and more household waste recycled",
     "more household waste recycled and less sent to landfill"),
    ("fewer fly tipping incidents on rural roads", "rural roads fly tipping incidents fewer"),
    ("the 10 new bus lanes", "bus lanes the 10 new"),
    ("", "a b"),
])
def test_sorted_words_ratio_is_token_sort_ratio(a: str, b: str) -> None:
    from rapidfuzz import fuzz

    from pipeline.evidence.elements import _sorted_words

    assert fuzz.ratio(_sorted_words(a), _sorted_words(b)) == fuzz.token_sort_ratio(a, b)


@pytest.mark.parametrize(("texts", "needles"), [
    (["more household waste recycled", "recycled waste", "", "waste waste waste"],
     ["waste", "recycled waste", "household", "absent", "", "e r"]),
    ([], ["waste"]),
    (["a\0b", "ab"], ["a", "b"]),  # a NUL in the texts: the plain test
])
def test_containing_is_the_substring_test(texts: list[str], needles: list[str]) -> None:
    from pipeline.evidence.elements import containing

    assert containing(texts, needles) == [[i for i, t in enumerate(texts) if n in t] for n in needles]


def test_containing_by_inner_words_is_the_substring_test() -> None:
    """Needles found through an inner word are the substring test's too: slices of the texts
    (starting or ending inside a word), white space of every kind around and inside the
    words, repeated and empty needles."""
    from pipeline.evidence.elements import containing

    rng = random.Random(3)
    words = ["bus", "buses", "minibus", "service", "services", "new", "a", "£5m", "45%"]
    gaps = [" ", " ", " ", "  ", "\t", "\n", "\x1c", "\u00a0", " \t "]
    texts = ["".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randint(0, 12)))
             for _ in range(300)]
    needles = []
    for _ in range(300):
        t = rng.choice(texts)
        a = rng.randrange(len(t) + 1)
        needles.append(t[a:a + rng.randint(0, 40)])
    needles += ["bus service new", "new  bus service", "a bus a", "bus\tservice new", ""] * 2
    want = [[i for i, t in enumerate(texts) if n in t] for n in needles]
    assert containing(texts, needles) == want
    assert sum(map(len, want)) > 300


def _edited(rng, text: str) -> str:
    """``text`` with up to six random single-character substitutions, deletions, insertions."""
    chars = list(text)
    for _ in range(rng.randint(0, 6)):
        k = rng.randrange(len(chars)) if chars else 0
        op = rng.random()
        if op < 0.4 and chars:
            chars[k] = rng.choice("abxz é1 ")
        elif op < 0.7 and chars:
            del chars[k]
        else:
            chars.insert(k, rng.choice("ab é9%"))
    return "".join(chars)


@pytest.mark.parametrize("cutoff", [0, 60, 90, 92, 99, 100])
def test_ratio_cdist_is_rapidfuzz_cdist(cutoff):
    """The bounds only skip pairs that cannot reach the cutoff: every score, and every zero,
    is rapidfuzz's own, for near-duplicates, unlike lengths, accents, digits and empty text."""
    rng = random.Random(7)
    words = "the council opened new school places homes £ 45% 2024 café naïve bus 12 rural".split()
    base = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(120)]
    queries = base + [_edited(rng, rng.choice(base)) for _ in range(120)] + [""]
    choices = [_edited(rng, rng.choice(base)) for _ in range(150)] + base[:20] + [""]
    want = process.cdist(queries, choices, scorer=fuzz.ratio, score_cutoff=cutoff, workers=1)
    got = ratio_cdist(queries, choices, cutoff, block=17)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    rows, cols, scores = ratio_pairs(queries, choices, cutoff, block=17)  # np.nonzero's order
    want_rows, want_cols = np.nonzero(want)
    assert np.array_equal(rows, want_rows) and np.array_equal(cols, want_cols)
    assert scores.dtype == want.dtype and np.array_equal(scores, want[want_rows, want_cols])
    assert (want > 0).sum() > 40  # near-duplicates above every cutoff: the test can fail


def test_ratio_cdist_of_texts_too_long_for_16_bit_counts():
    """Counts past 2**15 take the wide integers in the coarse pass, with the same scores."""
    long = "the council opened new school places " * 900
    queries = [long, long[:-40] + "x", "short text"]
    choices = [long.replace("school", "schools"), long[:20000], "short text!"]
    want = process.cdist(queries, choices, scorer=fuzz.ratio, score_cutoff=90, workers=1)
    got = ratio_cdist(queries, choices, 90)
    assert np.array_equal(got, want) and (want > 0).sum() >= 3


def test_class_histograms_count_each_text_alone():
    """The one bincount over all texts gives each text its own counts, as a count per text
    would: empty texts, accents, the DEL character, astral characters and digits."""
    texts = ["", "abc abc", "Café\x7f naïve 45%", "🙂 x", "", "zz 09 £", "a" * 40000]
    got = _class_histograms(texts)
    for i, text in enumerate(texts):
        codes = np.array([ord(ch) for ch in text], dtype=np.int64)
        want = np.bincount(_CLASS_OF[np.minimum(codes, 127)], minlength=_N_CLASSES)
        assert np.array_equal(got[i], want), text[:20]
    assert got.dtype == np.int32  # a count of 2**15 or more keeps the wide type
    assert _class_histograms(texts[:-1]).dtype == np.int16


def test_fuzzy_pairs_are_token_set_ratio():
    """The batched fuzzy half of the blend is fuzz.token_set_ratio / 100 of each pair, to the
    last bit: repeated, reordered, disjoint and empty word lists."""
    claims = ["recycle waste garden", "waste waste", "", "school place open", "bus rural", "",
              "bus rural route new", "library hour"]
    elems = ["household waste recycle rate", "waste", "waste", "open school", "", "",
             "rural bus fare", "libraries opening hours"]
    got = ElementScorer.fuzzy_pairs(claims, elems)
    want = np.array([fuzz.token_set_ratio(a, b) / 100 for a, b in zip(claims, elems, strict=True)])
    assert got.dtype == want.dtype and np.array_equal(got, want)
    assert len(set(got.tolist())) > 2
    assert ElementScorer.fuzzy_pairs([], []).shape == (0,)


def test_scorer_is_the_fitted_vectorizers_transform():
    """The scorer's own vocabulary, IDF and counting give, to the bit, what a fitted
    ``TfidfVectorizer`` over the content words gives: repeated texts and words, words outside
    the vocabulary, texts without content words, texts prepared in two batches."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = ["Household waste recycling rates rose", "New school places opened in rural areas",
              "Waste collections and recycling centres", "Buses buses buses",
              "Household waste recycling rates rose", "the and of"]
    scorer = ElementScorer(corpus, 0.3)
    vectorizer = TfidfVectorizer(analyzer=content_words, sublinear_tf=True).fit(corpus)
    assert scorer.vocabulary == vectorizer.vocabulary_
    assert np.array_equal(scorer._tfidf.idf_, vectorizer.idf_)
    texts = ["recycling recycling waste", "the and of", "", "Zebra crossings near schools",
             "rural buses and school buses", "household waste", *corpus]
    scorer.prepare(texts[:2])
    for batch in (texts, texts[::-1]):
        got = scorer._vectors(batch)
        want = vectorizer.transform(batch)
        assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
        assert np.array_equal(got.data, want.data) and got.shape == want.shape
    assert scorer._vectors(texts).nnz > 5
    with pytest.raises(ValueError, match="empty vocabulary"):
        ElementScorer(["the and of", "a"], 0.3)
    with pytest.raises(ValueError, match="empty vocabulary"):
        TfidfVectorizer(analyzer=content_words).fit(["the and of", "a"])


def test_normalise_all_takes_known_forms():
    """Known forms are used as given; the rest are normalised."""
    texts = pd.Series(["The Café, opened!", "£45m   spent", 7])
    assert normalise_all(texts) == [normalise(t) for t in ["The Café, opened!", "£45m   spent", "7"]]
    assert normalise_all(texts, {"7": "seven"}) == ["the café opened", "£45m spent", "seven"]
