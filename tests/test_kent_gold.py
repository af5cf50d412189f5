"""planmine scored on hand-checked sentences of another council's papers (tests/data/kent-gold).

The 40 sentences of tests/data/kent-gold (five Kent documents: a quarterly performance report
with KPI layouts and tables, its cover paper, a delivery plan in tables, a cabinet report, an
annual report) were first a measurement; the classes of expression behind their errors were
then fixed, so they now guard those fixes. tests/data/kent-gold-2 holds 30 more sentences of
the same papers, drawn and annotated after those fixes and never used to write a rule: the
unseen measurement. Floors sit a little below the scores measured (see each folder's
README): a change that loses ground on another council's papers fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluation import evaluate, load_gold, load_predictions

GOLD = Path(__file__).parent / "data" / "kent-gold"
GOLD2 = Path(__file__).parent / "data" / "kent-gold-2"
KENT = Path(__file__).parent / "data" / "kent"

#: Measured 2026-12-06 (money 1.000 on 3 mentions, figures 0.771 on 41, dates 0.828 on 14,
#: claim type 0.600 on 40 sentences, 40/40 aligned); floors a little below. Figures and dates
#: measured 1.000 (41 and 14 mentions) once the classes of expression behind their errors were
#: fixed with invented tests (table scale markers, signed p.p. values, bracketed comparison
#: values, paragraph labels, quarters a year back and quarter ends): floors allow about one
#: miss each. Claim type 0.725 (29/40) once KPI results, plan rows and counts were typed.
FLOORS = {"money": 0.95, "figures": 0.95, "dates": 0.93}
TYPE_FLOOR = 0.70


@pytest.fixture(scope="module")
def kent_report(kent_out):
    out, _ = kent_out
    gold = load_gold([GOLD])
    return gold, evaluate(gold, load_predictions(out))


def test_kent_gold_has_forty_sentences_over_five_documents(kent_report) -> None:
    gold, _ = kent_report
    assert len(gold) == 40
    assert len({row["doc"] for row in gold}) == 5
    assert all((KENT / f"{row['doc']}.pdf").exists() for row in gold)


def test_kent_gold_sentences_align_to_claims(kent_report) -> None:
    _, report = kent_report
    assert all(d.found for d in report.documents)
    assert report.overall.n_aligned >= 38


@pytest.mark.parametrize("kind", sorted(FLOORS))
def test_kent_gold_mention_scores(kent_report, kind: str) -> None:
    _, report = kent_report
    prf = report.overall.mentions[kind]
    assert prf.tp + prf.fn > 0, f"no gold {kind} mentions"
    assert prf.f1 >= FLOORS[kind], f"{kind}: tp={prf.tp} fp={prf.fp} fn={prf.fn}"


def test_kent_gold_claim_types(kent_report) -> None:
    _, report = kent_report
    assert report.overall.type_accuracy_strict >= TYPE_FLOOR


#: kent-gold-2, measured 2026-12-06 when drawn: figures 0.938 (17 gold mentions), dates 1.000
#: (9), claim type 0.467 (14/30; delivery-plan measures written as "will have improved ... to
#: at least 70%" and KPI names are the main misses; see its README). Floors a little below.
FLOORS2 = {"figures": 0.88, "dates": 0.93}
TYPE_FLOOR2 = 0.43


@pytest.fixture(scope="module")
def kent2_report(kent_out):
    out, _ = kent_out
    gold = load_gold([GOLD2])
    return gold, evaluate(gold, load_predictions(out))


def test_unseen_kent_sample_is_new_sentences(kent2_report) -> None:
    gold2, report = kent2_report
    first = {" ".join(row["text"].split()) for row in load_gold([GOLD])}
    assert len(gold2) == 30 and not first & {" ".join(r["text"].split()) for r in gold2}
    assert report.overall.n_aligned >= 29


@pytest.mark.parametrize("kind", sorted(FLOORS2))
def test_unseen_kent_sample_scores(kent2_report, kind: str) -> None:
    _, report = kent2_report
    prf = report.overall.mentions[kind]
    assert prf.tp + prf.fn > 0, f"no gold {kind} mentions"
    assert prf.f1 >= FLOORS2[kind], f"{kind}: tp={prf.tp} fp={prf.fp} fn={prf.fn}"
    assert report.overall.type_accuracy_strict >= TYPE_FLOOR2
