"""The ``planmine`` command: a thin layer that parses arguments and calls library functions."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline.config import DEFAULT_ENGINE, DEFAULT_GOLD_DIR, DEFAULT_INPUT_DIR, DEFAULT_OUTPUT_DIR

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Mine reports for evidence against a strategic plan.")
console = Console(stderr=True, soft_wrap=True)  # one-line errors stay one line

#: The columns `gaps` shows in the terminal (csv/json give all of them).
GAPS_TABLE_COLUMNS = ("period_label", "sub_outcome_id", "kind", "text", "n_claims", "n_results",
                      "n_values", "evidence")

OUT_OPTION = typer.Option(DEFAULT_OUTPUT_DIR, "--out", "--pred", help="Output folder of `extract`.")


def _fail(message: str, code: int = 1) -> typer.Exit:
    """Print a one-line error and return the Exit to raise."""
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


FORMATS = ("table", "csv", "json")


def _check_format(fmt: str) -> None:
    """Refuse an unknown --format in one line, before any work."""
    if fmt not in FORMATS:
        raise _fail(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}", 2)


def _tables(out: Path, *names: str) -> list:
    """Load output tables, or stop with a one-line error if `extract` has not run there."""
    from pipeline.tables.queries import OutputsMissing, load_table

    try:
        tables = [load_table(out, name) for name in names]
    except OutputsMissing as exc:
        raise _fail(str(exc)) from exc
    if "aims" in names and tables[names.index("aims")].empty:
        raise _fail(f"{out}: no strategic plan in these outputs; re-run `planmine extract` "
                    "with the plan among the inputs or --plan FILE")
    return tables


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


@app.command()
def extract(
    input_dir: Path = typer.Argument(DEFAULT_INPUT_DIR, help="Folder (or one file) of PDF/TXT reports."),
    out: Path = typer.Option(DEFAULT_OUTPUT_DIR, "--out", help="Where the tables go."),
    plan: Path | None = typer.Option(None, "--plan", help="Strategic plan: a PDF/TXT, or CSV/YAML of aims."),
    jobs: int = typer.Option(0, "--jobs", "-j", help="Parallel worker processes (0 = number of cores)."),
    force: bool = typer.Option(False, "--force", help="Re-process files even if unchanged."),
    min_score: float | None = typer.Option(None, "--min-score", help="Drop links scoring below this (0-1)."),
    engine: str = typer.Option(DEFAULT_ENGINE, "--engine", help="PDF engine: pdfium (default, faster) or pdfplumber."),
    executor: str = typer.Option("local", "--executor", help="local (process pool) or dask."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    timeout: float | None = typer.Option(None, "--timeout", help="Per-file time limit in seconds."),
    parquet: bool = typer.Option(False, "--parquet", help="Also write big tables as Parquet partitioned by period."),
) -> None:
    """Read every report in INPUT_DIR and write the tables to --out."""
    from pipeline.extract import OutputNotWritable, discover_inputs, run_extract
    from pipeline.tables.writers import OutputBusy

    if min_score is not None and not 0.0 <= min_score <= 1.0:
        raise _fail(f"--min-score must be between 0 and 1, got {min_score:g}", 2)
    if plan is not None and not plan.is_file():
        raise _fail(f"{plan}: plan file {'is not a file' if plan.exists() else 'does not exist'}", 2)
    if plan is not None and not os.access(plan, os.R_OK):
        raise _fail(f"{plan}: plan file is not readable (permission denied)", 2)
    try:
        n_files = len(discover_inputs(input_dir))
    except FileNotFoundError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if n_files == 0:
        raise _fail(f"{input_dir}: no readable documents (PDF or text files) found", 1)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[current]}"))
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("extracting", total=n_files, current="")

        page_tasks: dict[str, TaskID] = {}

        def advance(name: str) -> None:
            progress.update(task, advance=1, current=name)
            if name in page_tasks:
                progress.remove_task(page_tasks.pop(name))

        def page(name: str, done: int, total: int) -> None:
            """One bar per PDF being read, pages read of pages: a long file shows it moves."""
            if name not in page_tasks:
                page_tasks[name] = progress.add_task("  pages", total=total, current=name)
            progress.update(page_tasks[name], completed=done)

        try:
            summary = run_extract(input_dir, out, plan_file=plan, jobs=jobs or None,
                                  force=force, min_score=min_score, engine=engine,
                                  executor=executor,
                                  scheduler=scheduler, timeout=timeout, parquet=parquet,
                                  on_progress=advance, on_page=page)
        except (OutputNotWritable, OutputBusy, ValueError) as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    for line in summary.errors:
        console.print(f"[red]failed:[/red] {line}")
    for line in summary.skips:
        console.print(f"[yellow]skipped:[/yellow] {line}")
    for line in summary.warnings:
        console.print(f"[yellow]warning:[/yellow] {line}")
    console.print(
        f"{summary.files} files ({summary.processed} processed, {summary.cached} unchanged, "
        f"{summary.failed} failed), {summary.pages} pages, {summary.sections} sections, "
        f"{summary.claims} claims in {summary.seconds:.1f}s"
    )
    console.print(f"tables written to {summary.out_dir}/ (CSV, {summary.written['duckdb'].name}, "
                  f"{summary.written['datapackage'].name}); texts in {summary.out_dir / 'text'}/")
    if summary.files and summary.failed == summary.files:
        raise typer.Exit(1)


@app.command()
def evaluate(
    gold: list[Path] = typer.Option(None, "--gold", help="Gold JSONL files or folders."),
    pred: list[Path] = typer.Option(
        None, "--pred", "--out",
        help="Output folder of `extract` (default data/processed); give it again to score "
             "several folders together, e.g. two councils each linked against its own plan."),
    min_score: float | None = typer.Option(None, "--min-score", help="Link threshold for abstention."),
) -> None:
    """Score the extracted tables against hand-annotated gold sentences."""
    from pipeline.evaluation import (
        combine_predictions,
        format_report,
        gold_files,
        load_gold,
        load_predictions,
    )
    from pipeline.evaluation import evaluate as run_evaluate

    items = gold or [DEFAULT_GOLD_DIR]
    paths = gold_files(items)
    if not paths:
        raise typer.BadParameter(f"no gold .jsonl files in {', '.join(map(str, items))}")
    preds = combine_predictions([load_predictions(p) for p in pred or [DEFAULT_OUTPUT_DIR]])
    report = run_evaluate(load_gold(paths), preds, min_score=min_score)
    typer.echo(format_report(report))


@app.command()
def query(
    sql: str = typer.Argument(..., help="SQL to run on planmine.duckdb."),
    out: Path = OUT_OPTION,
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    allow_files: bool = typer.Option(False, "--allow-files",
                                     help="Let the SQL read and write files (COPY, read_csv...)."),
) -> None:
    """Run SQL on the DuckDB file and print the result (no file access unless --allow-files)."""
    import duckdb

    from pipeline.evidence.compare import format_table
    from pipeline.tables.queries import OutputsMissing, run_query

    _check_format(fmt)
    if not sql.strip():
        raise _fail("empty query; give the SQL to run, e.g. 'SELECT count(*) FROM claims'", 2)
    try:
        result = run_query(out, sql, allow_files=allow_files)
    except OutputsMissing as exc:
        raise _fail(str(exc)) from exc
    except duckdb.Error as exc:
        raise _fail(" ".join(str(exc).split())) from exc
    typer.echo(format_table(result, fmt))


@app.command()
def show(claim_id: str, out: Path = OUT_OPTION) -> None:
    """Show one claim: its page and section, its mentions and its links."""
    from pipeline.tables.queries import OutputsMissing, describe_claim

    try:
        typer.echo(describe_claim(out, claim_id))
    except KeyError as exc:
        raise _fail(exc.args[0]) from exc
    except OutputsMissing as exc:
        raise _fail(str(exc)) from exc


@app.command()
def gaps(
    period: str | None = typer.Option(None, "--period", help="Reporting period, e.g. 2024/25 (default: latest)."),
    out: Path = OUT_OPTION,
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    kind: list[str] = typer.Option(["aim"], "--kind", help="aim, action, measure or all (repeatable)."),
) -> None:
    """The plan elements with no or weak evidence in a period, and measures reported per period."""
    from pipeline.evidence.compare import find_gaps, format_table, measures_reported

    _check_format(fmt)
    coverage, aims = _tables(out, "coverage", "aims")
    kinds = None if "all" in kind else tuple(kind)
    bad = [k for k in (kinds or ()) if k not in ("aim", "action", "measure")]
    if bad:
        raise _fail(f"--kind must be aim, action, measure or all, got {', '.join(bad)}")
    try:
        result = find_gaps(coverage, aims, period=period, kinds=kinds)
    except (KeyError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    if fmt == "table":  # the readable view; csv/json keep every column
        result = result[[c for c in GAPS_TABLE_COLUMNS if c in result.columns]]
    typer.echo(format_table(result, fmt))
    if fmt == "table":
        for label, n, total in measures_reported(coverage, aims):
            typer.echo(f"{label}: {n} of {total} success measures reported")


@app.command()
def measures(
    period: str | None = typer.Option(None, "--period", help="Only this reporting period."),
    out: Path = OUT_OPTION,
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """The plan's success measures with the values reported for them, period by period."""
    from pipeline.evidence.compare import format_table, measures_table

    aims, values = _tables(out, "aims", "measure_values")
    try:
        table = measures_table(aims, values, period=period)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(format_table(table, fmt))


