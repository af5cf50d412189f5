"""planmine scored on hand-checked sentences of another council's papers (tests/data/kent-gold).

The 40 sentences of tests/data/kent-gold (five Kent documents: a quarterly performance report
with KPI layouts and tables, its cover paper, a delivery plan in tables, a cabinet report, an
annual report) were first a measurement; the classes of expression behind their errors were
then fixed, so they now guard those fixes. tests/data/kent-gold-2 holds 30 more sentences of
the same papers, drawn and annotated after those fixes and never used to write a rule: the
unseen measurement for figures and dates (its claim types have since been used to fix two
classes). tests/data/kent-gold-3 holds a third 30, drawn and annotated when those were fixed:
the unseen measurement of claim type. Floors sit a little below the scores measured (see each folder's
README): a change that loses ground on another council's papers fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluation import evaluate, load_gold, load_predictions

GOLD = Path(__file__).parent / "data" / "kent-gold"
GOLD2 = Path(__file__).parent / "data" / "kent-gold-2"
GOLD3 = Path(__file__).parent / "data" / "kent-gold-3"
KENT = Path(__file__).parent / "data" / "kent"

#: Measured 2026-12-06 (money 1.000 on 3 mentions, figures 0.771 on 41, dates 0.828 on 14,
#: claim type 0.600 on 40 sentences, 40/40 aligned); floors a little below. Figures and dates
#: measured 1.000 (41 and 14 mentions) once the classes of expression behind their errors were
#: fixed with invented tests (table scale markers, signed p.p. values, bracketed comparison
#: values, paragraph labels, quarters a year back and quarter ends): floors allow about one
#: miss each. Claim type 0.725 (29/40) once KPI results, plan rows and counts were typed;
#: 0.750 (30/40) once indicator names with no verb or value were typed other (2026-12-07).
FLOORS = {"money": 0.95, "figures": 0.95, "dates": 0.93}
TYPE_FLOOR = 0.72


#: kent-gold-2, measured 2026-12-06 when drawn: figures 0.938 (17 gold mentions), dates 1.000
#: (9), claim type 0.467 (14/30; delivery-plan measures written as "will have improved ... to
#: at least 70%" and KPI names are the main misses; see its README). Floors a little below.
#: Claim type 0.567 (17/30) on 2026-12-07 once those two classes were typed (measured levels
#: to reach as targets +2, indicator names as other +1): both classes were SEEN on this set,
#: so it is no longer a fully unseen measurement of claim type (README).
FLOORS2 = {"figures": 0.88, "dates": 0.93}
TYPE_FLOOR2 = 0.53


#: kent-gold-3, measured 2026-12-07 when drawn (draw 712): figures 0.800 (7 gold mentions; tp 6,
#: fp 2, fn 1: a spaced minus "- 1.9p.p." read as +1.9, and "13 th" of a date taken as a count),
#: dates 1.000 (8), claim type 0.633 (19/30), no money. Floors allow about one more miss of each
#: kind. Later that day both figure misses were fixed as classes (README): figures 1.000, no
#: longer an unseen score; the floor keeps the fix.
FLOORS3 = {"figures": 0.93, "dates": 0.93}
TYPE_FLOOR3 = 0.59


#: gold folder -> (mention floors, claim-type floor)
SETS = {GOLD: (FLOORS, TYPE_FLOOR), GOLD2: (FLOORS2, TYPE_FLOOR2), GOLD3: (FLOORS3, TYPE_FLOOR3)}


@pytest.fixture(scope="module")
def reports(kent_out) -> dict[Path, tuple[list, object]]:
    """Each gold set with planmine's scores on it, from one extract of the Kent papers."""
    out, _ = kent_out
    predictions = load_predictions(out)
    return {folder: (gold, evaluate(gold, predictions))
            for folder in SETS for gold in [load_gold([folder])]}


@pytest.fixture(scope="module")
def kent_report(reports):
    return reports[GOLD]


def test_kent_gold_has_forty_sentences_over_five_documents(kent_report) -> None:
    gold, _ = kent_report
    assert len(gold) == 40
    assert len({row["doc"] for row in gold}) == 5
    assert all((KENT / f"{row['doc']}.pdf").exists() for row in gold)


def test_kent_gold_sentences_align_to_claims(kent_report) -> None:
    _, report = kent_report
    assert all(d.found for d in report.documents)
    assert report.overall.n_aligned >= 38


def test_unseen_kent_sample_is_new_sentences(reports) -> None:
    gold2, report = reports[GOLD2]
    first = {" ".join(row["text"].split()) for row in load_gold([GOLD])}
    assert len(gold2) == 30 and not first & {" ".join(r["text"].split()) for r in gold2}
    assert report.overall.n_aligned >= 29


def test_third_kent_sample_is_new_sentences(reports) -> None:
    gold3, report = reports[GOLD3]
    earlier = {" ".join(row["text"].split()) for row in load_gold([GOLD, GOLD2])}
    assert len(gold3) == 30 and len({row["doc"] for row in gold3}) == 5
    assert not earlier & {" ".join(r["text"].split()) for r in gold3}
    assert report.overall.n_aligned >= 29


@pytest.mark.parametrize(("folder", "kind"),
                         [(f, k) for f, (floors, _) in SETS.items() for k in sorted(floors)])
def test_kent_gold_mention_scores(reports, folder: Path, kind: str) -> None:
    _, report = reports[folder]
    prf = report.overall.mentions[kind]
    assert prf.tp + prf.fn > 0, f"no gold {kind} mentions"
    assert prf.f1 >= SETS[folder][0][kind], f"{kind}: tp={prf.tp} fp={prf.fp} fn={prf.fn}"


@pytest.mark.parametrize("folder", list(SETS))
def test_kent_gold_claim_types(reports, folder: Path) -> None:
    _, report = reports[folder]
    assert report.overall.type_accuracy_strict >= SETS[folder][1]
