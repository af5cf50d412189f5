"""Regex prefilters (pipeline.nlp.patterns.Prefilter): a pattern is skipped only on text it
cannot match. Sentences here are invented."""

from __future__ import annotations

import random
import re

import pytest

from pipeline.nlp import dates, figures, money
from pipeline.nlp.claims import load_claim_rules
from pipeline.nlp.patterns import (
    DIGIT,
    Pattern,
    Prefilter,
    PrefilterSet,
    TextView,
    first_char_guarded,
    gate_open,
)


def needles(source: str, flags: int = 0) -> frozenset[str] | None:
    return Prefilter.of(re.compile(source, flags)).needles


def test_needles_of_literals_alternations_and_repeats() -> None:
    assert needles(r"\bhas\s+been\b") in (frozenset({"been"}), frozenset({"has"}))
    assert needles(r"(?:will|shall)\s+\w+") == frozenset({"will", "shall"})
    assert needles(r"\d{4}") == frozenset({DIGIT})
    assert needles(r"[0-9]+%") == frozenset({DIGIT})
    assert needles(r"Zero", re.IGNORECASE) == frozenset({"zero"})


def test_no_needles_when_nothing_is_required() -> None:
    assert needles(r"\w+") is None
    assert needles(r"(?:abc)?\s*") is None
    assert needles(r"abc|\w+") is None  # one branch needs nothing
    assert needles(r"(?:x){0,3}y?") is None


def test_may_match_reads_lower_case_and_digits() -> None:
    pre = Prefilter.of(re.compile(r"(?i:net)\s+zero"))
    assert pre.may_match(TextView("Towards NET ZERO by then"))
    assert not pre.may_match(TextView("Nothing of the kind here"))
    digits = Prefilter.of(re.compile(r"\d+ homes"))
    assert digits.may_match(TextView("We built 40 homes")) is True
    assert not digits.may_match(TextView("We built forty houses"))


def test_case_folding_characters_switch_the_filter_off() -> None:
    # the Kelvin sign matches "k" under IGNORECASE: lower-case needles could miss it
    pre = Prefilter.of(re.compile(r"kilometres", re.IGNORECASE))
    text = "\u212ailometres of cycle lane"
    assert re.search(r"kilometres", text, re.IGNORECASE)
    assert pre.may_match(TextView(text))


SENTENCES = [
    "We have now opened 12 new libraries since April 2023, at a cost of £1.2m.",
    "The Council will aim to halve emissions by 2030/31.",
    "Around three quarters of residents said they felt safe; 1 in 5 did not.",
    "There were twice as many visits in the summer holidays as last year.",
    "Demand for services continues to rise, and the budget is under pressure.",
    "No figures, no dates and no money at all in this one.",
    "Between 2,000 and 3,500 people attended the Christmas events (up 20%).",
    "Q3 2024/25: 45 per 1,000 households; ranked 2nd nationally.",
]


@pytest.mark.parametrize("text", SENTENCES)
def test_shipped_patterns_never_skipped_where_they_match(text: str) -> None:
    """Every pattern and cue the components run: where the prefilter says no, the regex
    finds nothing (the prefilter only saves work, it never changes a result)."""
    regexes = ([p.regex for p in dates.PATTERNS] + [p.regex for p in figures.PATTERNS]
               + [p.regex for p in figures.EXCLUDES] + [p.regex for p in money.PATTERNS]
               + [c.regex for c in load_claim_rules().cues])
    view = TextView(text)
    for regex in regexes:
        if not Prefilter.of(regex).may_match(view):
            assert regex.search(text) is None, regex.pattern[:80]


def test_shipped_patterns_mostly_have_needles() -> None:
    """The prefilter is worth having: most shipped patterns name something they need."""
    regexes = [p.regex for p in dates.PATTERNS] + [c.regex for c in load_claim_rules().cues]
    with_needles = sum(Prefilter.of(r).needles is not None for r in regexes)
    assert with_needles >= 0.8 * len(regexes)


