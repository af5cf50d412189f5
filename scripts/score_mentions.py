"""Dev harness: score money/dates/figures against the gold and print every error.

Usage: ``python scripts/score_mentions.py [money|dates|figures]``. Uses the scorer the tests
use (:mod:`pipeline.evaluation.components`), so the numbers agree with tests/test_nlp_gold.py.
"""

from __future__ import annotations

import sys

from pipeline.config import DEFAULT_GOLD_DIR
from pipeline.evaluation import load_gold
from pipeline.evaluation.components import KINDS, format_scores, score_components


def main(argv: list[str]) -> int:
    kinds = set(argv) or set(KINDS)
    scores = score_components(load_gold([DEFAULT_GOLD_DIR]))
    for name, s in scores.items():
        for e in s.errors:
            if e.kind in kinds:
                print(f"[{e.kind}] {name[-4:]} missed={e.missed} extra={e.extra}\n    {e.text}")
    print(format_scores(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
