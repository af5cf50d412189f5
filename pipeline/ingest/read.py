"""Read any supported input file into a :class:`Document`, never raising for bad input.

Dispatch is on the suffix (``.pdf`` → :mod:`pipeline.ingest.pdf`, ``.txt`` →
:mod:`pipeline.ingest.text`). A file that cannot be read gives a Document with
``status="failed"`` and a one-line ``error`` naming the cause, so one bad file never sinks a
batch; ``status="partial"`` when some PDF pages failed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from pathlib import Path

from pipeline.config import DEFAULT_ENGINE
from pipeline.ingest import manifest, metadata
from pipeline.model import Document, doc_id_for, sha256_of

log = logging.getLogger(__name__)

_PDF_MAGIC = b"%PDF-"

#: Control characters no table cell should carry (tab and newline stay: table rows use them).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def drop_control_chars(doc: Document) -> None:
    """Remove NULs and other control characters from every block, with a warning.

    They come from binary junk in a text file or a broken PDF; left in, one claim of 100,000
    NULs reaches ``claims.csv``. Done before the text is built so offsets stay exact.
    """
    removed = 0
    for block in doc.blocks:
        cleaned, n = _CONTROL.subn("", block.text)
        if n:
            removed += n
            block.text = cleaned
            if block.rows is not None:
                block.rows = [[_CONTROL.sub("", c) for c in row] for row in block.rows]
    if removed:
        doc.blocks = [b for b in doc.blocks if b.text.strip()]
        doc.warnings.append(f"{removed} control characters (e.g. NUL bytes) removed")


class IngestError(Exception):
    """A file cannot be read; the message is the one-line cause shown in ``documents.error``."""


def _one_line(message: str, limit: int = 300) -> str:
    """An error for ``documents.error``: one line, white space squashed, at most ``limit`` chars."""
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.name


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise IngestError(f"file not found: {path}")
    if not path.is_file():
        raise IngestError(f"not a file: {path}")
    if not os.access(path, os.R_OK):
        raise IngestError("unreadable: permission denied")
    if path.stat().st_size == 0:
        raise IngestError("empty file (0 bytes)")


def _root_cause(exc: BaseException) -> BaseException:
    """The pdfminer error inside pdfplumber's ``PdfminerException`` wrapper (or ``exc`` itself)."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or (exc.args[0] if exc.args and isinstance(exc.args[0], BaseException)
                                  else None)
        if inner is None:
            break
        exc = inner
    return exc


def _pdf_error(exc: Exception, truncated: bool = False) -> str:
    """Name the cause of a pdfplumber/pdfminer failure in plain words.

    ``truncated``: the file does not end with ``%%EOF``, so it was most likely cut short.
    """
    cause = _root_cause(exc)
    name = type(cause).__name__
    detail = str(cause).strip()
    text = f"{name}: {detail}".lower()
    if "passwordincorrect" in text or "password" in text:
        return "password-protected PDF: it cannot be opened without its password"
    if "encrypt" in text:
        return f"encrypted PDF that cannot be decrypted ({name}{': ' + detail if detail else ''})"
    if truncated:
        return f"truncated PDF: the file ends without %%EOF ({name}{': ' + detail if detail else ''})"
    if name == "PSEOF" or "eof" in text:
        return f"truncated or corrupt PDF: unexpected end of file ({name})"
    if "syntax" in text or "xref" in text or "trailer" in text or "startxref" in text:
        return f"corrupt PDF ({name}{': ' + detail if detail else ''})"
    return f"corrupt PDF ({name}{': ' + detail[:120] if detail else ''})"


def _ends_with_eof(path: Path) -> bool:
    """A complete PDF ends with ``%%EOF`` (give or take trailing white space)."""
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - 1024))
        return b"%%EOF" in fh.read()


#: PDF engines: the module whose ``read_pdf_detailed(path)`` turns a PDF into blocks.
PDF_ENGINES = {"pdfplumber": "pipeline.ingest.pdf", "pdfium": "pipeline.ingest.pdfium"}


