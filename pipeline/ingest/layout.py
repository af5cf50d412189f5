"""Layout helpers shared by the PDF and text readers.

Small pure functions over strings: glyph clean-up, bullets, section numbers, run-in headings,
hyphenation at line ends, emphasis markers, and the heading path every block carries. The
rules they apply (glyph tables, regexes, word lists, thresholds) are data in
``models/patterns/layout.yaml``, loaded once by :func:`rules`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator

from pipeline.config import PATTERNS_DIR
from pipeline.model import Block
from pipeline.rulefiles import StrictModel, read_yaml, validated

LAYOUT_FILE = PATTERNS_DIR / "layout.yaml"

_CID = re.compile(r"\(cid:(\d+)\)")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f]+")
#: what ``_SPACES`` would change: a space character other than " ", or two in a row
_ODD_SPACES = re.compile(r"[\t\u00a0\u2000-\u200a\u202f]|  ")


@dataclass(frozen=True)
class LayoutRules:
    """The compiled contents of ``layout.yaml`` (see that file for what each field means)."""

    raw: dict[str, Any]
    cid_map: dict[int, str]
    glyph_map: dict[str, str]
    bullet_glyphs: tuple[str, ...]
    letter_bullets: tuple[str, ...]
    bold_marker: str
    heading_number: re.Pattern[str]
    heading_max_words: int
    heading_max_chars: int
    bold_font: re.Pattern[str]
    italic_font: re.Pattern[str]
    heading_size_delta: float
    run_in_heading: re.Pattern[str]
    run_in_max_words: int
    contact_heading: re.Pattern[str]
    title_case_minor: frozenset[str]
    text_heading_max_words: int
    text_heading_end_forbidden: re.Pattern[str]
    compound_prefixes: frozenset[str]
    page_number: re.Pattern[str]

    def get(self, key: str) -> Any:
        """Any other setting from the YAML file, by key (raises KeyError naming it)."""
        if key not in self.raw:
            raise KeyError(f"{LAYOUT_FILE.name}: missing setting {key!r}")
        return self.raw[key]


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"regex does not compile: {exc}") from exc
    return value


#: A regex in the file: a string that compiles (checked when the file is loaded).
Regex = Annotated[str, AfterValidator(_check_regex)]


class DocTypeRule(StrictModel):
    """``doc_types``: a type when all of ``all``, any of ``any`` and none of ``none`` match."""

    type: str
    all: list[Regex] = []
    any: list[Regex] = []
    none: list[Regex] = []


class PeriodRule(StrictModel):
    """``periods``: how a period of one kind is found."""

    kind: Literal["window", "fy", "plan", "report_year", "fy_mentions"]
    regex: Regex


class TitleTypeRule(StrictModel):
    """``title_doc_types``: a document type named by the title."""

    type: str
    regex: Regex


class LayoutFile(StrictModel):
    """Every setting of ``layout.yaml`` with its type: a missing, misspelt or unknown key, or a
    regex that does not compile, fails when the file is loaded, naming the file and the key
    (what each means is said beside it in the file)."""

    cid_map: dict[int, str]
    glyph_map: dict[str, str]
    bullet_glyphs: list[str]
    letter_bullets: list[str]
    bold_marker: str
    heading_number: Regex
    heading_number_max: int
    heading_max_words: int
    heading_max_chars: int
    bold_font: Regex
    italic_font: Regex
    heading_size_delta: float
    run_in_heading: Regex
    contact_heading: Regex
    run_in_max_words: int
    title_case_minor: list[str]
    period_heading: Regex
    text_heading_max_words: int
    text_heading_end_forbidden: Regex
    compound_prefixes: list[str]
    header_band: float
    footer_band: float
    repeat_fraction: float
    repeat_min_pages: int
    page_number: Regex
    gutter_min_width: float
    gutter_search: tuple[float, float]
    column_min_share: float
    spanning_max_share: float
    organisation: Regex
    generic_council: Regex
    area_mention: Regex
    doc_types: list[DocTypeRule]
    titles: list[Regex]
    periods: list[PeriodRule]
    title_blocks: int
    title_chars: int
    title_max_words: int
    subject_line: Regex
    committee_paper: Regex
    cover_paper: Regex
    title_doc_types: list[TitleTypeRule]
    title_fy: Regex
    title_quarter: Regex
    calendar_window: Regex
    dated_event: Regex
    lookback: Regex
    period_kinds_by_type: dict[str, list[str]]
    glued_heading: Regex
    glued_heading_max_words: int
    numbered_title_end_forbidden: Regex
    continuation_min_width: float


def load_rules(path: Path = LAYOUT_FILE) -> LayoutRules:
    """Read and validate a layout rule file (:class:`LayoutFile`); errors name the file and
    the key."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at top level")
    validated(LayoutFile, data, path)
    # the settings are read as written in the file (``LayoutRules.get``): validation only
    # guarantees every key is there, known and well typed
    return LayoutRules(
        raw=data,
        cid_map={int(k): str(v) for k, v in data["cid_map"].items()},
        glyph_map={str(k): str(v) for k, v in data["glyph_map"].items()},
        bullet_glyphs=tuple(str(g) for g in data["bullet_glyphs"]),
        letter_bullets=tuple(str(g) for g in data["letter_bullets"]),
        bold_marker=str(data["bold_marker"]),
        heading_number=re.compile(data["heading_number"]),
        heading_max_words=int(data["heading_max_words"]),
        heading_max_chars=int(data["heading_max_chars"]),
        bold_font=re.compile(data["bold_font"]),
        italic_font=re.compile(data["italic_font"]),
        heading_size_delta=float(data["heading_size_delta"]),
        run_in_heading=re.compile(data["run_in_heading"]),
        run_in_max_words=int(data["run_in_max_words"]),
        contact_heading=re.compile(data["contact_heading"]),
        title_case_minor=frozenset(str(w).lower() for w in data["title_case_minor"]),
        text_heading_max_words=int(data["text_heading_max_words"]),
        text_heading_end_forbidden=re.compile(data["text_heading_end_forbidden"]),
        compound_prefixes=frozenset(str(w).lower() for w in data["compound_prefixes"]),
        page_number=re.compile(data["page_number"]),
    )


