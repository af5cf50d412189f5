"""``make bench``: speed of planmine next to bare text extraction and tokenisation, in one run.

The two ratios issue 13 sets targets for, measured in the same run, ``--repeat`` times (the
median is the figure to quote; the machine is shared, so one run can be an outlier):

(a) ``planmine extract`` on the TEXT versions of the corpus (default ``tests/data/text``, a copy
    of ``corpus/text``) / spaCy's bare tokenizer (``spacy.blank("en").tokenizer``) over each
    of the same files; target <= 6x;
(b) ``planmine extract --engine pdfium`` end to end on the PDFs / bare pypdfium2 text
    extraction (``get_textpage().get_text_range()``) of the same PDFs; target <= 40x.

Both are CPU time of this process (``time.process_time``): the extracts run in one process
(``jobs=1``), with the cache bypassed (``force=True``), so the time is the work planmine does
and not the time it waited for other processes. Wall time is printed beside it. Like for like:
in every run planmine gets a newly built pipeline and the bare side a newly built tokenizer,
both built outside the timing, so neither pays for building its pipeline and neither reuses a
vocabulary filled by an earlier run (as a new process would not).

Also printed, once: pages per second of bare pdfplumber ``extract_text()``, planmine's
``read_document`` with each engine and ``planmine extract`` with pdfplumber; sentences per
second of the NLP stage; the two engines' body-text agreement (rapidfuzz ratio) and heading
agreement per document, on the corpus PDFs and on the Kent papers (``tests/data/kent``); and the
``planmine evaluate`` scores of both engines' extracts on the gold set. A benchmark, not a
test: the timings depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ENGINES = ("pdfplumber", "pdfium")
#: The targets of issue 13 for the two ratios (planmine CPU time / bare CPU time).
TEXT_TARGET = 6.0
PDFIUM_TARGET = 40.0


@dataclass
class Timing:
    """Wall and CPU seconds of one measured call."""

    wall: float
    cpu: float


def timed(func: Callable[[], Any]) -> tuple[Any, Timing]:
    """Call ``func`` once; its result and how long it took (wall and this process's CPU)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


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


def _bare_tokenizer() -> Callable[[str], Any]:
    """A new ``spacy.blank("en").tokenizer``: built outside the timing, as planmine's pipeline is."""
    import spacy

    return spacy.blank("en").tokenizer


def _tokens_spacy(tokenizer: Callable[[str], Any], paths: list[Path]) -> int:
    """spaCy's bare tokenizer over each text file, read from disk as planmine reads it."""
    return sum(len(tokenizer(p.read_text(encoding="utf-8"))) for p in paths)


def _fresh_pipeline() -> None:
    """Give ``planmine extract`` a newly built pipeline, as a new process has: a pipeline kept
    from the run before has every word of the corpus in its vocabulary already, which spares
    it the lexeme building the bare tokenizer (new each run) pays, about a quarter of its time."""
    import pipeline.extract as extract

    extract._NLP = extract.build_nlp()


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


def agreement(pdfs: list[Path], root: Path) -> list[tuple[str, float, float]]:
    """Per PDF: rapidfuzz ratio of the two engines' body text and the SequenceMatcher ratio
    of their heading sequences (0..100 and 0..1)."""
    import difflib

    from rapidfuzz import fuzz

    from pipeline.ingest.read import read_document

    out = []
    for path in pdfs:
        a, b = (read_document(path, root, engine=e) for e in ENGINES)
        heads_a = [x.text for x in a.blocks if x.kind == "heading"]
        heads_b = [x.text for x in b.blocks if x.kind == "heading"]
        out.append((path.stem, fuzz.ratio(_body(a), _body(b)),
                    difflib.SequenceMatcher(a=heads_a, b=heads_b, autojunk=False).ratio()))
    return out


@dataclass
class BenchResult:
    """What :func:`run_bench` measured."""

    rows: list[tuple[str, Timing, str]] = field(default_factory=list)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    agreement: dict[str, list[tuple[str, float, float]]] = field(default_factory=dict)
    scores: dict[str, dict[str, float | None]] = field(default_factory=dict)


def _reader(pdfs: list[Path], root: Path, engine: str) -> Callable[[], list]:
    from pipeline.ingest.read import read_document

    return lambda: [read_document(p, root, engine=engine) for p in pdfs]


def _extract(input_dir: Path, engine: str = "pdfplumber") -> Callable[[], Path]:
    from pipeline.extract import run_extract

    def run() -> Path:
        out = Path(tempfile.mkdtemp(prefix="planmine-bench-"))
        run_extract(input_dir, out, jobs=1, force=True, engine=engine)
        return out
    return run


def run_bench(input_dir: Path, gold_dir: Path | None = None, text_dir: Path | None = None,
              kent_dir: Path | None = None, repeat: int = 3,
              ratios_only: bool = False) -> BenchResult:
    """Measure the stages over the PDFs in ``input_dir`` (and the texts in ``text_dir``).

    The two ratios are measured ``repeat`` times, each time bare and planmine side by side;
    every other row once (``ratios_only``: the ratios alone).
    """
    import shutil

    from pipeline.annotate import annotate
    from pipeline.evaluation import evaluate, load_gold, load_predictions
    from pipeline.extract import _nlp

    pdfs = sorted(input_dir.glob("*.pdf"))
    if not pdfs:
        raise SystemExit(f"{input_dir}: no PDF files to benchmark")
    texts = sorted(text_dir.glob("*.txt")) if text_dir and text_dir.is_dir() else []
    res = BenchResult()

    res.ratios = {"text": [], "pdfium": []}
    for _ in range(max(1, repeat)):
        if texts:
            tokenizer = _bare_tokenizer()
            n_tok, bare = timed(partial(_tokens_spacy, tokenizer, texts))
            _fresh_pipeline()
            out, full = timed(_extract(text_dir))  # type: ignore[arg-type]
            shutil.rmtree(out, ignore_errors=True)
            res.ratios["text"].append(full.cpu / bare.cpu)
            res.rows.append(("bare spaCy tokenizer, text corpus", bare, f"{n_tok} tokens"))
            res.rows.append(("planmine extract, text corpus", full,
                             f"{full.cpu / bare.cpu:.1f}x bare tokenizer (CPU)"))
        n_pages, bare = timed(lambda: _pages_pdfium(pdfs))
        _fresh_pipeline()
        out, full = timed(_extract(input_dir, "pdfium"))
        shutil.rmtree(out, ignore_errors=True)
        res.ratios["pdfium"].append(full.cpu / bare.cpu)
        res.rows.append(("bare pypdfium2 get_text_range()", bare,
                         f"{n_pages / bare.cpu:.1f} pages/s"))
        res.rows.append(("planmine extract --engine pdfium", full,
                         f"{n_pages / full.cpu:.1f} pages/s, {full.cpu / bare.cpu:.1f}x bare (CPU)"))

    if ratios_only:
        return res
    n_pages, t = timed(lambda: _pages_pdfplumber(pdfs))
    res.rows.append(("bare pdfplumber extract_text()", t, f"{n_pages / t.cpu:.1f} pages/s"))
    docs: dict[str, list] = {}
    for engine in ENGINES:
        docs[engine], t = timed(_reader(pdfs, input_dir, engine))
        res.rows.append((f"planmine read_document ({engine})", t, f"{n_pages / t.cpu:.1f} pages/s"))
    n_sent, t = timed(lambda: sum(len(annotate(d, _nlp()).claims) for d in docs["pdfplumber"]
                                  if d.status != "failed"))
    res.rows.append(("planmine NLP stage (nlp.pipe), PDF corpus", t,
                     f"{n_sent / t.cpu:.0f} sentences/s ({n_sent})"))

    res.agreement["corpus"] = agreement(pdfs, input_dir)
    kent = sorted(kent_dir.glob("*.pdf")) if kent_dir and kent_dir.is_dir() else []
    if kent:
        res.agreement["kent"] = agreement(kent, kent_dir)  # type: ignore[arg-type]

    gold_paths = sorted(gold_dir.glob("*.jsonl")) if gold_dir and gold_dir.is_dir() else []
    gold = load_gold(gold_paths) if gold_paths else []
    for engine in ENGINES:
        out, t = timed(_extract(input_dir, engine))
        if engine == "pdfplumber":
            res.rows.append(("planmine extract --engine pdfplumber", t,
                             f"{n_pages / t.cpu:.1f} pages/s"))
        if gold:
            res.scores[engine] = _scores(evaluate(gold, load_predictions(out)))
        shutil.rmtree(out, ignore_errors=True)
    return res


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _verdict(values: list[float], target: float) -> str:
    med = statistics.median(values)
    runs = ", ".join(f"{v:.1f}" for v in values)
    return f"{med:.1f}x (runs: {runs}; target <= {target:g}x: {'met' if med <= target else 'NOT met'})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__.split("\n")[0])
    parser.add_argument("pdfs", nargs="?", type=Path, default=Path("data/raw"))
    parser.add_argument("gold", nargs="?", type=Path, default=Path("data/gold"))
    parser.add_argument("--text", type=Path, default=Path("tests/data/text"),
                        help="text versions of the corpus, for ratio (a)")
    parser.add_argument("--kent", type=Path, default=Path("tests/data/kent"),
                        help="more PDFs for the engines' agreement")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the two ratios")
    parser.add_argument("--ratios-only", action="store_true",
                        help="measure the two ratios only (no agreement, no evaluation)")
    args = parser.parse_args(argv)
    result = run_bench(args.pdfs, args.gold, args.text, args.kent, args.repeat, args.ratios_only)
    console = Console()
    table = Table(title=f"planmine benchmark on {args.pdfs} and {args.text}")
    for col in ("stage", "CPU s", "wall s", "rate"):
        table.add_column(col)
    for name, t, rate in result.rows:
        table.add_row(name, f"{t.cpu:.2f}", f"{t.wall:.2f}", rate)
    console.print(table)

    for where, rows in result.agreement.items():
        agree = Table(title=f"pdfium engine vs pdfplumber engine, per document ({where})")
        agree.add_column("document", overflow="fold")
        agree.add_column("body text ratio (rapidfuzz)")
        agree.add_column("heading sequence ratio")
        for stem, body, heads in rows:
            agree.add_row(stem, f"{body:.2f}", f"{heads:.3f}")
        if rows:
            agree.add_row("mean", f"{statistics.mean(r[1] for r in rows):.2f}",
                          f"{statistics.mean(r[2] for r in rows):.3f}")
        console.print(agree)

    scores = result.scores
    if scores:
        ev = Table(title=f"planmine evaluate on {args.gold} (pdfium - pdfplumber)")
        for col in ("score", *ENGINES, "difference"):
            ev.add_column(col)
        for name in scores[ENGINES[0]]:
            a, b = scores[ENGINES[0]].get(name), scores[ENGINES[1]].get(name)
            diff = None if a is None or b is None else b - a
            ev.add_row(name, _fmt(a), _fmt(b), "n/a" if diff is None else f"{diff:+.3f}")
        console.print(ev)

    console.print("[bold]Ratios (CPU time of one process, median of the runs):[/bold]")
    if result.ratios.get("text"):
        console.print(f"(a) planmine extract on the text corpus / bare spaCy tokenizer: "
                      f"{_verdict(result.ratios['text'], TEXT_TARGET)}")
    console.print(f"(b) planmine extract --engine pdfium / bare pypdfium2: "
                  f"{_verdict(result.ratios['pdfium'], PDFIUM_TARGET)}")


if __name__ == "__main__":
    main()
