"""PDF ingestion on the real corpus, plus bad-input handling.

The corpus documents come from the session fixtures in conftest.py (each PDF read once).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from pipeline.ingest.read import read_document
from pipeline.model import Document

ADR = "lcc-annual-delivery-report-"
PLAN = "lcc-council-agenda-2022-05-18-strategic-plan-2022-26"

#: Headings each document must yield, in this order, with their level (PDF and text alike).
KNOWN_HEADINGS: dict[str, list[tuple[str, int]]] = {
    ADR + "2019": [("Financial Context, Challenges and Fair Funding Campaign", 1),
                   ("Infrastructure for Sustainable Growth", 1), ("Airfield Park", 2)],
    ADR + "2020": [("Impact of Covid-19", 1), ("Infrastructure for Sustainable Growth", 1),
                   ("A Highly Skilled and Employable Workforce", 1),
                   ("Skills for Local Development Sites", 2)],
    ADR + "2024": [("1. Introduction", 1),
                   ("3.1 There is close alignment between skill supply and demand", 2),
                   ("3.2 Transport and Infrastructure for sustainable economic and housing growth", 2)],
    ADR + "2025": [("1. Introduction", 1), ("Vulnerable Adults and Safeguarding", 2),
                   ("Progress in 2024/25", 3)],
    PLAN: [("County Deal", 0), ("Recent Storm Damage", 0), ("Public Consultation", 0), ("Vision", 0)],
}

#: Full-line running header these PDFs print on every page (must never reach a block).
RUNNING_HEADER = re.compile(r"\|\s*Annual Delivery Report \d{4}")


def assert_known_headings(doc: Document, expected: list[tuple[str, int]]) -> None:
    """Each expected heading occurs, in order, with its level (0 = any level)."""
    heads = [b for b in doc.blocks if b.kind == "heading"]
    pos = 0
    for text, level in expected:
        idx = next((i for i in range(pos, len(heads)) if heads[i].text == text), None)
        assert idx is not None, f"{doc.file}: heading {text!r} not found after position {pos}"
        if level:
            assert heads[idx].level == level, f"{doc.file}: {text!r} level {heads[idx].level}"
        pos = idx + 1


@pytest.mark.parametrize("stem", sorted(KNOWN_HEADINGS))
def test_known_headings_in_order(corpus_pdf_docs: dict[str, Document], stem: str) -> None:
    assert_known_headings(corpus_pdf_docs[stem], KNOWN_HEADINGS[stem])


def test_numbered_heading_has_number_and_path(corpus_pdf_docs: dict[str, Document]) -> None:
    doc = corpus_pdf_docs[ADR + "2024"]
    h = next(b for b in doc.blocks if b.kind == "heading" and b.text.startswith("3.1 "))
    assert h.number == "3.1"
    after = doc.blocks[doc.blocks.index(h) + 1]
    assert after.heading_path[-1] == h.text
    assert after.heading_path[0].startswith("3. ")


def test_every_document_reads_ok(corpus_pdf_docs: dict[str, Document]) -> None:
    for doc in corpus_pdf_docs.values():
        assert doc.status == "ok", (doc.file, doc.error)
        assert doc.pages > 20 and len(doc.doc_id) == 12
        assert doc.text and all(b.char_start >= 0 for b in doc.blocks)


def test_no_cid_glyphs_or_running_headers(corpus_pdf_docs: dict[str, Document]) -> None:
    for doc in corpus_pdf_docs.values():
        for b in doc.blocks:
            assert "(cid:" not in b.text, (doc.file, b.page, b.text[:80])
            assert not RUNNING_HEADER.search(b.text), (doc.file, b.page, b.text[:80])
            assert not re.fullmatch(r"\d{1,3}", b.text.strip()), (doc.file, b.page, "page number")


def test_two_column_sentence_whole_and_in_order(corpus_pdf_docs: dict[str, Document]) -> None:
    """The 2020 report is two-column: this sentence runs from the foot of the left column
    on page 1 to the top of the right one."""
    doc = corpus_pdf_docs[ADR + "2020"]
    sentence = ("That there is a good supply of quality, sustainable homes that provide maximum "
                "independence and are affordable to own and run.")
    hits = [b for b in doc.blocks if sentence in b.text]
    assert len(hits) == 1 and hits[0].page == 1
    # the left column is read before the right one
    left = doc.text.index("In December 2017 the County Council agreed")
    right = doc.text.index("The global coronavirus pandemic which took off")
    assert left < right


def test_paragraph_across_page_break_is_one_block(corpus_pdf_docs: dict[str, Document]) -> None:
    spanning = [b for d in corpus_pdf_docs.values() for b in d.blocks
                if b.page_end and b.page_end > b.page]
    assert spanning, "no block continues onto a later page"
    for b in spanning:
        assert b.kind in ("paragraph", "bullet")


def test_bullets_lose_their_glyph(corpus_pdf_docs: dict[str, Document]) -> None:
    bullets = [b for b in corpus_pdf_docs[ADR + "2024"].blocks if b.kind == "bullet"]
    assert len(bullets) > 50
    assert not any(b.text[:1] in "•-–o\uf0b7" and b.text[1:2] == " " for b in bullets)


def test_tables_kept_as_rows_not_paragraphs(corpus_pdf_docs: dict[str, Document]) -> None:
    doc = corpus_pdf_docs[ADR + "2024"]
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert tables and all(b.rows and len(b.rows[0]) >= 2 for b in tables)
    t = next(b for b in tables if b.rows[0][0] == "Sub-Outcome")
    assert t.text.split("\n")[0] == "\t".join(t.rows[0])
    assert not any("Sub-Outcome" in b.text for b in doc.blocks if b.kind != "table")


def test_heading_path_on_every_block_after_first_heading(corpus_pdf_docs: dict[str, Document]) -> None:
    for doc in corpus_pdf_docs.values():
        first = next(i for i, b in enumerate(doc.blocks) if b.kind == "heading")
        assert all(b.heading_path for b in doc.blocks[first:]), doc.file


def _body(doc: Document) -> str:
    return " ".join(" ".join(b.text.split()) for b in doc.blocks if b.kind != "table")


#: Measured 99.9-100.0 on the corpus; below this the PDF and text readers have drifted apart.
PDF_TEXT_MIN_RATIO = 98.0


def test_pdf_and_text_give_nearly_the_same_body(corpus_pdf_docs: dict[str, Document],
                                                corpus_text_docs: dict[str, Document]) -> None:
    for stem, pdf_doc in corpus_pdf_docs.items():
        ratio = fuzz.ratio(_body(pdf_doc), _body(corpus_text_docs[stem]))
        assert ratio >= PDF_TEXT_MIN_RATIO, f"{stem}: ratio {ratio:.1f}"


# --- bad input ---------------------------------------------------------------------------------

def _failed(path: Path, *words: str) -> None:
    doc = read_document(path, path.parent)
    assert doc.status == "failed"
    assert "\n" not in doc.error and doc.error
    for w in words:
        assert w in doc.error.lower(), doc.error
    assert doc.blocks == [] and doc.text == ""


def test_zero_byte_pdf(tmp_path: Path) -> None:
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    _failed(p, "empty")


def test_random_bytes_named_pdf(tmp_path: Path) -> None:
    p = tmp_path / "noise.pdf"
    p.write_bytes(os.urandom(4096).replace(b"%PDF", b"xxxx"))
    _failed(p, "not a pdf")


def test_truncated_pdf(tmp_path: Path, corpus_pdf_paths: list[Path]) -> None:
    data = corpus_pdf_paths[0].read_bytes()
    p = tmp_path / "half.pdf"
    p.write_bytes(data[: len(data) // 2])
    doc = read_document(p, tmp_path)
    # pdfminer may recover some pages of a cut file; either it fails with a cause or is partial
    assert doc.status in ("failed", "partial", "ok")
    if doc.status == "failed":
        assert re.search(r"truncated|corrupt|no page|no text", doc.error), doc.error


def test_missing_path(tmp_path: Path) -> None:
    _failed(tmp_path / "nowhere.pdf", "not found")


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    p = tmp_path / "scan.pdf"
    pdf.save(str(p))
    pdf.close()
    _failed(p, "no text layer")


def test_unsupported_suffix(tmp_path: Path) -> None:
    p = tmp_path / "notes.xyz"
    p.write_text("hello")
    _failed(p, "unsupported")


# --- regressions: headings the reader used to lose ------------------------------------------------

def _headings(doc: Document) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == "heading"]


def test_plan_pdf_keeps_measure_markers(corpus_pdf_docs: dict[str, Document]) -> None:
    """A marker heading after an unpunctuated list item is a heading, not the item's tail."""
    doc = corpus_pdf_docs[PLAN]
    heads = _headings(doc)
    i43 = next(i for i, h in enumerate(heads) if h.startswith("4.3 "))
    i44 = next(i for i, h in enumerate(heads) if h.startswith("4.4 "))
    assert i43 < i44
    assert "How we will measure success" in heads[i43:i44]
    assert not any(b.text.endswith("How we will measure success") for b in doc.blocks
                   if b.kind in ("bullet", "paragraph"))