@cache
def rules() -> LayoutRules:
    """The project's layout rules (loaded once per process)."""
    return load_rules()


# --- glyphs and spacing ------------------------------------------------------------------------

def clean_glyphs(text: str, r: LayoutRules | None = None) -> str:
    """Replace ``(cid:N)`` codes and private-use glyphs; unknown cid codes are dropped.

    pdfplumber writes ``(cid:127)`` for a glyph it cannot map to Unicode; left in, it would
    leak into sentences and break tokenisation, so every cid code goes.
    """
    r = r or rules()
    if "(cid:" in text:
        text = _CID.sub(lambda m: r.cid_map.get(int(m.group(1)), ""), text)
    if text.isascii():
        # the common word: only the few ASCII glyphs (control characters) can be in it
        for glyph in _ascii_glyphs(r):
            if glyph in text:
                break
        else:
            return text
    for glyph, repl in r.glyph_map.items():
        if glyph in text:
            text = text.replace(glyph, repl)
    return text


_ASCII_GLYPHS: dict[int, tuple[LayoutRules, tuple[str, ...]]] = {}


def _ascii_glyphs(r: LayoutRules) -> tuple[str, ...]:
    """The glyphs of ``r``'s map that ASCII text can hold, once per rules object (kept with
    it, so its id is not reused while cached). Why: :func:`clean_glyphs` runs on every word of
    every PDF page, nearly all of them ASCII without any glyph of the map."""
    entry = _ASCII_GLYPHS.get(id(r))
    if entry is None or entry[0] is not r:
        entry = _ASCII_GLYPHS[id(r)] = (r, tuple(g for g in r.glyph_map if g.isascii()))
    return entry[1]


