"""Word (.docx) files → blocks (python-docx).

Paragraph styles carry the structure: "Title" and "Heading N" are headings (level 1 and N),
list styles and numbered paragraphs are bullets, tables are tables (merged cells once). A
short paragraph printed wholly in bold, as many authors mark a sub-heading, is a heading one
level below the last heading. Body paragraphs and tables are read in document order.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document as open_docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from pipeline.ingest.markup import BlockBuilder
from pipeline.model import Block

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_LIST_STYLE = re.compile(r"\blist\b|\bbullet", re.IGNORECASE)
#: A bold paragraph is a heading only when short and unpunctuated at its end.
BOLD_HEADING_MAX_WORDS = 12


def _is_list(p: Paragraph) -> bool:
    style = p.style.name if p.style is not None else ""
    if _LIST_STYLE.search(style or ""):
        return True
    ppr = p._p.pPr
    return ppr is not None and ppr.numPr is not None


def _bold_heading(p: Paragraph) -> bool:
    text = p.text.strip()
    runs = [r for r in p.runs if r.text.strip()]
    return (bool(runs) and all(r.bold for r in runs) and len(text.split()) <= BOLD_HEADING_MAX_WORDS
            and not re.search(r"[.,;!?]$", text))


def _table_rows(table: Table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a merged cell is returned once per grid column it spans
            seen.add(id(cell._tc))
            cells.append(cell.text)
        rows.append(cells)
    return rows


def read_docx(path: Path) -> tuple[list[Block], list[str]]:
    """Blocks of a Word file (see the module docstring) and warnings (none so far)."""
    document = open_docx(str(path))
    out = BlockBuilder()
    last_level = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            out.table(_table_rows(Table(child, document)))
            continue
        if tag != "p":
            continue
        p = Paragraph(child, document)
        text = p.text
        if not text.strip():
            continue
        style = (p.style.name if p.style is not None else "") or ""
        m = _HEADING_STYLE.match(style.strip())
        if style.strip().lower() == "title":
            last_level = 1
            out.heading(text, 1)
        elif m:
            last_level = int(m.group(1))
            out.heading(text, last_level)
        elif _is_list(p):
            out.bullet(text)
        elif _bold_heading(p):
            out.heading(text, last_level + 1)
        else:
            out.paragraph(text)
    return out.finish(), []
