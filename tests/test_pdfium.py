"""The pypdfium2 engine against the pdfplumber engine on the real corpus.

Measured on the five corpus PDFs: body text ratio 100.0, identical heading sequences, identical
tables, periods and metadata; the thresholds below leave a little room for library updates.
"""

from __future__ import annotations

import difflib
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="module")
def plumber_docs(corpus_pdf_paths: list[Path]) -> dict[str, Document]:
    """The corpus read by the pdfplumber engine, the reference the pdfium engine (now the
    default, so the shared ``corpus_pdf_docs``) was made to agree with."""
    return {p.stem: read_document(p, DEFAULT_INPUT_DIR, engine="pdfplumber") for p in corpus_pdf_paths}


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
                                 plumber_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        assert doc.status == "ok", (stem, doc.error)
        assert doc.pages == plumber_docs[stem].pages


def test_body_text_agrees(pdfium_docs: dict[str, Document], plumber_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ratio = fuzz.ratio(_body(doc), _body(plumber_docs[stem]))
        assert ratio >= BODY_MIN_RATIO, f"{stem}: {ratio:.2f}"


def test_heading_sequences_agree(pdfium_docs: dict[str, Document],
                                 plumber_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ratio = difflib.SequenceMatcher(a=_headings(doc), b=_headings(plumber_docs[stem]),
                                        autojunk=False).ratio()
        assert ratio >= HEADINGS_MIN_RATIO, f"{stem}: {ratio:.3f}"


def test_block_kinds_and_pages_agree(pdfium_docs: dict[str, Document],
                                     plumber_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ref = plumber_docs[stem]
        a = Counter(b.kind for b in doc.blocks)
        b = Counter(b.kind for b in ref.blocks)
        for kind in ("heading", "paragraph", "bullet"):
            assert abs(a[kind] - b[kind]) <= max(2, 0.02 * b[kind]), (stem, kind, a[kind], b[kind])
        pages = [(x.text[:40], x.page) for x in doc.blocks if x.kind == "heading"]
        ref_pages = [(x.text[:40], x.page) for x in ref.blocks if x.kind == "heading"]
        assert difflib.SequenceMatcher(a=pages, b=ref_pages, autojunk=False).ratio() >= HEADINGS_MIN_RATIO


def test_ruled_tables_found_without_a_table_finder(pdfium_docs: dict[str, Document],
                                                   plumber_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        mine = [t.rows for t in doc.blocks if t.kind == "table"]
        ref = [t.rows for t in plumber_docs[stem].blocks if t.kind == "table"]
        assert len(mine) == len(ref), stem
        assert sum(m == r for m, r in zip(mine, ref, strict=True)) >= 0.8 * len(ref), stem


def test_periods_and_metadata_agree(pdfium_docs: dict[str, Document],
                                    plumber_docs: dict[str, Document]) -> None:
    for stem, doc in pdfium_docs.items():
        ref = plumber_docs[stem]
        for attr in ("period_label", "period_start", "period_end", "doc_type", "organisation", "title"):
            assert getattr(doc, attr) == getattr(ref, attr), (stem, attr)


def test_plan_counts_agree(pdfium_docs: dict[str, Document], plumber_docs: dict[str, Document]) -> None:
    from pipeline.plan.read import parse_plan

    def counts(doc: Document) -> Counter:
        return Counter((a.sub_outcome_id, a.kind) for a in parse_plan(doc).aims)

    mine = counts(pdfium_docs[PLAN])
    assert mine == counts(plumber_docs[PLAN])
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


def _reference_words(textpage, height: float) -> list[dict]:  # noqa: ANN001 - PdfTextPage
    """page_words read the slow, obvious way: every character's object, box and font asked of
    pdfium one call at a time (the batched reads must give exactly this)."""
    import ctypes

    import pypdfium2.raw as raw_api

    raw = textpage.raw
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n) if n > 0 else ""
    words: list[dict] = []
    cur: dict | None = None
    rect = raw_api.FS_RECTF()
    buf = (ctypes.c_char * 256)()
    fonts: dict[int, tuple[str, float]] = {}
    suspect: dict[int, bool] = {}
    for i in range(max(n, 0)):
        obj = raw_api.FPDFText_GetTextObject(raw, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value if obj else 0
        ch = None
        if key:
            if suspect.setdefault(key, bool(raw_api.FPDFText_HasUnicodeMapError(raw, i))) and \
                    raw_api.FPDFText_HasUnicodeMapError(raw, i):
                continue
            ch = text[i] if len(text) == n else chr(raw_api.FPDFText_GetUnicode(raw, i))
        if ch is None or ch.isspace() or (ord(ch) < 32 and ch != "\x02"):
            if cur is not None:
                words.append(cur)
                cur = None
            continue
        if key not in fonts:
            size = float(raw_api.FPDFText_GetFontSize(raw, i))
            font = raw_api.FPDFTextObj_GetFont(obj)
            name = ""
            if font:
                length = raw_api.FPDFFont_GetBaseFontName(font, buf, len(buf))
                if length > 0:
                    name = bytes(buf[:length - 1]).decode("utf-8", errors="replace")
            fonts[key] = (name, size)
        style = fonts[key]
        raw_api.FPDFText_GetLooseCharBox(raw, i, rect)
        bottom = height - rect.bottom
        top = bottom - style[1] if style[1] > 0 else height - rect.top
        if cur is not None and ((cur["fontname"], cur["size"]) != style
                                or abs(top - cur["top"]) > engine.Y_TOLERANCE
                                or rect.left - cur["x1"] > engine.X_TOLERANCE
                                or rect.left < cur["x0"] - 1):
            words.append(cur)
            cur = None
        if cur is None:
            cur = {"x0": rect.left, "x1": rect.right, "top": top, "bottom": bottom,
                   "fontname": style[0], "size": style[1], "text": ch}
            continue
        cur["text"] += ch
        cur["x1"] = max(cur["x1"], rect.right)
        cur["top"] = min(cur["top"], top)
        cur["bottom"] = max(cur["bottom"], bottom)
    if cur is not None:
        words.append(cur)
    return words


def _invented_pdf(path: Path) -> Path:
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=16)
    pdf.cell(text="Annual Report 2024/25")
    pdf.ln(12)
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(w=0, text="We opened 12 new libraries in 2024, a rise of 20% on the year "
                             "before.   Spacing  varies - and so do words.")
    pdf.set_font("helvetica", size=6)
    pdf.cell(text="1")
    pdf.set_font("times", style="I", size=11)
    pdf.cell(text="A note in italics.")
    pdf.output(str(path))
    return path


def _kent_pdfs() -> list[Path]:
    from pipeline.config import PROJECT_DIR

    return sorted((PROJECT_DIR / "tests" / "data" / "kent").glob("*.pdf"))


def _first_pages(paths: list[Path], pages: int = 3) -> Iterator[tuple[Path, Any, float]]:
    """(path, pdfium text page, page height) of the first ``pages`` pages of each PDF, each
    page and document closed after its turn."""
    import pypdfium2 as pdfium

    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        try:
            for index in range(min(pages, len(pdf))):
                page = pdf[index]
                textpage = page.get_textpage()
                try:
                    yield path, textpage, page.get_size()[1]
                finally:
                    textpage.close()
                    page.close()
        finally:
            pdf.close()


def test_page_words_batched_reads_equal_per_character_reads(tmp_path: Path) -> None:
    """The words page_words builds from whole-page arrays of objects and boxes are exactly
    those read character by character: an invented page and the first pages of a Kent paper."""
    for path, textpage, height in _first_pages([_invented_pdf(tmp_path / "invented.pdf"),
                                                *_kent_pdfs()[:1]]):
        got = engine.page_words(textpage, height)
        assert got == _reference_words(textpage, height)
        if path.name == "invented.pdf":
            texts = [w["text"] for w in got]
            assert texts[:3] == ["Annual", "Report", "2024/25"]
            assert "libraries" in texts and "italics." in texts


def _uneven_pdf(path: Path) -> Path:
    """Words set in pieces of one font: a piece a little lower (still the same word), a piece
    raised by more than the line tolerance with no gap (a new word, though pdfium puts no space
    there), a piece on the next line and one overprinted to the left."""
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    x, y = 20.0, 40.0
    pdf.text(x, y, "Step")
    pdf.text(x + pdf.get_string_width("Step"), y + 1.0, "ped")  # 2.8 pt lower
    pdf.text(x + 60, y, "Up")
    pdf.text(x + 60 + pdf.get_string_width("Up"), y - 1.3, "lifted")  # 3.7 pt higher
    pdf.text(x + 40, y + 6.0, "down")
    pdf.text(x, y + 20, "back")
    pdf.text(x + 2, y + 20, "ward")
    pdf.output(str(path))
    return path


def test_array_words_equal_the_character_loop(tmp_path: Path) -> None:
    """The numpy grouping gives exactly the character loop's words, also where a run of one
    style has to be walked (uneven tops, a word broken without a space between)."""
    paths = [_uneven_pdf(tmp_path / "uneven.pdf"), _invented_pdf(tmp_path / "invented.pdf"),
             *_kent_pdfs()[:2]]
    for path, textpage, height in _first_pages(paths):
        n = textpage.count_chars()
        text = textpage.get_text_range(0, n)
        objs = [engine._GET_TEXT_OBJECT(textpage.raw, i) for i in range(n)]
        fast = engine._array_words(textpage.raw, text, objs, height)
        assert fast is not None
        assert fast == engine._loop_words(textpage.raw, text, objs, height)
        if path.name == "uneven.pdf":
            assert [w["text"] for w in fast] == ["Stepped", "Up", "lifted", "down", "back", "ward"]


def _form_pdf(path: Path) -> Path:
    """A page with a ruled line, text, and a form XObject holding a rectangle and a nested
    form with another line (paths at depths 0, 1 and 2)."""
    pikepdf = pytest.importorskip("pikepdf")
    pdf = pikepdf.new()
    inner = pikepdf.Stream(pdf, b"0 0 m 50 0 l S")
    inner.Type, inner.Subtype, inner.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 100, 100]
    outer = pikepdf.Stream(pdf, b"10 10 80 40 re f q 1 0 0 1 5 60 cm /Fi Do Q")
    outer.Type, outer.Subtype, outer.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 200, 200]
    outer.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fi=inner))
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                              BaseFont=pikepdf.Name.Helvetica)
    content = b"50 700 m 300 700 l S BT /F1 12 Tf 50 720 Td (Ruled) Tj ET q 1 0 0 1 100 300 cm /Fo Do Q"
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792],
                              Contents=pikepdf.Stream(pdf, content),
                              Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fo=outer),
                                                           Font=pikepdf.Dictionary(F1=font)))
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(str(path))
    return path


