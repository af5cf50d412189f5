"""Text ingestion (decode, re-flow, blocks) and the shared layout helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_ingest_pdf import KNOWN_HEADINGS, assert_known_headings

from pipeline.ingest import layout
from pipeline.ingest.read import read_document
from pipeline.ingest.text import blocks_from_text, decode, read_text
from pipeline.model import Document

# --- corpus --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(KNOWN_HEADINGS))
def test_known_headings_in_order(corpus_text_docs: dict[str, Document], stem: str) -> None:
    assert_known_headings(corpus_text_docs[stem], KNOWN_HEADINGS[stem])


def test_every_text_reads_ok_on_page_one(corpus_text_docs: dict[str, Document]) -> None:
    for doc in corpus_text_docs.values():
        assert doc.status == "ok" and doc.format == "txt", (doc.file, doc.error)
        assert {b.page for b in doc.blocks} == {1}
        assert "(cid:" not in doc.text


def test_hard_wrapped_text_is_reflowed(corpus_text_docs: dict[str, Document]) -> None:
    """2020 and 2025 are hard-wrapped (2025 with blank lines between wrapped lines)."""
    for stem in ("lcc-annual-delivery-report-2020", "lcc-annual-delivery-report-2025"):
        paras = [b for b in corpus_text_docs[stem].blocks if b.kind in ("paragraph", "bullet")]
        long_ones = [b for b in paras if len(b.text) > 200]
        assert len(long_ones) > 0.4 * len(paras), stem
    doc = corpus_text_docs["lcc-annual-delivery-report-2025"]
    assert any("from September 2024 to September 2025, reflecting" in b.text for b in doc.blocks)


def test_bullets_and_tables_in_text(corpus_text_docs: dict[str, Document]) -> None:
    doc = corpus_text_docs["lcc-annual-delivery-report-2024"]
    bullets = [b for b in doc.blocks if b.kind == "bullet"]
    assert len(bullets) > 50 and not any(b.text.startswith("- ") for b in bullets)
    contents = next(b for b in doc.blocks if b.kind == "table")
    assert contents.rows[0][:2] == ["1.", "Introduction"]


# --- synthetic files ---------------------------------------------------------------------------------

WRAPPED = """ 2. Services 

Our work this year went well and the programme that we run grew by a good deal in
every district of the county, with more people taking part than in any other year.

Progress in 2024/25

- We opened a new centre in the market town which now serves many people in the
surrounding villages.
- A second item.

