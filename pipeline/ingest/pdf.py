"""PDF → blocks with pdfplumber: words with positions and fonts, then lines, then blocks.

Layers, bottom up:

1. per page (:func:`_read_page`): words with font name and size; ruled tables found by
   pdfplumber's table finder become table items and their words are removed; a column gutter
   is looked for in the word x-positions; words are grouped into lines per column and the
   lines put in reading order (full-width lines first within their band, then the left column
   top to bottom, then the right).
2. per document (:func:`read_pdf_detailed`): lines in the top/bottom bands that repeat across
   pages (digits masked) are running headers/footers and go; the body font size is the most
   common one; heading styles (size, bold, italic) are ranked into levels; lines are joined into
   heading/paragraph/bullet blocks, across column and page breaks when a sentence is unfinished.

Each page is closed after use so memory stays bounded on long files.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter
from pathlib import Path

import numpy
import pdfplumber

from pipeline.ingest import layout, progress
from pipeline.ingest.layout import LayoutRules
from pipeline.model import Block

log = logging.getLogger(__name__)

_DIGITS = re.compile(r"\d+")


@dataclass
class Line:
    """One printed line (within one column) with the style of most of its characters."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    italic: bool
    column: int = 0  # 0 single/full width, 1 left, 2 right
    after_artifact: bool = False  # a dropped stray line (page number) sat just above
    col_right: float = 0.0  # right edge of the text in this line's column on this page

    @property
    def short(self) -> bool:
        """Ends well before the column's right edge: the last line of a paragraph."""
        return self.col_right > self.x0 and (self.x1 - self.x0) < 0.6 * (self.col_right - self.x0)
    band: str = ""  # "header" / "footer" when in the page's top or bottom band
    whole_bold_marked: bool = False

    @property
    def style(self) -> tuple[float, bool, bool]:
        return (round(self.size * 2) / 2, self.bold, self.italic)


@dataclass
class TableItem:
    """A ruled table found on one page."""

    rows: list[list[str]]
    page: int
    bbox: tuple[float, float, float, float]
    column: int = 0


@dataclass
class PdfResult:
    """Everything :func:`read_pdf_detailed` learns from a file."""

    blocks: list[Block]
    pages: int
    failed_pages: list[int] = field(default_factory=list)
    running_texts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Item = Line | TableItem


# --- page level ----------------------------------------------------------------------------------

def _clean_words(words: list[dict], r: LayoutRules) -> list[dict]:
    out = []
    kept = _drop_superscripts(words)
    for w, text in zip(kept, layout.clean_glyphs_all([w["text"] for w in kept], r), strict=True):
        text = text.rstrip(_SUPERSCRIPT_DIGITS)
        if text.strip():
            w["text"] = text
            out.append(w)
    return out


#: Unicode superscript digits: footnote markers typed as characters ("mission¹⁰").
_SUPERSCRIPT_DIGITS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
#: A footnote marker is at most this fraction of its neighbour's size ...
SUPERSCRIPT_MAX_SIZE = 0.8
#: ... and its bottom sits at least this fraction of the neighbour's size above the baseline.
SUPERSCRIPT_MIN_RISE = 0.15
_MARKER = re.compile(r"^[\d" + _SUPERSCRIPT_DIGITS + r"*†‡,]{1,4}[.,;:)]?$")


def _drop_superscripts(words: list[dict]) -> list[dict]:
    """Drop footnote markers set as small raised digits right after a word ("2024/25¹").

    Both engines split a word where the font size changes, so a marker is its own word:
    short, digits only, smaller than the word it touches on its left and raised above that
    word's baseline. Left in, it would read as a figure ("mission 10") or glue onto a year.
    """
    # a marker has at most 6 characters (5, and a newline "$" lets through): the length test
    # spares the regex nearly every word
    markers = [i for i, w in enumerate(words)
               if len(t := str(w.get("text", ""))) <= 6 and _MARKER.match(t)]
    if not markers:
        return list(words)
    # each word's geometry read once, not once per (marker, word) pair: a page of figures
    # has hundreds of digit-only words, each compared with every word of the page
    boxes = numpy.array([(float(w.get("size") or 0), float(w["x0"]), float(w["x1"]),
                          float(w["top"]), float(w["bottom"])) for w in words],
                        dtype=float).reshape(-1, 5)
    dropped = {i for start in range(0, len(markers), _MARKER_CHUNK)
               for i in _raised_markers(boxes, markers[start:start + _MARKER_CHUNK])}
    return [w for i, w in enumerate(words) if i not in dropped]


