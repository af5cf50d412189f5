"""Claim spans and claim typing: invented unit cases per type (with negatives), the component
with and without the mention components, rule-file validation, and accuracy on the gold."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import spacy
from claim_typing import PERIOD, claim_type
from spacy.language import Language

from pipeline.config import DEFAULT_GOLD_DIR, PATTERNS_DIR
from pipeline.nlp import claims, sentences  # noqa: F401  (registers the factories)
from pipeline.nlp.claims import CLAIM_TYPES, MentionFacts, classify, load_claim_rules
from pipeline.nlp.pipeline import build_nlp, make_doc

#: Floors a little below what was measured per part of the gold split (gold text run alone with
#: its gold heading; 2026-12-06: tuning 0.805, held-out half 0.742, held-out document 0.763;
#: 2026-12-07, after the issue-18 cues of tests/test_claims_measured.py: 0.838, 0.753, 0.769);
#: raise them as typing improves.
GOLD_ACCURACY_FLOORS = {"tuning": 0.81, "held-out half": 0.73, "held-out document": 0.75}


@pytest.fixture(scope="session")
def full_nlp() -> Language:
    return build_nlp()


@pytest.fixture(scope="session")
def bare_nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("planmine_sentences")
    nlp.add_pipe("planmine_claims")
    return nlp


@pytest.mark.parametrize(("text", "expected"), [
    ("The new library opened in March.", "achievement"),
    ("We have delivered 300 training sessions to carers.", "achievement"),
    ("Funding of £2m has been secured for the bridge.", "achievement"),
    ("The bridge was completed ahead of schedule.", "achievement"),
    ("Work on the bypass continues to make good progress.", "progress"),
    ("We are working with schools to improve attendance.", "progress"),
    ("Construction of the depot is underway.", "progress"),
    ("The new road will open next spring.", "plan"),
    ("The depot is expected to be completed in 2032.", "plan"),
    ("The council plans to consult residents on the proposals.", "plan"),
    ("We aim to cut emissions by 50% by 2035.", "target"),
    ("Fewer households in fuel poverty", "target"),
    ("More young people in education, employment or training", "target"),
    ("Our target is 2,000 new homes a year.", "target"),
    ("72% of residents are satisfied with their local area.", "statistic"),
    ("There are 120 care homes in the county.", "statistic"),
    ("Demand for home care continues to rise, putting pressure on budgets.", "challenge"),
    ("There is a shortfall of £12m in the schools budget.", "challenge"),
    ("Bird numbers continue to decline across the county.", "challenge"),
    ("Libraries are places where people meet.", "other"),
    ("The group consists of partners from health and the police.", "other"),
])
def test_claim_type(full_nlp: Language, text: str, expected: str) -> None:
    assert claim_type(full_nlp, text) == expected


@pytest.mark.parametrize(("text", "not_expected"), [
    # a participle after "commitment to" is a value statement, not a plan
    ("The scheme shows our commitment to protecting hedgerows.", "plan"),
    # "more" inside a finite sentence is not an aim bullet
    ("More families received help with energy bills.", "target"),
    # "risk management" is a process, not a risk
    ("The audit tested the risk management process.", "challenge"),
    # "will" is not in every sentence about the future ... but a past event is not a plan
    ("The library reopened last year after repairs.", "plan"),
])
def test_claim_type_negatives(full_nlp: Language, text: str, not_expected: str) -> None:
    doc = full_nlp(make_doc(full_nlp, text, *PERIOD))
    assert doc.spans["claims"][0]._.claim_type != not_expected


def test_mention_features_change_the_type() -> None:
    text = "Around half of the households recycle food waste"
    assert classify(text).claim_type == "other"
    assert classify(text, MentionFacts(n_percent=1, n_figures=1)).claim_type == "statistic"
    aim = "We want to see more households recycling"
    assert classify(aim).claim_type == "plan"
    assert classify(aim, MentionFacts(n_figures=1)).claim_type == "target"


def test_one_trimmed_span_per_sentence(bare_nlp: Language) -> None:
    doc = bare_nlp("  - The hub opened in May. It will expand next year.  ")
    spans = doc.spans["claims"]
    assert [s.text for s in spans] == ["The hub opened in May.", "It will expand next year."]
    assert [s._.claim_type for s in spans] == ["achievement", "plan"]


@pytest.mark.parametrize("text", ["", "   ", "- ", "•", "...", "– –"])
def test_empty_or_punctuation_only_gives_no_claim(bare_nlp: Language, text: str) -> None:
    assert list(bare_nlp(text).spans["claims"]) == []


def test_works_without_sentence_splitter() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("planmine_claims")
    doc = nlp("The depot opened. It will grow.")
    assert len(doc.spans["claims"]) == 1  # no splitter: the block is one claim


def test_shipped_rules_cover_every_type() -> None:
    rules = load_claim_rules()
    assert {c.type for c in rules.cues} == set(CLAIM_TYPES)


@pytest.mark.parametrize(("replace", "by", "message"), [
    ("type: plan,", "type: plans,", "not one of"),
    ("id: will,", "id: would,", "duplicate id"),
    ("weight: 3.0, regex: '\\b(?:will", "weight: 3.0, regex: '\\b(?:will(", "invalid regex"),
    ("percent_any:", "percent_anything:", "unknown feature"),
])
def test_rules_validation(tmp_path: Path, replace: str, by: str, message: str) -> None:
    text = (PATTERNS_DIR / "claim_types.yaml").read_text(encoding="utf-8")
    assert replace in text
    path = tmp_path / "claim_types.yaml"
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_claim_rules(path)


# --- gold: measuring only ------------------------------------------------------------------

def _period(label: str | None) -> tuple[date | None, date | None]:
    label = (label or "").strip()
    if "/" in label:
        y = int(label[:4])
        return date(y, 4, 1), date(y + 1, 3, 31)
    if label.isdigit():
        return date(int(label), 1, 1), date(int(label), 12, 31)
    return None, None


def test_gold_claim_type_accuracy(full_nlp: Language, capsys: pytest.CaptureFixture) -> None:
    """Type every gold sentence with the full pipeline, per part of the fixed gold split.

    The cue rules were written against the tuning part's errors only, so the held-out parts
    are what the floors guard.
    """
    from pipeline.evaluation import SPLIT_PARTS, split_of

    pairs: dict[str, list[tuple[str, str]]] = {p: [] for p in SPLIT_PARTS}
    for path in sorted(DEFAULT_GOLD_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            heading = (row.get("section") or "").split(" / ")[-1]
            doc = full_nlp(make_doc(full_nlp, row["text"], *_period(row.get("report_period")),
                                    heading))
            spans = list(doc.spans["claims"])
            # the gold line is one sentence; if the splitter disagreed, take the first part
            pairs[split_of(row)].append((row["claim_type"],
                                         spans[0]._.claim_type if spans else "other"))
    accuracy = {p: sum(g == q for g, q in v) / len(v) for p, v in pairs.items() if v}
    with capsys.disabled():
        print("\nclaim_type accuracy " + ", ".join(f"{p} {a:.3f}" for p, a in accuracy.items()))
    for part, floor in GOLD_ACCURACY_FLOORS.items():
        assert accuracy[part] >= floor, part


@pytest.mark.parametrize("heading,text,expected", [
    ("Our aims by 2026", "Fewer households in fuel poverty.", "target"),
    ("Our aim by 2030", "Roads maintained to a good standard.", "target"),
    ("Public Transport", "Roads maintained to a good standard.", "other"),
])
def test_heading_types_a_list(heading: str, text: str, expected: str) -> None:
    from pipeline.nlp.claims import classify

    got = classify(text, heading=heading, block_kind="bullet").claim_type
    if expected == "other":
        assert got != "target"
    else:
        assert got == expected


def test_aims_heading_does_not_type_the_prose_after_the_list() -> None:
    from pipeline.nlp.claims import classify

    text = "Roads maintained to a good standard."
    assert classify(text, heading="Our aims by 2026", block_kind="bullet").claim_type == "target"
    assert classify(text, heading="Our aims by 2026", block_kind="paragraph").claim_type != "target"


def test_aims_heading_ignores_reports_of_what_was_done() -> None:
    from pipeline.nlp.claims import classify

    text = "With partners we have been successful in gaining new funding for courses."
    assert classify(text, heading="Our aims by 2026", block_kind="bullet").claim_type != "target"


@pytest.mark.parametrize("text,expected", [
    ("The partnership has been successful in securing new funding for courses.", "achievement"),
    ("The bid was not successful.", None),
])
def test_successful_cue(text: str, expected: str | None) -> None:
    from pipeline.nlp.claims import classify

    decision = classify(text)
    assert ("successful_in" in decision.fired) == (expected is not None)
    if expected:
        assert decision.claim_type == expected


# --- classes of expression under a heading -------------------------------------------------

@pytest.mark.parametrize(("heading", "text", "expected"), [
    # under an aims heading, a report of what was done is an achievement, not a target
    ("Our aims by 2031", "We have opened three new community hubs across the county.",
     "achievement"),
    ("Our aims by 2031", "Fewer young people not in education, employment or training", "target"),
    # present perfect (done) vs ongoing work
    ("Highways", "The council has resurfaced 40 miles of rural roads.", "achievement"),
    ("Highways", "We are continuing to work with parishes on verge cutting.", "progress"),
    # an action with a count is an achievement; a rate describing the area is a statistic
    ("Adult learning", "We delivered 640 courses for adults in the market towns.", "achievement"),
    ("Health", "Around 23% of adults in the county are physically inactive.", "statistic"),
])
def test_claim_type_classes_under_heading(full_nlp: Language, heading: str, text: str,
                                       expected: str) -> None:
    assert claim_type(full_nlp, text, heading, "bullet") == expected


# --- classes of expression added against tuning-half errors (invented sentences) ------------

@pytest.mark.parametrize(("text", "expected"), [
    # a participle after present-tense "be" is a standing state, not a past action
    ("The workshops are designed to give carers practical advice.", "other"),
    ("Waiting times are measured by the days between referral and first visit.", "other"),
    # the business of a meeting is governance
    ("The motion was put and carried, 31 members voting for and 9 against.", "other"),
    ("Two members declared a personal interest in the item on school transport.", "other"),
    # a title or running header in capitals, whatever its verbs
    ("MINUTES OF THE MEETING OF THE FIRE AUTHORITY HELD ON 4 MARCH", "other"),
    # a lead-in to a list
    ("The review was built around three questions:", "other"),
    # the text describing itself
    ("This annual report covers the twelve months to August and sets out our progress.",
     "other"),
    # started and not yet finished is ongoing work
    ("Resurfacing began in the spring and is expected to finish in 2033.", "progress"),
    # a cumulative result to date is an achievement
    ("So far more than 9,000 hedgerow trees have been planted by volunteers.", "achievement"),
    # shares of respondents with an opinion, a ranking by popularity, a change seen
    ("In the consultation 64% agreed with the proposal and 21% disagreed.", "statistic"),
    ("Cycling was the least popular of the travel options offered.", "statistic"),
    ("Country parks have seen a rise in the number of dog walkers.", "statistic"),
    ("The district has a total of 14 market towns and 90 villages.", "statistic"),
])
def test_claim_type_classes(full_nlp: Language, text: str, expected: str) -> None:
    assert claim_type(full_nlp, text) == expected


@pytest.mark.parametrize(("text", "not_expected"), [
    # a past action is still an achievement when a participle follows "was"/"were"
    ("The new depot was designed and built by a local firm.", "other"),
    # a colon inside a sentence is not a list lead-in
    ("Our aim is simple: every child reads by seven.", "other"),
    # a sentence in ordinary case with an all-capital acronym is not a title
    ("The NHS and the council opened a joint clinic in May.", "other"),
    # "so far" as a degree is not a cumulative result
    ("The library is not so far from the station.", "achievement"),
    # a percentage of residents, not respondents giving an opinion, needs no survey cue
    ("We completed 98% of repairs within a week.", "statistic"),
])
def test_claim_type_class_negatives(full_nlp: Language, text: str, not_expected: str) -> None:
    doc = full_nlp(make_doc(full_nlp, text, *PERIOD))
    assert doc.spans["claims"][0]._.claim_type != not_expected


def test_future_is_judged_against_the_stated_window(full_nlp: Language) -> None:
    """An event inside the window a report states is not in the future, even when it falls
    after the nominal financial year."""
    from pipeline.nlp.claims import mention_facts

    text = "In August 2031 the council opened a new clinic."
    plain = full_nlp(make_doc(full_nlp, text, *PERIOD))
    assert mention_facts(plain, 0, len(text)).n_future_dates == 1
    windowed = full_nlp(make_doc(full_nlp, text, *PERIOD, "", "", date(2030, 9, 1),
                                 date(2031, 9, 30)))
    assert mention_facts(windowed, 0, len(text)).n_future_dates == 0
