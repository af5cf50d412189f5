"""PDF → blocks with pypdfium2: the fast engine (``--engine pdfium``).

Only the page step differs from :mod:`pipeline.ingest.pdf`: each page's characters are read
from pdfium (text, loose character boxes, and the font name and size of the text object each
character belongs to, looked up once per object) and grouped into word dicts with the keys
pdfplumber's ``extract_words(extra_attrs=["fontname", "size"])`` gives. From there the SAME
code runs: :func:`pipeline.ingest.pdf.page_items` (columns, lines, bands, reading order) and
:func:`pipeline.ingest.pdf.build_result` (running headers/footers, heading styles and levels,
bullets, hyphenation, heading repair, heading paths).

Tables: pdfium has no table finder, so pdfplumber's runs on edges read from pdfium's path
objects (see :func:`page_tables`): the same edge merging, intersections, cells and tables as
the pdfplumber engine's ``find_tables()``, so both engines find the same ruled tables. Tables
without rules (tab-aligned text) are read as lines, as the pdfplumber engine does too.

Pages are loaded, read and closed one at a time, so memory stays bounded on long files.
"""

from __future__ import annotations

import ctypes
import logging
import math
from collections.abc import Callable, Iterable
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber import table as table_finder
from pdfplumber.utils import cluster_objects, filter_edges

from pipeline.ingest import layout, progress
from pipeline.ingest.layout import LayoutRules
from pipeline.ingest.pdf import Item, PdfResult, TableItem, build_result, page_items

log = logging.getLogger(__name__)

#: Characters further apart than this (points) start a new word (pdfplumber's x_tolerance).
X_TOLERANCE = 3.0
#: Characters whose tops differ by more than this (points) are on different lines.
Y_TOLERANCE = 3.0


def _bare_prototype(func: Any, restype: Any) -> Callable[..., Any]:
    """The same pdfium C function without declared argument types.

    Why: with argument types, ctypes builds a converted ctypes object for every argument of
    every call, about half the cost of the per-character calls here. Without them, a pointer
    object (the text page's handle, a ``byref`` into a box array) is passed as it is and a
    Python int as a C ``int``, which is what these functions take; so callers must pass
    exactly that, never a bare int address.
    """
    address: Any = ctypes.cast(func, ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype)(address)


#: FPDFText_GetTextObject(text page, index) returning the object's address as an int, 0 (not
#: None) for generated characters, so a page's objects go straight into a numpy array.
_GET_TEXT_OBJECT = _bare_prototype(pdfium_c.FPDFText_GetTextObject, ctypes.c_size_t)


#: FPDFText_HasUnicodeMapError(text page, index): whether pdfium could not map a character's
#: glyph to Unicode (a font without ToUnicode).
_MAP_ERROR = _bare_prototype(pdfium_c.FPDFText_HasUnicodeMapError, ctypes.c_int)
#: FPDFText_GetFontSize(text page, index), FPDFTextObj_GetFont(object) and
#: FPDFFont_GetBaseFontName(font, buffer, size_t length), called per text object.
_FONT_SIZE = _bare_prototype(pdfium_c.FPDFText_GetFontSize, ctypes.c_double)
_OBJECT_FONT = _bare_prototype(pdfium_c.FPDFTextObj_GetFont, ctypes.c_void_p)
_FONT_NAME = _bare_prototype(pdfium_c.FPDFFont_GetBaseFontName, ctypes.c_ulong)
_NAME_BUFFER = 256
#: FPDFPageObj_GetMatrix(object, FS_MATRIX*): a text object's matrix, which scales its font.
_OBJECT_MATRIX = _bare_prototype(pdfium_c.FPDFPageObj_GetMatrix, ctypes.c_int)