def test_without_the_private_parser_every_regex_runs(monkeypatch) -> None:
    """The parse tree comes from CPython's private re._parser: without it the prefilter must
    let every text through (slower, never wrong)."""
    from pipeline.nlp import patterns

    regex = re.compile(r"\bcontinu(?:e|es|ing)\s+to\b")
    assert not patterns.Prefilter.of(regex).may_match(patterns.TextView("no such word"))
    monkeypatch.setattr(patterns, "_sre_p", None)
    assert patterns.Prefilter.of(regex).may_match(patterns.TextView("no such word"))


def test_every_required_set_must_be_met() -> None:
    """A regex needing two things is skipped on text holding only one of them."""
    pre = Prefilter.of(re.compile(r"(?:the\s+)?year\s+(?:to|ending)\s+\d{4}", re.IGNORECASE))
    assert pre.may_match(TextView("In the year to 2024 we did more"))
    assert pre.may_match(TextView("the year ending 1999"))
    assert not pre.may_match(TextView("This year we went to the park"))  # no digit
    assert not pre.may_match(TextView("In 2024 the numbers rose"))  # no "year"
    assert not pre.may_match(TextView("A year on, 2024 looks better"))  # no "to"/"ending"


def _all_regexes() -> list[re.Pattern[str]]:
    return ([p.regex for p in dates.PATTERNS] + [p.regex for p in figures.PATTERNS]
            + [p.regex for p in figures.EXCLUDES] + [p.regex for p in money.PATTERNS]
            + [c.regex for c in load_claim_rules().cues])


@pytest.mark.parametrize("text", [*SENTENCES, "", "\u212a of 5", "In 1999 the year to end"])
def test_prefilter_set_answers_as_each_prefilter(text: str) -> None:
    """The one-pass set gives, regex by regex, the answer of the regex's own prefilter."""
    regexes = _all_regexes()
    view = TextView(text)
    assert PrefilterSet(regexes).passing(view) == [i for i, r in enumerate(regexes)
                                                   if Prefilter.of(r).may_match(view)]


def test_prefilter_set_of_regexes_without_needles() -> None:
    assert PrefilterSet([re.compile(r"\w+"), re.compile(r"x?")]).passing(TextView("abc")) == [
        0, 1]
    assert PrefilterSet([]).passing(TextView("abc")) == []


WAYS_REGEXES = [
    r"\b(?:our|the)\s+aims?\s+(?:is|are)\b|\bwe\s+(?:aim|intend)\b|\bhave\s+aims\b",
    r"(?:\d+\s+in\s+\d+|one\s+in\s+ten|the\s+number\s+of)",
    r"(?:alpha|beta)(?:gamma|delta)(?:one|two|three)",  # 2 x 2 x 3 ways: more than MAX_WAYS
    r"(?:x(?:yy|zz)|w)v",
    r"(?:abc|\w+)def",  # a branch needing nothing: the alternation needs nothing
    r"plain words",
]
WAYS_TEXTS = ["", "the cat is here", "the aims are clear", "we intend to", "we have aims",
              "1 in 5 did", "one in ten", "The Number Of", "in the number", "alphadeltatwo",
              "alpha delta two", "betagammaone", "xzzv", "xyv", "wv", "qqdef", "plain words",
              "\u212a in 5", "We AIM high", "1 in"]


@pytest.mark.parametrize("text", WAYS_TEXTS)
def test_alternations_read_branch_by_branch(text: str) -> None:
    """A regex is searched only where one of its branches can match, whole: the set of all
    prefilters gives each regex's own answer, and where that is no, the regex finds nothing."""
    regexes = [re.compile(r, re.IGNORECASE) for r in WAYS_REGEXES]
    view = TextView(text)
    passing = PrefilterSet(regexes).passing(view)
    assert passing == [i for i, r in enumerate(regexes) if Prefilter.of(r).may_match(view)]
    for i, regex in enumerate(regexes):
        if i not in passing:
            assert regex.search(text) is None, (regex.pattern, text)


def test_branch_needs_rule_out_more_than_their_union() -> None:
    """"the" alone meets the union of the branches' needles, but no branch's needs."""
    pre = Prefilter.of(re.compile(WAYS_REGEXES[0], re.IGNORECASE))
    assert pre.ways is not None
    assert not pre.may_match(TextView("the cat is here"))
    assert not pre.may_match(TextView("we have it"))
    assert pre.may_match(TextView("The aims are"))
    assert pre.may_match(TextView("we intend"))
    count = Prefilter.of(re.compile(WAYS_REGEXES[1]))
    assert not count.may_match(TextView("in the town"))  # "in" but neither digits nor "one"
    assert count.may_match(TextView("3 in 4"))


