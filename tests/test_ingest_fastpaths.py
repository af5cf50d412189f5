"""The ingest stage's array and batched paths give exactly what their plain versions give.

Each fast path (numpy gutter search, all markers tested at once, the glyph pass over a page's
words, the one-pass vocabulary) is compared with the plain loop it replaces on invented inputs,
edge cases included.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy

from pipeline.ingest import layout, pdf
from pipeline.ingest.layout import load_rules


def _words(rng: random.Random, n: int, width: float) -> list[dict]:
    out = []
    for _ in range(n):
        x0 = rng.uniform(-5, width + 1)
        out.append({"x0": x0, "x1": x0 + rng.uniform(0, 120), "top": rng.uniform(0, 800),
                    "bottom": 0.0, "size": rng.choice([0, 6, 9, 10.5, 12])})
    return out


def _columns(n: int, width: float, gap: tuple[float, float]) -> list[dict]:
    """Two columns of words with an empty band ``gap`` between them."""
    words = []
    for i in range(n):
        if i % 2:
            words.append({"x0": 40.0 + i % 7, "x1": gap[0] - (i % 5)})
        else:
            words.append({"x0": gap[1] + i % 5, "x1": width - 40.0 - i % 3})
    return words


def test_gutter_run_equals_the_loop() -> None:
    rng = random.Random(7)
    cases = [(_words(rng, rng.randint(40, 300), w), w) for w in (595.0, 612.3, 841.9) for _ in range(30)]
    cases += [(_columns(80, 595.0, (290.0, 310.0)), 595.0),
              (_columns(80, 595.0, (280.0, 298.5)), 595.0),  # the band runs into the search end
              (_columns(60, 400.0, (150.0, 170.0)), 400.0)]
    for words, width in cases:
        n = int(width) + 2
        for lo_frac, hi_frac in ((0.3, 0.7), (0.25, 0.5), (0.0, 1.0), (0.6, 0.4)):
            lo, hi = int(lo_frac * width), int(hi_frac * width)
            expected = pdf._gutter_run_loop(words, n, lo_frac, hi_frac, width)
            assert pdf._gutter_run(words, n, lo, hi) == expected, (lo_frac, hi_frac)


def test_gutter_run_hands_odd_words_to_the_loop() -> None:
    words = _columns(60, 595.0, (290.0, 310.0))
    assert pdf._gutter_run(words, 597, 178, 416) != pdf._NO_ARRAYS
    off_page = [*words, {"x0": 700.0, "x1": 720.0}]
    assert pdf._gutter_run(off_page, 597, 178, 416) is pdf._NO_ARRAYS
    left_of_page = [*words, {"x0": -30.0, "x1": -20.0}]
    assert pdf._gutter_run(left_of_page, 597, 178, 416) is pdf._NO_ARRAYS
    assert pdf._gutter_run([*words, {"x0": float("nan"), "x1": 3.0}], 597, 178, 416) is pdf._NO_ARRAYS


def test_find_gutter_sees_two_columns() -> None:
    r = load_rules()
    words = _columns(80, 595.0, (290.0, 310.0))
    gutter = pdf._find_gutter(words, 595.0, r)
    assert gutter is not None and 285 <= gutter[0] < gutter[1] <= 315
    assert pdf._find_gutter(words[:30], 595.0, r) is None  # too few words to tell


def test_raised_markers_equal_one_marker_at_a_time() -> None:
    rng = random.Random(3)
    for _ in range(40):
        n = rng.randint(2, 60)
        rows = []
        for _ in range(n):
            size = rng.choice([0.0, 5.0, 6.0, 10.0, 11.0])
            x0 = rng.uniform(0, 100)
            top = rng.uniform(0, 30)
            rows.append((size, x0, x0 + rng.uniform(1, 20), top, top + rng.uniform(3, 12)))
        boxes = numpy.array(rows, dtype=float)
        markers = sorted(rng.sample(range(n), rng.randint(1, n)))
        expected = [i for i in markers if pdf._raised_after(boxes, boxes[i], i)]
        assert pdf._raised_markers(boxes, markers) == expected


def test_drop_superscripts_in_chunks() -> None:
    """More markers than one matrix takes: each raised marker still goes, the rest stay."""
    words = []
    for i in range(pdf._MARKER_CHUNK + 40):
        x = 100.0 * i
        words.append({"text": "income", "x0": x, "x1": x + 40, "top": 100.0, "bottom": 110.0, "size": 10.0})
        raised = i % 3 == 0
        words.append({"text": "2", "x0": x + 41, "x1": x + 44,
                      "top": 99.0 if raised else 100.0, "bottom": 104.0 if raised else 110.0,
                      "size": 6.0 if raised else 10.0})
    kept = pdf._drop_superscripts(words)
    assert len(kept) == len(words) - len(range(0, pdf._MARKER_CHUNK + 40, 3))


def _replace_one_by_one(text: str, r: layout.LayoutRules) -> str:
    """clean_glyphs as it was: cid codes, then each glyph of the map in file order."""
    text = layout._CID.sub(lambda m: r.cid_map.get(int(m.group(1)), ""), text)
    for glyph, repl in r.glyph_map.items():
        if glyph in text:
            text = text.replace(glyph, repl)
    return text


TEXTS = ["plain", "", "(cid:3)x", "a\x02b", "\uf0b7 item", "co\xadop", "€100", "naïve", "x\ufffey",
         "(cid:999)", "\uf0a7\uf076", "tab\there"]


def test_clean_glyphs_all_equals_clean_glyphs() -> None:
    r = load_rules()
    assert layout.clean_glyphs_all(TEXTS, r) == [layout.clean_glyphs(t, r) for t in TEXTS]


def test_clean_glyphs_equals_replacing_in_order() -> None:
    """Any glyph map, ASCII glyphs and chained replacements included, as replaced one by one."""
    base = load_rules()
    for glyphs in ({"a": "b", "b": "c"},        # a replacement holding a later glyph
                   {"ab": "x", "\uf0b7": "•"},  # a glyph longer than one character
                   {"\x02": "-", "é": "e"}, {}):
        r = replace(base, glyph_map=glyphs)
        texts = [*TEXTS, "aab", "abba", "é\x02a"]
        expected = [_replace_one_by_one(t, r) for t in texts]
        assert [layout.clean_glyphs(t, r) for t in texts] == expected, glyphs
        assert layout.clean_glyphs_all(texts, r) == expected, glyphs
    assert layout._ascii_glyphs(replace(base, glyph_map={"a": "b", "é": "e", "\x02": "-"})) == ("a", "\x02")


def test_vocabulary_equals_line_by_line() -> None:
    lines = ["Well-being and sustain-", "able growth in co-op-", "Mid-Term plans", "", "x-ray 2024-25",
             "Ünïcode-Wörds stay apart"]
    expected: set[str] = set()
    for line in lines:
        for w in layout._WORDS.findall(line):
            expected.add(w.lower())
            if "-" in w:
                expected.update(w.lower().split("-"))
    assert layout.vocabulary(lines) == expected
    assert {"well-being", "well", "being", "co-op", "co", "op"} <= expected


def test_join_lines_only_rejoins_at_a_final_hyphen() -> None:
    r = load_rules()
    assert layout.join_lines("a long-term plan", "for us", set(), r) == "a long-term plan for us"
    assert layout.join_lines("we will sustain-", "ably grow", set(), r) == "we will sustainably grow"
    assert layout.join_lines("a well-", "being plan", {"well-being"}, r) == "a well-being plan"
    assert layout.join_lines("ages 18-", "24", set(), r) == "ages 18-24"


def test_whole_word_count_equals_the_regex() -> None:
    """Counting with str.find and \\b tested by hand gives re.findall's count, for words and
    texts with underscores, digits, accents, superscripts, punctuation and no-break spaces."""
    import re

    from pipeline.ingest.metadata import whole_word_count

    rng = random.Random(11)
    alphabet = "ab_1 .-é²\u00a0Ⅻ\n"
    cases = [("Northvale", "Northvale County Council and northvale; Northvaleshire, Northvale_2 (Northvale)"),
             ("St.", "St. Ives and St.Mary"), ("", "a b"), ("x", "")]
    cases += [("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3))),
               "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))) for _ in range(5000)]
    for word, text in cases:
        assert whole_word_count(word, text) == len(re.findall(rf"\b{re.escape(word)}\b", text)), (word, text)
    assert whole_word_count("Northvale", cases[0][1]) == 2


def test_squash_spaces_equals_the_substitution() -> None:
    """The fast path (nothing to collapse: strip only) gives what the substitution gives."""
    texts = ["", " ", "plain words here", "  two  spaces ", "tab\there", "nbsp\u00a0here",
             "thin\u2009space", "narrow\u202fnbsp", "em\u2003space", "  \t \u00a0 ", "\nline\n",
             "a single space at the end ", " £1.2m – “quoted” ", "zero\u200bwidth stays",
             "ideographic\u3000space stays", "mixed \u00a0 run"]
    rng = random.Random(7)
    alphabet = "ab \t\u00a0\u2009\u202f\u3000\n."
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(500)]
    for text in texts:
        assert layout.squash_spaces(text) == layout._SPACES.sub(" ", text).strip(), repr(text)