def _font_of(textobj: int, textpage: Any, index: int, buf: ctypes.Array,
             names: dict[int, str]) -> tuple[str, float]:
    """(font name, size in points) of text object ``textobj`` (its address), read at
    character ``index``; ``names`` keeps each font's name once read (a page's objects share a
    few fonts), by the font's address.

    The size is the one the text is drawn at, as pdfplumber reports it: pdfium's font size
    times the vertical scale of the object's matrix. Some writers set every font at size 1
    and scale it with the text matrix (12 pt text as "1 Tf" under a 12x matrix); read alone,
    pdfium's size would make all of it one point tall.
    """
    size = float(_FONT_SIZE(textpage, index))
    matrix = pdfium_c.FS_MATRIX()
    if _OBJECT_MATRIX(ctypes.c_void_p(textobj), ctypes.byref(matrix)):
        scale = math.hypot(matrix.c, matrix.d)
        if scale > 0 and scale != 1.0:
            size *= scale
    font = _OBJECT_FONT(ctypes.c_void_p(textobj))
    name = ""
    if font:
        known = names.get(font)
        if known is not None:
            return known, size
        n = _FONT_NAME(ctypes.c_void_p(font), buf, ctypes.c_size_t(len(buf)))
        if n > 0:
            name = bytes(buf[:max(0, n - 1)]).decode("utf-8", errors="replace")
        names[font] = name
    return name, size


#: FPDFText_GetLooseCharBox(text page, index, ``byref`` to a rectangle): the boxes of a whole
#: page go into one array.
_GET_LOOSE_BOX = _bare_prototype(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int)
_RECT_SIZE = ctypes.sizeof(pdfium_c.FS_RECTF)


def _read_boxes(raw: Any, n: int, indices: Iterable[int]) -> tuple[list[int], ctypes.Array]:
    """The loose boxes of characters ``indices`` (of ``n``), each into its own slot of one
    array: (whether each read succeeded, the array)."""
    boxes = (pdfium_c.FS_RECTF * n)()
    indices = list(indices)
    offsets = [_RECT_SIZE * i for i in indices]
    ok = list(map(_GET_LOOSE_BOX, repeat(raw), indices, map(ctypes.byref, repeat(boxes), offsets)))
    return ok, boxes


def _char_boxes(raw: Any, n: int) -> tuple[list[int], list[float]]:
    """Every character's loose box: (whether each read succeeded, the floats left, top,
    right, bottom of character 0, then of character 1, ...)."""
    ok, boxes = _read_boxes(raw, n, range(n))
    # the C floats as Python floats, exactly as reading each field would give them
    floats: list[float] = memoryview(boxes).cast("B").cast("f").tolist()  # type: ignore[assignment]
    return ok, floats


#: The last white-space code point (U+3000, ideographic space): larger ones never end a word.
_LAST_SPACE = 0x3000
#: Whether a character ends a word, by code point (``str.isspace``, or a control character
#: other than STX, which some fonts map a glyph to); the extra last entry stands for every code
#: point above :data:`_LAST_SPACE`.
_BREAKS = numpy.array([chr(c).isspace() or (c < 32 and c != 2) for c in range(_LAST_SPACE + 1)]
                      + [False])


def page_words(textpage: pdfium.PdfTextPage, height: float) -> list[dict]:
    """The page's words as pdfplumber-style dicts (text, x0, x1, top, bottom, fontname, size).

    Each character's text object is read for the whole page first, in one batched pass of
    pdfium calls (:func:`_bare_prototype`). The common page (text aligned with character indices, no glyph
    without a Unicode mapping, every box readable) is then grouped by :func:`_array_words`
    with numpy, which needs the boxes of printed characters only; any other page goes through
    :func:`_loop_words`, character by character. Both give exactly the same words.
    """
    raw = textpage.raw
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    objs = list(map(_GET_TEXT_OBJECT, repeat(raw, n), range(n)))
    if len(text) == n:
        words = _array_words(raw, text, objs, height)
        if words is not None:
            return words
    return _loop_words(raw, text, objs, height)