Name\tValue
Alpha\t1
"""


def test_reflow_of_a_small_wrapped_file(tmp_path: Path) -> None:
    p = tmp_path / "w.txt"
    p.write_text(WRAPPED, encoding="utf-8")
    blocks, warnings = read_text(p)
    assert warnings == []
    kinds = [b.kind for b in blocks]
    assert kinds == ["heading", "paragraph", "heading", "bullet", "bullet", "table"]
    assert blocks[0].number == "2" and blocks[0].level == 1
    assert blocks[1].text.endswith("than in any other year.")
    assert "grew by a good deal in every district" in blocks[1].text
    assert blocks[2].level == 2 and blocks[3].heading_path == ("2. Services", "Progress in 2024/25")
    assert blocks[3].text.endswith("surrounding villages.")
    assert blocks[5].rows == [["Name", "Value"], ["Alpha", "1"]]


def test_form_feed_starts_a_new_page(tmp_path: Path) -> None:
    p = tmp_path / "ff.txt"
    p.write_text("First page text.\n\fSecond page text.\n", encoding="utf-8")
    blocks, _ = read_text(p)
    assert [b.page for b in blocks] == [1, 2]


def test_decode_fallbacks() -> None:
    assert decode("café".encode()) == ("café", [])
    text, warnings = decode("café £5".encode("cp1252"))
    assert text == "café £5" and warnings and "cp1252" in warnings[0]
    assert decode("hi".encode("utf-16")) == ("hi", [])
    assert decode(b"\xef\xbb\xbfhi") == ("hi", [])


def test_empty_text_file_fails(tmp_path: Path) -> None:
    p = tmp_path / "blank.txt"
    p.write_text("  \n\n", encoding="utf-8")
    doc = read_document(p, tmp_path)
    assert doc.status == "failed" and "no text" in doc.error


# --- layout helpers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("first,second,expected", [
    ("sustain-", "able growth", "sustainable growth"),
    ("the well-", "being of", "the well-being of"),
    ("a self-", "sufficient", "a self-sufficient"),
    ("Medium-", "Term Plan", "Medium-Term Plan"),
    ("aged 18-", "24 years", "aged 18-24 years"),
    ("a dash -", "then", "a dash - then"),
    ("plain", "words", "plain words"),
])
def test_join_lines_hyphenation(first: str, second: str, expected: str) -> None:
    assert layout.join_lines(first, second) == expected


def test_join_lines_prefers_the_documents_own_spelling() -> None:
    assert layout.join_lines("co-", "ordinate", {"co-ordinate"}) == "co-ordinate"
    assert layout.join_lines("long-", "standing", {"longstanding"}) == "longstanding"


@pytest.mark.parametrize("line,expected", [
    ("(cid:127) Item", (True, "Item")),
    ("\uf0b7 Item", (True, "Item")),
    ("• Item", (True, "Item")),
    ("- Item", (True, "Item")),
    ("o Item", (True, "Item")),
    ("-5% fall", (False, "-5% fall")),
    ("on the", (False, "on the")),
    ("o the rest", (False, "o the rest")),
    ("Ordinary line", (False, "Ordinary line")),
])
def test_split_bullet(line: str, expected: tuple[bool, str]) -> None:
    assert layout.split_bullet(layout.clean_glyphs(line)) == expected


@pytest.mark.parametrize("raw,clean", [
    ("(cid:127) a", "• a"),
    ("x(cid:3)y", "xy"),
    ("no glyphs", "no glyphs"),
])
def test_clean_glyphs(raw: str, clean: str) -> None:
    assert layout.clean_glyphs(raw) == clean


@pytest.mark.parametrize("text,number", [
    ("3.1 There is close alignment", "3.1"),
    ("6.Safe and Well", "6"),
    ("1. Introduction", "1"),
    ("2024 was a year", ""),
    ("Public Transport", ""),
])
def test_split_number(text: str, number: str) -> None:
    assert layout.split_number(text)[0] == number


@pytest.mark.parametrize("text,title", [
    ("Growth Unit – the population is projected to rise", "Growth Unit"),
    ("Coalville – A511 – work started on the scheme", "Coalville – A511"),
    ("The survey – which ran in May – showed support", None),
    ("We worked with partners - and others", None),
])
def test_run_in_title(text: str, title: str | None) -> None:
    assert layout.run_in_title(text) == title


@pytest.mark.parametrize("text,banner", [
    ("Great Communities – Libraries, Heritage and Culture",
     "Great Communities – Libraries, Heritage and Culture"),
    ("Economy – Transport", "Economy – Transport"),
    ("Growth Unit – the population is projected to rise", None),  # a run-in lead
    ("Libraries – Our Offer Grew. Visits rose by a third", None),  # runs into sentences
    ("Great Communities –", None),
])
def test_banner_title(text: str, banner: str | None) -> None:
    assert layout.banner_title(text) == banner
    if banner:
        assert layout.run_in_title(text) is None  # a banner is a title, not a run-in


def test_banner_opens_a_top_level_part() -> None:
    """A part banner in body type closes the section before it, in text and in run-in form."""
    para = ("the service worked with young people and their families across the county, and with "
            "\nschools, the police and health partners, to keep them safe and out of trouble. The work "
            "\ncontinued through the year and reached more families than the year before.\n\n")
    text = ("Safer Communities\n\nYouth Justice – " + para +
            "Great Communities – Libraries, Heritage and Culture\n\nMuseums – " + para)
    blocks = blocks_from_text(text)
    heads = [(b.text, b.level) for b in blocks if b.kind == "heading"]
    assert ("Great Communities – Libraries, Heritage and Culture", 1) in heads
    museums = next(b for b in blocks if b.kind == "paragraph" and b.text.startswith("Museums"))
    assert museums.heading_path[0] == "Great Communities – Libraries, Heritage and Culture"
    assert "Safer Communities" not in museums.heading_path


def test_strip_emphasis() -> None:
    assert layout.strip_emphasis("**Bold heading**") == ("Bold heading", True)
    assert layout.strip_emphasis("a **bold** word") == ("a bold word", False)
    assert layout.strip_emphasis("plain") == ("plain", False)


# --- heading repair helpers and the text reader's glued titles ----------------------------------

@pytest.mark.parametrize("number,previous,ok", [
    ("3.3", "3.2", True), ("4", "3.2", True), ("3.1", "3", True), ("4.1", "3.2", False),
    ("3.3", "3.3", False), ("5", "3", False), ("2", "", False),
])
def test_follows_in_sequence(number: str, previous: str, ok: bool) -> None:
    assert layout.follows_in_sequence(number, previous) is ok


def test_glued_tail_shapes() -> None:
    assert layout.glued_tail("across all teams. Supporting Carers") == ("across all teams.", "Supporting Carers")
    assert layout.glued_tail("the changes. 2. Adult Social Care")[1] == "2. Adult Social Care"
    assert layout.glued_tail("we worked with the") is None
    assert layout.glued_tail("the Council and the") is None  # runs on: ends with a minor word
    assert layout.glued_tail("e.g. Reading") is None  # no 3-letter word before the stop


def test_repair_promotes_numbered_title_in_sequence_only() -> None:
    from pipeline.model import Block

    blocks = [Block("heading", "3.2 Roads", 1, level=2, number="3.2"),
              Block("paragraph", "3.3 Places where businesses flourish; and 3.4 Growth for all.", 1),
              Block("paragraph", "7.1 A number far out of sequence is body text.", 1)]
    out = layout.repair_headings(blocks)
    assert [b.kind for b in out] == ["heading", "heading", "paragraph"]
    assert out[1].number == "3.3" and out[1].level == 2


def test_text_title_after_finished_sentence_is_heading(tmp_path: Path) -> None:
    p = tmp_path / "glued.txt"
    p.write_text("1. Intro\n\nWe did a great deal of work this year across every one of the teams we run.\n"
                 "Supporting Carers\n\nProgress in 2024/25\n\n- We helped carers.\n", encoding="utf-8")
    blocks, _ = read_text(p)
    heads = [b.text for b in blocks if b.kind == "heading"]
    assert heads == ["1. Intro", "Supporting Carers", "Progress in 2024/25"]
    assert blocks[-1].heading_path[-2:] == ("Supporting Carers", "Progress in 2024/25")
