"""Plain text → blocks: decode, split pages on form feeds, re-flow wrapped lines.

Two styles meet here: one paragraph per line (blank lines between), and hard-wrapped PDF-to-text
output whose lines must be joined back into paragraphs (sometimes with a blank line after every
wrapped line). One rule covers both: a line continues the paragraph above when that paragraph's
last line is unfinished (no closing punctuation) and ran to the wrap width, or when this line
starts in lower case; a line with no blank line before it also continues when the line above ran
to the wrap width. Bullets, headings and tab-separated table rows always start a new block.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest import layout
from pipeline.ingest.layout import LayoutRules
from pipeline.model import Block


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes look like UTF-16 text that lost its BOM.

    Text in a Latin script encoded as UTF-16 has a NUL in every other byte (the high byte of
    each ASCII character), which no UTF-8 or cp1252 text has.
    """
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    if odd.count(0) > 0.3 * half and even.count(0) < 0.05 * half:
        return "utf-16-le"
    if even.count(0) > 0.3 * half and odd.count(0) < 0.05 * half:
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text: BOMs first, UTF-16 without a BOM, then UTF-8, then cp1252 (with a warning)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), []
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace"), [f"no byte-order mark; decoded as {utf16.upper()}"]
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        return text, [f"not valid UTF-8 (byte {exc.start}); decoded as cp1252"]


@dataclass
class _Line:
    text: str
    page: int
    blank_before: int  # blank lines between this line and the previous non-blank one


@dataclass
class _Open:
    kind: str
    page: int
    lines: list[str] = field(default_factory=list)
    page_end: int = 0


def _wrap_width(lines: list[_Line]) -> int:
    """The width hard-wrapped lines run to: a high percentile of line lengths."""
    lengths = sorted(len(x.text) for x in lines)
    if not lengths:
        return 80
    return max(20, lengths[int(0.9 * (len(lengths) - 1))])