GUARD_TEXTS = [*SENTENCES, "between April and June 2024 (the year to March 2025): 3 in 10",
               "Twenty-five thousand\tvisits; Q4 of 2023-24, up 5pp, £3-5m, 1st of 150."]


def test_first_char_guard_changes_no_match() -> None:
    """Every shipped pattern finds the same matches, spans and groups with and without its
    guard (the guard only skips positions where no match can start)."""
    def raw(regex: re.Pattern[str]) -> re.Pattern[str]:
        """The regex without its guard: the body whose guarding gives ``regex`` back."""
        source = regex.pattern
        for head in re.finditer(r"\]\)\)(?:\\b)?\(\?:|^\\b\(\?:", source):
            try:
                body = re.compile(source[head.end():-1], regex.flags)
            except re.error:
                continue
            if first_char_guarded(body).pattern == source:
                return body
        return regex

    guarded = [r for r in _all_regexes() if r is not raw(r)]
    assert len(guarded) >= 0.5 * len(_all_regexes())  # most patterns have a guard
    for regex in guarded:
        plain = raw(regex)
        for text in GUARD_TEXTS:
            assert ([(m.span(), m.groups()) for m in regex.finditer(text)]
                    == [(m.span(), m.groups()) for m in plain.finditer(text)]), regex.pattern[:80]


def test_first_char_guard_of_simple_shapes() -> None:
    g = first_char_guarded(re.compile(r"(?:\bbetween\s+)?(?P<n>\d+|one|two)\s+people"))
    assert g.groupindex == {"n": 1}
    assert [m.group("n") for m in g.finditer("Between 4 people and two people")] == ["4", "two"]
    assert g.pattern.startswith("(?=(?i:[")
    # nothing to guard on: a regex that can start anywhere or match nothing is kept as it is
    for source in (r"\w+ed", r"x?", r".a", r"[^a]b", r"(?i)abc"):
        regex = re.compile(source)
        assert first_char_guarded(regex) is regex


def test_positive_lookarounds_give_needles() -> None:
    """A look-ahead or look-behind that must hold names what the text must hold; a negative
    one names nothing (the word it forbids may well be absent)."""
    assert needles(r"^(?=.*\bwill\b)(?=.*\d)[a-z]") == frozenset({"will"})
    assert needles(r"(?<=total of )\d+") == frozenset({"total of "})
    assert needles(r"\bwill\s+be\b|^(?=.*\bwill\b)(?=.*%)") == frozenset({"will"})
    assert needles(r"(?!will)\w+") is None
    assert needles(r"(?<!not )\w+") is None
    pre = Prefilter.of(re.compile(r"^(?=.*\bwill\b)(?=.*\d+%)", re.IGNORECASE))
    assert pre.may_match(TextView("Take-up WILL reach 40% by then"))
    assert not pre.may_match(TextView("Take-up reached 40% last year"))
    assert not pre.may_match(TextView("Take-up will rise"))


def test_prefilter_set_short_needles_count_as_the_automatons() -> None:
    """Needles of one or two characters are looked for one by one, longer ones by the
    automaton: the answers are each regex's own, whichever way a needle is found."""
    regexes = [re.compile(r"a\d"), re.compile(r"\bto\s+(?:x|yz)"), re.compile(r"(?:ab|cde)f"),
               re.compile(r"q"), re.compile(r"longer\s+one|to")]
    texts = ["", "a1", "to yz", "cdef", "abf", "xq", "a longer one", "no match here",
             "TO X", "\u212a a9"]
    for text in texts:
        view = TextView(text)
        assert PrefilterSet(regexes).passing(view) == [
            i for i, r in enumerate(regexes) if Prefilter.of(r).may_match(view)], text


