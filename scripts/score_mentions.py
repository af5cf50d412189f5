"""Dev harness: score money/dates/figures against the gold and print every error.

Usage: ``python scripts/score_mentions.py [money|dates|figures]``. Uses the same scorer as
tests/test_nlp_gold.py so the numbers agree.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_TEST = Path(__file__).resolve().parents[1] / "tests" / "test_nlp_gold.py"


def main(argv: list[str]) -> int:
    spec = importlib.util.spec_from_file_location("test_nlp_gold", _TEST)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["test_nlp_gold"] = mod
    spec.loader.exec_module(mod)
    kinds = set(argv) or set(mod.TYPES)
    scores = mod.score_gold()
    for name, s in scores.items():
        for kind, text, missed, extra in s.errors:
            if kind in kinds:
                print(f"[{kind}] {name[-4:]} missed={missed} extra={extra}\n    {text}")
    print(mod.report(scores))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