#: Markers tested against all words at once, this many at a time (a bounded matrix).
_MARKER_CHUNK = 256


def _raised_markers(boxes: numpy.ndarray, markers: list[int]) -> list[int]:
    """The rows of ``markers`` for which :func:`_raised_after` holds, all tested in one matrix
    (markers × words) with the same float operations. Why: one numpy pass per marker was a
    large share of a page of figures, which has hundreds of digit-only words."""
    size, x1, top, bottom = boxes[:, 0], boxes[:, 2], boxes[:, 3], boxes[:, 4]
    w = boxes[markers]
    size_w, w_x0, w_top, w_bottom = w[:, 0:1], w[:, 1:2], w[:, 3:4], w[:, 4:5]
    gap = w_x0 - x1
    hit = ((size > 0) & ~(size_w > SUPERSCRIPT_MAX_SIZE * size)
           & (-0.5 * size <= gap) & (gap <= 0.3 * size)
           & (w_bottom > top) & (w_top < bottom)
           & (w_bottom <= bottom - SUPERSCRIPT_MIN_RISE * size))
    hit[numpy.arange(len(markers)), markers] = False
    return [markers[k] for k in numpy.flatnonzero(hit.any(axis=1)).tolist()]


def _raised_after(boxes: numpy.ndarray, w: numpy.ndarray, index: int) -> bool:
    """Whether box ``w`` (row ``index`` of ``boxes``, rows (size, x0, x1, top, bottom)) sits just after
    another box, smaller than it and raised above its baseline (all rows tested at once)."""
    size, x1, top, bottom = boxes[:, 0], boxes[:, 2], boxes[:, 3], boxes[:, 4]
    size_w, w_x0, w_top, w_bottom = w[0], w[1], w[3], w[4]
    gap = w_x0 - x1
    hit = ((size > 0) & ~(size_w > SUPERSCRIPT_MAX_SIZE * size)
           & (-0.5 * size <= gap) & (gap <= 0.3 * size)
           & (w_bottom > top) & (w_top < bottom)
           & (w_bottom <= bottom - SUPERSCRIPT_MIN_RISE * size))
    hit[index] = False
    return bool(hit.any())


def _find_gutter(words: Sequence[dict], width: float, r: LayoutRules) -> tuple[float, float] | None:
    """The empty vertical band between two columns, or None for a one-column page."""
    if len(words) < 40:
        return None
    lo_frac, hi_frac = r.get("gutter_search")
    n = int(width) + 2
    best = _gutter_run(words, n, int(lo_frac * width), int(hi_frac * width))
    if best is _NO_ARRAYS:
        best = _gutter_run_loop(words, n, lo_frac, hi_frac, width)
    if best is None or best[1] - best[0] < float(r.get("gutter_min_width")):
        return None
    g0, g1 = float(best[0]), float(best[1])
    mid = (g0 + g1) / 2
    left = sum(1 for w in words if w["x1"] <= mid)
    right = sum(1 for w in words if w["x0"] >= mid)
    share = float(r.get("column_min_share"))
    spanning = len(words) - left - right
    if left < share * len(words) or right < share * len(words):
        return None
    if spanning > float(r.get("spanning_max_share")) * len(words):
        return None
    return g0, g1


#: :func:`_gutter_run` could not work on arrays: the loop must do it.
_NO_ARRAYS = (-1, -1)