def test_factored_word_lists_share_first_letters() -> None:
    from pipeline.nlp.patterns import factor_alternations as factor

    assert (factor(r"\b(?:took part|took|delivered|developed|saw|set up)\b")
            == r"\b(?:took(?: part|)|de(?:livered|veloped)|s(?:aw|et up))\b")
    # branches that may match the same text keep their order: an empty branch or one opening
    # with an optional letter is a barrier; " " and "\s+" both match a space
    assert factor(r"(?:ab|b?c|ad)") == r"(?:ab|b?c|ad)"
    assert factor(r"(?:ab||ac)") == r"(?:ab||ac)"
    assert factor(r"(?:a b|a\s+c|a d)") == r"(?:a(?: b|\s+c| d))"
    # case: "Dog" and "dig" may both match under IGNORECASE and cannot share a literal
    assert factor(r"(?:Dog|dig|Dot)") == r"(?:Dog|dig|Dot)"
    # anything but plain words is left as written
    for source in (r"(?:a.|ab)", r"[(?:ab|ac)]", r"\(?:ab|ac)", r"(?:a(?:b|c)|ad)x",
                   r"(?:\w+ly|ab)", r"(?:ab|ac"):
        assert factor(source) == source, source


@pytest.mark.parametrize("source", [
    r"\b(?:took part|took|took off|to|delivered|developed|dev|saw|set up|Set|set)\b",
    r"(?:re-?opened|reopened|ran|rank|r)\s+(?:plans?|plan|aims?|a?b|ab)",
    r"(?P<w>(?:one|once|on|two|twelve|twenty))(?:\s+(?:a|an|and)\b)?",
    r"(?:carried\s+out|carried|carried out|cut|c\s+d)",
])
@pytest.mark.parametrize("flags", [0, re.IGNORECASE])
def test_factored_alternations_match_as_written(source: str, flags: int) -> None:
    """Same matches, spans and groups as the alternation as written, case folded or not."""
    from pipeline.nlp.patterns import factor_alternations

    written, factored = re.compile(source, flags), re.compile(factor_alternations(source), flags)
    assert factored.pattern != source
    texts = ["We took part and took off; SET up, set UP, Set up. We delivered, dev devs.",
             "reopened plans, re-opened plan ab, ran aims b; rank r plan; R aims",
             "Once one on two; twelve and twenty an a, ONE AND", "carried  out, carried out, c d"]
    for text in texts:
        assert ([(m.span(), m.groups()) for m in factored.finditer(text)]
                == [(m.span(), m.groups()) for m in written.finditer(text)]), text


def test_shipped_patterns_factored_match_as_written() -> None:
    """Every shipped pattern and cue finds what its rule as written finds, and its prefilter
    reads the written form (whose word lists give whole words as needles)."""
    from pipeline.nlp.patterns import written_source

    factored = [r for r in _all_regexes() if written_source(r) != r.pattern]
    assert len(factored) >= 0.3 * len(_all_regexes())
    for regex in factored:
        written = re.compile(written_source(regex), regex.flags)
        assert Prefilter.of(regex).groups == Prefilter.of(written).groups
        for text in GUARD_TEXTS:
            assert ([(m.span(), m.groups()) for m in regex.finditer(text)]
                    == [(m.span(), m.groups()) for m in written.finditer(text)]), regex.pattern[:80]


def test_word_boundary_guard_goes_first() -> None:
    """A regex that tests a word boundary where it starts, after look-behinds, is guarded by
    that boundary first: the same matches, and the inside of words is turned away at once."""
    source = r"(?:(?<!\bis\s)(?<!\bare\s))\b[a-z]{4,}ed\b"
    plain = re.compile(source, re.IGNORECASE)
    guarded = first_char_guarded(plain)
    assert guarded.pattern == r"\b(?:" + source + ")"
    text = "We opened it; it is opened; they are closed but reopened; IS SEALED, mended."
    assert ([m.span() for m in guarded.finditer(text)]
            == [m.span() for m in plain.finditer(text)])
    # no boundary test at the start, or one after something is consumed: no such guard
    assert not first_char_guarded(re.compile(r"[a-z]+\bed")).pattern.startswith(r"\b")
    assert first_char_guarded(re.compile(r"(?:x|\by)z")).pattern.startswith("(?=(?i:[")


