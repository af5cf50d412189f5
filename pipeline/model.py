"""The document model every stage shares.

Ingestion (PDF or text) produces a :class:`Document`: metadata plus an ordered list of
:class:`Block` objects. Each block keeps its page, its bounding box and the heading path it
sits under, so every row the pipeline writes later can be traced back to page and section.
The normalised text written to ``text/<doc_id>.txt`` is built here (:meth:`Document.build_text`)
so that character offsets are defined in exactly one place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

BLOCK_KINDS = ("heading", "paragraph", "bullet", "table")
DOC_TYPES = ("annual_report", "strategic_plan", "other")
STATUSES = ("ok", "partial", "failed")
#: The claim types (``claims.claim_type``; definitions in the shared gold FORMAT.md), in one place
#: for the classifier, the evidence stage and the scorers.
CLAIM_TYPES = ("achievement", "progress", "plan", "target", "statistic", "challenge", "other")

#: Separator between blocks in the normalised text.
BLOCK_SEPARATOR = "\n\n"


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks so huge files do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Block:
    """One unit of layout: a heading, a paragraph, a bullet item or a table.

    ``text`` is the block's normalised text (one line per table row, cells joined by tabs).
    ``heading_path`` lists the titles of the headings above it, outermost first, as printed
    (number included, e.g. ``"3.1 There is close alignment ..."``).
    ``char_start``/``char_end`` are offsets into the document's normalised text, set by
    :meth:`Document.build_text`.
    """

    kind: str
    text: str
    page: int
    bbox: tuple[float, float, float, float] | None = None
    heading_path: tuple[str, ...] = ()
    level: int = 0
    number: str = ""
    rows: list[list[str]] | None = None
    page_end: int | None = None
    char_start: int = -1
    char_end: int = -1

    def __post_init__(self) -> None:
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"Block.kind must be one of {BLOCK_KINDS}, got {self.kind!r}")
        if self.page < 1:
            raise ValueError(f"Block.page is 1-based, got {self.page}")


@dataclass
class Section:
    """A heading and the span of pages it governs (a row of the ``sections`` table)."""

    section_id: str
    doc_id: str
    parent_id: str
    level: int
    number: str
    title: str
    page_start: int
    page_end: int


@dataclass
class Document:
    """An input file read into blocks, with the metadata later stages need."""

    doc_id: str
    file: str
    sha256: str
    format: str
    path: Path | None = None
    title: str = ""
    organisation: str = ""
    doc_type: str = "other"
    period_label: str = ""
    period_start: date | None = None
    period_end: date | None = None
    #: The window the document says it covers ("from September 2023 to September 2024"),
    #: where it states one; yearless dates resolve inside it before the financial year.
    reporting_start: date | None = None
    reporting_end: date | None = None
    pages: int = 0
    blocks: list[Block] = field(default_factory=list)
    status: str = "ok"
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    text: str = ""

    @property
    def stem(self) -> str:
        """The file name without extension: how gold files name their document."""
        return Path(self.file).stem

    def build_text(self) -> str:
        """Join the blocks into the normalised text and record each block's offsets."""
        parts: list[str] = []
        pos = 0
        for block in self.blocks:
            if parts:
                parts.append(BLOCK_SEPARATOR)
                pos += len(BLOCK_SEPARATOR)
            block.char_start = pos
            parts.append(block.text)
            pos += len(block.text)
            block.char_end = pos
        self.text = "".join(parts)
        return self.text

    def sections(self) -> list[Section]:
        """Derive the section tree from the heading blocks, in document order."""
        result: list[Section] = []
        stack: list[Section] = []
        for block in self.blocks:
            if block.kind == "heading":
                while stack and stack[-1].level >= block.level:
                    stack.pop()
                section = Section(
                    section_id=f"{self.doc_id}:s{len(result) + 1:04d}",
                    doc_id=self.doc_id,
                    parent_id=stack[-1].section_id if stack else "",
                    level=block.level,
                    number=block.number,
                    title=_strip_number(block.text, block.number),
                    page_start=block.page,
                    page_end=block.page,
                )
                result.append(section)
                stack.append(section)
            for open_section in stack:
                open_section.page_end = max(open_section.page_end, block.page_end or block.page)
        return result

    def section_of_blocks(self) -> list[str]:
        """For each block, the id of the innermost section it sits in ('' before any heading).

        A heading block belongs to its own section.
        """
        ids: list[str] = []
        n = 0
        current = ""
        for block in self.blocks:
            if block.kind == "heading":
                n += 1
                current = f"{self.doc_id}:s{n:04d}"
            ids.append(current)
        return ids


def _strip_number(text: str, number: str) -> str:
    if number and text.startswith(number):
        return text[len(number):].lstrip(" .\t")
    return text


def doc_id_for(sha256: str) -> str:
    """The document id: the first 12 hex digits of the file's SHA-256."""
    return sha256[:12]
