"""Floors for the money, dates and figures components, scored sentence by sentence on the gold.

The scoring lives in :mod:`pipeline.evaluation.components` (shared with
``scripts/score_mentions.py``); this only asserts that it stays above the floors, overall and
on the held-out parts. Gold is for measuring only: nothing here copies gold text into rules.
"""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.config import DEFAULT_GOLD_DIR
from pipeline.evaluation import HELD_OUT_DOC, HELD_OUT_HALF, load_gold
from pipeline.evaluation.components import (
    ALL,
    KINDS,
    ComponentScores,
    format_scores,
    period_of,
    score_components,
)

#: Floors a little below what the rules reach today; raise them as the rules improve.
FLOORS = {"money": 0.97, "dates": 0.92, "figures": 0.94}
#: The same on the held-out parts (sentences and a document no rule was written against).
HELD_OUT_FLOORS = {"money": 0.97, "dates": 0.88, "figures": 0.92}


@pytest.fixture(scope="session")
def gold_scores() -> dict[str, ComponentScores]:
    if not any(DEFAULT_GOLD_DIR.glob("*.jsonl")):
        pytest.skip("no gold files")
    return score_components(load_gold([DEFAULT_GOLD_DIR]))


@pytest.mark.parametrize("kind", KINDS)
def test_gold_f1_floor(gold_scores: dict[str, ComponentScores], kind: str) -> None:
    print("\n" + format_scores(gold_scores))
    c = gold_scores[ALL].counts[kind]
    assert c.f1 >= FLOORS[kind], (f"{kind}: P={c.precision:.3f} R={c.recall:.3f} "
                                  f"F1={c.f1:.3f} below {FLOORS[kind]}")
    for part in (HELD_OUT_HALF, HELD_OUT_DOC):
        c = gold_scores[part].counts[kind]
        floor = HELD_OUT_FLOORS[kind]
        assert c.f1 >= floor, (f"{part} {kind}: P={c.precision:.3f} R={c.recall:.3f} "
                               f"F1={c.f1:.3f} below {floor}")


def test_period_of() -> None:
    assert period_of("2023/24") == (date(2023, 4, 1), date(2024, 3, 31))
    assert period_of("2022") == (date(2022, 1, 1), date(2022, 12, 31))
    assert period_of("") == (None, None)