GATED_TEXTS = [
    "The six months ending in September 2025 were busy; the year to March 2024 less so.",
    "Twelve months to 31 March 2023 and the 12m to Dec 24 saw growth.",
    "Between August and October 2024 the scheme ran, then from September 2023 to May 2024.",
    "Over 2022/23 to 2025/26 we plan to spend more; April 2022 March 2023 was the pilot.",
    "From Monday 3 June to Friday 7 June, and early March - late April, the road closed.",
    "Visits rose from 2019 until 2021, and 1999 and 2000 both counted.",
    "Mid-March to the end of June 2020 was the first lockdown period.",
    "We went to the shop, nothing ended there and no dates are here.",
    "Tomorrow is another day; sentences without months still say to and ending.",
    "Nine out of ten pupils, one in every six homes and 3 in 4 adults were counted.",
    "Twenty-one  in  a hundred, and 1,200 out of 5,000 visitors came back in 2024.",
    "On March 29th, and by May 10, 2022, a 60-bed home and a three-storey block opened.",
    "A two-way street, a 2-week wait and the 1,200-seat hall: June 1st in the well-being week.",
    "It cost 50p, then 20 pence, then 5 p; £3m-£5m, £3-5m, £2.3 - £3.4 million and £2,000 to £4k.",
    "Between £2,000 and £10,000; between around £3.5bn and £10.3bn; US$2m to US$3m; £5 and more.",
    "In FY23/24, financial year 25/26, in 25 / 26, the 18-19 academic year, since 21–22.",
    "From 18–24, 367-423 hectares, between 105 and 116, four or five, 2-2.5yrs, 16/17, 10-15%.",
    "Six to seven people, one and two, 3 or more, 12 to twenty, up 4 - 5 and 2022-2023.",
    "Call 0116 305 0000 or (01622) 694 000; write to LE3 8RA or ME14 1XQ; see A6006 and M1.",
    "1. Introduction\n2) The plan\n3.2 Our aims\nSee 2.4.2 and 1.3.1. It was agreed. 3.2 The board",
    "Wave 5, Covid-19, Q3 and the B1234 road; no codes in 12 homes.",
    "In the 1970s and the 1990\u2019s, the 1620s House; at 9.30am, 10 pm and 14:00 on 3rd of May.",
    "Quarter 3 last year, the fourth quarter of 2023, Q2 of the previous year; the 2nd year.",
    "Tuesday, 13 th March and 1st June; 21st century skills; ranked 3rd of 12.",
]


@pytest.mark.parametrize("text", GATED_TEXTS + SENTENCES)
def test_gates_never_hide_a_match(text: str) -> None:
    """A pattern's gate only saves work: where it is not found, the pattern finds nothing."""
    gated = [p for p in (*dates.PATTERNS, *figures.PATTERNS, *money.PATTERNS,
                         *figures.EXCLUDES) if p.gate]
    assert gated
    for p in gated:
        if not gate_open(p, text):
            assert p.regex.search(text) is None, (p.id, text)


def test_gates_turn_away_texts_without_their_part() -> None:
    """The shipped gates of the date range and the year-to window do rule texts out."""
    by_id = {p.id: p for p in dates.PATTERNS}
    assert not gate_open(by_id["year_to"], "We went to the shop in 2023 and the year ended.")
    assert gate_open(by_id["year_to"], "the year ending in March 2024")
    assert not gate_open(by_id["range"], "In 2023 we opened one library.")
    assert gate_open(by_id["range"], "between May and June")
    fig = {p.id: p for p in figures.PATTERNS}
    assert not gate_open(fig["proportion"], "Nine pupils in the class out of school.")
    assert gate_open(fig["proportion"], "one in every six homes")
    assert not gate_open(fig["count_compound"], "A well being plan for 2024 - 2025.")
    assert gate_open(fig["count_compound"], "a 60-bed care home")
    assert not gate_open(by_id["month_day"], "On 29 March 2022, 1,500 came.")
    assert gate_open(by_id["month_day"], "March 29th")
    assert gate_open(Pattern("x", "x", re.compile("a")), "no gate: always open")


