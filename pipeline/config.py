"""Paths and settings in one place, so no module hard-codes a location."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
#: Rule files, lexicons and fitted models ship inside the package, so an installed wheel
#: (a Dask worker, a fresh venv) has them too.
MODELS_DIR = PACKAGE_DIR / "models"
PATTERNS_DIR = MODELS_DIR / "patterns"
LEXICONS_DIR = MODELS_DIR / "lexicons"
MATCHER_DIR = MODELS_DIR / "matcher"
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_INPUT_DIR = DATA_DIR / "raw"
DEFAULT_OUTPUT_DIR = DATA_DIR / "processed"
DEFAULT_GOLD_DIR = DATA_DIR / "gold"
#: The PDF engine (``pipeline.ingest.read.PDF_ENGINES``): pdfium since its text, headings and
#: tables agree with pdfplumber's on the corpus and the Kent papers (``make bench`` prints the
#: agreement) and it reads pages several times faster.
DEFAULT_ENGINE = "pdfium"

#: File suffixes planmine reads.
SUPPORTED_SUFFIXES = (".pdf", ".txt", ".html", ".htm", ".docx")