def test_plan_pdf_and_text_parse_to_the_same_plan(corpus_pdf_docs: dict[str, Document],
                                                   corpus_text_docs: dict[str, Document]) -> None:
    from collections import Counter

    from pipeline.plan.read import parse_plan

    def counts(doc: Document) -> Counter:
        return Counter((a.sub_outcome_id, a.kind) for a in parse_plan(doc).aims)

    assert counts(corpus_pdf_docs[PLAN]) == counts(corpus_text_docs[PLAN])


def test_2024_long_numbered_titles_in_body_type_are_headings(corpus_pdf_docs: dict[str, Document]) -> None:
    doc = corpus_pdf_docs[ADR + "2024"]
    numbers = [b.number for b in doc.blocks if b.kind == "heading" and b.number]
    for n in ("3.3", "5.4", "6.4"):
        assert n in numbers, n
    h = next(b for b in doc.blocks if b.kind == "heading" and b.number == "6.4")
    assert h.level == next(b for b in doc.blocks if b.kind == "heading" and b.number == "6.3").level


def test_2024_progress_headings_sit_under_their_sub_outcome(corpus_pdf_docs: dict[str, Document]) -> None:
    """Every printed 'Progress in 2023/24' is a heading one level below the heading above it."""
    doc = corpus_pdf_docs[ADR + "2024"]
    progress = [b for b in doc.blocks if b.text.strip() == "Progress in 2023/24"]
    assert len(progress) == 6 and all(b.kind == "heading" for b in progress)
    for b in progress:
        assert b.heading_path[-1] == b.text and len(b.heading_path) >= 2