def _gutter_run(words: Sequence[dict], n: int, lo: int, hi: int) -> tuple[int, int] | None:
    """:func:`_gutter_run_loop` on arrays: the longest run of x in ``lo..hi`` covered by few
    words, as (start, end), or None; :data:`_NO_ARRAYS` for words the arrays cannot take
    exactly (a coordinate not finite or off the page, where the loop's list indexing differs)."""
    x0 = numpy.array([w["x0"] for w in words], dtype=float)
    x1 = numpy.array([w["x1"] for w in words], dtype=float)
    if not (numpy.isfinite(x0).all() and numpy.isfinite(x1).all()):
        return _NO_ARRAYS
    if numpy.abs(x0).max() >= 2 ** 52 or numpy.abs(x1).max() >= 2 ** 52:
        return _NO_ARRAYS
    # int() truncates toward zero, as astype does
    a = numpy.maximum(0, x0.astype(numpy.int64))
    b = numpy.minimum(n, x1.astype(numpy.int64) + 1)
    if (a > n).any() or (b < 0).any():
        return _NO_ARRAYS
    cover = numpy.cumsum(numpy.bincount(a, minlength=n + 1) - numpy.bincount(b, minlength=n + 1))[:n]
    allowed = max(2, int(0.03 * len(words)))
    xs = numpy.arange(n)
    inside = (lo <= xs) & (xs <= hi) & (cover <= allowed)
    edges = numpy.diff(numpy.concatenate([[False], inside, [False]]).astype(numpy.int8))
    starts = numpy.flatnonzero(edges == 1)
    stops = numpy.flatnonzero(edges == -1)  # first x after each run (n when it reaches the end)
    # the loop closes a run at the first x outside it, or at x == hi itself (hi included);
    # a run reaching the end of the range without either is never closed
    ends = numpy.where(stops - 1 == hi, hi, stops)
    closed = (stops - 1 == hi) | (stops < n)
    starts, ends = starts[closed], ends[closed]
    if not starts.size:
        return None
    k = int(numpy.argmax(ends - starts))
    return int(starts[k]), int(ends[k])


def _gutter_run_loop(words: Sequence[dict], n: int, lo_frac: float, hi_frac: float,
                     width: float) -> tuple[int, int] | None:
    """The longest run of x between the search fractions of ``width`` that at most a few
    words cover, x by x; (start, end) or None."""
    diff = [0] * (n + 1)
    for w in words:
        a = max(0, int(w["x0"]))
        b = min(n, int(w["x1"]) + 1)
        diff[a] += 1
        diff[b] -= 1
    allowed = max(2, int(0.03 * len(words)))
    best: tuple[int, int] | None = None
    run_start = None
    cover = 0
    lo, hi = int(lo_frac * width), int(hi_frac * width)
    for x in range(n):
        cover += diff[x]
        inside = lo <= x <= hi and cover <= allowed
        if inside and run_start is None:
            run_start = x
        if (not inside or x == hi) and run_start is not None:
            end = x
            if best is None or end - run_start > best[1] - best[0]:
                best = (run_start, end)
            run_start = None
    return best


_TOP_X0 = itemgetter("top", "x0")
_X0 = itemgetter("x0")
_COUNT = itemgetter(1)


def _group_lines(words: list[dict], page_no: int, column: int, r: LayoutRules,
                 fonts: dict[str, tuple[bool, bool]] | None = None) -> list[Line]:
    """Cluster words into lines by their top edge; a bullet glyph a point off still joins.

    ``fonts`` caches :func:`_font_flags` across calls (one dict per page is enough).
    """
    fonts = {} if fonts is None else fonts
    lines: list[Line] = []
    current: list[dict] = []
    ref_top = 0.0
    tol = 3.0
    for w in sorted(words, key=_TOP_X0):
        if current and abs(w["top"] - ref_top) <= tol:
            current.append(w)
            continue
        if current:
            lines.append(_make_line(current, page_no, column, r, fonts))
        current = [w]
        ref_top = w["top"]
        tol = max(2.0, 0.4 * float(w["size"]))
    if current:
        lines.append(_make_line(current, page_no, column, r, fonts))
    return lines