class _Reflow:
    def __init__(self, wrap: int, vocab: set[str], r: LayoutRules) -> None:
        self.wrap = wrap
        self.vocab = vocab
        self.r = r
        self.blocks: list[Block] = []
        self.open: _Open | None = None
        self.rows: list[list[str]] = []
        self.rows_page = 1
        self.run_ins: set[int] = set()  # indices of run-in heading blocks
        self.period = re.compile(str(r.get("period_heading")))

    def _long(self, text: str) -> bool:
        return len(text) >= 0.7 * self.wrap

    def _is_heading(self, line: _Line, bold: bool, nxt: _Line | None) -> bool:
        text = line.text
        period = self.period
        if period.match(text.strip()):
            return True  # "Progress in 2024/25" on its own line is always a sub-heading
        if (nxt is not None and period.match(nxt.text.strip()) and not layout.run_in_title(text, self.r)
                and layout.looks_like_text_heading(text, self.r)):
            return True  # the topic a period sub-heading qualifies
        if not (layout.looks_like_text_heading(text, self.r) or (bold and len(text.split()) <= 12)):
            return False
        if self._long(text) and not layout.split_number(text, self.r)[0]:
            return False  # a heading is short beside the wrapped lines around it
        if nxt is not None and nxt.blank_before == 0 and nxt.text.lstrip()[:1].islower():
            return False  # the sentence runs on into the next line
        if layout.run_in_title(text, self.r):
            return False
        cur = self.open
        if cur and cur.kind in ("paragraph", "bullet") and cur.lines:
            prev = cur.lines[-1]
            if not layout.ends_sentence(prev) and self._long(prev) and line.blank_before <= 1:
                return False  # the short tail of a wrapped sentence
            if (line.blank_before == 0 and not layout.split_number(text, self.r)[0]
                    and not (layout.ends_sentence(prev) and not self._long(text)
                             and nxt is not None and not nxt.text.lstrip()[:1].islower())):
                return False  # a line inside a paragraph (not a title after a finished one)
        return True

    def add(self, line: _Line, nxt: _Line | None = None) -> None:
        text, bold = layout.strip_emphasis(line.text, self.r)
        line.text = text
        if "\t" in text.strip("\t ") or text.startswith("\t"):
            self._flush_open()
            if self.rows and line.blank_before > 0:
                self._flush_rows()
            if not self.rows:
                self.rows_page = line.page
            self.rows.append([layout.squash_spaces(c) for c in text.strip("\n").split("\t")])
            return
        self._flush_rows()
        text = layout.squash_spaces(text)
        line.text = text
        is_bullet, rest = layout.split_bullet(text, self.r)
        if is_bullet:
            self._flush_open()
            self.open = _Open("bullet", line.page, [rest], line.page)
            return
        if self._is_heading(line, bold, nxt):
            self._flush_open()
            self._heading(text, line.page)
            return
        cur = self.open
        if cur and cur.kind in ("paragraph", "bullet") and self._continues(cur, line):
            cur.lines.append(text)
            cur.page_end = line.page
            return
        self._flush_open()
        self.open = _Open("paragraph", line.page, [text], line.page)

    def _continues(self, cur: _Open, line: _Line) -> bool:
        prev = cur.lines[-1]
        if line.page != cur.page_end and layout.ends_sentence(prev):
            return False  # a form feed after a finished sentence
        if line.text[:1].islower() and line.blank_before <= 2:
            return True
        if line.blank_before == 0:
            return self._long(prev) or not layout.ends_sentence(prev)
        return line.blank_before <= 2 and self._long(prev) and not layout.ends_sentence(prev)

    def _level_for(self, number: str) -> int:
        if number:
            return layout.number_depth(number)
        last = next((b for b in reversed(self.blocks) if b.kind == "heading" and b.number), None)
        return (last.level + 1) if last else 1

    def _heading(self, text: str, page: int) -> None:
        text = text.rstrip(" .") if not text.endswith("..") else text
        number, _ = layout.split_number(text, self.r)
        level = (layout.top_level(self.blocks) if not number and layout.banner_title(text, self.r)
                 else self._level_for(number))
        self.blocks.append(Block(kind="heading", text=text, page=page, level=level, number=number))

    def _flush_rows(self) -> None:
        if self.rows:
            rows, self.rows = self.rows, []
            width = max(len(r) for r in rows)
            rows = [r + [""] * (width - len(r)) for r in rows]
            self.blocks.append(Block(kind="table", text="\n".join("\t".join(r) for r in rows),
                                     page=self.rows_page, rows=rows))

    def _flush_open(self) -> None:
        cur, self.open = self.open, None
        if cur is None:
            return
        text = ""
        for piece in cur.lines:
            text = layout.join_lines(text, piece, self.vocab, self.r)
        text = layout.squash_spaces(text)
        if not text:
            return
        page_end = cur.page_end if cur.page_end != cur.page else None
        banner = layout.banner_title(text, self.r) if cur.kind == "paragraph" else None
        if banner:
            self.blocks.append(Block(kind="heading", text=banner, page=cur.page,
                                     level=layout.top_level(self.blocks)))
            return
        if cur.kind == "paragraph":
            title = layout.run_in_title(text, self.r)
            if title:
                last = next((i for i in range(len(self.blocks) - 1, -1, -1)
                             if self.blocks[i].kind == "heading"), None)
                if last is None:
                    level = 1
                elif last in self.run_ins:
                    level = self.blocks[last].level  # a sibling of the run-in above
                else:
                    level = self.blocks[last].level + 1
                self.run_ins.add(len(self.blocks))
                self.blocks.append(Block(kind="heading", text=title, page=cur.page, level=level))
        self.blocks.append(Block(kind=cur.kind, text=text, page=cur.page, page_end=page_end))

    def finish(self) -> list[Block]:
        self._flush_open()
        self._flush_rows()
        return self.blocks


def lines_of(text: str, r: LayoutRules) -> list[_Line]:
    """Non-blank lines with page numbers (form feeds) and the count of blank lines before each."""
    out: list[_Line] = []
    footer = 0
    for page_no, page in enumerate(text.split("\f"), start=1):
        # a page whose last line was a printed page number ended there: the first line of the
        # next page starts afresh (a title there is not the wrapped tail of the list above)
        blank, footer = footer, 0
        for raw in page.splitlines():
            raw = layout.clean_glyphs(raw.rstrip(), r)
            if not raw.strip():
                blank += 1
                continue
            if r.page_number.match(raw.strip()):
                footer = blank + 2
                continue  # a page number left in the flow: invisible, keeps the blank count
            out.append(_Line(text=raw, page=page_no, blank_before=blank))
            blank, footer = 0, 0
    return out


def read_text(path: Path) -> tuple[list[Block], list[str]]:
    """Blocks (with heading paths) of a text file, and warnings (e.g. the encoding fallback)."""
    text, warnings = decode(Path(path).read_bytes())
    return blocks_from_text(text), warnings


def blocks_from_text(text: str) -> list[Block]:
    """Re-flow plain text (form feeds separate pages) into blocks with heading paths.

    Shared by text files and OCR output, which have the same hard-wrapped shape.
    """
    r = layout.rules()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = lines_of(text, r)
    reflow = _Reflow(_wrap_width(lines), layout.vocabulary(x.text for x in lines), r)
    for i, line in enumerate(lines):
        reflow.add(line, lines[i + 1] if i + 1 < len(lines) else None)
    blocks = reflow.finish()
    layout.nest_period_headings(blocks, r)
    layout.assign_heading_paths(blocks)
    return blocks
