"""Sentence-level scoring of the money, dates and figures components against the gold.

Every gold sentence's text is run through a blank pipeline with just our three components,
with the document's report period ("2023/24" -> 2023-04-01..2024-03-31) on the Doc. Matching
follows the project's evaluator: money by value within 0.5%; figures by value (same
tolerance) and percent-vs-not; dates by the YYYY-MM of start and end (null matches null).
Gold is for measuring only: nothing here copies gold text into rules.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import spacy

from pipeline.config import DEFAULT_GOLD_DIR
from pipeline.evaluate import _gold_keys, match_mentions, split_of
from pipeline.nlp import dates, figures, money  # noqa: F401  (registers the factories)
from pipeline.nlp.pipeline import make_doc

TYPES = ("money", "dates", "figures")
#: Floors a little below what the rules reach today; raise them as the rules improve.
FLOORS = {"money": 0.97, "dates": 0.92, "figures": 0.94}
#: The same on the held-out parts (sentences and a document no rule was written against).
HELD_OUT_FLOORS = {"money": 0.97, "dates": 0.88, "figures": 0.92}


def period_of(label: str) -> tuple[date | None, date | None]:
    """Report period label to dates: "2023/24" -> FY, "2022" -> calendar year."""
    label = (label or "").strip()
    if "/" in label:
        y = int(label.split("/")[0])
        return date(y, 4, 1), date(y + 1, 3, 31)
    if label.isdigit():
        return date(int(label), 1, 1), date(int(label), 12, 31)
    return None, None


def _ym(d: object) -> str | None:
    return str(d)[:7] if d else None


def pred_keys(doc, kind: str) -> list[tuple]:  # noqa: ANN001
    """The same keys as ``pipeline.evaluate`` builds from the tables, from the Doc's spans."""
    if kind == "money":
        return [(float(s._.value),) for s in doc.spans["money"]]
    if kind == "figures":
        return [(float(s._.value), s._.unit == "percent") for s in doc.spans["figures"]]
    return [(_ym(s._.date_start), _ym(s._.date_end), bool(s._.resolved), s.text.lower())
            for s in doc.spans["dates"]]


@dataclass
class Score:
    tp: Counter = field(default_factory=Counter)
    fp: Counter = field(default_factory=Counter)
    fn: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)

    def prf(self, kind: str) -> tuple[float, float, float]:
        tp, fp, fn = self.tp[kind], self.fp[kind], self.fn[kind]
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def build_nlp():  # noqa: ANN201
    """A blank pipeline with only the money, dates and figures components."""
    nlp = spacy.blank("en")
    for name in ("planmine_money", "planmine_dates", "planmine_figures"):
        nlp.add_pipe(name)
    return nlp


def score_gold(gold_dir: Path = DEFAULT_GOLD_DIR) -> dict[str, Score]:
    """Score per document (and "ALL") over every gold file in ``gold_dir``."""
    nlp = build_nlp()
    scores: dict[str, Score] = {"ALL": Score()}
    for path in sorted(gold_dir.glob("*.jsonl")):
        doc_score = scores.setdefault(path.stem, Score())
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            start, end = period_of(row.get("report_period", ""))
            doc = nlp(make_doc(nlp, row["text"], start, end))
            part = scores.setdefault(split_of(row), Score())
            for kind in TYPES:
                m = match_mentions(_gold_keys(row, kind), pred_keys(doc, kind), kind)
                for s in (doc_score, part, scores["ALL"]):
                    s.tp[kind] += m.tp
                    s.fn[kind] += m.fn
                    s.fp[kind] += m.fp
                if m.fn or m.fp:
                    doc_score.errors.append((kind, row["text"], m.fn, m.fp))
    return scores


def report(scores: dict[str, Score]) -> str:
    lines = [f"{'document':58} " + "  ".join(f"{k:>20}" for k in TYPES)]
    for name, s in scores.items():
        cells = []
        for k in TYPES:
            p, r, f = s.prf(k)
            cells.append(f"P{p:.2f} R{r:.2f} F{f:.2f}".rjust(20))
        lines.append(f"{name[:58]:58} " + "  ".join(cells))
    return "\n".join(lines)


@pytest.fixture(scope="session")
def gold_scores() -> dict[str, Score]:
    if not any(DEFAULT_GOLD_DIR.glob("*.jsonl")):
        pytest.skip("no gold files")
    return score_gold()


@pytest.mark.parametrize("kind", TYPES)
def test_gold_f1_floor(gold_scores: dict[str, Score], kind: str) -> None:
    print("\n" + report(gold_scores))
    p, r, f = gold_scores["ALL"].prf(kind)
    assert f >= FLOORS[kind], f"{kind}: P={p:.3f} R={r:.3f} F1={f:.3f} below {FLOORS[kind]}"
    for part in ("held-out half", "held-out document"):
        p, r, f = gold_scores[part].prf(kind)
        floor = HELD_OUT_FLOORS[kind]
        assert f >= floor, f"{part} {kind}: P={p:.3f} R={r:.3f} F1={f:.3f} below {floor}"


def test_period_of() -> None:
    assert period_of("2023/24") == (date(2023, 4, 1), date(2024, 3, 31))
    assert period_of("2022") == (date(2022, 1, 1), date(2022, 12, 31))
    assert period_of("") == (None, None)