def _font_flags(fontname: str, r: LayoutRules, fonts: dict[str, tuple[bool, bool]]) -> tuple[bool, bool]:
    """(bold, italic) by the font's name, looked up in ``fonts`` and added to it.

    Why: the two font regexes ran on every word; a page uses a handful of fonts.
    """
    flags = fonts.get(fontname)
    if flags is None:
        flags = fonts[fontname] = (bool(r.bold_font.search(fontname)),
                                   bool(r.italic_font.search(fontname)))
    return flags


def _make_line(words: list[dict], page_no: int, column: int, r: LayoutRules,
               fonts: dict[str, tuple[bool, bool]] | None = None) -> Line:
    fonts = {} if fonts is None else fonts
    words = sorted(words, key=_X0)
    text = layout.squash_spaces(" ".join([w["text"] for w in words]))
    text, marked = layout.strip_emphasis(text, r)
    sizes: dict[float, int] = {}
    bold_chars = italic_chars = total = 0
    for w in words:
        word = w["text"]
        n = len(word)
        if n == 1 and layout.split_bullet(word + " x", r)[0]:
            continue  # a bullet glyph's own font says nothing about the line
        total += n
        key = round(float(w["size"]), 1)
        sizes[key] = sizes.get(key, 0) + n
        fontname = str(w.get("fontname", ""))
        bold, italic = fonts.get(fontname) or _font_flags(fontname, r, fonts)
        if bold:
            bold_chars += n
        if italic:
            italic_chars += n
    # the first most common size, as Counter.most_common(1) picks it
    size = max(sizes.items(), key=_COUNT)[0] if sizes else float(words[0]["size"])
    return Line(
        text=text,
        page=page_no,
        x0=min([w["x0"] for w in words]),
        x1=max([w["x1"] for w in words]),
        top=min([w["top"] for w in words]),
        bottom=max([w["bottom"] for w in words]),
        size=size,
        bold=total > 0 and bold_chars >= 0.6 * total or marked,
        italic=total > 0 and italic_chars >= 0.6 * total,
        column=column,
        whole_bold_marked=marked,
    )


def _table_items(page: pdfplumber.page.Page, page_no: int) -> list[TableItem]:
    if not (page.rects or page.lines):
        return []
    items = []
    for table in page.find_tables():
        rows = [[layout.squash_spaces(layout.clean_glyphs((c or "").replace("\n", " "))) for c in row]
                for row in table.extract()]
        rows = [row for row in rows if any(row)]
        if len(rows) < 1 or max((len(x) for x in rows), default=0) < 2:
            continue
        x0, top, x1, bottom = table.bbox
        items.append(TableItem(rows=rows, page=page_no, bbox=(x0, top, x1, bottom)))
    return items


def _inside(w: dict, bbox: tuple[float, float, float, float]) -> bool:
    cx = (w["x0"] + w["x1"]) / 2
    cy = (w["top"] + w["bottom"]) / 2
    return bbox[0] - 1 <= cx <= bbox[2] + 1 and bbox[1] - 1 <= cy <= bbox[3] + 1


def _read_page(page: pdfplumber.page.Page, page_no: int, r: LayoutRules) -> list[Item]:
    """One page's lines and tables in reading order (the pdfplumber engine's page step)."""
    words = page.extract_words(extra_attrs=["fontname", "size"])
    return page_items(words, _table_items(page, page_no), float(page.width), float(page.height),
                      page_no, r)


