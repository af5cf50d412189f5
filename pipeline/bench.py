"""``make bench``: speed of planmine next to bare PDF text extraction, measured in one run.

Prints, side by side in one run: pages per second for bare pdfplumber ``extract_text()``, bare
pypdfium2 text extraction, planmine's ``read_document`` with each PDF engine (pdfplumber, pdfium)
and the whole ``planmine extract`` with each engine (single process, cache bypassed); sentences
per second of the NLP stage; the two engines' body-text agreement per document (rapidfuzz ratio)
and heading agreement; and the ``planmine evaluate`` scores of both engines' extracts on the gold
set with their differences. A benchmark, not a test: the timings depend on the machine.
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


ENGINES = ("pdfplumber", "pdfium")


def _body(doc) -> str:  # noqa: ANN001
    return " ".join(" ".join(b.text.split()) for b in doc.blocks if b.kind != "table")


def _scores(report) -> dict[str, float | None]:  # noqa: ANN001
    """The headline numbers of an :class:`pipeline.evaluation.EvaluationReport`."""
    o = report.overall
    out: dict[str, float | None] = {"alignment": o.alignment_rate, "claim type accuracy": o.type_accuracy}
    for kind, prf in o.mentions.items():
        out[f"{kind} F1"] = prf.f1
    if o.links is not None:
        links = o.links
        out["link top-1"] = links.rate(links.top1, links.n_linked_gold)
        out["link top-3"] = links.rate(links.top3, links.n_linked_gold)
        out["link abstain (null gold)"] = links.rate(links.abstained, links.n_null_gold)
    return out


def run_bench(input_dir: Path, gold_dir: Path | None = None) -> dict:
    """Measure each stage once over the PDFs in ``input_dir``.

    Returns ``{"rows": [(stage, seconds, rate)], "agreement": [(doc, body ratio, heading ratio)],
    "scores": {engine: {score: value}}}``.
    """
    import difflib

    from rapidfuzz import fuzz

    from pipeline.annotate import annotate
    from pipeline.evaluation import evaluate, load_gold, load_predictions
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
    s_bare_pdfium = time.perf_counter() - t
    rows.append(("bare pypdfium2 get_text_range()", s_bare_pdfium, f"{n / s_bare_pdfium:.1f} pages/s"))

    docs: dict[str, list] = {}
    for engine in ENGINES:
        t = time.perf_counter()
        docs[engine] = [read_document(p, input_dir, engine=engine) for p in pdfs]
        s = time.perf_counter() - t
        rows.append((f"planmine read_document ({engine} engine)", s, f"{n_pages / s:.1f} pages/s"))

    agreement = []
    for a, b in zip(docs["pdfplumber"], docs["pdfium"], strict=True):
        heads_a = [x.text for x in a.blocks if x.kind == "heading"]
        heads_b = [x.text for x in b.blocks if x.kind == "heading"]
        agreement.append((Path(a.file).stem, fuzz.ratio(_body(a), _body(b)),
                          difflib.SequenceMatcher(a=heads_a, b=heads_b, autojunk=False).ratio()))

    nlp = build_nlp()
    t = time.perf_counter()
    n_sent = sum(len(annotate(d, nlp).claims) for d in docs["pdfplumber"] if d.status != "failed")
    s = time.perf_counter() - t
    rows.append(("planmine NLP stage (nlp.pipe)", s, f"{n_sent / s:.0f} sentences/s ({n_sent})"))

    gold_paths = sorted(gold_dir.glob("*.jsonl")) if gold_dir and gold_dir.is_dir() else []
    gold = load_gold(gold_paths) if gold_paths else []
    scores: dict[str, dict[str, float | None]] = {}
    for engine in ENGINES:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            run_extract(input_dir, Path(tmp), jobs=1, force=True, engine=engine)
            s = time.perf_counter() - t
            rows.append((f"planmine extract end-to-end, 1 process ({engine})", s,
                         f"{n_pages / s:.1f} pages/s, {s / s_bare_pdfium:.1f}x bare pypdfium2"))
            if gold:
                scores[engine] = _scores(evaluate(gold, load_predictions(Path(tmp))))
    return {"rows": rows, "agreement": agreement, "scores": scores}


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    input_dir = Path(args[0]) if args else Path("data/raw")
    gold_dir = Path(args[1]) if len(args) > 1 else Path("data/gold")
    result = run_bench(input_dir, gold_dir)
    console = Console()
    table = Table(title=f"planmine benchmark on {input_dir}")
    for col in ("stage", "seconds", "rate"):
        table.add_column(col)
    for name, seconds, rate in result["rows"]:
        table.add_row(name, f"{seconds:.2f}", rate)
    console.print(table)

    agree = Table(title="pdfium engine vs pdfplumber engine, per document")
    agree.add_column("document", overflow="fold")
    agree.add_column("body text ratio (rapidfuzz)")
    agree.add_column("heading sequence ratio")
    for stem, body, heads in result["agreement"]:
        agree.add_row(stem, f"{body:.2f}", f"{heads:.3f}")
    console.print(agree)

    scores = result["scores"]
    if scores:
        ev = Table(title=f"planmine evaluate on {gold_dir} (pdfium - pdfplumber)")
        for col in ("score", *ENGINES, "difference"):
            ev.add_column(col)
        for name in scores[ENGINES[0]]:
            a, b = scores[ENGINES[0]].get(name), scores[ENGINES[1]].get(name)
            diff = None if a is None or b is None else b - a
            ev.add_row(name, _fmt(a), _fmt(b), "n/a" if diff is None else f"{diff:+.3f}")
        console.print(ev)


if __name__ == "__main__":
    main()
