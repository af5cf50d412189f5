"""Fast paths of the NLP stage give the answers of the plain code they replace. Texts here
are invented."""

from __future__ import annotations

import re
from datetime import date

import pytest

from pipeline.nlp import numbers
from pipeline.nlp.numbers import PER_PHRASES, SUFFIX_QUALIFIERS, per_after, suffix_after

AFTER_TEXTS = ["12 or more people", "12  or\tmore", "5 and over", "5 and overall", "3 per year",
               "3 a week", "3 a weekly", "4 per\nannum", "7", "7x or more", "", " ", "9 or",
               "£5 per  month and more", "6 PER YEAR", "8 \u00a0or more", "2\u2028per day",
               "1 and above,", "10 plus", "10 or fewer"]


def _suffix_after_plain(text: str, end: int) -> tuple[numbers.Qualifier, int] | None:
    rest = text[end:end + 20].lower()
    for q in SUFFIX_QUALIFIERS:
        m = re.match(r"\s+" + re.escape(q.phrase).replace(r"\ ", r"\s+") + r"(?![A-Za-z])", rest)
        if m:
            return q, end + m.end()
    return None


def _per_after_plain(text: str, end: int) -> tuple[str, int] | None:
    rest = text[end:end + 20].lower()
    for phrase in sorted(PER_PHRASES, key=len, reverse=True):
        m = re.match(r"\s+" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![A-Za-z])", rest)
        if m:
            return PER_PHRASES[phrase], end + m.end()
    return None


@pytest.mark.parametrize("text", AFTER_TEXTS)
def test_suffix_and_rate_after_a_number_as_compiled_per_call(text: str) -> None:
    """The regexes compiled once find what the regexes built per call found, at every end."""
    for end in range(len(text) + 1):
        assert suffix_after(text, end) == _suffix_after_plain(text, end), (text, end)
        assert per_after(text, end) == _per_after_plain(text, end), (text, end)


def test_suffix_and_rate_after_a_number_are_found() -> None:
    assert suffix_after("12 or more people", 2) is not None
    assert per_after("3 per year", 1) is not None


MENTION_TEXT = ("In August 2031 we opened 3 clinics at a cost of £2m. Then 45% of 1,200 pupils "
                "passed in 2019, and in 1990 and 2040 we spent £5m and £6m. No figures here. "
                "By March 2035, 10 or more sites and 25% more visits; in 2031/32 a £1m grant.")


def _facts_plain(doc, start: int, end: int, period_start, period_end) -> tuple:  # noqa: ANN001
    """The counts read span by span, as the component did per sentence."""
    def inside(key: str) -> list:
        return [s for s in doc.spans.get(key, []) if start <= s.start_char < end]

    figures, dates = inside("figures"), inside("dates")
    future = sum(1 for s in dates if period_end is not None and s._.date_start is not None
                 and s._.date_start > period_end)
    historic = sum(1 for s in dates if period_start is not None and s._.date_end is not None
                   and s._.date_end.year < period_start.year - 5)
    return (sum(1 for s in figures if s._.unit == "percent"), len(figures),
            len(inside("money")), future, len(dates), historic)


@pytest.mark.parametrize("period", [(None, None), (date(2030, 4, 1), date(2031, 3, 31)),
                                    (date(2030, 4, 1), None), (None, date(2031, 3, 31))])
def test_doc_mentions_count_as_span_by_span(period: tuple) -> None:
    """The facts read once per Doc (sorted starts, running counts) are the counts of the
    spans that start inside each range, whatever the range and the period."""
    from pipeline.nlp.claims import HISTORIC_YEARS, _DocMentions
    from pipeline.nlp.pipeline import build_nlp, make_doc

    assert HISTORIC_YEARS == 5
    nlp = _nlp(build_nlp)
    doc = nlp(make_doc(nlp, MENTION_TEXT, *period))
    assert len(doc.spans["figures"]) >= 3 and len(doc.spans["dates"]) >= 4
    assert len(doc.spans["money"]) >= 3
    mentions = _DocMentions(doc)
    cuts = sorted({0, len(MENTION_TEXT), *(s.start_char for s in doc.spans["dates"]),
                   *(s.end_char for s in doc.spans["figures"]), 7, 60, 61, 120})
    for a in cuts:
        for b in cuts:
            f = mentions.facts(a, b)
            assert (f.n_percent, f.n_figures, f.n_money, f.n_future_dates, f.n_dates,
                    f.n_historic_dates) == _facts_plain(doc, a, b, *period), (a, b)


_NLPS: dict = {}


def _nlp(build):  # noqa: ANN001, ANN202 - one pipeline for the module's tests
    if "nlp" not in _NLPS:
        _NLPS["nlp"] = build()
    return _NLPS["nlp"]


@pytest.mark.parametrize("text", [
    "One sentence only.", "First here.  Second\there!\n\n\u2022 A bullet, then more.  ",
    "   leading space. And a trailing one ", "x", "A.\nB.\nC.", "Tab\tseparated\t12\n",
    "\u2022 \u2022 \n\n Last one.\u00a0", " . ", "End. \u2003"])