def page_items(words: list[dict], tables: list[TableItem], width: float, height: float,
               page_no: int, r: LayoutRules) -> list[Item]:
    """One page's lines and tables in reading order, band lines marked. Engine-independent.

    ``words`` are dicts with ``text``, ``x0``, ``x1``, ``top``, ``bottom`` (points, origin top
    left), ``fontname`` and ``size``, as pdfplumber's ``extract_words`` gives them; ``tables``
    are the page's ruled tables (their words are dropped from the flow).
    """
    words = _clean_words(words, r)
    if tables:
        words = [w for w in words if not any(_inside(w, t.bbox) for t in tables)]
    head_lim = float(r.get("header_band")) * height
    foot_lim = (1 - float(r.get("footer_band"))) * height
    band_words = [w for w in words if w["bottom"] <= head_lim or w["top"] >= foot_lim]
    body_words = [w for w in words if not (w["bottom"] <= head_lim or w["top"] >= foot_lim)]

    fonts: dict[str, tuple[bool, bool]] = {}
    band_lines = _group_lines(band_words, page_no, 0, r, fonts)
    for line in band_lines:
        line.band = "header" if line.bottom <= head_lim else "footer"

    gutter = _find_gutter(body_words, width, r)
    if gutter is None:
        items: list[Item] = [*_group_lines(body_words, page_no, 0, r, fonts), *tables]
        items.sort(key=_top)
        _set_col_right(items)
        return [*[x for x in band_lines if x.band == "header"], *items,
                *[x for x in band_lines if x.band == "footer"]]

    mid = (gutter[0] + gutter[1]) / 2
    left = [w for w in body_words if w["x1"] <= mid]
    right = [w for w in body_words if w["x0"] >= mid]
    span = [w for w in body_words if w["x1"] > mid and w["x0"] < mid]
    full: list[Item] = [*_group_lines(span, page_no, 0, r, fonts)]
    cols: dict[int, list[Item]] = {1: [*_group_lines(left, page_no, 1, r, fonts)],
                                   2: [*_group_lines(right, page_no, 2, r, fonts)]}
    for t in tables:
        if t.bbox[0] < mid < t.bbox[2]:
            full.append(t)
        else:
            t.column = 1 if t.bbox[2] <= mid else 2
            cols[t.column].append(t)
    full.sort(key=_top)
    ordered: list[Item] = [x for x in band_lines if x.band == "header"]
    upper = -1.0
    for breaker in [*full, None]:
        lower = _top(breaker) if breaker is not None else float("inf")
        for c in (1, 2):
            ordered.extend(sorted((x for x in cols[c] if upper <= _top(x) < lower), key=_top))
        if breaker is not None:
            ordered.append(breaker)
            upper = _top(breaker)
    ordered.extend(x for x in band_lines if x.band == "footer")
    _set_col_right(ordered)
    return ordered


def _set_col_right(items: Sequence[Item]) -> None:
    right: dict[int, float] = {}
    for x in items:
        if isinstance(x, Line) and not x.band:
            right[x.column] = max(right.get(x.column, 0.0), x.x1)
    for x in items:
        if isinstance(x, Line):
            x.col_right = right.get(x.column, x.x1)


def _top(item: Item) -> float:
    return item.top if isinstance(item, Line) else item.bbox[1]


# --- document level --------------------------------------------------------------------------------

def _band_key(text: str) -> str:
    return _DIGITS.sub("#", layout.squash_spaces(text).lower())


def _drop_running(pages: list[list[Item]], r: LayoutRules) -> tuple[list[Item], list[str]]:
    """Remove running headers/footers (repeated band lines) and page numbers."""
    counts: Counter[str] = Counter()
    for items in pages:
        keys = {_band_key(x.text) for x in items if isinstance(x, Line) and x.band}
        counts.update(keys)
    n = len(pages)
    need = max(int(r.get("repeat_min_pages")), float(r.get("repeat_fraction")) * n)
    running = {k for k, c in counts.items() if c >= need}
    texts: list[str] = []
    kept: list[Item] = []
    stray = False
    for items in pages:
        for x in items:
            if isinstance(x, Line) and x.band:
                if _band_key(x.text) in running or r.page_number.match(x.text.strip()):
                    if x.text not in texts and not r.page_number.match(x.text.strip()):
                        texts.append(x.text)
                    continue
                x.band = ""
            if isinstance(x, Line) and r.page_number.match(x.text.strip()):
                stray = True  # a page number left in the body flow by an earlier conversion
                continue
            if stray and isinstance(x, Line):
                x.after_artifact = True
            stray = False
            kept.append(x)
    return kept, texts