def test_2025_glued_headings_are_split(corpus_pdf_docs: dict[str, Document],
                                       corpus_text_docs: dict[str, Document]) -> None:
    doc = corpus_pdf_docs[ADR + "2025"]
    numbered = [b for b in doc.blocks if b.kind == "heading" and b.number and "." not in b.number.strip(".")]
    assert [b.number.rstrip(".") for b in numbered] == [str(i) for i in range(1, 9)]
    assert len({b.level for b in numbered}) == 1
    for b in doc.blocks:
        if b.kind in ("paragraph", "bullet"):
            assert not re.search(r"\.\s+\d\.\s+[A-Z][a-z]+", b.text), (b.page, b.text[-80:])
    # the PDF now gives the text version's heading sequence
    assert _headings(doc) == _headings(corpus_text_docs[ADR + "2025"])


def test_2025_styled_line_inside_sentence_stays_body(corpus_pdf_docs: dict[str, Document]) -> None:
    """A heading-styled line that carries on an unfinished sentence (lower case after it) is body."""
    doc = corpus_pdf_docs[ADR + "2025"]
    for b in doc.blocks:
        if b.kind == "heading":
            assert not b.text.rstrip()[-1:].islower() or len(b.text.split()) < 10, b.text


def test_2020_run_in_headings_mid_paragraph_are_split(corpus_pdf_docs: dict[str, Document],
                                                      corpus_text_docs: dict[str, Document]) -> None:
    """In justified columns a run-in title ("X – we ...") can follow a sentence on the same line."""
    import difflib

    pdf_heads = _headings(corpus_pdf_docs[ADR + "2020"])
    txt_heads = _headings(corpus_text_docs[ADR + "2020"])
    ratio = difflib.SequenceMatcher(a=pdf_heads, b=txt_heads, autojunk=False).ratio()
    assert ratio >= 0.96, ratio  # 0.947 before the fix
    assert "Business Grants" in pdf_heads


def test_2020_part_banners_in_body_type_are_top_level(corpus_pdf_docs: dict[str, Document]) -> None:
    """"Great Communities – Environment and Waste" is printed in body type, glued after a
    sentence; it must still open a top-level part, so the heritage and environment sections
    are no longer filed under "Safer Communities"."""
    doc = corpus_pdf_docs[ADR + "2020"]
    banners = [b for b in doc.blocks if b.kind == "heading" and b.text.startswith("Great Communities –")]
    assert [b.text for b in banners] == ["Great Communities – Libraries, Heritage and Culture",
                                         "Great Communities – Environment and Waste"]
    assert {b.level for b in banners} == {1}
    plaques = next(b for b in doc.blocks if b.kind == "paragraph" and b.heading_path[-1:] == ("Green Plaques",))
    assert plaques.heading_path[0] == banners[0].text


