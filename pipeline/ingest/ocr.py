"""OCR for PDFs without a text layer (scans): optional, tesseract through pytesseract.

Used by :mod:`pipeline.ingest.read` only when a PDF has pages but no text on any of them and
:func:`available` says tesseract and pytesseract are both installed; otherwise the file fails
with a hint (:data:`HINT`) on how to enable OCR. Pages are rendered with pypdfium2 and OCR'd
one at a time, each bitmap freed before the next, so memory stays bounded on long scans. The
OCR'd text is re-flowed into blocks by the plain-text reader's rules, page breaks kept.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.model import Block

log = logging.getLogger(__name__)

#: What to tell the user when a scanned PDF cannot be OCR'd here.
HINT = "install tesseract-ocr and `pip install pytesseract` to OCR it"

#: Render resolution for OCR: tesseract does best at about 300 dpi.
DPI = 300


def available() -> bool:
    """True when the ``tesseract`` program is on PATH and ``pytesseract`` can be imported."""
    return shutil.which("tesseract") is not None and importlib.util.find_spec("pytesseract") is not None


def ocr_image(image) -> str:  # noqa: ANN001 - a PIL image
    """The text tesseract reads in one page image."""
    import pytesseract

    return pytesseract.image_to_string(image, lang="eng")


@dataclass
class OcrResult:
    """The OCR'd text of a PDF: blocks, page count and the pages OCR failed on."""

    blocks: list[Block]
    pages: int
    failed_pages: list[int] = field(default_factory=list)


def page_texts(path: Path, dpi: int = DPI) -> tuple[list[str], list[int]]:
    """The OCR'd text of every page, and the page numbers (from 1) that could not be OCR'd."""
    import pypdfium2 as pdfium

    texts: list[str] = []
    failed: list[int] = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                bitmap = page.render(scale=dpi / 72)
                try:
                    texts.append(ocr_image(bitmap.to_pil()) or "")
                finally:
                    bitmap.close()
            except Exception as exc:  # one bad page must not lose the document
                log.warning("%s: OCR of page %d failed: %s", path, i + 1, exc)
                texts.append("")
                failed.append(i + 1)
            finally:
                page.close()
    finally:
        pdf.close()
    return texts, failed


def blocks_from_pages(texts: list[str]) -> list[Block]:
    """Re-flow OCR'd page texts into blocks (with heading paths) like a plain-text file."""
    from pipeline.ingest.text import blocks_from_text

    return blocks_from_text("\f".join(t.replace("\f", "\n") for t in texts))


def read_scanned(path: Path, dpi: int = DPI) -> OcrResult:
    """OCR a PDF page by page into blocks."""
    texts, failed = page_texts(path, dpi)
    return OcrResult(blocks=blocks_from_pages(texts), pages=len(texts), failed_pages=failed)