def _read_pdf(doc: Document, path: Path, engine: str = DEFAULT_ENGINE) -> list[str]:
    import importlib

    try:
        read_pdf_detailed = importlib.import_module(PDF_ENGINES[engine]).read_pdf_detailed
    except ImportError as exc:
        raise IngestError(f"PDF engine {engine!r} is not available ({exc})") from exc

    with open(path, "rb") as fh:
        if not fh.read(1024).lstrip().startswith(_PDF_MAGIC):
            raise IngestError("not a PDF (no %PDF header) despite its name")
    truncated = not _ends_with_eof(path)
    try:
        result = read_pdf_detailed(path)
    except IngestError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        raise IngestError(_pdf_error(exc, truncated)) from exc
    if truncated:
        doc.warnings.append("the file ends without %%EOF (truncated?)")
    doc.pages = result.pages
    doc.blocks = result.blocks
    doc.warnings.extend(result.warnings)
    if not result.pages:
        raise IngestError("truncated PDF: the file ends without %%EOF and no page could be found"
                          if truncated else "no pages found in the PDF")
    if len(result.failed_pages) == result.pages:
        raise IngestError(f"no page could be read ({result.pages} pages)")
    if not any(b.text.strip() for b in result.blocks):
        _read_scanned(doc, path)
        return []
    if result.failed_pages:
        doc.status = "partial"
        doc.error = f"{len(result.failed_pages)} of {result.pages} pages unreadable"
    return result.running_texts


def _glyph_count(path: Path, max_pages: int = 20) -> int:
    """Glyphs on the first pages' text layer, decodable or not (0 for a scan, or on error).

    Tells a PDF whose fonts map no glyph to Unicode (every character a ``(cid:N)`` code,
    dropped at reading) from a scanned one, so the error says what is really wrong.
    """
    try:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(str(path))
        try:
            total = 0
            for i in range(min(len(pdf), max_pages)):
                page = pdf[i]
                textpage = page.get_textpage()
                total += textpage.count_chars()
                textpage.close()
                page.close()
            return total
        finally:
            pdf.close()
    except Exception:  # noqa: BLE001  (a best-effort diagnosis: fall back to the plain message)
        return 0


def _read_scanned(doc: Document, path: Path) -> None:
    """A PDF with pages but no text: OCR it if tesseract is installed, else say how to."""
    from pipeline.ingest import ocr

    glyphs = _glyph_count(path)
    if not ocr.available():
        if glyphs:  # the text is there but cannot be decoded: not a scan
            raise IngestError(
                f"text layer without a Unicode mapping ({glyphs} glyphs read as (cid:N) codes, "
                f"fonts lack ToUnicode): {ocr.HINT}")
        raise IngestError(f"no text layer (scanned PDF?): {ocr.HINT}")
    result = ocr.read_scanned(path)
    if not any(b.text.strip() for b in result.blocks):
        raise IngestError("no text layer (scanned PDF?) and OCR found no text")
    doc.pages = result.pages
    doc.blocks = result.blocks
    doc.warnings.append(f"no text layer: text read by OCR from {result.pages} pages")
    doc.warnings.extend(f"page {p} could not be OCR'd" for p in result.failed_pages)
    if result.failed_pages:
        doc.status = "partial"
        doc.error = f"{len(result.failed_pages)} of {result.pages} pages could not be OCR'd"


def _read_txt(doc: Document, path: Path, engine: str = DEFAULT_ENGINE) -> list[str]:  # noqa: ARG001
    from pipeline.ingest.text import read_text

    blocks, warnings = read_text(path)
    doc.blocks = blocks
    doc.warnings.extend(warnings)
    doc.pages = max((b.page_end or b.page for b in blocks), default=1)
    if not any(b.text.strip() for b in blocks):
        raise IngestError("no text (file holds only white space)")
    return []


def _read_markup(doc: Document, path: Path, engine: str = DEFAULT_ENGINE) -> list[str]:  # noqa: ARG001
    """An HTML page or a Word file: headings, paragraphs, lists and tables into blocks."""
    if path.suffix.lower() == ".docx":
        from pipeline.ingest.docx import read_docx as read
    else:
        from pipeline.ingest.html import read_html as read
    try:
        blocks, warnings = read(path)
    except IngestError:
        raise
    except Exception as exc:  # a corrupt zip, broken XML: say which
        raise IngestError(f"cannot read {path.suffix.lstrip('.').upper()} file "
                          f"({type(exc).__name__}: {exc})") from exc
    doc.blocks = blocks
    doc.warnings.extend(warnings)
    doc.pages = 1
    if not any(b.text.strip() for b in blocks):
        raise IngestError("no text found in the file")
    return []


