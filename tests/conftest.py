"""Shared, session-scoped fixtures: the corpus read once and reused by every test module.

``corpus_pdf_docs`` and ``corpus_text_docs`` map a file stem to its :class:`Document`
(the five PDFs in ``data/raw`` and their text versions in ``tests/data/text``);
``kent_out`` is one extraction of another council's papers (``tests/data/kent``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import DEFAULT_INPUT_DIR
from pipeline.model import Document

TEXT_DIR = Path(__file__).parent / "data" / "text"
KENT_DIR = Path(__file__).parent / "data" / "kent"


def _read_all(paths: list[Path], root: Path) -> dict[str, Document]:
    from pipeline.ingest.read import read_document

    return {p.stem: read_document(p, root) for p in paths}


@pytest.fixture(scope="session")
def corpus_pdf_paths() -> list[Path]:
    paths = sorted(DEFAULT_INPUT_DIR.glob("*.pdf"))
    if not paths:
        pytest.skip(f"no corpus PDFs in {DEFAULT_INPUT_DIR}")
    return paths


@pytest.fixture(scope="session")
def corpus_text_paths() -> list[Path]:
    paths = sorted(TEXT_DIR.glob("*.txt"))
    if not paths:
        pytest.skip(f"no corpus texts in {TEXT_DIR}")
    return paths


@pytest.fixture(scope="session")
def corpus_pdf_docs(corpus_pdf_paths: list[Path]) -> dict[str, Document]:
    """stem → Document for every corpus PDF (read once per test session)."""
    return _read_all(corpus_pdf_paths, DEFAULT_INPUT_DIR)


@pytest.fixture(scope="session")
def corpus_text_docs(corpus_text_paths: list[Path]) -> dict[str, Document]:
    """stem → Document for every corpus text file (read once per test session)."""
    return _read_all(corpus_text_paths, TEXT_DIR)


@pytest.fixture(scope="session")
def corpus_extract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`planmine extract` run once on the shipped PDFs (data/raw); the output folder."""
    from pipeline.extract import run_extract

    out = tmp_path_factory.mktemp("corpus_out")
    summary = run_extract(DEFAULT_INPUT_DIR, out, jobs=2)
    assert summary.files == 5 and summary.failed == 0, summary.errors
    return out


@pytest.fixture(scope="session")
def kent_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """One extraction of the Kent papers (tests/data/kent) per session: (output folder, summary).

    Shared by the Kent layout tests and the Kent gold scores, so the folder (about 30 s of
    work) is extracted once however many modules use it.
    """
    from pipeline.extract import run_extract

    out = tmp_path_factory.mktemp("kent-out")
    summary = run_extract(KENT_DIR, out, jobs=1)
    return out, summary
