"""Run the NLP pipeline over a Document's body text and turn the results into table rows.

Each body unit (a paragraph, a bullet, or a table body row) becomes one spaCy Doc carrying the
document's reporting period. The exporter reads only the span groups the components wrote; it
never re-parses the text. Offsets are shifted into the document's normalised text so a claim's
``char_start``/``char_end`` slice ``text/<doc_id>.txt`` exactly.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.model import Document
from pipeline.nlp.extensions import doc_text
from pipeline.nlp.pipeline import make_doc

#: Block kinds whose text is body text (headings are not claims).
BODY_KINDS = ("paragraph", "bullet", "table")


@dataclass
class BodyUnit:
    """A piece of body text with where it sits in the document."""

    text: str
    offset: int
    block_index: int
    page: int
    section_id: str


@dataclass
class DocRows:
    """The rows one document contributes to each table."""

    documents: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    money: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    dates: list[dict] = field(default_factory=list)


def body_units(document: Document) -> list[BodyUnit]:
    """The document's body text, one unit per paragraph, bullet or table body row."""
    units: list[BodyUnit] = []
    section_ids = document.section_of_blocks()
    for i, block in enumerate(document.blocks):
        if block.kind not in BODY_KINDS or block.char_start < 0:
            continue
        if block.kind == "table":
            # one unit per row, the header row excluded
            pos = block.char_start
            for n, line in enumerate(block.text.split("\n")):
                if n > 0 and line.strip():
                    units.append(BodyUnit(line, pos, i, block.page, section_ids[i]))
                pos += len(line) + 1
        elif block.text.strip():
            units.append(BodyUnit(block.text, block.char_start, i, block.page, section_ids[i]))
    return units


def _iter_docs(nlp: Language, document: Document, units: list[BodyUnit]) -> Iterator[Doc]:
    for unit in units:
        block = document.blocks[unit.block_index]
        path = block.heading_path
        yield make_doc(nlp, unit.text, document.period_start, document.period_end,
                       path[-1] if path else "", block.kind,
                       document.reporting_start, document.reporting_end)


def annotate(document: Document, nlp: Language, batch_size: int = 128) -> DocRows:
    """Claims, money, figures and dates rows for one ingested document."""
    rows = DocRows()
    units = body_units(document)
    claim_n = 0
    docs = nlp.pipe(_iter_docs(nlp, document, units), batch_size=batch_size)
    for unit, doc in zip(units, docs, strict=True):
        # a span's text sliced from the Doc's text: ``span.text`` joins its tokens one by one
        text = doc_text(doc)
        claims = sorted(doc.spans.get("claims", []), key=lambda s: s.start_char)
        mentions = {
            kind: sorted(doc.spans.get(kind, []), key=lambda s: s.start_char)
            for kind in ("money", "figures", "dates")
        }
        starts = {kind: [s.start_char for s in spans] for kind, spans in mentions.items()}
        for claim in claims:
            claim_n += 1
            claim_id = f"{document.doc_id}:c{claim_n:05d}"
            claim_start, claim_end = claim.start_char, claim.end_char
            rows.claims.append({
                "claim_id": claim_id,
                "doc_id": document.doc_id,
                "section_id": unit.section_id,
                "page": unit.page,
                "text": text[claim_start:claim_end],
                "claim_type": claim._.claim_type,
                "char_start": unit.offset + claim_start,
                "char_end": unit.offset + claim_end,
            })
            m = 0
            inside = sorted(
                ((kind, span) for kind, spans in mentions.items()
                 for span in spans[bisect.bisect_left(starts[kind], claim_start):
                                   bisect.bisect_left(starts[kind], claim_end)]),
                key=lambda ks: ks[1].start_char,
            )
            for kind, span in inside:
                m += 1
                row = _mention_row(kind, span, text[span.start_char:span.end_char])
                row.update(mention_id=f"{claim_id}:m{m:02d}", claim_id=claim_id,
                           doc_id=document.doc_id)
                getattr(rows, kind).append(row)
    return rows


def _mention_row(kind: str, span: Span, text: str) -> dict:
    """One mention's row; ``text`` is the span's text (sliced by the caller)."""
    x = span._
    if kind == "money":
        return {"text": text, "value": x.value, "low": x.low, "high": x.high,
                "currency": x.currency or "GBP", "approx": bool(x.approx),
                "qualifier": x.qualifier or "", "per": x.per or ""}
    if kind == "figures":
        return {"text": text, "value": x.value, "low": x.low, "high": x.high,
                "unit": x.unit or "count", "approx": bool(x.approx),
                "qualifier": x.qualifier or "", "measure": x.measure or ""}
    return {"text": text, "start": x.date_start, "end": x.date_end,
            "granularity": x.granularity or "", "resolved": bool(x.resolved)}


def document_row(document: Document, n_sections: int, n_claims: int) -> dict:
    """The ``documents`` row for one document."""
    return {
        "doc_id": document.doc_id,
        "file": document.file,
        "sha256": document.sha256,
        "format": document.format,
        "title": document.title,
        "organisation": document.organisation,
        "doc_type": document.doc_type,
        "period_label": document.period_label,
        "period_start": document.period_start,
        "period_end": document.period_end,
        "pages": document.pages,
        "n_sections": n_sections,
        "n_claims": n_claims,
        "status": document.status,
        "error": document.error,
        "reporting_start": document.reporting_start,
        "reporting_end": document.reporting_end,
        # one cell: what was recovered from, in the order it happened
        "warnings": "; ".join(document.warnings),
    }


def document_rows(document: Document, nlp: Language | None) -> DocRows:
    """Every row one document contributes; a failed document gives only its documents row."""
    if document.status == "failed" or nlp is None:
        rows = DocRows()
        sections = [] if document.status == "failed" else document.sections()
    else:
        rows = annotate(document, nlp)
        sections = document.sections()
    rows.sections = [vars(s).copy() for s in sections]
    rows.documents = [document_row(document, len(sections), len(rows.claims))]
    return rows
