"""The pypdfium2 engine against the pdfplumber engine on the real corpus.

Measured on the five corpus PDFs: body text ratio 100.0, identical heading sequences, identical
tables, periods and metadata; the thresholds below leave a little room for library updates.
"""

from __future__ import annotations

import difflib
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from pipeline.config import DEFAULT_INPUT_DIR
from pipeline.ingest import pdfium as engine
from pipeline.ingest.pdf import PdfResult
from pipeline.ingest.read import read_document
from pipeline.model import Document

#: rapidfuzz ratio of the two engines' body text, per document (measured 100.0 on every one).
BODY_MIN_RATIO = 99.5
#: difflib ratio of the heading sequences (measured 1.0 on every document).
HEADINGS_MIN_RATIO = 0.95

PLAN = "lcc-council-agenda-2022-05-18-strategic-plan-2022-26"


@pytest.fixture(scope="module")
def pdfium_docs(corpus_pdf_paths: list[Path]) -> dict[str, Document]:
    return {p.stem: read_document(p, DEFAULT_INPUT_DIR, engine="pdfium") for p in corpus_pdf_paths}


def _body(doc: Document) -> str:
    return " ".join(" ".join(b.text.split()) for b in doc.blocks if b.kind != "table")


def _headings(doc: Document) -> list[tuple[str, int]]:
    return [(b.text, b.level) for b in doc.blocks if b.kind == "heading"]


def test_engine_returns_the_same_result_type(corpus_pdf_paths: list[Path]) -> None:
    result = engine.read_pdf_detailed(corpus_pdf_paths[0])
    assert isinstance(result, PdfResult)
    assert result.pages > 20 and not result.failed_pages and result.blocks
    assert all(b.heading_path or b.kind == "heading" or i < 3 for i, b in enumerate(result.blocks))


def test_every_document_reads_ok(pdfium_docs: dict[str, Document],
                                 corpus_pdf_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        assert doc.status == "ok", (stem, doc.error)
        assert doc.pages == corpus_pdf_docs[stem].pages


def test_body_text_agrees(pdfium_docs: dict[str, Document], corpus_pdf_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ratio = fuzz.ratio(_body(doc), _body(corpus_pdf_docs[stem]))
        assert ratio >= BODY_MIN_RATIO, f"{stem}: {ratio:.2f}"


def test_heading_sequences_agree(pdfium_docs: dict[str, Document],
                                 corpus_pdf_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ratio = difflib.SequenceMatcher(a=_headings(doc), b=_headings(corpus_pdf_docs[stem]),
                                        autojunk=False).ratio()
        assert ratio >= HEADINGS_MIN_RATIO, f"{stem}: {ratio:.3f}"


def test_block_kinds_and_pages_agree(pdfium_docs: dict[str, Document],
                                     corpus_pdf_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ref = corpus_pdf_docs[stem]
        a = Counter(b.kind for b in doc.blocks)
        b = Counter(b.kind for b in ref.blocks)
        for kind in ("heading", "paragraph", "bullet"):
            assert abs(a[kind] - b[kind]) <= max(2, 0.02 * b[kind]), (stem, kind, a[kind], b[kind])
        pages = [(x.text[:40], x.page) for x in doc.blocks if x.kind == "heading"]
        ref_pages = [(x.text[:40], x.page) for x in ref.blocks if x.kind == "heading"]
        assert difflib.SequenceMatcher(a=pages, b=ref_pages, autojunk=False).ratio() >= HEADINGS_MIN_RATIO


def test_ruled_tables_found_without_a_table_finder(pdfium_docs: dict[str, Document],
                                                   corpus_pdf_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        mine = [t.rows for t in doc.blocks if t.kind == "table"]
        ref = [t.rows for t in corpus_pdf_docs[stem].blocks if t.kind == "table"]
        assert len(mine) == len(ref), stem
        assert sum(m == r for m, r in zip(mine, ref, strict=True)) >= 0.8 * len(ref), stem


def test_periods_and_metadata_agree(pdfium_docs: dict[str, Document],
                                    corpus_pdf_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ref = corpus_pdf_docs[stem]
        for attr in ("period_label", "period_start", "period_end", "doc_type", "organisation", "title"):
            assert getattr(doc, attr) == getattr(ref, attr), (stem, attr)


def test_plan_counts_agree(pdfium_docs: dict[str, Document], corpus_pdf_docs: dict[str, Document]) -> None:
    from pipeline.plan.read import parse_plan

    def counts(doc: Document) -> Counter:
        return Counter((a.sub_outcome_id, a.kind) for a in parse_plan(doc).aims)

    mine = counts(pdfium_docs[PLAN])
    assert mine == counts(corpus_pdf_docs[PLAN])
    assert sum(mine.values()) == 318


def test_no_running_headers_or_glyph_codes(pdfium_docs: dict[str, Document]) -> None:
    for doc in pdfium_docs.values():
        for b in doc.blocks:
            assert "(cid:" not in b.text and "\x02" not in b.text and "\ufffe" not in b.text
            assert "| Annual Delivery Report" not in b.text, (doc.file, b.page)


def test_bad_input_fails_cleanly(tmp_path: Path) -> None:
    p = tmp_path / "half.pdf"
    data = (DEFAULT_INPUT_DIR / f"{PLAN}.pdf").read_bytes()
    p.write_bytes(data[:2000])
    doc = read_document(p, tmp_path, engine="pdfium")
    assert doc.status in ("failed", "partial")
    if doc.status == "failed":
        assert doc.error and "\n" not in doc.error


def test_memory_stays_bounded_page_by_page(tmp_path: Path) -> None:
    """A 150-page file costs no more Python memory while reading than its blocks need."""
    pdfium = pytest.importorskip("pypdfium2")
    src = pdfium.PdfDocument(str(DEFAULT_INPUT_DIR / f"{PLAN}.pdf"))
    out = pdfium.PdfDocument.new()
    while len(out) < 150:
        out.import_pages(src, list(range(min(len(src), 150 - len(out)))))
    big = tmp_path / "big.pdf"
    out.save(str(big))
    out.close()
    src.close()
    tracemalloc.start()
    result = engine.read_pdf_detailed(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.pages == 150 and not result.failed_pages
    # measured 5 MB peak (lines of every page are kept for the running-header pass, words and
    # pdfium pages are not); word dicts of all 150 pages held at once would be several times that
    assert peak < 20 * 1024 * 1024, peak