def _body_size(items: Sequence[Item]) -> float:
    sizes: Counter[float] = Counter()
    for x in items:
        if isinstance(x, Line):
            sizes[round(x.size * 2) / 2] += len(x.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _is_heading(line: Line, body: float, r: LayoutRules) -> bool:
    text = line.text
    if not text or len(text.split()) > r.heading_max_words or len(text) > r.heading_max_chars:
        return False
    if layout.split_bullet(text, r)[0]:
        return False
    styled = line.bold or line.size >= body + r.heading_size_delta
    if not styled:
        return False
    first = text.lstrip("'‘\"“(")[:1]
    if first.islower():
        return False  # a bold line that continues a sentence
    if layout.run_in_title(text, r):
        return False  # a paragraph with a bold run-in lead
    return True


@dataclass
class _Open:
    kind: str
    lines: list[Line]
    style: tuple[float, bool, bool] | None = None
    number: str = ""  # a numbered title split off the end of a body line (level by its number)


class _Builder:
    """Joins lines into blocks; see the module docstring for the rules."""

    def __init__(self, body: float, levels: dict[tuple[float, bool, bool], int],
                 vocab: set[str], r: LayoutRules) -> None:
        self.body = body
        self.levels = levels
        self.vocab = vocab
        self.r = r
        self.blocks: list[Block] = []
        self.open: _Open | None = None
        self.run_in_level = (max(levels.values()) + 1) if levels else 1

    def add(self, item: Item, heading: bool) -> None:
        if isinstance(item, TableItem):
            self.flush()
            self.blocks.append(Block(
                kind="table", text="\n".join("\t".join(row) for row in item.rows),
                page=item.page, bbox=item.bbox, rows=item.rows))
            return
        line = item
        cur = self.open
        if (heading and cur and cur.kind in ("paragraph", "bullet")
                and not layout.ends_sentence(cur.lines[-1].text)
                and self._adjacent(cur.lines[-1], line, 1.6) and not cur.lines[-1].short
                and self._runs_on(cur.lines[-1], line)):
            heading = False  # a styled stretch inside an unfinished sentence
        if heading:
            if (cur and cur.kind == "heading" and cur.style == line.style
                    and self._adjacent(cur.lines[-1], line, 0.9)
                    and not layout.split_number(line.text, self.r)[0]):
                cur.lines.append(line)
                return
            self.flush()
            self.open = _Open("heading", [line], line.style)
            return
        if cur and cur.kind == "heading" and cur.number:
            if (self._adjacent(cur.lines[-1], line, 0.9) and line.short and not line.text[:1].islower()
                    and len(line.text.split()) <= 3 and not layout.ends_sentence(line.text)):
                cur.lines.append(line)  # the title's last word wrapped onto its own line
                return
            self.flush()
            cur = None
        glued = self._glued_number(line)
        if glued:
            head, tail, number = glued
            self.add(replace(line, text=head), False)
            self.flush()
            self.open = _Open("heading", [replace(line, text=tail)], line.style, number)
            return
        is_bullet, rest = layout.split_bullet(line.text, self.r)
        if is_bullet:
            self.flush()
            line.text = rest
            self.open = _Open("bullet", [line])
            return
        if cur and cur.kind == "heading" and (
                (self._adjacent(cur.lines[-1], line, 0.5) and not self._titles(cur, line))
                or (line.text[:1].islower() and not layout.ends_sentence(cur.lines[-1].text)
                    and self._adjacent(cur.lines[-1], line, 1.6))):
            cur.kind = "paragraph"  # a bold lead-in set tight against its paragraph
            cur.lines.append(line)
            return
        if cur and cur.kind in ("paragraph", "bullet") and self._continues(cur, line):
            cur.lines.append(line)
            return
        self.flush()
        self.open = _Open("paragraph", [line])

    def _glued_number(self, line: Line) -> tuple[str, str, str] | None:
        """A numbered title printed at the end of a body line, next in the document's numbering."""
        split = layout.glued_tail(line.text, self.r)
        if not split:
            return None
        number, title = layout.split_number(split[1], self.r)
        if not number:
            return None
        # the last numbered heading, looked for only for a numbered tail (a walk back over
        # every block so far)
        last = next((b.number for b in reversed(self.blocks) if b.kind == "heading" and b.number), "")
        if not layout.follows_in_sequence(number, last):
            return None
        if not layout.is_title_case(title, self.r):
            return None
        return split[0], split[1], number

    def _runs_on(self, prev: Line, line: Line) -> bool:
        """A styled line that carries on the unfinished sentence above rather than heading a list.

        It does when it is set in the same style, or runs (nearly) as wide as the line above like
        any wrapped line; a short styled line ("Our actions") or a numbered title after an
        unpunctuated list item is a heading.
        """
        if layout.split_number(line.text, self.r)[0]:
            return False
        if line.style == prev.style:
            return True
        return (line.x1 - line.x0) >= float(self.r.get("continuation_min_width")) * (prev.x1 - prev.x0)

    def _titles(self, cur: _Open, line: Line) -> bool:
        """A one-line styled title set tight above its paragraph ("Contacts" in bold, then
        "Quarter 3 saw ..."): it titles the paragraph, it is not a run-in lead. Told apart by
        its shape: one line of at most three words that stops well short of the column's edge,
        without end or lead-in punctuation, over a line that starts a sentence of its own.
        Not under a heading over contact details (``contact_heading``), where the same shape
        is a person's name in bold over their job title."""
        if len(cur.lines) != 1:
            return False
        head = cur.lines[0]
        text = head.text.rstrip()
        if not (head.short and len(text.split()) <= 3 and not layout.ends_sentence(text)
                and not text.endswith((":", ",", ";", "-", "–")) and line.size <= head.size
                and (line.text[:1].isupper() or line.text[:1].isdigit())):
            return False
        above = next((b.text for b in reversed(self.blocks) if b.kind == "heading"), "")
        return not self.r.contact_heading.search(above)

    @staticmethod
    def _adjacent(prev: Line, line: Line, factor: float) -> bool:
        return (prev.page == line.page and prev.column == line.column
                and -2 <= line.top - prev.bottom <= factor * max(prev.size, line.size))

    def _continues(self, cur: _Open, line: Line) -> bool:
        prev = cur.lines[-1]
        if prev.page == line.page and prev.column == line.column and not line.after_artifact:
            if self._adjacent(prev, line, 0.5):
                return not (cur.kind == "bullet" and line.x0 < cur.lines[0].x0 - 1
                            and layout.ends_sentence(prev.text))
            # loose leading: carry on while the sentence is unfinished and the line ran full
            return (self._adjacent(prev, line, 1.6) and not layout.ends_sentence(prev.text)
                    and not (prev.short and line.text[:1].isupper()))
        # a column or page break: carry on only with an unfinished sentence
        text = " ".join(x.text for x in cur.lines)
        return not layout.ends_sentence(text) or line.text[:1].islower()

    def flush(self) -> None:
        cur, self.open = self.open, None
        if cur is None:
            return
        first = cur.lines[0]
        last_page = max(x.page for x in cur.lines)
        same = [x for x in cur.lines if x.page == first.page]
        bbox = (min(x.x0 for x in same), min(x.top for x in same),
                max(x.x1 for x in same), max(x.bottom for x in same))
        text = ""
        for x in cur.lines:
            text = layout.join_lines(text, x.text, self.vocab, self.r)
        text = layout.squash_spaces(text)
        page_end = last_page if last_page != first.page else None
        if cur.kind == "heading":
            text = text.rstrip(" .") if not text.endswith("..") else text
            number, _ = layout.split_number(text, self.r)
            level = self.levels.get(cur.style or first.style, 1)
            if cur.number:
                level = layout.level_for_number(
                    cur.number, [b for b in self.blocks if b.kind == "heading" and b.number])
            self.blocks.append(Block(kind="heading", text=text, page=first.page, bbox=bbox,
                                     level=level, number=number, page_end=page_end))
            return
        if cur.kind != "paragraph":
            self.blocks.append(Block(kind=cur.kind, text=text, page=first.page, bbox=bbox,
                                     page_end=page_end))
            return
        # run-in headings set mid-paragraph after a finished sentence (justified columns)
        starts = [0, *layout.run_in_starts(text, self.r)]
        pages = _pages_at(cur.lines, text, starts)
        for k, start in enumerate(starts):
            piece = text[start:starts[k + 1] if k + 1 < len(starts) else len(text)].strip()
            page = pages[k]
            end_page = pages[k + 1] if k + 1 < len(starts) else last_page
            banner = layout.banner_title(piece, self.r)
            if banner:
                self.blocks.append(Block(kind="heading", text=banner, page=page,
                                         bbox=bbox if k == 0 else None,
                                         level=layout.top_level(self.blocks)))
                continue
            title = layout.run_in_title(piece, self.r)
            if title:
                self.blocks.append(Block(kind="heading", text=title, page=page,
                                         bbox=bbox if k == 0 else None, level=self.run_in_level))
            self.blocks.append(Block(kind="paragraph", text=piece, page=page,
                                     bbox=bbox if k == 0 else None,
                                     page_end=end_page if end_page != page else None))


def _pages_at(lines: Sequence[Line], text: str, starts: Sequence[int]) -> list[int]:
    """The page each offset of a block's joined text falls on (line lengths, approximately)."""
    ends: list[tuple[int, int]] = []
    pos = 0
    for x in lines:
        pos += len(x.text) + 1
        ends.append((pos, x.page))
    out = []
    for s in starts:
        out.append(next((page for end, page in ends if s < end), lines[-1].page))
    return out


def _heading_levels(items: Sequence[Item], flags: Sequence[bool]) -> dict[tuple[float, bool, bool], int]:
    """Rank heading styles: larger first, then bold upright before bold italic."""
    styles = {x.style for x, h in zip(items, flags, strict=True) if h and isinstance(x, Line)}
    ordered = sorted(styles, key=lambda s: (-s[0], not s[1], s[2]))
    return {s: i + 1 for i, s in enumerate(ordered)}


def read_pdf_detailed(path: Path, r: LayoutRules | None = None) -> PdfResult:
    """Read a PDF into blocks. Raises pdfplumber/pdfminer errors for an unreadable file.

    A page that fails to parse is skipped and listed in ``failed_pages``.
    """
    r = r or layout.rules()
    pages: list[list[Item]] = []
    failed: list[int] = []
    with pdfplumber.open(path) as pdf:
        n_pages = len(pdf.pages)
        for i, page in enumerate(pdf.pages, start=1):
            try:
                pages.append(_read_page(page, i, r))
            except Exception as exc:  # one bad page must not lose the document
                log.warning("%s: page %d unreadable: %s", path, i, exc)
                failed.append(i)
            finally:
                page.close()
                progress.page_read(path, i, n_pages)
    return build_result(pages, n_pages, failed, r)


def build_result(pages: list[list[Item]], n_pages: int, failed: list[int],
                 r: LayoutRules | None = None) -> PdfResult:
    """Per-page items (from :func:`page_items`, any engine) → blocks with headings and paths."""
    r = r or layout.rules()
    items, running = _drop_running(pages, r)
    lines = [x for x in items if isinstance(x, Line)]
    body = _body_size(lines)
    flags = [isinstance(x, Line) and _is_heading(x, body, r) for x in items]
    levels = _heading_levels(items, flags)
    builder = _Builder(body, levels, layout.vocabulary(x.text for x in lines), r)
    for item, is_heading in zip(items, flags, strict=True):
        builder.add(item, is_heading)
    builder.flush()
    blocks = [b for b in builder.blocks if b.text.strip()]
    blocks = layout.repair_headings(blocks, r)
    layout.nest_period_headings(blocks, r)
    layout.assign_heading_paths(blocks)
    warnings = [f"page {p} could not be read" for p in failed]
    return PdfResult(blocks=blocks, pages=n_pages, failed_pages=failed,
                     running_texts=running, warnings=warnings)


def read_pdf(path: Path) -> tuple[list[Block], int]:
    """Blocks (with heading paths) and the page count of a PDF."""
    result = read_pdf_detailed(Path(path))
    return result.blocks, result.pages