def clean_glyphs_all(texts: Sequence[str], r: LayoutRules | None = None) -> list[str]:
    """:func:`clean_glyphs` of each text (a page's words), with a quick pass for the common
    word that holds neither a cid code nor a glyph of the map (ASCII without its ASCII glyphs)."""
    r = r or rules()
    ascii_glyphs = _ascii_glyphs(r)
    out: list[str] = []
    for text in texts:
        if text.isascii() and "(cid:" not in text:
            for glyph in ascii_glyphs:
                if glyph in text:
                    break
            else:
                out.append(text)
                continue
        out.append(clean_glyphs(text, r))
    return out


def squash_spaces(text: str) -> str:
    """Collapse runs of horizontal white space to one space and strip the ends.

    Most lines have single spaces only, which the substitution would replace one by one
    with themselves; a search for anything else decides first (half the time per line)."""
    if _ODD_SPACES.search(text) is None:
        return text.strip()
    return _SPACES.sub(" ", text).strip()


def strip_emphasis(text: str, r: LayoutRules | None = None) -> tuple[str, bool]:
    """Remove literal bold markers (``**``); say whether the whole line was wrapped in them."""
    r = r or rules()
    marker = r.bold_marker
    if marker not in text:
        return text, False
    stripped = text.strip()
    whole = stripped.startswith(marker) and stripped.endswith(marker) and len(stripped) > 2 * len(marker)
    return squash_spaces(text.replace(marker, "")), whole


# --- bullets ---------------------------------------------------------------------------------

_BULLET_STARTS: dict[int, tuple[LayoutRules, frozenset[str]]] = {}


def _bullet_starts(r: LayoutRules) -> frozenset[str]:
    """The first characters of ``r``'s bullet glyphs, once per rules object (kept with it, so
    its id is not reused while cached). Why: :func:`split_bullet` runs on every word of every
    PDF line, and nearly all of them start with no glyph's character."""
    entry = _BULLET_STARTS.get(id(r))
    if entry is None or entry[0] is not r:
        entry = _BULLET_STARTS[id(r)] = (r, frozenset(g[0] for g in r.bullet_glyphs if g))
    return entry[1]


def split_bullet(text: str, r: LayoutRules | None = None) -> tuple[bool, str]:
    """``(True, item text)`` if the line starts with a bullet glyph, else ``(False, text)``.

    A dash or letter only counts when a space follows, so "-5%" or "on the" stay text; a
    letter bullet ("o") also needs a capital or digit after it.
    """
    r = r or rules()
    s = text.lstrip()
    if s[:1] not in _bullet_starts(r):
        return False, text  # no glyph starts with its first character: the common case
    for glyph in r.bullet_glyphs:
        if not glyph or not s.startswith(glyph):
            continue
        rest = s[len(glyph):]
        if glyph in r.letter_bullets:
            if len(rest) >= 2 and rest[0] == " " and (rest[1].isupper() or rest[1].isdigit()):
                return True, rest.strip()
            continue
        if glyph.isalnum():
            continue
        if rest.startswith((" ", "\t")) or (glyph not in "-–—*" and rest[:1].isalpha()):
            item = rest.strip()
            if item:
                return True, item
    return False, text


# --- headings ----------------------------------------------------------------------------------

def split_number(text: str, r: LayoutRules | None = None) -> tuple[str, str]:
    """``("3.1", "Title")`` for a heading printed with a section number, else ``("", text)``."""
    r = r or rules()
    m = r.heading_number.match(text.strip())
    if not m:
        return "", text.strip()
    num = m.group("num")
    if int(num.split(".")[0]) > int(r.get("heading_number_max")):
        return "", text.strip()
    return num, m.group("title").strip()


def number_depth(number: str) -> int:
    """"3" → 1, "3.1" → 2, "" → 0."""
    return len([p for p in number.split(".") if p]) if number else 0


