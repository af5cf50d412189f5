"""Claim typing, classes of expression added for issue 18 (invented sentences, negatives too).

Each class is one way reports say a type: a KPI box or a result read against its target is a
statistic, not a target; a row of a delivery plan that opens with a bare verb is a plan; a
count or a measure as the subject of what happened is a statistic, not an achievement; work
started, continued or running since a date is progress, not an achievement. The sentences are
invented; the gold is for measuring only (tests/test_claims.py, tests/test_kent_gold.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from claim_typing import claim_type
from spacy.language import Language

from pipeline.config import PATTERNS_DIR
from pipeline.nlp.claims import classify, load_claim_rules
from pipeline.nlp.pipeline import build_nlp


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


_type = claim_type


# --- KPI results are statistics, not targets ------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("Latest: 87%\tTarget: 90%, Floor: 80%\tPrevious: 85% (Amber)", "table"),
    ("Latest: 412\tTarget: 450\tPrevious: 398 (Red)", "table"),
    ("Twelve indicators met their target this quarter.", "paragraph"),
    ("Response times are below target on an improving trend.", "paragraph"),
    ("Performance remains below the floor standard.", "paragraph"),
    ("Eight indicators are rated Green and three are rated Red.", "paragraph"),
])
def test_kpi_results_are_statistics(nlp: Language, text: str, kind: str) -> None:
    assert _type(nlp, text, "Key Performance Indicators", kind) == "statistic"


@pytest.mark.parametrize("text", [
    "Our target is to recycle 60% of household waste by 2035.",
    "We aim to meet the target of 95% of calls answered within a minute by 2033.",
])
def test_stated_targets_stay_targets(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "target"


# --- rows of a delivery plan are plans ------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("Develop a county-wide falls prevention pathway\tPublic health lead\tMar 2033", "table"),
    ("Better understand why families do not take up free childcare places.", "table"),
    ("Expand the number of family hubs offering parenting support.", "bullet"),
    ("Use local data to target smoking cessation support.", "bullet"),
])
def test_imperative_rows_are_plans(nlp: Language, text: str, kind: str) -> None:
    assert _type(nlp, text, "Priorities for the next two years", kind) == "plan"


@pytest.mark.parametrize(("text", "kind", "not_expected"), [
    # a bare verb opening prose is not a plan row: the cue is limited to tables and lists
    ("Develop was the word used most by respondents.", "paragraph", "plan"),
    # a row that reports what was done is not a plan
    ("Design work has finished on the new junction.", "bullet", "plan"),
    # a name that starts with a verb, followed by what it did
    ("Invest in Ashby, a business network, has hosted four investor events.", "bullet", "plan"),
])
def test_imperative_row_negatives(nlp: Language, text: str, kind: str,
                                  not_expected: str) -> None:
    assert _type(nlp, text, "Highlights", kind) != not_expected


def test_block_kinds_limit_a_body_cue() -> None:
    text = "Develop a shared plan for the high street."
    assert "imperative_row" in classify(text, block_kind="table").fired
    assert "imperative_row" not in classify(text, block_kind="paragraph").fired


# --- statistic vs achievement ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "981 adults attended the summer courses.",
    "Over 4,000 residents used the new app in its first month.",
    "In 2030/31, 2,150 people were referred to the service.",
    "Some 1,450 children were in care at the end of March.",
    "The number of children in care has increased to 720.",
    "Recycling rates fell from 48% to 45%.",
    "Visitor numbers rose by 12% compared with last year.",
    "Attendance at libraries reached 1.2 million visits.",
    "Unemployment in the district fell sharply during the year.",
    # what data showed, a rank, a count that existed: no one did them
    "The annual survey showed that 81% of tenants were satisfied with repairs.",
    "The county recorded one of the lowest rates of road deaths in the region.",
    "Exhibitions were refreshed in May and there were 5,400 visits to the museum.",
])
def test_counts_and_measures_that_happened_are_statistics(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "statistic"


@pytest.mark.parametrize("text", [
    "We helped 640 residents back into work.",
    "The team delivered 48 training sessions to care providers.",
    "We have planted 12,000 trees across the county.",
    "The council has reduced its own carbon emissions by 40%.",
    # a measure in the passive has someone behind it
    "To date our emissions have been reduced by over 60% since 2019.",
    "In 2030/31, 127 young people were supported by the service.",
])
def test_actions_with_counts_stay_achievements(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "achievement"


def test_a_challenge_people_take_part_in_is_not_a_difficulty(nlp: Language) -> None:
    text = "Over 2,000 more children took part in the reading challenge than last year."
    assert _type(nlp, text) != "challenge"
    assert _type(nlp, "Recruiting care staff remains a challenge.") == "challenge"


# --- present perfect: ongoing vs done -------------------------------------------------------

@pytest.mark.parametrize("text", [
    "The team has been working with schools to reduce exclusions.",
    "We have continued to support families through the winter.",
    "Work continued on the new household waste site during the year.",
    "We have started work on the refresh of the local plan.",
    "Phase two of the scheme has begun.",
    "The programme has moved into its delivery phase.",
    "We are in the process of recruiting additional social workers.",
    "Officers have worked with partners since 2029 to reduce fly-tipping.",
    "With the districts we have led on the development of a countywide housing strategy.",
])
def test_ongoing_work_is_progress(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "progress"


@pytest.mark.parametrize("text", [
    "The scheme was completed in March.",
    "We have secured £2m of external funding.",
    "Work started in May 2030 and finished in October.",
    # a count since a date is a cumulative result, not ongoing work
    "The scheme has helped 500 households since 2028.",
    "We have completed the development of the new transport model.",
])
def test_finished_work_stays_achievement(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "achievement"


# --- aims lists -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Top quartile of counties for good level of development at age five.", "target"),
    ("Fewer people killed or seriously injured on our roads.", "target"),
    ("We opened a new family hub in the market town.", "achievement"),
    ("Residents were consulted on the new library opening hours.", "achievement"),
])
def test_aims_heading(nlp: Language, text: str, expected: str) -> None:
    assert _type(nlp, text, "Our aims by 2034", "bullet") == expected


def test_rationale_is_other(nlp: Language) -> None:
    text = "The floods have highlighted the importance of local emergency plans."
    assert _type(nlp, text) == "other"


# --- the rule file --------------------------------------------------------------------------

def test_mutes_switch_off_the_generic_cues() -> None:
    decision = classify("981 adults attended the summer courses.")
    assert "count_subject" in decision.fired
    assert "action_past" not in decision.fired
    assert decision.scores["achievement"] == 0.0


@pytest.mark.parametrize(("replace", "by", "message"), [
    ("mutes: *past_verbs, regex", "mutes: [no_such_cue], regex", "mutes unknown cues"),
    ("block_kinds: [table, bullet], regex", "block_kinds: [table, sidebar], regex",
     "unknown block_kinds"),
    # a misspelt key is an error naming it, not a cue silently left unmuted
    ("mutes: *past_verbs, regex", "mute: *past_verbs, regex", r"cues\.\d+\.mute: Extra inputs"),
])
def test_rules_validation(tmp_path: Path, replace: str, by: str, message: str) -> None:
    text = (PATTERNS_DIR / "claim_types.yaml").read_text(encoding="utf-8")
    assert replace in text
    path = tmp_path / "claim_types.yaml"
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_claim_rules(path)


# --- a period that "saw" a count is a statistic ----------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("Quarter 3 saw 18,240 residents contact the adult social care front door.", "statistic"),
    ("2031 saw over 400 new homes completed across the district.", "statistic"),
    ("The summer saw 2,300 children join the reading scheme.", "statistic"),
    ("Q2 saw just over 900 referrals to the service.", "statistic"),
    # negatives: an agent that saw, and a period that saw no count
    ("We saw 40 new foster carers approved after the campaign we launched.", "achievement"),
    ("The year saw the opening of the new library in the market square.", "achievement"),
])
def test_a_period_that_saw_a_count_is_a_statistic(nlp: Language, text: str,
                                                  expected: str) -> None:
    assert _type(nlp, text) == expected