def _array_words(raw: Any, text: str, objs: list[int],
                 height: float) -> list[dict] | None:
    """:func:`_loop_words` done on whole-page arrays, or None for a page it cannot do exactly.

    Why: the per-character Python loop was most of the engine's time. Here a page splits
    into runs of printed characters (no white space or generated character between them, one
    style); a run in which each character follows the one before on the same top edge, not
    left of it and within :data:`X_TOLERANCE` of its right edge is one word (the loop could not
    break it: the word's running right edge is at least the previous character's, its top is
    that shared top, its left edge the run's first). Only the other runs are walked character
    by character, with the loop's own tests. Word edges are then maxima/minima over each word
    (``reduceat``), the same floats the loop's running comparisons keep.

    None (the caller falls back to the loop) when a text object's first character has no
    Unicode mapping (the loop then drops unmapped glyphs one by one), a box cannot be read
    (the loop reuses the previous box), a box holds NaN, or an edge is zero (a signed zero
    could come out with the other sign from numpy's maximum/minimum).
    """
    n = len(text)
    obj = numpy.array(objs, dtype=numpy.uint64)
    # each object's first character, white space included: where the loop tests for a glyph
    # without a Unicode mapping
    objects, first = numpy.unique(obj, return_index=True)
    for o, i in zip(objects.tolist(), first.tolist(), strict=True):
        if o and _MAP_ERROR(raw, i):
            return None
    codes = numpy.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=numpy.uint32)
    printed = numpy.flatnonzero(~(_BREAKS[numpy.minimum(codes, _LAST_SPACE + 1)] | (obj == 0)))
    if not printed.size:
        return []
    index = printed.tolist()
    ok, boxes = _read_boxes(raw, n, index)
    if not all(ok):
        return None
    box = numpy.frombuffer(memoryview(boxes).cast("B"), dtype=numpy.float32).reshape(n, 4)
    box = box[printed].astype(numpy.float64)
    if numpy.isnan(box).any():
        return None
    # the style of each object is read at its first printed character, as the loop reads it
    objects, first, of_object = numpy.unique(obj[printed], return_index=True, return_inverse=True)
    buf = (ctypes.c_char * _NAME_BUFFER)()
    names: dict[int, str] = {}
    object_styles: list[tuple[str, float]] = []
    style_ids: dict[tuple[str, float], int] = {}
    ids: list[int] = []
    for o, j in zip(objects.tolist(), first.tolist(), strict=True):
        style = _font_of(o, raw, index[j], buf, names)
        object_styles.append(style)
        ids.append(style_ids.setdefault(style, len(style_ids)))
    style_id = numpy.array(ids)[of_object]
    size = numpy.array([s for _, s in object_styles], dtype=numpy.float64)[of_object]
    x0, x1 = box[:, 0], box[:, 2]
    # pdfium's loose box runs from the font's descent to its ascent; pdfplumber's (whose
    # heights the shared layout thresholds were set on) is one em tall above the descent
    bottom = height - box[:, 3]
    top = numpy.where(size > 0, bottom - size, height - box[:, 1])
    if not (x1.all() and top.all() and bottom.all()):
        return None
    m = len(index)
    new_run = numpy.ones(m, dtype=bool)
    new_run[1:] = (printed[1:] != printed[:-1] + 1) | (style_id[1:] != style_id[:-1])
    plain = numpy.ones(m, dtype=bool)
    plain[1:] = ((top[1:] == top[:-1]) & (x0[1:] >= x0[:-1])
                 & (x0[1:] - x1[:-1] <= X_TOLERANCE))
    run_starts = numpy.flatnonzero(new_run)
    starts = run_starts
    uneven = numpy.flatnonzero(~plain & ~new_run)
    if uneven.size:
        run_of = numpy.cumsum(new_run) - 1
        ends = [*run_starts[1:].tolist(), m]
        lefts, rights, tops = x0.tolist(), x1.tolist(), top.tolist()
        extra: list[int] = []
        for run in numpy.unique(run_of[uneven]).tolist():
            a = int(run_starts[run])
            left, right, top_edge = lefts[a], rights[a], tops[a]
            for j in range(a + 1, ends[run]):
                t, x = tops[j], lefts[j]
                if abs(t - top_edge) > Y_TOLERANCE or x - right > X_TOLERANCE or x < left - 1:
                    extra.append(j)
                    left, right, top_edge = x, rights[j], t
                    continue
                if rights[j] > right:
                    right = rights[j]
                if t < top_edge:
                    top_edge = t
        if extra:
            starts = numpy.sort(numpy.concatenate([run_starts, numpy.array(extra, dtype=run_starts.dtype)]))
    last = numpy.empty_like(starts)
    last[:-1] = starts[1:] - 1
    last[-1] = m - 1
    styles = [object_styles[k] for k in of_object[starts].tolist()]
    return [{"x0": a, "x1": b, "top": t, "bottom": u, "fontname": s[0], "size": s[1],
             "text": text[p:q]}
            for a, b, t, u, s, p, q in zip(
                x0[starts].tolist(), numpy.maximum.reduceat(x1, starts).tolist(),
                numpy.minimum.reduceat(top, starts).tolist(),
                numpy.maximum.reduceat(bottom, starts).tolist(), styles,
                printed[starts].tolist(), (printed[last] + 1).tolist(), strict=True)]