def is_title_case(phrase: str, r: LayoutRules | None = None) -> bool:
    """True when every word is capitalised, a number, or a minor word ("and", "of", ...)."""
    r = r or rules()
    words = [w.strip("'‘’\"“”,&–—-") for w in phrase.split()]
    words = [w for w in words if w]
    if not words or not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    for w in words:
        if w[0].isupper() or w[0].isdigit() or w.lower() in r.title_case_minor:
            continue
        return False
    return True


def banner_title(text: str, r: LayoutRules | None = None) -> str | None:
    """A part title set in body type: "Great Communities – Libraries, Heritage and Culture".

    The run-in shape (Title Case phrase, spaced dash) whose rest is also a short Title Case
    phrase with no closing punctuation is not a paragraph with a lead-in but a title of its
    own; reports print such banners to open a part, so readers give it the top level.
    """
    r = r or rules()
    s = " ".join(text.split())
    m = r.run_in_heading.match(s)
    if not m or len(s.split()) > r.text_heading_max_words or r.text_heading_end_forbidden.search(s):
        return None
    title, rest = m.group("title").strip(), m.group("rest").strip()
    if len(title.split()) > r.run_in_max_words or not (is_title_case(title, r)
                                                       and is_title_case(rest, r)):
        return None
    return s


def top_level(blocks: list[Block]) -> int:
    """The shallowest heading level used so far (1 when there is none)."""
    return min((b.level for b in blocks if b.kind == "heading" and b.level), default=1)


def run_in_title(text: str, r: LayoutRules | None = None) -> str | None:
    """The title of a run-in heading ("Airfield Park – in July we ..." → "Airfield Park").

    Only a short Title Case phrase followed by a spaced dash and more text counts, so a
    sentence that merely contains a dash does not open a section; a whole banner
    (:func:`banner_title`) is a title, not a run-in.
    """
    r = r or rules()
    m = r.run_in_heading.match(text.strip())
    if not m or banner_title(text, r):
        return None
    title = m.group("title").strip()
    if len(title.split()) > r.run_in_max_words or not is_title_case(title, r):
        return None
    return title


def looks_like_text_heading(line: str, r: LayoutRules | None = None) -> bool:
    """A plain-text line that could be a heading: short, capitalised, no closing punctuation."""
    r = r or rules()
    s = line.strip()
    if not s or len(s.split()) > r.text_heading_max_words or len(s) > r.heading_max_chars:
        return False
    if r.text_heading_end_forbidden.search(s):
        # a numbered heading may end with a full stop ("3.1 ... demand.")
        if not (split_number(s, r)[0] and s.endswith(".") and len(s.split()) > 2):
            return False
    if "\t" in s:
        return False
    first = s[0]
    return first.isupper() or (first.isdigit() and bool(split_number(s, r)[0]))


# --- hyphenation ---------------------------------------------------------------------------------

_TRAILING_WORD = re.compile(r"([A-Za-z]+)-$")
_LEADING_WORD = re.compile(r"^([a-z]+)")


def join_lines(first: str, second: str, vocab: set[str] | frozenset[str] = frozenset(),
               r: LayoutRules | None = None) -> str:
    """Join two wrapped lines of one paragraph, re-joining a word hyphenated at the break.

    "sustain-" + "able" → "sustainable"; "well-" + "being" stays "well-being". The hyphen is
    kept when the second part starts with a capital or digit, when the hyphenated form is
    attested elsewhere in the document (``vocab`` holds its lower-cased words), or when the first
    part is a common compound prefix; it is dropped when the joined word is attested, and by
    default (a hyphen at a line end is more often typesetting than spelling).
    """
    r = r or rules()
    a = first.rstrip()
    b = second.lstrip()
    if not a:
        return b
    if not b:
        return a
    if a.endswith("-") and len(a) > 1 and a[-2].isdigit() and b[0].isdigit():
        return a + b  # a number range broken at its dash: "18-" + "24"
    # only a text ending in a hyphen can match; the regex alone would scan the whole
    # paragraph joined so far, once per line (quadratic in the paragraph's length)
    m = _TRAILING_WORD.search(a) if a.endswith("-") else None
    if m and not a.endswith(" -"):
        n = _LEADING_WORD.match(b)
        if not n:
            return a + b  # "18-" + "24" or "Medium-" + "Term": a real hyphen
        left, right = m.group(1).lower(), n.group(1)
        joined, hyphened = left + right, f"{left}-{right}"
        if joined in vocab:
            return a[:-1] + b
        if hyphened in vocab or left in r.compound_prefixes:
            return a + b
        return a[:-1] + b
    return a + " " + b


