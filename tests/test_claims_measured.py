"""Claim typing, classes of expression added for issue 18 on unseen reports (invented sentences,
negatives too).

A measure stated with the level it is to reach ("will have fallen ... to below 4%", "By 2034,
at least 90% ... will ...", "Reduce X from 12% to 8%") is a target, while "will" with no level
stays a plan; the name of an indicator with no verb or value is other, and a table row ending
in RAG ratings is a statistic; a share of a population as the subject of a past verb is a
statistic. Also: lettered clauses of a motion and a named outcome defined by "X – that ..."
are other, plans made public are plans, "took place" and "played a leading role" are
achievements, "we provide ..." is ongoing work. A state "now" in place is done, the past
progressive is ongoing; a setback, money short of need, rising demand and a problem that
persists are challenges, a statistic that merely moved is not. The gold is for measuring only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from claim_typing import claim_type
from spacy.language import Language

from pipeline.nlp.claims import classify
from pipeline.nlp.pipeline import build_nlp

COUNCIL2 = Path(__file__).parent / "data" / "council2"
#: claim type on the invented second council's 137 gold sentences (tests/data/council2/gold),
#: measured 2026-12-07 with `planmine extract tests/data/council2 --plan .../plan.yaml` and
#: `planmine evaluate`: 0.635 before the cues of this file, 0.657 (90/137) after; 0.766 (105/137)
#: once setbacks, money short, demand pressing and problems that persist were typed challenge
#: (challenge 2/22 -> 16/22 right). A little below.
COUNCIL2_TYPE_FLOOR = 0.74


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


_type = claim_type


# --- a level to reach is a target; "will" without one is a plan ------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("Bus punctuality will have risen from 81% in 2029/30 to at least 88%.", "table"),
    ("Residents rating their park as good will have improved from 71% to at least 76%.", "table"),
    ("By 2034, at least 90% of homes will have access to gigabit broadband.", "paragraph"),
    ("The share of adults who smoke will be no more than 8% across the county.", "bullet"),
    ("By 2035, missed bin collections will have reduced by 10%.", "table"),
    ("Library visits per head will be similar to or better than the regional average.",
     "table"),
    ("By March 2034, the share of fleet vehicles that are electric will be 40%.", "table"),
])
def test_a_future_level_is_a_target(nlp: Language, text: str, kind: str) -> None:
    assert _type(nlp, text, "Outcome measures", kind) == "target"


@pytest.mark.parametrize("text", [
    "We will open a new library in the market town in 2032.",
    # a future perfect with no measure: something to be done, a plan
    "By 2034 we will have completed the new bypass.",
    # a percentage describing what is to be done, not a level to reach
    "We will be switching the depot to 100% solar power in the spring.",
    # a bound on a duration is not a level
    "The new centre will offer support for at least 12 weeks.",
])
def test_will_without_a_level_stays_a_plan(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "plan"


@pytest.mark.parametrize(("text", "kind"), [
    ("Reduce the share of journeys made by car from 64% in 2029 to 55%.", "table"),
    ("Increase take-up of health checks to at least 75%.", "bullet"),
])
def test_an_imperative_with_a_level_is_a_target(nlp: Language, text: str, kind: str) -> None:
    assert _type(nlp, text, "Delivery plan", kind) == "target"


@pytest.mark.parametrize("text", [
    "Reduce the number of missed bin collections.",
    # cells are joined by spaces: a year ending one cell is not a percentage in the next
    "Increase awareness of the helpline\tLead officer\tApril 2033\t% of callers",
])
def test_an_imperative_without_a_level_stays_a_plan(nlp: Language, text: str) -> None:
    assert _type(nlp, text, "Delivery plan", "table") == "plan"


def test_the_future_perfect_is_not_an_achievement() -> None:
    decision = classify("Bus punctuality will have fallen from 88% to below 80%.")
    assert "future_level" in decision.fired
    assert not {"perfect_active", "action_past", "will"} & set(decision.fired)
    assert decision.scores["achievement"] == 0.0


# --- indicator names and RAG rows -----------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ("Percentage of disabled facilities grants approved within 20 days", "bullet"),
    ("Number of allotment plots let to new tenants", "bullet"),
    ("% of planning appeals decided within eight weeks", "table"),
    ("Proportion of carers who were offered a break within three months", "paragraph"),
    ("Average time taken to process a housing benefit claim", "bullet"),
])
def test_an_indicator_name_is_other(nlp: Language, text: str, kind: str) -> None:
    assert _type(nlp, text, "Key performance indicators", kind) == "other"


@pytest.mark.parametrize(("text", "expected"), [
    # a verb of its own makes it a sentence about the measure
    ("The number of apprentices has risen to 340.", "statistic"),
    ("The percentage of pupils who are persistently absent fell to 14%.", "statistic"),
    # a value makes it a result
    ("KPI 4: Average days lost to sickness 7.9 (+0.2)", "statistic"),
])
def test_a_measure_with_a_verb_or_value_is_not_a_name(nlp: Language, text: str,
                                                      expected: str) -> None:
    assert _type(nlp, text, "Key performance indicators", "table") == expected


@pytest.mark.parametrize("text", [
    "% of street lights repaired within 7 days\tGREEN\tAMBER",
    "Number of adopters approved\tRed\tAmber",
])
def test_a_row_ending_in_rag_ratings_is_a_statistic(nlp: Language, text: str) -> None:
    assert _type(nlp, text, "Performance summary", "table") == "statistic"


def test_rag_words_in_prose_are_not_ratings(nlp: Language) -> None:
    assert "rag_cells" not in classify("The bus route was extended to Green",
                                       block_kind="paragraph").fired
    assert _type(nlp, "The new cycle lane on the Red route was opened in May.") == "achievement"


# --- shares of a population -----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "72% of pupils achieved a strong pass in English and maths.",
    "The tenant survey found that 64% of tenants had reported a repair online.",
    "In 2030, 85% of households recycled their food waste.",
])
def test_a_share_as_subject_is_a_statistic(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "statistic"


def test_an_action_with_a_percentage_stays_an_achievement(nlp: Language) -> None:
    assert _type(nlp, "We reduced the backlog by 35% and recruited 12 staff.") == "achievement"


# --- governance and definitions -------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "(c) notes the work of the food banks across the county;",
    "(b) And welcomes the youth council set up by the district to tackle bus cuts.",
    "Thriving Places – that every town centre is busy, safe and well used;",
])
def test_motions_and_outcome_definitions_are_other(nlp: Language, text: str) -> None:
    assert _type(nlp, text, "Motions", "bullet") == "other"


@pytest.mark.parametrize("text", [
    "(a) we have opened three new family hubs.",
    "Highways – we resurfaced 40 miles of road.",
])
def test_lettered_or_dashed_reports_stay_achievements(nlp: Language, text: str) -> None:
    assert _type(nlp, text, "Highlights", "bullet") == "achievement"


# --- plans made public; events and roles; standing services ----------------------------------

@pytest.mark.parametrize("text", [
    "A developer has announced plans for a battery storage park near the ring road.",
    "In March we unveiled proposals to widen the ring road.",
])
def test_plans_made_public_are_plans(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "plan"


@pytest.mark.parametrize("text", [
    "A careers fair took place in the town hall in June.",
    "The district played a leading role in organising the food bank network.",
    "The fire service had a key role in the moorland clean-up.",
])
def test_events_and_roles_are_achievements(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "achievement"


def test_a_role_still_to_play_is_a_plan(nlp: Language) -> None:
    assert _type(nlp, "Partners will play a key role in delivering the strategy.") == "plan"


def test_a_measure_after_an_opening_adverbial_is_a_statistic(nlp: Language) -> None:
    text = "During the heatwave, water demand rose sharply across the district."
    assert _type(nlp, text) == "statistic"


@pytest.mark.parametrize("text", [
    "We provide free debt advice to tenants at three community hubs.",
    "Locally, we also run weekly sessions for new parents.",
])
def test_we_with_a_present_service_verb_is_progress(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "progress"


@pytest.mark.parametrize("text", [
    "This changed how we work with partners.",
    "The support we offer to parish councils was reviewed in June.",
])
def test_we_in_a_subordinate_clause_is_not_a_service(text: str) -> None:
    assert "we_present" not in classify(text).fired


# --- under an aims heading, a report is not an aim ------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("In May 2030, a heritage open day explored the history of the mill.", "achievement"),
    ("The canal boat trips attracted 9,000 passengers over the summer.", "achievement"),
    ("It supports around 40 youth clubs across the borough.", "progress"),
    # an aim names its subject and states the position to reach
    ("More tenants say their estate is a good place to live.", "target"),
    ("Fewer young people not in education, employment or training.", "target"),
])
def test_aims_heading_reports_and_aims(nlp: Language, text: str, expected: str) -> None:
    assert _type(nlp, text, "Our aims by 2034", "bullet") == expected


def test_a_pronoun_opening_switches_the_aims_heading_off() -> None:
    decision = classify("These include walking groups and repair cafes.", heading="Our aims by 2034",
                        block_kind="bullet")
    assert "heading:aims_by_year" not in decision.fired
    assert decision.claim_type != "target"


# --- aspect: a state now in place is done; the past progressive is work going on ------------

@pytest.mark.parametrize("text", [
    "Energy advice is now offered to every tenant who asks.",
    "The new community hub is now open five days a week.",
    "Carbon checks are now part of every highways scheme.",
])
def test_a_state_now_in_place_is_an_achievement(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "achievement"


@pytest.mark.parametrize("text", [
    "The old bridge is now being rebuilt by the contractor.",
    "The new pool is now expected to open in the autumn.",
])
def test_now_with_work_still_going_or_to_come_is_not_an_achievement(nlp: Language,
                                                                   text: str) -> None:
    assert _type(nlp, text) != "achievement"


@pytest.mark.parametrize("text", [
    "Work was progressing on the new waste transfer station.",
    "At the year end officers were reviewing every open case.",
    "Repairs to the sea wall were being carried out over the winter.",
])
def test_the_past_progressive_is_progress(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "progress"


def test_was_going_to_is_not_the_past_progressive() -> None:
    assert "past_progressive" not in classify("The depot was going to close in May.").fired


# --- challenge: setbacks, money short, demand pressing, problems that persist ---------------

@pytest.mark.parametrize("text", [
    "The refurbishment of the leisure centre has been delayed by a year.",
    "Higher tender prices have delayed the new cycle route.",
    "Garden waste rounds were suspended for two weeks after the floods.",
    "The harbour scheme came in £2m over budget.",
    "Our forecasts show a funding gap of £3.4m by 2029 unless further savings are found.",
    "Grant funding for the youth club ends in June and no replacement has been found.",
    "Demand for school transport keeps rising, and routes cost 12% more than last year.",
    "Demand on the homelessness service has risen sharply, with 40% more approaches.",
    "Care costs have grown faster than our income for a third year.",
    "Waiting times for assessments are still as long as 16 weeks.",
    "Funding for flood defences remains uncertain after the national review.",
    "Bus journeys remain slower than we would like on the main corridors.",
    "Home care hours reached 9,000 a week, the single biggest pressure on our budget.",
    "New affordable homes fell short of local need for a second year.",
])
def test_a_setback_shortfall_or_pressure_is_a_challenge(nlp: Language, text: str) -> None:
    assert _type(nlp, text) == "challenge"


@pytest.mark.parametrize(("text", "expected"), [
    # statistics that merely fell or rose stay statistics
    ("The number of households in temporary accommodation fell from 93 to 58.", "statistic"),
    ("Footfall in the town centre rose by 6% on the year before.", "statistic"),
    # a review called a challenge
    ("A peer challenge team visited in May and praised our planning service.", "achievement"),
    # a delay measure is a statistic, not a setback
    ("Delayed transfers of care fell to 12 a day in March.", "statistic"),
])
def test_falls_concessions_and_reviews_are_not_challenges(nlp: Language, text: str,
                                                          expected: str) -> None:
    assert _type(nlp, text) == expected


def test_falling_short_of_a_target_is_not_a_named_pressure() -> None:
    """A result short of its target is a measured result (kpi_result), not a pressure."""
    assert "named_pressure" not in classify("Recycling fell short of the county target of 45%.").fired
    assert "kpi_result" in classify("Recycling fell short of the target.").fired
    assert "named_pressure" in classify("Recycling fell short of what is needed.").fired


# --- another council -------------------------------------------------------------------------

def test_council2_claim_types(tmp_path: Path) -> None:
    """The invented second council's reports: a rule change that loses ground there fails."""
    from pipeline.evaluation import evaluate, load_gold, load_predictions
    from pipeline.extract import run_extract

    summary = run_extract(COUNCIL2, tmp_path, plan_file=COUNCIL2 / "plan.yaml", jobs=1)
    assert summary.failed == 0, summary.errors
    report = evaluate(load_gold([COUNCIL2 / "gold"]), load_predictions(tmp_path))
    assert report.overall.n_aligned == 137
    assert report.overall.type_accuracy_strict >= COUNCIL2_TYPE_FLOOR