def _loop_words(raw: Any, text: str, objs: list[int],
                height: float) -> list[dict]:
    """The page's words character by character (``objs``: each character's text object).

    Every character's loose box is read in one batched pass; the grouping then reads lists.
    """
    n = len(objs)
    buf = (ctypes.c_char * _NAME_BUFFER)()
    names: dict[int, str] = {}
    fonts: dict[int, tuple[str, float]] = {}
    words: list[dict] = []
    cur: dict | None = None
    chars: list[str] = []
    box_ok, box = _char_boxes(raw, n)
    # a failed box read leaves the box of the character read before it (one shared rectangle)
    left = top_edge = right = bottom_edge = 0.0
    # get_text_range gives one UTF-16 unit per character index for BMP text; fall back to
    # per-character lookups when the lengths disagree (astral characters)
    aligned = len(text) == n
    # text objects whose first glyph has no Unicode mapping: their glyphs are checked one by
    # one and the unmapped ones dropped, as pdfplumber drops "(cid:N)" codes. Without this a
    # font lacking ToUnicode reads as CJK-looking garbage instead of failing clearly.
    suspect: dict[int, bool] = {}
    for i in range(n):
        obj = objs[i]
        if not obj:
            ch = None  # generated by pdfium (a space or line break it inferred)
        else:
            bad = suspect.get(obj)
            if bad is None:
                bad = suspect[obj] = bool(_MAP_ERROR(raw, i))
            if bad and _MAP_ERROR(raw, i):
                continue
            ch = text[i] if aligned else chr(pdfium_c.FPDFText_GetUnicode(raw, i))
        if ch is None or ch.isspace() or (ord(ch) < 32 and ch != "\x02"):
            if cur is not None:
                cur["text"] = "".join(chars)
                words.append(cur)
                cur = None
            continue
        style = fonts.get(obj)
        if style is None:
            style = fonts[obj] = _font_of(obj, raw, i, buf, names)
        if box_ok[i]:
            k = 4 * i
            left, top_edge, right, bottom_edge = box[k], box[k + 1], box[k + 2], box[k + 3]
        x0, x1 = left, right
        # pdfium's loose box runs from the font's descent to its ascent; pdfplumber's (whose
        # heights the shared layout thresholds were set on) is one em tall above the descent
        bottom = height - bottom_edge
        top = bottom - style[1] if style[1] > 0 else height - top_edge
        if cur is not None and (
                (cur["fontname"], cur["size"]) != style
                or abs(top - cur["top"]) > Y_TOLERANCE
                or x0 - cur["x1"] > X_TOLERANCE
                or x0 < cur["x0"] - 1):
            cur["text"] = "".join(chars)
            words.append(cur)
            cur = None
        if cur is None:
            cur = {"x0": x0, "x1": x1, "top": top, "bottom": bottom,
                   "fontname": style[0], "size": style[1]}
            chars = [ch]
            continue
        chars.append(ch)
        if x1 > cur["x1"]:
            cur["x1"] = x1
        if top < cur["top"]:
            cur["top"] = top
        if bottom > cur["bottom"]:
            cur["bottom"] = bottom
    if cur is not None:
        cur["text"] = "".join(chars)
        words.append(cur)
    return words


# --- ruled tables ------------------------------------------------------------------------------

_COUNT_OBJECTS = _bare_prototype(pdfium_c.FPDFPage_CountObjects, ctypes.c_int)
_GET_OBJECT = _bare_prototype(pdfium_c.FPDFPage_GetObject, ctypes.c_void_p)
_COUNT_FORM_OBJECTS = _bare_prototype(pdfium_c.FPDFFormObj_CountObjects, ctypes.c_int)
#: FPDFFormObj_GetObject(form, unsigned long index): pass the index as ``c_ulong``.
_GET_FORM_OBJECT = _bare_prototype(pdfium_c.FPDFFormObj_GetObject, ctypes.c_void_p)
_OBJECT_TYPE = _bare_prototype(pdfium_c.FPDFPageObj_GetType, ctypes.c_int)
_OBJECT_BOUNDS = _bare_prototype(pdfium_c.FPDFPageObj_GetBounds, ctypes.c_int)