def test_no_guard_where_re_scans_fast_itself() -> None:
    """A regex opening with a literal, or with a class case cannot change, is scanned for in
    C by ``re`` itself: a guard in front would hide that, so it gets none. One opening with
    optional parts, or with letters under IGNORECASE, is guarded as before."""
    for source, flags in ((r"\d\d\s?/\d\d", 0), (r"between\s+\d", 0), (r"[.!?]\s\d", 0),
                          (r"\d\s?p", re.IGNORECASE), (r"£\d+", re.IGNORECASE)):
        regex = re.compile(source, flags)
        assert first_char_guarded(regex) is regex, source
    for source, flags in ((r"(?:\bbetween\s+)?\d+", 0), (r"between\s+\d", re.IGNORECASE),
                          (r"(?<![\d.])\d+%", 0)):
        assert first_char_guarded(re.compile(source, flags)).pattern.startswith("(?=(?i:["), source


def test_prefilter_group_answers_as_a_set_per_list() -> None:
    """Lists of regexes read together in a group get, list by list, the answers of a
    PrefilterSet over each list alone, whatever order the texts and lists are asked in and
    when a list joins the group late."""
    from pipeline.nlp.patterns import PrefilterGroup

    lists = [[p.regex for p in reversed(money.PATTERNS)], [p.regex for p in dates.PATTERNS],
             [p.regex for p in (*figures.EXCLUDES, *figures.PATTERNS)],
             [re.compile(r"\bto\s+(?:x|yz)"), re.compile(r"\w+")]]
    alone = [PrefilterSet(regexes) for regexes in lists]
    group = PrefilterGroup()
    parts = [group.add(regexes) for regexes in lists[:3]]
    texts = [*SENTENCES, "", "\u212a of 5", *GATED_TEXTS[:4]]
    for text in texts + texts[::-1]:
        for part, one in zip(parts, alone, strict=False):
            assert part.passing(text) == one.passing(TextView(text)), text
    parts.append(group.add(lists[3]))
    for text in texts:
        for part, one in reversed(list(zip(parts, alone, strict=True))):
            assert part.passing(text) == one.passing(TextView(text)), text


SECOND_CHAR_SHAPES = [
    # (source, the guard's classes: the first, then the others every match has and can be
    # told, or None when there are none)
    (r"(?:x|y)?ab", ("[xya]", "[ab]")),
    (r"(?:jan|feb)\.?", ("[jf]", "[ae][nb]")),
    (r"ab?cd", ("[a]", "[bc][cd]")),
    (r"(?:the|a)\s+\w", ("[ta]", r"[h\s]")),  # the third of "a b": \w, not told
    (r"(?:xy){2,}", ("[x]", "[y][x]")),
    (r"(?:a?b?){3}c", ("[abc]", None)),  # "c" alone is a match
    (r"(?:ab|c)d", ("[ac]", "[bd]")),
    (r"(?:a|bc)", ("[ab]", None)),  # "a" is one character long: no second class
    (r"(?<!q)a{1,3}b", ("[a]", "[ab]")),
    (r"(?=z)\bab?c", ("[a]", "[bc]")),
    (r"a\w+", ("[a]", None)),  # \w says too little: the first character alone
    (r"(?:ab)?(?:cd)?e", ("[ace]", None)),  # "e" alone is a match
    (r"(?:a?)+bc", ("[ab]", "[abc]")),
    (r"(?:\d|xy)\s?z", (r"[\dx]", r"[y\sz]")),
]


@pytest.mark.parametrize(("source", "classes"), SECOND_CHAR_SHAPES)
def test_second_character_guard_of_simple_shapes(source: str, classes) -> None:
    """The guard names the first characters every match has, up to GUARD_CHARS, while they
    can be told: a match that can be one character long, or a second that cannot be told,
    keeps the first-character guard alone. Either way the matches are the regex's own."""
    first, second = classes
    plain = re.compile(source, re.IGNORECASE)  # (letters under IGNORECASE: re scans slowly)
    guarded = first_char_guarded(plain)
    assert guarded.pattern.startswith(f"(?=(?i:{first}{second or ''}))"), guarded.pattern
    rng = random.Random(source)
    texts = ["".join(rng.choice("abcdexyzqABXZ 1\u212a") for _ in range(rng.randint(0, 30)))
             for _ in range(400)]
    for text in texts:
        assert ([(m.span(), m.groups()) for m in guarded.finditer(text)]
                == [(m.span(), m.groups()) for m in plain.finditer(text)]), (source, text)