def test_path_bounds_equal_the_object_helper(tmp_path: Path) -> None:
    """Path bounds read with plain calls are pypdfium2's get_objects/get_bounds, forms included
    down to the same depth; the stroked lines carry their width, the filled box none."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw_api

    pdf = pdfium.PdfDocument(str(_form_pdf(tmp_path / "forms.pdf")))
    try:
        page = pdf[0]
        for depth in (1, 2, 3):
            expected = [o.get_bounds() for o in page.get_objects(filter=(raw_api.FPDF_PAGEOBJ_PATH,),
                                                                  max_depth=depth)]
            paths = engine.page_paths(page, depth)
            assert [p[:4] for p in paths] == expected
            assert len(expected) == depth  # one path per level
        strokes = [p[4] for p in engine.page_paths(page, 3)]
        assert strokes[0] > 0 and strokes[1] == 0 and strokes[2] > 0  # line, filled box, line
        page.close()
    finally:
        pdf.close()


def _pdf_with(path: Path, content: bytes, size: tuple[int, int] = (612, 792)) -> Path:
    """A one-page PDF drawing ``content`` (Helvetica as /F1)."""
    pikepdf = pytest.importorskip("pikepdf")
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                              BaseFont=pikepdf.Name.Helvetica)
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, *size],
                              Contents=pikepdf.Stream(pdf, content),
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)))
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(str(path))
    return path


def _grid(x0: int, y0: int, widths: list[int], heights: list[int], cells: list[list[str]],
          how: str = "lines") -> bytes:
    """A ruled grid (0.5 pt stroked lines, or filled cell boxes with ``how="boxes"``) with
    one short text per cell; y0 is the grid's top (PDF coordinates)."""
    xs = [x0 + sum(widths[:i]) for i in range(len(widths) + 1)]
    ys = [y0 - sum(heights[:i]) for i in range(len(heights) + 1)]
    out = []
    if how == "lines":
        out.append("0.5 w")
        out += [f"{xs[0]} {y} m {xs[-1]} {y} l S" for y in ys]
        out += [f"{x} {ys[0]} m {x} {ys[-1]} l S" for x in xs]
    else:
        out += [f"0.9 g {xs[i]} {ys[j + 1]} {widths[i] - 1} {heights[j] - 1} re f"
                for j in range(len(heights)) for i in range(len(widths))]
        out.append("0 g")
    for j, row in enumerate(cells):
        for i, text in enumerate(row):
            out.append(f"BT /F1 10 Tf {xs[i] + 4} {ys[j] - 14} Td ({text}) Tj ET")
    return "\n".join(out).encode()