def _apply_manifest(doc: Document, root: Path | None) -> None:
    """What the analyst's ``planmine.yaml`` says about this file overrides the rules."""
    manifest.apply(doc, root)


READERS = {".pdf": _read_pdf, ".txt": _read_txt, ".html": _read_markup, ".htm": _read_markup,
           ".docx": _read_markup}


def read_document(path: Path, root: Path | None = None, engine: str = DEFAULT_ENGINE,
                  sha256: str | None = None) -> Document:
    """Ingest one file: blocks, heading paths, metadata, normalised text. Never raises.

    ``engine`` picks the PDF reader (``pdfplumber``, the reference, or ``pdfium``, faster).
    ``sha256`` is the file's hash when the caller already has it (``planmine extract`` hashes
    every input to look it up in its cache), so a large file is not read twice for it.
    """
    if engine not in PDF_ENGINES:
        raise ValueError(f"engine must be one of {tuple(PDF_ENGINES)}, got {engine!r}")
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    fmt = {"htm": "html"}.get(fmt, fmt)
    doc = Document(doc_id="", file=_relative(path, root), sha256="", format=fmt, path=path)
    try:
        _check_readable(path)
        try:
            doc.sha256 = sha256 or sha256_of(path)
        except OSError as exc:
            raise IngestError(f"unreadable: {exc.strerror or exc}") from exc
        doc.doc_id = doc_id_for(doc.sha256)
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            raise IngestError(f"unsupported file type {path.suffix or '(none)'!r}")
        extra = reader(doc, path, engine)
        drop_control_chars(doc)
        if not doc.blocks:
            raise IngestError("no text left once control characters (e.g. NUL bytes) were removed")
        metadata.describe(doc, extra)
        _apply_manifest(doc, root)
    except IngestError as exc:
        doc.status, doc.error, doc.blocks = "failed", _one_line(str(exc)), []
    except Exception as exc:  # a bug must not sink the batch; say what it was
        log.exception("ingesting %s failed", path)
        doc.status, doc.blocks = "failed", []
        doc.error = _one_line(f"ingest failed: {type(exc).__name__}: {exc}")
    if not doc.doc_id:
        # no bytes to hash (missing or unreadable file): a stable id from the path instead
        doc.doc_id = doc_id_for(hashlib.sha256(doc.file.encode("utf-8")).hexdigest())
    doc.build_text()
    return doc


def skipped_inputs(input_dir: Path, supported: tuple[str, ...]) -> list[tuple[Path, str]]:
    """Entries under ``input_dir`` that are not read, each with the reason (for a row with
    ``status=skipped``): unsupported file types, dangling links, links to folders (not
    followed), folders named like documents (``x.pdf/``), devices and pipes. Hidden entries
    (a leading dot) are left out silently. Links to files are read like the files."""
    if not input_dir.is_dir():
        return []
    out: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(input_dir):  # never follows linked folders
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(dirnames + filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            suffix = path.suffix.lower()
            if path.is_symlink() and not path.exists():
                reason = f"dangling symbolic link (to {os.readlink(path)})"
            elif path.is_symlink() and path.is_dir():
                reason = "symbolic link to a folder: not followed"
            elif path.is_dir():
                if suffix not in supported:
                    continue
                reason = f"a folder named like a {suffix} document, not a file"
            elif not path.is_file():
                reason = "not a regular file (device, pipe or socket)"
            elif suffix not in supported:
                reason = f"unsupported file type {suffix or '(no extension)'!r}"
            else:
                continue
            out.append((path, reason))
    return out


def skipped_document(path: Path, root: Path | None, reason: str) -> Document:
    """A ``skipped`` row for an input that is not read; its id comes from its path."""
    rel = _relative(path, root) if not path.is_symlink() else (
        path.relative_to(root).as_posix() if root is not None else path.name)
    doc = Document(doc_id=doc_id_for(hashlib.sha256(f"skipped:{rel}".encode()).hexdigest()),
                   file=rel, sha256="", format=path.suffix.lower().lstrip("."), path=path,
                   status="skipped", error=reason)
    return doc
