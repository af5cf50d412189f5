"""``make bench``: speed of planmine next to bare PDF text extraction, measured in one run.

Prints pages per second for bare pdfplumber ``extract_text()``, bare pypdfium2 text extraction,
planmine's ingestion, and the whole ``planmine extract`` (single process, cache bypassed), plus
sentences per second of the NLP stage. A benchmark, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table


def _pages_pdfplumber(paths: list[Path]) -> int:
    import pdfplumber

    pages = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    return pages


def _pages_pdfium(paths: list[Path]) -> int:
    import pypdfium2 as pdfium

    pages = 0
    for path in paths:
        pdf = pdfium.PdfDocument(str(path))
        try:
            for page in pdf:
                textpage = page.get_textpage()
                textpage.get_text_range()
                textpage.close()
                page.close()
                pages += 1
        finally:
            pdf.close()
    return pages


def run_bench(input_dir: Path) -> list[tuple[str, float, str]]:
    """Measure each stage once over the PDFs in ``input_dir``; returns (name, seconds, rate)."""
    from pipeline.annotate import annotate
    from pipeline.extract import run_extract
    from pipeline.ingest.read import read_document
    from pipeline.nlp.pipeline import build_nlp

    pdfs = sorted(input_dir.glob("*.pdf"))
    if not pdfs:
        raise SystemExit(f"{input_dir}: no PDF files to benchmark")
    rows: list[tuple[str, float, str]] = []

    t = time.perf_counter()
    n_pages = _pages_pdfplumber(pdfs)
    s = time.perf_counter() - t
    rows.append(("bare pdfplumber extract_text()", s, f"{n_pages / s:.1f} pages/s"))

    t = time.perf_counter()
    n = _pages_pdfium(pdfs)
    s = time.perf_counter() - t
    rows.append(("bare pypdfium2 get_text_range()", s, f"{n / s:.1f} pages/s"))

    t = time.perf_counter()
    docs = [read_document(p, input_dir) for p in pdfs]
    s = time.perf_counter() - t
    rows.append(("planmine ingest (pdfplumber engine)", s, f"{n_pages / s:.1f} pages/s"))

    nlp = build_nlp()
    t = time.perf_counter()
    n_sent = sum(len(annotate(d, nlp).claims) for d in docs if d.status != "failed")
    s = time.perf_counter() - t
    rows.append(("planmine NLP stage (nlp.pipe)", s, f"{n_sent / s:.0f} sentences/s ({n_sent})"))

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        run_extract(input_dir, Path(tmp), jobs=1, force=True)
        s = time.perf_counter() - t
    rows.append(("planmine extract end-to-end, 1 process", s, f"{n_pages / s:.1f} pages/s"))
    return rows


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    input_dir = Path(args[0]) if args else Path("data/raw")
    rows = run_bench(input_dir)
    table = Table(title=f"planmine benchmark on {input_dir}")
    for col in ("stage", "seconds", "rate"):
        table.add_column(col)
    for name, seconds, rate in rows:
        table.add_row(name, f"{seconds:.2f}", rate)
    Console().print(table)


if __name__ == "__main__":
    main()