#: FPDFPath_GetDrawMode(path, int* fill mode, FPDF_BOOL* stroke),
#: FPDFPageObj_GetStrokeWidth(object, float* width) and FPDFPath_CountSegments(path).
_DRAW_MODE = _bare_prototype(pdfium_c.FPDFPath_GetDrawMode, ctypes.c_int)
_STROKE_WIDTH = _bare_prototype(pdfium_c.FPDFPageObj_GetStrokeWidth, ctypes.c_int)
_COUNT_SEGMENTS = _bare_prototype(pdfium_c.FPDFPath_CountSegments, ctypes.c_int)

#: One path object: (left, bottom, right, top) as pdfium bounds it, the width of its stroke
#: (0 when it is only filled) and its number of segments.
PathShape = tuple[float, float, float, float, float, int]


def page_paths(page: pdfium.PdfPage, max_depth: int = 2) -> list[PathShape]:
    """The page's path objects, and those inside form objects down to ``max_depth`` levels:
    the bounds ``page.get_objects(filter=(PATH,), max_depth=2)`` and ``get_bounds()`` give
    (with the same errors), each with its stroke width and segment count, read with plain
    pdfium calls. Why plain calls: the helper wraps every object of the page (text objects
    too, thousands) in a Python object to look at its type."""
    edges = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(e) for e in edges]
    fill, stroke, width = ctypes.c_int(), ctypes.c_int(), ctypes.c_float()
    fill_ref, stroke_ref, width_ref = ctypes.byref(fill), ctypes.byref(stroke), ctypes.byref(width)
    out: list[PathShape] = []

    def walk(parent: Any, form: bool, level: int) -> None:
        count = _COUNT_FORM_OBJECTS(parent) if form else _COUNT_OBJECTS(parent)
        if count < 0:
            raise pdfium.PdfiumError("Failed to get number of pageobjects.")
        for i in range(count):
            obj = _GET_FORM_OBJECT(parent, ctypes.c_ulong(i)) if form else _GET_OBJECT(parent, i)
            if not obj:
                raise pdfium.PdfiumError("Failed to get pageobject.")
            handle = ctypes.c_void_p(obj)
            kind = _OBJECT_TYPE(handle)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                if not _OBJECT_BOUNDS(handle, *refs):
                    raise pdfium.PdfiumError("Failed to locate pageobject.")
                stroked = _DRAW_MODE(handle, fill_ref, stroke_ref) and stroke.value
                line = width.value if stroked and _STROKE_WIDTH(handle, width_ref) else 0.0
                out.append((edges[0].value, edges[1].value, edges[2].value, edges[3].value,
                            line, _COUNT_SEGMENTS(handle)))
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < max_depth - 1:
                walk(handle, True, level + 1)

    walk(page.raw, False, 0)
    return out


def _edge(x0: float, x1: float, top: float, bottom: float, orientation: str) -> dict:
    """An edge as pdfplumber's table finder reads it (``page.edges``' keys)."""
    return {"object_type": "rect_edge", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "doctop": top, "width": x1 - x0, "height": bottom - top, "orientation": orientation}


def path_edges(paths: list[PathShape], height: float) -> list[dict]:
    """The pdfplumber edges of the page's paths (origin top left): a line is one edge, any
    other path the four sides of its box, as pdfplumber splits a rectangle.

    pdfium bounds a stroked path with its stroke: the box grows by the stroke width on every
    side (a 0.5 pt rule is 1 pt thick), so it is taken off to get the geometry pdfplumber
    reads from the content stream. A curve is read as its box: pdfplumber splits it into its
    segments, which only matters for curves that are the sides of table cells.
    """
    out: list[dict] = []
    for left, bottom, right, top, stroke, _ in paths:
        if stroke:
            cx, cy = (left + right) / 2, (bottom + top) / 2
            left, right = min(left + stroke, cx), max(right - stroke, cx)
            bottom, top = min(bottom + stroke, cy), max(top - stroke, cy)
        t0, t1 = height - top, height - bottom
        if t1 - t0 <= _FLAT:
            out.append(_edge(left, right, (t0 + t1) / 2, (t0 + t1) / 2, "h"))
        elif right - left <= _FLAT:
            x = (left + right) / 2
            out.append(_edge(x, x, t0, t1, "v"))
        else:
            out += [_edge(left, right, t0, t0, "h"), _edge(left, right, t1, t1, "h"),
                    _edge(left, left, t0, t1, "v"), _edge(right, right, t0, t1, "v")]
    return out


