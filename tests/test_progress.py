"""Progress within a file: every page of every PDF is reported, in this process and from a
pool's workers, so a long PDF does not sit at 0/1 (real Kent PDFs)."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pypdfium2
import pytest

from pipeline.executors import run_files
from pipeline.extract import file_work

KENT = Path(__file__).parent / "data" / "kent"
FILES = ("qpr-q3-2024-25-cover.pdf", "armed-forces-covenant-annual-report-2024.pdf")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages-in")
    for name in FILES:
        shutil.copy(KENT / name, folder / name)
    return folder


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
def test_every_page_is_reported(inputs: Path, jobs: int, engine: str) -> None:
    seen: dict[str, list[tuple[int, int]]] = defaultdict(list)
    paths = sorted(inputs.glob("*.pdf"))
    results = run_files(paths, inputs, file_work(), jobs=jobs, engine=engine,
                        on_page=lambda name, done, total: seen[name].append((done, total)))
    assert all(r[0].status == "ok" for r in results.values())
    for path in paths:
        pages = len(pypdfium2.PdfDocument(str(path)))
        reports = seen[path.name]
        assert [d for d, _ in reports] == list(range(1, pages + 1)), path.name
        assert {t for _, t in reports} == {pages}


def test_no_sink_no_reports(inputs: Path) -> None:
    """A library caller that asks for nothing gets nothing (and nothing breaks)."""
    from pipeline.ingest import progress

    path = inputs / FILES[0]
    assert progress.set_sink(None) is None
    results = run_files([path], inputs, file_work(), jobs=1)
    assert results[path][0].status == "ok"
