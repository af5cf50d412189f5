"""Sentence-level scoring of the money, dates and figures components against the gold.

Why beside ``planmine evaluate``: that scores the whole pipeline on its tables (splitting and
alignment included); this runs each gold sentence's own text through a blank pipeline with
just the three components, so a rule change is measured without extracting the corpus. Both
match mentions with :func:`pipeline.evaluation.mentions.match_mentions`, so they agree on what
counts as right. The document's report period ("2023/24" -> 2023-04-01..2024-03-31) is put on
the Doc as the runtime does. Used by ``tests/test_nlp_gold.py`` (floors) and
``scripts/score_mentions.py`` (every error printed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import spacy
from spacy.language import Language

from pipeline.evaluation.gold import GoldRow, split_of
from pipeline.evaluation.mentions import PRF, gold_keys, match_mentions, span_keys
from pipeline.nlp import dates, figures, money  # noqa: F401  (registers the factories)
from pipeline.nlp.pipeline import make_doc
from pipeline.periods import fy_bounds

#: The component kinds scored, in report order.
KINDS = ("money", "dates", "figures")
ALL = "ALL"


def period_of(label: str) -> tuple[date | None, date | None]:
    """Report period label to dates: "2023/24" -> financial year, "2022" -> calendar year."""
    label = (label or "").strip()
    if "/" in label:
        y = int(label.split("/")[0])
        return fy_bounds(y)
    if label.isdigit():
        return date(int(label), 1, 1), date(int(label), 12, 31)
    return None, None


@dataclass(frozen=True)
class MentionError:
    """A gold sentence where a component missed or added mentions."""

    kind: str
    text: str
    missed: int
    extra: int


@dataclass
class ComponentScores:
    """Counts per kind for one document, one part of the split, or all sentences."""

    counts: dict[str, PRF] = field(default_factory=lambda: {k: PRF() for k in KINDS})
    errors: list[MentionError] = field(default_factory=list)


def build_nlp() -> Language:
    """A blank pipeline with only the money, dates and figures components."""
    nlp = spacy.blank("en")
    for name in ("planmine_money", "planmine_dates", "planmine_figures"):
        nlp.add_pipe(name)
    return nlp


def score_components(gold: list[GoldRow]) -> dict[str, ComponentScores]:
    """Scores per document, per part of the gold split and over all (key :data:`ALL`).

    Errors are recorded on the document's scores only, in gold order.
    """
    nlp = build_nlp()
    scores: dict[str, ComponentScores] = {ALL: ComponentScores()}
    for row in gold:
        doc_score = scores.setdefault(str(row["doc"]), ComponentScores())
        start, end = period_of(row.get("report_period", ""))
        doc = nlp(make_doc(nlp, row["text"], start, end))
        part = scores.setdefault(split_of(row), ComponentScores())
        for kind in KINDS:
            m = match_mentions(gold_keys(row, kind), span_keys(doc, kind), kind)
            for s in (doc_score, part, scores[ALL]):
                s.counts[kind].add(m)
            if m.fn or m.fp:
                doc_score.errors.append(MentionError(kind, row["text"], m.fn, m.fp))
    return scores


def format_scores(scores: dict[str, ComponentScores]) -> str:
    """One line per document or part: precision, recall and F1 of each kind."""
    lines = [f"{'document':58} " + "  ".join(f"{k:>20}" for k in KINDS)]
    for name, s in scores.items():
        cells = [f"P{c.precision:.2f} R{c.recall:.2f} F{c.f1:.2f}".rjust(20)
                 for c in (s.counts[k] for k in KINDS)]
        lines.append(f"{name[:58]:58} " + "  ".join(cells))
    return "\n".join(lines)