#: Heading sequences of the PDF and the text version, per document (difflib ratio), measured
#: 0.97-1.0 on the reports after the heading fixes (0.89-0.96 before); the agenda's cover and
#: minutes pages differ in style between the two versions.
HEADING_AGREEMENT_MIN = {ADR + "2019": 0.98, ADR + "2020": 0.96, ADR + "2024": 0.96, ADR + "2025": 0.99,
                         PLAN: 0.86}


@pytest.mark.parametrize("stem", sorted(HEADING_AGREEMENT_MIN))
def test_pdf_and_text_heading_sequences_agree(corpus_pdf_docs: dict[str, Document],
                                              corpus_text_docs: dict[str, Document], stem: str) -> None:
    import difflib

    ratio = difflib.SequenceMatcher(a=_headings(corpus_pdf_docs[stem]),
                                    b=_headings(corpus_text_docs[stem]), autojunk=False).ratio()
    assert ratio >= HEADING_AGREEMENT_MIN[stem], f"{stem}: {ratio:.3f}"


def _titled_paragraphs_pdf(path: Path) -> None:
    """An invented page: a bold one-word title set tight above its paragraph, and a bold
    lead-in ending in a colon set the same way (a run-in lead, not a title)."""
    from fpdf import FPDF

    body = ("The service answered more calls than in any quarter before, and most callers "
            "were helped at the first point of contact without a referral to another team. ")
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_margins(60, 60, 60)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 24, "Quarterly Performance Summary", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 13, body * 2, new_x="LMARGIN", new_y="NEXT")
    for title, lead in (("Referrals", "Quarter 3 saw 2,140 residents contact the service. "),
                        ("Key points:", "Two sites reopened after repairs. ")):
        pdf.ln(13)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 13, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 13, lead + body, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
def test_a_bold_title_tight_above_its_paragraph_is_a_heading(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "titled.pdf"
    _titled_paragraphs_pdf(path)
    doc = read_document(path, tmp_path, engine=engine)
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    paragraphs = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert "Referrals" in headings
    assert any(p.startswith("Quarter 3 saw 2,140 residents") for p in paragraphs), paragraphs
    # a lead-in that ends in a colon runs into its paragraph
    assert not any(h.startswith("Key points") for h in headings)
    assert any(p.startswith("Key points: Two sites reopened") for p in paragraphs), paragraphs


def _contacts_pdf(path: Path, section: str) -> None:
    """An invented page ending in a section titled ``section`` whose entries are a bold name
    set tight above the person's job title and address, as report contact boxes are."""
    from fpdf import FPDF

    body = ("The partnership met every quarter and agreed a plan for the coming year with "
            "all of its members, who will report back on progress in the spring. ")
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_margins(60, 60, 60)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 18, "4. Conclusions", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 13, body * 2, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(13)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 18, section, new_x="LMARGIN", new_y="NEXT")
    for name, job in (("Jane Example", "Head of Policy and Partnerships 01234 567890"),
                      ("Sam Placeholder", "Programme Manager, Communities 01234 567891")):
        pdf.ln(13)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 13, name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 13, job, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
@pytest.mark.parametrize("section", ["5. Report Authors:", "Contact details"])
def test_names_under_a_contact_heading_are_not_headings(tmp_path: Path, engine: str,
                                                        section: str) -> None:
    """Under a heading over contact details, a bold name over a job title is an entry of the
    section, not a section of its own (``contact_heading`` in layout.yaml)."""
    path = tmp_path / "contacts.pdf"
    _contacts_pdf(path, section)
    doc = read_document(path, tmp_path, engine=engine)
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    paragraphs = [b.text for b in doc.blocks if b.kind == "paragraph"]
    assert headings[-1] == section
    assert not any("Jane Example" in h or "Sam Placeholder" in h for h in headings), headings
    assert any(p.startswith("Jane Example Head of Policy") for p in paragraphs), paragraphs


@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
def test_bold_titles_under_a_topic_named_contacts_stay_headings(tmp_path: Path,
                                                                engine: str) -> None:
    """'Contacts' alone is a topic (customer contacts), not an address book: the bold titles
    set tight under it are still titles."""
    path = tmp_path / "topic.pdf"
    _contacts_pdf(path, "Contacts")
    doc = read_document(path, tmp_path, engine=engine)
    headings = [b.text for b in doc.blocks if b.kind == "heading"]
    assert "Jane Example" in headings and "Sam Placeholder" in headings, headings