def test_sentence_bounds_from_arrays_as_doc_sents(text: str) -> None:
    """The sentence bounds read from the token arrays start where ``doc.sents`` do and end
    after them by whitespace only, so the trimmed sentences are the same; a Doc no splitter
    has run on is one sentence."""
    import spacy

    from pipeline.nlp import sentences  # noqa: F401  (registers the factory)
    from pipeline.nlp.claims import _sentence_bounds, _trimmed

    def trimmed(doc, bounds: list[tuple[int, int]]) -> list:  # noqa: ANN001
        return [(span.start_char, span.end_char) if span is not None else None
                for span in (_trimmed(doc, text, s, e, "\u2022") for s, e in bounds)]

    nlp = spacy.blank("en")
    plain = nlp(text)
    assert _sentence_bounds(plain, text) == [(0, len(text))]
    assert trimmed(plain, [(0, len(text))]) == trimmed(plain, [(0, plain[:].end_char)])
    nlp.add_pipe("planmine_sentences")
    doc = nlp(text)
    bounds = _sentence_bounds(doc, text)
    sents = [(s.start_char, s.end_char) for s in doc.sents]
    assert [s for s, _ in bounds] == [s for s, _ in sents]
    assert all(e >= end and text[end:e].strip() == ""
               for (_, e), (_, end) in zip(bounds, sents, strict=True))
    assert trimmed(doc, bounds) == trimmed(doc, sents)


CONTENTS_LOOKAHEAD = r"(?=(?s:.*)[\t.…]\s*\d{1,3}\s*$)"


@pytest.mark.parametrize("text", [
    "Introduction\t3", "1. Our priorities ........ 12", "Foreword … 4", "iv) Annex\t\t101",
    "Libraries\t12\t14", "Adult Social Care . . . 7", "Page 4 of the plan", "We met 12",
    "A title...5", "Title\t1234", "Our plan.", "x\t1 ", "Spending … 9\n", "(a) Schools .... 45",
    "", "\t7", "Health and Wellbeing ....... 2 ", "Summary\u20263"])
def test_contents_entry_look_ahead_changes_no_match(text: str) -> None:
    """The shipped contents-entry rule opens with a look-ahead for how every entry ends;
    without it the rule matches the same texts, with the same groups."""
    from pipeline.nlp.sentences import load_sentence_rules

    rule = load_sentence_rules().contents_entry
    assert rule is not None and rule.pattern.startswith(CONTENTS_LOOKAHEAD)
    plain = re.compile(rule.pattern[len(CONTENTS_LOOKAHEAD):], rule.flags)
    m, p = rule.match(text), plain.match(text)
    assert (m and (m.span(), m.groupdict())) == (p and (p.span(), p.groupdict()))


LOOKAHEAD_TEXTS = [
    "Between August and October 2024, then from 3 June to Friday 7 June 2025; early March -",
    "mid-March to the end of June 2020, Sept. 2023 to May 24 and 2022/23 to 2025/26.",
    "We saw 1,200 visitors, c.300 more, -4% and (+ 2.5pp) and (- 1.9 p.p.); twenty-five beds.",
    "Between 105 and 116 people, four or five homes, 2-2.5yrs, 16/17 and 10-15% of the 367-423 ha.",
    "One hundred and fifty, half a million, a quarter of a billion, three quarters of an hour.",
    "Services, schools and seven councils; the end of May; towards the start of December 2023.",
    "C300 and c 40; cats 12 and cost 5m; Monday 4 March; SEPTEMBER 2022 - JULY 2023.",
    "Nine out of ten, one in every six homes, 3 in 4 adults; a 60-bed home, three-storey block.",
    "Twenty-one in a hundred and 1,200 out of 5,000; a two-way street and four one-bed flats.",
    "A dozen eggs, a-hundred, an hundred and one, zero-waste, Eleven to twelve, half a million.",
    "A quarter of a billion, three quarters of an hour, one and a half million, an estimated 40.",
]


@pytest.mark.parametrize("text", LOOKAHEAD_TEXTS)
def test_every_number_word_starts_where_its_start_fragment_says(text: str) -> None:
    """NUMWORDSTART names how every number word or phrase begins, so a look-ahead for it
    turns away no position where NUMWORD matches (case ignored, as the patterns read it)."""
    from pipeline.nlp.numbers import FRAGMENTS

    word = re.compile(r"\b(?:" + FRAGMENTS["NUMWORD"] + r")\b", re.IGNORECASE)
    start = re.compile(r"\b(?:" + FRAGMENTS["NUMWORDSTART"] + ")", re.IGNORECASE)
    for i in range(len(text)):
        if word.match(text, i):
            assert start.match(text, i), (text, i)


def _without_leading_lookahead(source: str) -> str | None:
    """``source`` without the look-ahead it opens with, or None when it opens with none."""
    if not source.startswith("(?="):
        return None
    depth, i = 0, 0
    in_class = False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            i += 1 + (source[i + 1:i + 2] == "]")
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return source[i + 1:]
        i += 1
    raise AssertionError(f"unbalanced: {source[:60]}")


