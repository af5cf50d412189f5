"""Shared by the HTML and Word readers: turn a stream of (kind, text, level, rows) into blocks.

Web pages and Word files carry their structure explicitly (``<h2>``, "Heading 2", ``<li>``,
list paragraphs, tables), so unlike PDF and plain text nothing is guessed from fonts or line
widths: this module only cleans the text, keeps the printed section number of a heading and
gives every block its heading path, exactly as the PDF and text readers do.
"""

from __future__ import annotations

from pipeline.ingest import layout
from pipeline.model import Block


class BlockBuilder:
    """Collects blocks in reading order; every block is on page 1 (these formats have none)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.r = layout.rules()

    def _clean(self, text: str) -> str:
        return layout.squash_spaces(layout.clean_glyphs(" ".join(text.split()), self.r))

    def heading(self, text: str, level: int) -> None:
        text = self._clean(text).rstrip(" .:") if not text.rstrip().endswith("..") else self._clean(text)
        if text:
            number, _ = layout.split_number(text, self.r)
            self.blocks.append(Block("heading", text, 1, level=max(1, level), number=number))

    def paragraph(self, text: str) -> None:
        text = self._clean(text)
        if not text:
            return
        is_bullet, rest = layout.split_bullet(text, self.r)  # "• item" typed by hand
        self.blocks.append(Block("bullet", rest, 1) if is_bullet else Block("paragraph", text, 1))

    def bullet(self, text: str) -> None:
        text = self._clean(text)
        if text:
            self.blocks.append(Block("bullet", layout.split_bullet(text, self.r)[1], 1))

    def table(self, rows: list[list[str]]) -> None:
        rows = [[self._clean(c) for c in row] for row in rows]
        rows = [row for row in rows if any(row)]
        if not rows:
            return
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        self.blocks.append(Block("table", "\n".join("\t".join(row) for row in rows), 1, rows=rows))

    def finish(self) -> list[Block]:
        """The blocks with period sub-headings nested and heading paths set."""
        layout.nest_period_headings(self.blocks, self.r)
        layout.assign_heading_paths(self.blocks)
        return self.blocks