def _both_engines(path: Path) -> tuple[Document, Document]:
    return tuple(read_document(path, path.parent, engine=e)  # type: ignore[return-value]
                 for e in ("pdfplumber", "pdfium"))


def _tables(doc: Document) -> list[list[list[str]]]:
    return [b.rows for b in doc.blocks if b.kind == "table"]


@pytest.mark.parametrize("how", ["lines", "boxes"])
def test_ruled_grid_is_the_table_pdfplumber_finds(tmp_path: Path, how: str) -> None:
    """A grid of stroked rules, or of filled cell boxes with gaps between them, is read as
    the same table by both engines; the text above it stays a paragraph."""
    cells = [["Service", "Target", "Result"], ["Libraries", "90", "94"], ["Parks", "75", "71"]]
    content = b"BT /F1 11 Tf 72 720 Td (We report each service against its target.) Tj ET\n"
    content += _grid(72, 690, [150, 80, 80], [22, 22, 22], cells, how)
    plumber, ium = _both_engines(_pdf_with(tmp_path / f"grid-{how}.pdf", content))
    assert _tables(ium) == _tables(plumber)
    if how == "lines":
        assert _tables(ium) == [cells]
    assert [b.kind for b in ium.blocks if b.kind != "table"] == ["paragraph"]


def test_a_box_or_a_curve_is_not_a_table(tmp_path: Path) -> None:
    """One framed box (a single cell) and a page of curves hold no table: their words stay
    in the text, as with the pdfplumber engine."""
    boxed = (b"0.5 w 70 600 300 100 re S BT /F1 11 Tf 80 680 Td (A framed note about the year.) Tj ET\n"
             b"100 400 m 150 450 200 450 250 400 c S 100 300 m 150 350 200 350 250 300 c S")
    plumber, ium = _both_engines(_pdf_with(tmp_path / "boxed.pdf", boxed))
    assert _tables(ium) == _tables(plumber) == []
    assert "framed note" in " ".join(b.text for b in ium.blocks)