@app.command()
def compare(
    period_a: str = typer.Argument(..., help="Earlier period, e.g. 2023/24."),
    period_b: str = typer.Argument(..., help="Later period, e.g. 2024/25."),
    out: Path = OUT_OPTION,
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    lost_only: bool = typer.Option(False, "--lost", help="Print only the aims that lost all evidence."),
) -> None:
    """Per sub-outcome evidence and money in two periods, and aims that lost all evidence.

    With --format csv/json stdout holds one parseable table (the comparison, or the lost aims
    with --lost); the count of lost aims goes to stderr."""
    from pipeline.evidence.compare import compare_periods, format_table, lost_evidence

    _check_format(fmt)
    coverage, aims = _tables(out, "coverage", "aims")
    try:
        table = compare_periods(coverage, aims, period_a, period_b)
        lost = lost_evidence(coverage, aims, period_a, period_b)
    except (KeyError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    summary = f"Aims with evidence in {period_a} and none in {period_b}: {len(lost)}"
    if lost_only:
        typer.echo(format_table(lost, fmt))
        console.print(summary)
    elif fmt == "table":
        typer.echo(format_table(table, fmt))
        typer.echo(f"\n{summary}")
        if len(lost):
            typer.echo(format_table(lost, fmt))
    else:  # machine-readable: one table on stdout, the prose on stderr
        typer.echo(format_table(table, fmt))
        console.print(f"{summary} (print them with --lost)")


@app.command("plan-diff")
def plan_diff_cmd(
    out: Path = OUT_OPTION,
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """What changed between the plan and its refreshed version (same, reworded, changed target, new, dropped)."""
    from pipeline.plan.diff import format_plan_diff, plan_diff_from_tables

    _check_format(fmt)
    df = plan_diff_from_tables(*_tables(out, "plans", "aims"))
    typer.echo(format_plan_diff(df) if fmt == "table" else _fmt(df, fmt))


def _fmt(df, fmt: str) -> str:
    from pipeline.evidence.compare import format_table

    return format_table(df, fmt)


@app.command()
def report(
    out: Path = OUT_OPTION,
    raw: Path = typer.Option(DEFAULT_INPUT_DIR, "--raw", help="Folder of the source PDFs (for page links)."),
    path: Path | None = typer.Option(None, "--report", help="HTML file to write (default OUT/report/index.html)."),
    pdf_base: str | None = typer.Option(
        None, "--pdf-base",
        help="Where the source links point: a URL (https://example.org/reports) or a folder. "
             "Default: absolute file:// paths of --raw, so the report works when moved."),
) -> None:
    """Write the offline HTML evidence report for policy staff."""
    from pipeline.report import write_report
    from pipeline.tables.queries import OutputsMissing

    try:
        written = write_report(out, path, raw, pdf_base)
    except OutputsMissing as exc:
        raise _fail(str(exc)) from exc
    console.print(f"report written to {written}")
