"""Examples for the matcher, labelled by code from document structure, and gold inputs.

Training labels come from where text sits, never from annotation: the plan's own elements
belong to their sub-outcome; a sentence under a heading that names a sub-outcome (the 2024
report's "4.3 Resources are used in an environmentally sustainable way", matched by title)
belongs to it; a sentence under a council-business heading (introduction, finance,
governance; ``none_headings`` in the lexicon) is an example of text to abstain on.

Gold sentences are only measured against (:func:`gold_inputs`): each is located in its
ingested document (rapidfuzz over blocks) and given that block's heading path, exactly what
the runtime would see; the gold ``section`` field is never used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz

from pipeline.config import PROJECT_DIR
from pipeline.link_signals import NONE, heading_sub_outcomes, is_none_heading, split_sentences
from pipeline.model import Document, doc_id_for, sha256_of
from pipeline.plan import Plan, is_strategic_plan

#: Text versions of the corpus, used while no document reader is installed.
TEXT_DIR = PROJECT_DIR / "tests" / "data" / "text"


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


@dataclass(frozen=True)
class GoldItem:
    """A gold sentence as the matcher would see it, and the expected sub-outcome."""

    doc: str
    text: str
    heading_path: tuple[str, ...]
    doc_type: str
    expected: str | None
    locate_score: float
    doc_id: str = ""
    block: int = -1  # index of the block the sentence was located in


def read_gold(path: Path) -> list[dict]:
    """The rows of one gold JSONL file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def locate(text: str, doc: Document) -> tuple[tuple[str, ...], float]:
    """Heading path of the block that best contains ``text`` (and the match score 0-100)."""
    index, score = locate_block(text, doc)
    return (doc.blocks[index].heading_path if index >= 0 else ()), score


def locate_block(text: str, doc: Document) -> tuple[int, float]:
    """Index of the block that best contains ``text`` (and the match score 0-100)."""
    probe = " ".join(text.split())[:160]
    best_index = -1
    best = -1.0
    for index, block in enumerate(doc.blocks):
        if block.kind == "table" or len(block.text) < 10:
            continue
        score = fuzz.partial_ratio(probe, " ".join(block.text.split()))
        if score > best:
            best, best_index = score, index
            if score >= 99.5:
                break
    return best_index, best


def gold_inputs(gold_dir: Path, docs: dict[str, Document]) -> list[GoldItem]:
    """Gold sentences of the documents in ``docs`` (keyed by file stem), located in them."""
    items: list[GoldItem] = []
    for path in sorted(Path(gold_dir).glob("*.jsonl")):
        doc = docs.get(path.stem)
        if doc is None:
            continue
        for row in read_gold(path):
            index, score = locate_block(row["text"], doc)
            heading_path = doc.blocks[index].heading_path if index >= 0 else ()
            items.append(GoldItem(path.stem, row["text"], heading_path, doc.doc_type,
                                  row.get("sub_outcome_id"), score, doc.doc_id, index))
    return items


@dataclass(frozen=True)
class ContextClaim:
    """A sentence of a document as the runtime would pass it: text, headings, position."""

    doc_id: str
    text: str
    heading_path: tuple[str, ...]
    doc_type: str
    gold: int = -1  # index into the gold items when this sentence is a gold sentence


def context_claims(items: list[GoldItem], docs: dict[str, Document]) -> list[ContextClaim]:
    """Every body sentence of the documents holding gold, in document order, gold in place.

    The runtime links all claims of a batch at once, so section context (the other sentences
    under the same heading) is available; this rebuilds that batch for measuring. A gold
    sentence replaces the sentences of its block that it overlaps, so nothing counts twice.
    """
    by_block: dict[tuple[str, int], list[int]] = {}
    for i, it in enumerate(items):
        by_block.setdefault((it.doc, it.block), []).append(i)
    out: list[ContextClaim] = []
    for stem in sorted({it.doc for it in items}):
        doc = docs[stem]
        for index, block in enumerate(doc.blocks):
            gold = by_block.get((stem, index), [])
            if block.kind not in ("paragraph", "bullet") and not gold:
                continue
            placed = set()
            for sentence in split_sentences(block.text):
                hit = next((g for g in gold if fuzz.partial_ratio(
                    " ".join(items[g].text.split())[:120], sentence) >= 90
                    or fuzz.partial_ratio(sentence[:120], items[g].text) >= 90), None)
                if hit is None:
                    out.append(ContextClaim(doc.doc_id, sentence, block.heading_path, doc.doc_type))
                elif hit not in placed:
                    placed.add(hit)
                    out.append(ContextClaim(doc.doc_id, items[hit].text, block.heading_path,
                                            doc.doc_type, hit))
            for g in gold:
                if g not in placed:
                    out.append(ContextClaim(doc.doc_id, items[g].text, block.heading_path,
                                            doc.doc_type, g))
    return out


def read_corpus(raw_dir: Path, text_dir: Path = TEXT_DIR, source: str = "text") -> list[Document]:
    """The corpus as text versions (``source="text"``) or PDFs through the project's reader.

    The matcher is fitted on the PDFs, which is what ``planmine extract`` reads; the text
    versions are the faster route the tests take (the plan parses to the same elements from
    both, see tests/test_plan.py).

    Documents without a type are typed here by content (plan or report), which is all the
    matcher needs.
    """
    if source not in ("text", "pdf"):
        raise ValueError(f"read_corpus: source must be 'text' or 'pdf', got {source!r}")
    if source == "pdf":
        from pipeline.ingest.read import read_document

        docs = [read_document(p, raw_dir) for p in sorted(Path(raw_dir).glob("*.pdf"))]
    else:
        from pipeline.ingest.text import read_text

        docs = []
        for p in sorted(Path(text_dir).glob("*.txt")):
            sha = sha256_of(p)
            blocks, _ = read_text(p)
            doc = Document(doc_id=doc_id_for(sha), file=p.name, sha256=sha, format="txt",
                           path=p, blocks=blocks)
            doc.build_text()
            docs.append(doc)
    for doc in docs:
        if doc.doc_type == "other":
            doc.doc_type = "strategic_plan" if is_strategic_plan(doc) else "annual_report"
    return [d for d in docs if d.status != "failed"]