def test_font_scaled_by_the_text_matrix_has_its_drawn_size(tmp_path: Path) -> None:
    """Text set as "1 Tf" under a 12x text matrix is 12 pt text, as pdfplumber reads it: the
    word's size and height are those of text set at 12 pt directly."""
    import pypdfium2 as pdfium

    content = (b"BT /F1 1 Tf 12 0 0 12 72 700 Tm (Scaled) Tj ET\n"
               b"BT /F1 12 Tf 72 650 Td (Direct) Tj ET")
    path = _pdf_with(tmp_path / "scaled.pdf", content)
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[0]
        words = engine.page_words(page.get_textpage(), page.get_size()[1])
    finally:
        pdf.close()
    scaled, direct = words
    assert scaled["size"] == pytest.approx(direct["size"]) == pytest.approx(12)
    assert scaled["bottom"] - scaled["top"] == pytest.approx(direct["bottom"] - direct["top"])


def test_path_edges_take_off_the_stroke() -> None:
    """pdfium bounds a stroked line with its stroke width on every side: the edge is the line
    itself; a filled box is four edges; origin moves to the top left."""
    line = (69.5, 699.5, 300.5, 700.5, 0.5, 2)
    box = (72.0, 600.0, 172.0, 650.0, 0.0, 5)
    h, top, bottom, left, right = engine.path_edges([line, box], 792.0)
    assert h["orientation"] == "h" and (h["x0"], h["x1"], h["top"]) == (70.0, 300.0, 92.0)
    assert (top["top"], bottom["top"]) == (142.0, 192.0)
    assert (left["x0"], right["x0"], left["top"], left["bottom"]) == (72.0, 172.0, 142.0, 192.0)


KENT_TABLE_ROWS_MIN = 0.75


def test_engines_agree_on_the_kent_papers() -> None:
    """Another council's papers, a delivery plan set in tables and a performance report full
    of them: the same body text, headings and tables from both engines. Measured: body ratio
    99.99-100, heading ratio 1.0, the same number of tables on every page, 77-79% of them
    identical row for row (the rest differ where pdfplumber splits a word across two cells
    or glues words that pdfium's word boxes keep apart)."""
    for path in _kent_pdfs():
        plumber, ium = _both_engines(path)
        assert fuzz.ratio(_body(ium), _body(plumber)) >= BODY_MIN_RATIO, path.name
        assert difflib.SequenceMatcher(a=_headings(ium), b=_headings(plumber),
                                       autojunk=False).ratio() >= HEADINGS_MIN_RATIO, path.name
        mine, ref = _tables(ium), _tables(plumber)
        assert [len(t) for t in mine] == [len(t) for t in ref], path.name
        assert sum(m == r for m, r in zip(mine, ref, strict=True)) >= KENT_TABLE_ROWS_MIN * len(ref)
