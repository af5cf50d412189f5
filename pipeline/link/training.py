"""Examples for the matcher, labelled by code from document structure.

Training labels come from where text sits, never from annotation: the plan's own elements
belong to their sub-outcome; a sentence under a heading that names a sub-outcome (the 2024
report's "4.3 Resources are used in an environmentally sustainable way", matched by title)
belongs to it; a sentence under a council-business heading (introduction, finance,
governance; ``none_headings`` in the lexicon) is an example of text to abstain on.

Gold sentences are never training text; they are only measured against
(:mod:`pipeline.evaluation.matcher`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.link.signals import NONE, heading_sub_outcomes, is_none_heading, split_sentences
from pipeline.model import Document
from pipeline.plan.model import Plan


@dataclass(frozen=True)
class Example:
    """One labelled training text (label is a sub_outcome_id or ``none``)."""

    text: str
    label: str
    source: str


def structure_label(path: tuple[str, ...], plan: Plan) -> str | None:
    """The label a heading path implies: the innermost heading naming one sub-outcome."""
    for title in reversed(path):
        named = heading_sub_outcomes(title, plan)
        if len(named) == 1:
            return next(iter(named))
        if named:
            return None  # a heading naming several sub-outcomes is ambiguous
    # the innermost heading decides; the outermost only when nothing nests under it
    if path and (is_none_heading(path[-1]) or (len(path) <= 2 and is_none_heading(path[0]))):
        return NONE
    return None


def plan_examples(plan: Plan) -> list[Example]:
    """Every element of the plan, with its sub-outcome title, as an example of its sub-outcome."""
    out = [Example(a.text, a.sub_outcome_id, f"plan:{a.kind}") for a in plan.aims]
    out += [Example(title, sub_id, "plan:title") for sub_id, title in plan.sub_outcomes().items()]
    return out


def structure_examples(doc: Document, plan: Plan) -> list[Example]:
    """Sentences of body blocks whose headings say which sub-outcome (or none) they serve."""
    out: list[Example] = []
    cache: dict[tuple[str, ...], str | None] = {}
    for block in doc.blocks:
        if block.kind not in ("paragraph", "bullet"):
            continue
        if block.heading_path not in cache:
            cache[block.heading_path] = structure_label(block.heading_path, plan)
        label = cache[block.heading_path]
        if label is None:
            continue
        for sentence in split_sentences(block.text):
            out.append(Example(sentence, label, f"{doc.stem}:p{block.page}"))
    return out


def training_examples(plan: Plan, docs: list[Document]) -> list[Example]:
    """Plan elements plus structure-labelled sentences of every document."""
    out = plan_examples(plan)
    for doc in docs:
        out += structure_examples(doc, plan)
    return out
