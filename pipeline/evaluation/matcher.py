"""Measuring the claim → aim matcher on the gold sentences (a harness, not the runtime path).

Each gold sentence is located in its ingested document (rapidfuzz over blocks) and given that
block's heading path, exactly what the runtime would see; the gold ``section`` field is never
used. :func:`context_claims` rebuilds the batch of sentences the runtime links together, so
section context is there when measuring; :func:`score_matcher` scores top-1/top-3 and
abstention per document. Used by ``scripts/fit_matcher.py`` and the tests; ``planmine
evaluate`` scores the written tables instead (:mod:`pipeline.evaluation.scores`). Gold is read
with the one reader, :func:`pipeline.evaluation.gold.load_gold`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from pipeline.config import PROJECT_DIR
from pipeline.evaluation.gold import load_gold
from pipeline.ingest.plan_layout import is_strategic_plan
from pipeline.link.matcher import MAX_CANDIDATES, ClaimInput, Matcher
from pipeline.link.signals import split_sentences
from pipeline.model import Document, doc_id_for, sha256_of

#: Text versions of the corpus (the tests' fast route; the matcher is fitted on the PDFs).
TEXT_DIR = PROJECT_DIR / "tests" / "data" / "text"


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
        for row in load_gold([path]):
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


def context_inputs(context: list[ContextClaim]) -> tuple[list[ClaimInput], list[int]]:
    """ClaimInputs for a rebuilt batch and, per gold item, its position in the batch."""
    claims = [ClaimInput(f"x{i}", c.text, c.heading_path, c.doc_type, c.doc_id)
              for i, c in enumerate(context)]
    where = {c.gold: i for i, c in enumerate(context) if c.gold >= 0}
    return claims, [where[g] for g in range(len(where))]


def score_matcher(matcher: Matcher, items: list[GoldItem], min_score: float | None = None,
                  context: list[ContextClaim] | None = None) -> dict:
    """Top-1/top-3 on gold with a sub-outcome, abstention on gold without, per document.

    ``top1``/``top3`` rank without abstaining; ``top1_kept``/``top3_kept`` count an abstention
    as wrong (what ``planmine evaluate`` measures end to end); ``abstain`` is the share of
    null-gold sentences whose gate stays below ``min_score`` (default: the fitted one). With
    ``context`` (:func:`context_claims`) the gold sentences are linked in
    their documents' batch of sentences, as at runtime; without it each stands alone.
    """
    threshold = matcher.settings.min_score if min_score is None else min_score
    if context is not None:
        claims, pos_of = context_inputs(context)
        _, order, gate = matcher.scores(claims)
        order, gate = order[pos_of], gate[pos_of]
    else:
        claims = [ClaimInput(f"g{i}", it.text, it.heading_path, it.doc_type, it.doc_id)
                  for i, it in enumerate(items)]
        _, order, gate = matcher.scores(claims)
    subs = matcher._subs
    return summarise([it.doc for it in items],
                     [subs.index(it.expected) if it.expected else -1 for it in items],
                     order, gate >= threshold) | {"min_score": threshold}


def summarise(docs: list[str], expected: list[int], order: np.ndarray, keep: np.ndarray) -> dict:
    """The link scores overall and per document from ranked orders and keep decisions.

    ``expected`` is the index of the gold sub-outcome or -1 when the gold has none.
    """
    exp = np.asarray(expected)
    docs_arr = np.asarray(docs)
    top1 = order[:, 0] == exp
    top3 = (order[:, :MAX_CANDIDATES] == exp[:, None]).any(axis=1)

    def part(mask: np.ndarray) -> dict:
        pos, neg = mask & (exp >= 0), mask & (exp < 0)

        def rate(x: np.ndarray, m: np.ndarray) -> float | None:
            return round(float(np.mean(x[m])), 3) if m.any() else None

        return {"n": int(pos.sum()), "n_null": int(neg.sum()), "top1": rate(top1, pos),
                "top3": rate(top3, pos), "top1_kept": rate(top1 & keep, pos),
                "top3_kept": rate(top3 & keep, pos), "abstain": rate(~keep, neg)}

    out = {"all": part(np.ones(len(exp), dtype=bool))}
    for doc in sorted(set(docs)):
        out[doc] = part(docs_arr == doc)
    return out
