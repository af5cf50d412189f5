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
    ("never_final: [mr, 'no']\n", "missing required"),
    ("never_final: [mr, no]\nmay_be_final: []\ncontinuation_words: []\ncloser: x\n", "missing"),
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
