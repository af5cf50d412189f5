"""Sentence splitting inside one block: unit cases (with negatives), the spaCy component, the
rule file's validation, and the real corpus (text versions) and gold sentences as data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import spacy

from pipeline.config import DEFAULT_GOLD_DIR, PATTERNS_DIR, PROJECT_DIR
from pipeline.nlp import sentences  # noqa: F401  (registers the factory)
from pipeline.nlp.sentences import load_sentence_rules, sentence_starts, split_sentences

TEXT_DIR = PROJECT_DIR / "tests" / "data" / "text"


@pytest.mark.parametrize(("text", "expected"), [
    # abbreviations and initials never end a sentence
    ("The award went to Mr. M. I. Seedat for his work. It was deserved.",
     ["The award went to Mr. M. I. Seedat for his work.", "It was deserved."]),
    ("Several services, e.g. Libraries and Museums, took part. Both grew.",
     ["Several services, e.g. Libraries and Museums, took part.", "Both grew."]),
    ("Some sites, i.e. The Depot, closed. Others opened.",
     ["Some sites, i.e. The Depot, closed.", "Others opened."]),
    ("We planted c. 4,000 trees. Approx. 20 schools helped.",
     ["We planted c. 4,000 trees.", "Approx. 20 schools helped."]),
    ("It was approx. 5 miles long.", ["It was approx. 5 miles long."]),
    ("The No. 5 bus runs hourly.", ["The No. 5 bus runs hourly."]),
    ("The St. Mary Centre opened.", ["The St. Mary Centre opened."]),
    # decimals and clock times
    ("94.8% of applicants got a place. That is up.", ["94.8% of applicants got a place.", "That is up."]),
    ("The meeting starts at 2.00 p.m. for the business below.",
     ["The meeting starts at 2.00 p.m. for the business below."]),
    ("The meeting starts at 2 p.m. The agenda follows.",
     ["The meeting starts at 2 p.m.", "The agenda follows."]),
    # ellipses, quotes and brackets after the full stop
    ("We asked why... The answer was clear.", ["We asked why...", "The answer was clear."]),
    ("We paused... and then went on.", ["We paused... and then went on."]),
    ('The slogan was "Act now." Many did.', ['The slogan was "Act now."', "Many did."]),
    ("Results were good (see above.) The rest follows.",
     ["Results were good (see above.)", "The rest follows."]),
    ("Did it work? Yes! It did.", ["Did it work?", "Yes!", "It did."]),
    # bullets without a full stop are one sentence
    ("Fewer people waiting for care", ["Fewer people waiting for care"]),
    # lower case after a full stop: an unknown abbreviation, not a boundary
    ("The scheme covers approx. forty sites in all.", ["The scheme covers approx. forty sites in all."]),
    ("Run by Acme Ltd. on our behalf.", ["Run by Acme Ltd. on our behalf."]),
    # numbered-paragraph prefixes belong to the first sentence
    ("6. The Cabinet approved it. It starts soon.", ["6. The Cabinet approved it.", "It starts soon."]),
    ("(b) That the budget be approved.", ["(b) That the budget be approved."]),
    ("iv. That the limit is kept. Agreed.", ["iv. That the limit is kept.", "Agreed."]),
    # a number can end a sentence mid-block
    ("Staff numbers fell to 6. The rest moved on.", ["Staff numbers fell to 6.", "The rest moved on."]),
    ("Costs rose. £2m was added.", ["Costs rose.", "£2m was added."]),
    ("   ", []),
    ("", []),
])
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_starts_point_at_first_character() -> None:
    text = "  One here.   Two there."
    assert [text[i] for i in sentence_starts(text)] == ["O", "T"]


def test_component_sets_sentence_starts() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("planmine_sentences")
    doc = nlp("Mr. M. I. Seedat spoke.  Then “the chair” closed it. e.g. not split.")
    assert [s.text.strip() for s in doc.sents] == [
        "Mr. M. I. Seedat spoke.", "Then “the chair” closed it. e.g. not split."]
    assert len(nlp("")) == 0  # an empty block is not an error


@pytest.mark.parametrize(("bad", "message"), [
    ("never_final: [mr, 'no']\n", "may_be_final: Field required"),
    ("never_final: [mr, no]\nmay_be_final: []\ncontinuation_words: []\ncloser: x\n",
     "closer: Extra inputs are not permitted"),
    ("never_final: [mr, no]\nmay_be_final: []\ncontinuation_words: []\ncloser: x\n",
     r"never_final\.1: Input should be a valid string"),
])
def test_rules_validation(tmp_path: Path, bad: str, message: str) -> None:
    path = tmp_path / "sentences.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_sentence_rules(path)


def test_yaml_booleans_are_caught(tmp_path: Path) -> None:
    """Unquoted `no` in YAML is False: the loader must say so rather than never match."""
    text = (PATTERNS_DIR / "sentences.yaml").read_text(encoding="utf-8")
    path = tmp_path / "sentences.yaml"
    path.write_text(text.replace("  - 'no'", "  - no"), encoding="utf-8")
    with pytest.raises(ValueError, match="never_final"):
        load_sentence_rules(path)


# --- real documents ------------------------------------------------------------------------

def _blocks(path: Path) -> list[str]:
    """Block-like units of a text version: blank-line paragraphs, one unit per '- ' bullet."""
    units: list[str] = []
    for para in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        for item in re.split(r"\n\s*(?=[-•]\s)", para):
            item = re.sub(r"^\s*[-•]\s+", "", item)
            if item.strip():
                units.append(" ".join(item.split()))
    return units


@pytest.fixture(scope="session")
def corpus_sentences() -> dict[str, list[str]]:
    return {p.stem: [s for b in _blocks(p) for s in split_sentences(b)]
            for p in sorted(TEXT_DIR.glob("*.txt"))}


def test_corpus_splits_every_document(corpus_sentences: dict[str, list[str]]) -> None:
    assert len(corpus_sentences) == 5
    for stem, sents in corpus_sentences.items():
        assert len(sents) > 300, stem
        # no sentence may start with a lower-case letter right after our own boundary
        assert all(s for s in sents), stem


def test_corpus_no_split_after_abbreviation(corpus_sentences: dict[str, list[str]]) -> None:
    rules = load_sentence_rules()
    for stem, sents in corpus_sentences.items():
        for s in sents[:-1]:
            last = s.split()[-1].rstrip(".").lower() if s.endswith(".") else ""
            assert last not in rules.never_final, (stem, s[-60:])


def test_gold_sentences_stay_whole() -> None:
    """Each gold line is one sentence: the splitter must not cut any of them."""
    cut = []
    n = 0
    for path in sorted(DEFAULT_GOLD_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            n += 1
            if len(split_sentences(text)) != 1:
                cut.append(text[:80])
    assert n > 200
    assert len(cut) <= 2, cut


# --- text that is no sentence: contents entries and fragments --------------------------------

from pipeline.nlp.sentences import is_non_sentence  # noqa: E402


@pytest.mark.parametrize(("text", "heading"), [
    ("Clean Air and Green Spaces\t7", "Contents"),
    ("Housing\t12", "Table of Contents"),                    # one word: the heading decides
    ("3.\tSafer Streets and Stronger Towns\t21", "Contents"),
    ("Funding, Reserves and Budget Pressures\t4", "Page"),   # the contents' column header
    ("Roads, Rivers and Rural Transport\t15", "Cycling"),    # a title under a stray heading
    ("Our Plan for Oakshire ........ 3", ""),                # leader dots are enough
    ("Appendix B: Performance … 44", ""),
    ("| 2031", ""),                                          # fragments without a word
    ("2030-34", ""),
    ("“1.", ""),
])
def test_non_sentences(text: str, heading: str) -> None:
    assert is_non_sentence(text, heading)


@pytest.mark.parametrize(("text", "heading"), [
    ("We opened 3 new libraries in Oakshire.", "Contents"),  # a sentence, whatever the heading
    ("Housing\t12", "Libraries"),                            # a data row, not a title
    ("Number of home visits\t12", ""),                       # a label, not a title
    ("Under 5 years\t40\t12", "Contents"),                   # two number cells: a data row
    ("The council now runs 14", ""),                         # no separator before the number
    ("Visits rose to 1,200. See page 4", ""),
    ("", ""),
])
def test_sentences_are_not_non_sentences(text: str, heading: str) -> None:
    assert not is_non_sentence(text, heading)


def test_contents_entries_get_no_claim() -> None:
    from pipeline.nlp.pipeline import build_nlp, make_doc

    nlp = build_nlp()
    toc = nlp(make_doc(nlp, "Clean Air and Green Spaces\t7", heading="Contents", block_kind="table"))
    assert list(toc.spans["claims"]) == [] and list(toc.spans["figures"]) != []
    row = nlp(make_doc(nlp, "Under 5 years\t40\t12", heading="Contents", block_kind="table"))
    assert len(row.spans["claims"]) == 1


# --- sentences cut by a page break -----------------------------------------------------------

_UNFINISHED = re.compile(r"[^.!?:;'\"’”)\]]\s*$")


def test_text_reader_joins_a_sentence_across_a_page_break(tmp_path: Path) -> None:
    """An invented report whose sentence runs over a form feed and a running header."""
    from pipeline.ingest.read import read_document

    path = tmp_path / "oakshire-annual-report.txt"
    path.write_text(
        "Oakshire Annual Report\n\nLibraries\n\n"
        "During the year the mobile library service visited forty villages and\n"
        "\f"
        "lent more than twelve thousand books to housebound readers.\n\n"
        "Parks\n\nThe new play area opened in May.\n", encoding="utf-8")
    doc = read_document(path, tmp_path)
    texts = [b.text for b in doc.blocks if b.kind == "paragraph"]
    joined = [t for t in texts if "forty villages and lent more" in " ".join(t.split())]
    assert len(joined) == 1
    assert len(split_sentences(joined[0])) == 1


def test_pdf_sentences_run_across_page_breaks(corpus_pdf_docs) -> None:
    """On the real PDFs a paragraph whose sentence is unfinished at a page end is carried over
    (some blocks span pages), and no body block at a page end is half a sentence whose rest
    opens the next page in lower case."""
    from pipeline.annotate import body_units

    spanning = 0
    for stem, doc in corpus_pdf_docs.items():
        spanning += sum(1 for b in doc.blocks if b.page_end and b.kind in ("paragraph", "bullet"))
        units = [u for u in body_units(doc) if doc.blocks[u.block_index].kind != "table"]
        for a, b in zip(units, units[1:], strict=False):
            page_a = doc.blocks[a.block_index].page_end or a.page
            if b.page > page_a and _UNFINISHED.search(a.text) and b.text.lstrip()[:1].islower():
                pytest.fail(f"{stem}: a sentence cut at the end of page {page_a}")
    assert spanning >= 10


@pytest.mark.parametrize(("text", "expected"), [
    # a numbered heading glued to the first paragraph numbered under it
    ("2.4 Working with schools 2.4.1 The team visited every school. Most took part.",
     ["2.4 Working with schools", "2.4.1 The team visited every school.", "Most took part."]),
    ("6 Background 6.1 The board agreed the scheme.",
     ["6 Background", "6.1 The board agreed the scheme."]),
    # a cross-reference in running text is no heading
    ("3.2 The scheme supports objective 5.1 Safer Streets in full.",
     ["3.2 The scheme supports objective 5.1 Safer Streets in full."]),
    # a label that is not a child of the opening one
    ("3.2 The review covered 4.1 Roads and bridges.",
     ["3.2 The review covered 4.1 Roads and bridges."]),
])
def test_glued_numbered_heading_is_split_off(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_doc_text_is_the_docs_text_read_once() -> None:
    """The components read a Doc's text through ``doc_text``: the same string as ``doc.text``,
    built once and kept on the Doc."""
    import spacy

    from pipeline.nlp.extensions import TEXT_KEY, doc_text

    doc = spacy.blank("en").make_doc("Two  sentences here.\tAnd a second one ")
    assert doc_text(doc) == doc.text
    assert doc.user_data[TEXT_KEY] is doc_text(doc)
    empty = spacy.blank("en").make_doc("")
    assert doc_text(empty) == ""


def test_component_sentence_starts_match_the_pure_splitter() -> None:
    """The component's token flags start a sentence exactly at the offsets the pure splitter
    gives (whitespace runs and a leading space included)."""
    from pipeline.nlp.pipeline import build_nlp

    nlp = build_nlp()
    for text in ("  We opened it. Then we closed it!  Mr. Smith came.", "one", "   ",
                 "Costs rose. (See table.) Next year will differ."):
        doc = nlp(text)
        got = [t.idx for t in doc if t.is_sent_start]
        want = sentence_starts(text) or [0]
        if len(doc):
            assert got == sorted({0, *[s for s in want if s in {t.idx for t in doc}]})