_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


def vocabulary(lines: Iterable[str]) -> set[str]:
    """Lower-cased words (hyphenated compounds whole and split) seen in ``lines``."""
    # one regex pass over all the lines (a word never spans the newline joining them)
    vocab = {w.lower() for w in _WORDS.findall("\n".join(lines))}
    for lw in [w for w in vocab if "-" in w]:
        vocab.update(lw.split("-"))
    return vocab


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends like a finished sentence or list item."""
    s = text.rstrip().rstrip("\"'’”)*")
    return bool(s) and s[-1] in ".!?:;"


# --- heading paths ---------------------------------------------------------------------------------

def nest_period_headings(blocks: Sequence[Block], r: LayoutRules | None = None) -> None:
    """Put period-only sub-headings ("Progress in 2024/25") one level under the heading above.

    They are printed in the same style as the topical sub-headings they follow, but they
    qualify that topic rather than replace it.
    """
    r = r or rules()
    rx = re.compile(str(r.get("period_heading")))
    prev: Block | None = None
    for block in blocks:
        if block.kind != "heading":
            continue
        if rx.match(block.text.strip()) and prev is not None and not rx.match(prev.text.strip()):
            if block.level <= prev.level:
                block.level = prev.level + 1
        elif rx.match(block.text.strip()) and prev is not None:
            block.level = prev.level
        prev = block


def assign_heading_paths(blocks: Sequence[Block]) -> None:
    """Set every block's ``heading_path``: the enclosing headings, outermost first, as printed.

    A heading's own path includes itself, so a heading and the body under it share a path.
    """
    stack: list[Block] = []
    for block in blocks:
        if block.kind == "heading":
            while stack and stack[-1].level >= block.level:
                stack.pop()
            stack.append(block)
        block.heading_path = tuple(b.text for b in stack)


# --- heading repair ------------------------------------------------------------------------------

def _number_parts(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.split(".") if p)


def follows_in_sequence(number: str, previous: str) -> bool:
    """True when section ``number`` can come next after ``previous`` in a numbered outline.

    "3.3" after "3.2", "4" after "3.2", "3.1" after "3": the next sibling, the next sibling of an
    ancestor, or the first child.
    """
    p, q = _number_parts(number), _number_parts(previous)
    if not p or not q:
        return False
    if len(p) == len(q) + 1 and p[:-1] == q and p[-1] == 1:
        return True
    if len(p) <= len(q):
        return p[:-1] == q[:len(p) - 1] and p[-1] == q[len(p) - 1] + 1
    return False


def level_for_number(number: str, numbered: Sequence[Block]) -> int:
    depth = number_depth(number)
    for block in reversed(numbered):
        if number_depth(block.number) == depth:
            return block.level
    if numbered:
        last = numbered[-1]
        return max(1, last.level + depth - number_depth(last.number))
    return depth


def _as_heading_title(text: str, r: LayoutRules) -> str:
    return text.rstrip(" .") if not text.endswith("..") else text


def _numbered_title_ok(text: str, number: str, r: LayoutRules) -> bool:
    """A numbered line short and shaped like a title (not "2. That the Council requests:")."""
    title = split_number(text, r)[1]
    if number_depth(number) < 2 and not is_title_case(title.rstrip(". "), r):
        return False  # "5. To receive declarations ..." is a numbered paragraph
    if not title[:1].isupper() or len(text.split()) > r.heading_max_words or len(text) > r.heading_max_chars:
        return False
    return not re.search(str(r.get("numbered_title_end_forbidden")), text.rstrip())


_SENTENCE_END = re.compile(r"(?<=[A-Za-z][a-z]{2}[.!?])\s+(?=[A-Z])")


def run_in_starts(text: str, r: LayoutRules | None = None) -> list[int]:
    """Offsets inside ``text`` where a run-in heading starts after a finished sentence.

    "... next steps. Health and Social Care – working with ..." → the offset of "Health"; a
    banner glued after the last sentence ("... work. Great Communities – Environment and
    Waste") starts one too.
    """
    r = r or rules()
    return [m.end() for m in _SENTENCE_END.finditer(text)
            if run_in_title(text[m.end():], r) or banner_title(text[m.end():], r)]


def glued_tail(text: str, r: LayoutRules | None = None) -> tuple[str, str] | None:
    """``(head, tail)`` when ``text`` ends with a short title after a finished sentence.

    "... all teams. Supporting Carers" → ("... all teams.", "Supporting Carers"). Only the shape
    is checked here; callers decide whether the tail is a heading.
    """
    r = r or rules()
    m = re.search(str(r.get("glued_heading")), text)
    if not m:
        return None
    tail = m.group("tail").strip()
    if not tail or len(tail.split()) > int(r.get("glued_heading_max_words")):
        return None
    if tail.split()[-1].lower() in r.title_case_minor:
        return None  # "... with the" runs on
    return text[:m.start("tail")].rstrip(), tail


def repair_headings(blocks: list[Block], r: LayoutRules | None = None) -> list[Block]:
    """Recover headings a reader left inside body blocks; returns the new block list.

    Two shapes, both decided by text and the document's own numbering, never by its words:

    * a numbered title printed in body type as its own block ("3.3 ... ; and 3.4 ...") becomes a
      heading when its number follows the last numbered heading ("3.2" → "3.3");
    * a heading glued onto the end of a paragraph ("... all teams. Supporting Carers") is split
      off when the paragraph ends unfinished after a finished sentence, the tail is short and is
      numbered in sequence or Title Case (or a heading follows), and the next block does not
      continue it in lower case.
    """
    r = r or rules()
    out: list[Block] = []
    numbered: list[Block] = []

    def last_number() -> str:
        return numbered[-1].number if numbered else ""

    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if block.kind == "heading":
            if block.number:
                numbered.append(block)
            out.append(block)
            continue
        if block.kind == "paragraph":
            number, _ = split_number(block.text, r)
            if (number and follows_in_sequence(number, last_number())
                    and _numbered_title_ok(block.text, number, r)):
                heading = Block(kind="heading", text=_as_heading_title(block.text, r), page=block.page,
                                bbox=block.bbox, level=level_for_number(number, numbered),
                                number=number, page_end=block.page_end)
                numbered.append(heading)
                out.append(heading)
                continue
        if block.kind in ("paragraph", "bullet") and not ends_sentence(block.text):
            split = glued_tail(block.text, r)
            if split and not (nxt is not None and nxt.text[:1].islower()):
                head, tail = split
                number, _ = split_number(tail, r)
                in_seq = bool(number) and follows_in_sequence(number, last_number())
                shaped = in_seq or (not number and (is_title_case(tail, r) or (
                    nxt is not None and nxt.kind == "heading")))
                if shaped:
                    out.append(Block(kind=block.kind, text=head, page=block.page, bbox=block.bbox,
                                     page_end=block.page_end))
                    if in_seq:
                        level = level_for_number(number, numbered)
                    else:
                        prev = next((b for b in reversed(out) if b.kind == "heading"
                                     and not re.match(str(r.get("period_heading")), b.text)), None)
                        level = 1 if prev is None else prev.level + (1 if prev.number else 0)
                    heading = Block(kind="heading", text=_as_heading_title(tail, r),
                                    page=block.page_end or block.page, level=level,
                                    number=number if in_seq else "")
                    if in_seq:
                        numbered.append(heading)
                    out.append(heading)
                    continue
        out.append(block)
    return out