#: A box at most this thick (points) is a line, not a rectangle.
_FLAT = 0.01


def _table_settings() -> Any:
    """pdfplumber's default table settings (what the pdfplumber engine's ``find_tables()``
    uses), read from pdfplumber so the two engines keep the same tolerances."""
    return table_finder.TableSettings.resolve(None)


def _cell_text(words: list[dict], cell: tuple[float, float, float, float], r: LayoutRules) -> str:
    """The words whose centres are in ``cell`` (half-open, as pdfplumber tests characters),
    as lines top to bottom, each left to right."""
    x0, top, x1, bottom = cell
    inside = [w for w in words if x0 <= (w["x0"] + w["x1"]) / 2 < x1
              and top <= (w["top"] + w["bottom"]) / 2 < bottom]
    lines = cluster_objects(inside, "top", Y_TOLERANCE)
    text = " ".join(w["text"] for line in lines for w in sorted(line, key=lambda w: w["x0"]))
    return layout.squash_spaces(layout.clean_glyphs(text, r))


def page_tables(paths: list[PathShape], words: list[dict], height: float, page_no: int,
                r: LayoutRules) -> list[TableItem]:
    """The page's ruled tables, found by pdfplumber's own table finder (its edge merging,
    intersections, cells and tables: ``find_tables()``'s default "lines" strategy) run on
    edges read from pdfium's path objects; each cell holds the words centred in it.

    As in the pdfplumber engine, a page with no line or rectangle (only curves) has no
    tables, and a table needs a row with two cells.
    """
    if not any(n <= _MAX_PLAIN_SEGMENTS for *_, n in paths):
        return []
    s = _table_settings()
    edges = filter_edges(path_edges(paths, height), min_length=s.edge_min_length_prefilter)
    edges = table_finder.merge_edges(edges, s.snap_x_tolerance, s.snap_y_tolerance,
                               s.join_x_tolerance, s.join_y_tolerance)
    edges = filter_edges(edges, min_length=s.edge_min_length)
    points = table_finder.edges_to_intersections(edges, s.intersection_x_tolerance,
                                           s.intersection_y_tolerance)
    tables: list[TableItem] = []
    for cells in table_finder.cells_to_tables(table_finder.intersections_to_cells(points)):
        found = table_finder.Table(None, cells)  # type: ignore[arg-type]  # rows need no page
        rows = [[_cell_text(words, c, r) if c else "" for c in row.cells] for row in found.rows]
        rows = [row for row in rows if any(row)]
        if rows and max(len(row) for row in rows) >= 2:
            tables.append(TableItem(rows=rows, page=page_no, bbox=found.bbox))
    return tables


#: pdfminer reads a path of two points as a line and one of four or five as a rectangle
#: (when it is one); pdfium counts the same points as segments.
_MAX_PLAIN_SEGMENTS = 5


def _read_page(pdf: pdfium.PdfDocument, index: int, r: LayoutRules) -> list[Item]:
    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            words = page_words(textpage, height)
        finally:
            textpage.close()
        tables = page_tables(page_paths(page), words, height, index + 1, r) if words else []
        return page_items(words, tables, width, height, index + 1, r)
    finally:
        page.close()


def read_pdf_detailed(path: Path, r: LayoutRules | None = None) -> PdfResult:
    """Read a PDF into blocks with pypdfium2; the same :class:`PdfResult` as the pdfplumber engine.

    Raises :class:`pypdfium2.PdfiumError` for a file pdfium cannot open; a page that fails is
    skipped and listed in ``failed_pages``.
    """
    r = r or layout.rules()
    pdf = pdfium.PdfDocument(str(path))
    pages: list[list[Item]] = []
    failed: list[int] = []
    try:
        n_pages = len(pdf)
        for i in range(n_pages):
            try:
                pages.append(_read_page(pdf, i, r))
            except Exception as exc:  # one bad page must not lose the document
                log.warning("%s: page %d unreadable: %s", path, i + 1, exc)
                failed.append(i + 1)
            progress.page_read(path, i + 1, n_pages)
    finally:
        pdf.close()
    return build_result(pages, n_pages, failed, r)