@pytest.mark.parametrize("name", ["dates", "figures", "money"])
def test_leading_lookaheads_change_no_match(name: str) -> None:
    """A pattern that opens with a look-ahead naming how its matches start (to turn other
    positions away at once) finds, without it, the same matches with the same groups."""
    from importlib import import_module

    from pipeline.config import PATTERNS_DIR
    from pipeline.nlp.numbers import FRAGMENTS
    from pipeline.nlp.patterns import expand, read_yaml

    module = import_module(f"pipeline.nlp.{name}")
    by_id = {p.id: p.regex for p in module.PATTERNS}
    data = read_yaml(PATTERNS_DIR / f"{name}.yaml")
    fragments = {**FRAGMENTS, **(data["fragments"] or {})}
    checked = 0
    for entry in data["patterns"]:
        plain_source = _without_leading_lookahead(entry["regex"])
        if plain_source is None:
            continue
        checked += 1
        shipped = by_id[entry["id"]]
        plain = re.compile(expand(plain_source, fragments, entry["id"]), shipped.flags)
        for text in LOOKAHEAD_TEXTS:
            assert ([(m.span(), m.groupdict()) for m in shipped.finditer(text)]
                    == [(m.span(), m.groupdict()) for m in plain.finditer(text)]), (
                entry["id"], text)
    assert checked >= {"dates": 2, "figures": 2, "money": 0}[name]


@pytest.mark.parametrize("text", [
    "We opened 3 new libraries in 2024.", "The council will aim to halve emissions by 2030.",
    "Demand continues to rise.", "Nothing here.", "45% of pupils passed, up from 40%.",
    "We plan to deliver and have delivered.", ""])
def test_claim_type_ties_go_to_the_first_in_precedence(text: str) -> None:
    """The chosen type is the best score, ties broken by the precedence written in the file
    (the key the rules once spelled out, score then earlier place)."""
    from pipeline.nlp.claims import MentionFacts, classify, load_claim_rules

    rules = load_claim_rules()
    for facts in (MentionFacts(), MentionFacts(n_percent=1, n_figures=1, n_future_dates=1,
                                               n_dates=1)):
        decision = classify(text, facts, rules)
        scores = decision.scores
        best = max(rules.precedence, key=lambda t: (scores[t], -rules.precedence.index(t)))
        expected = rules.default if scores[best] < rules.min_score else best
        assert decision.claim_type == expected
    tied = dict.fromkeys(rules.precedence, 1.0)
    assert max(rules.precedence, key=tied.__getitem__) == rules.precedence[0]


HEADINGS = ["Our aims by 2026", "Targets", "Our actions", "Key challenges", "Background",
            "Next steps", "Risks and pressures", "Our aims for 2030", ""]
HEADED_SENTENCES = ["Reduce waiting times for assessments.", "We have opened 3 hubs.",
                    "Deliver 500 new homes.", "Demand keeps rising."]


def test_heading_cues_read_once_per_heading_as_per_sentence() -> None:
    """The heading cues' matches kept per heading give the heading cues that fire when each
    one is searched for each sentence, through more headings than are kept."""
    from pipeline.nlp.claims import HEADINGS_KEPT, classify, load_claim_rules

    rules = load_claim_rules()
    headings = HEADINGS + [f"Section {i} of the plan" for i in range(HEADINGS_KEPT + 5)]
    for heading in headings + HEADINGS:
        for text in HEADED_SENTENCES:
            for kind in ("bullet", "paragraph"):
                fired = [f for f in classify(text, None, rules, heading, kind).fired
                         if f.startswith("heading:")]
                plain = " ".join(text.split())
                expected = [f"heading:{c.id}" for c in rules.heading_cues if heading
                            and not (c.block_kinds and kind not in c.block_kinds)
                            and not (c.unless is not None and c.unless.search(plain))
                            and c.regex.search(heading)]
                assert fired == expected, (heading, text, kind)
    assert any(f.startswith("heading:") for f in classify(
        HEADED_SENTENCES[0], None, rules, "Our aims by 2026", "bullet").fired)


@pytest.mark.parametrize("text", ["One sentence.", "  Leading space.", "Two here. And two.",
                                  "x", " ", "\n\nAfter blank lines. Then more.", "No stop"])
def test_sentence_flags_of_one_sentence_as_from_token_offsets(text: str) -> None:
    """A Doc whose only sentence starts at its first character gets the flags the token
    offsets would give it: the first token starts a sentence, no other does."""
    import numpy
    import spacy
    from spacy.attrs import IDX, SENT_START

    from pipeline.nlp.sentences import sentence_starts

    nlp = spacy.blank("en")
    nlp.add_pipe("planmine_sentences")
    doc = nlp(text)
    idx = doc.to_array(IDX).astype("int64")
    flags = numpy.full(len(idx), -1, dtype="int64")
    starts = sentence_starts(text)
    if starts:
        want = numpy.array(starts, dtype="int64")
        at = numpy.minimum(numpy.searchsorted(idx, want), len(idx) - 1)
        flags[at[idx[at] == want]] = 1
    flags[0] = 1
    assert doc.to_array(SENT_START).astype("int64").tolist() == flags.tolist()
