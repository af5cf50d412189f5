"""The main job: input folder → ingested documents → annotated rows → linked, tidy tables.

Per-file work (ingest + NLP) runs in a process pool and is cached by the file's SHA-256, so an
unchanged file is not processed again; the corpus-level stages (plan, links, coverage, metrics)
run over all documents once. Outputs are written atomically by :mod:`pipeline.tables.writers`.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline.annotate import DocRows, document_rows
from pipeline.config import DEFAULT_ENGINE, MODELS_DIR, PACKAGE_DIR, SUPPORTED_SUFFIXES
from pipeline.evidence.coverage import load_evidence_rules
from pipeline.evidence.metrics import load_metric_rules
from pipeline.evidence.rules import default_rules
from pipeline.evidence.stage import evidence_tables
from pipeline.executors import FileWork, run_files
from pipeline.ingest import layout, plan_layout
from pipeline.ingest import manifest as manifest_mod
from pipeline.ingest.read import (
    PDF_ENGINES,
    read_document,
    skipped_document,
    skipped_inputs,
)
from pipeline.link.corpus import corpus_tables
from pipeline.model import Document, doc_id_for
from pipeline.nlp.pipeline import build_nlp
from pipeline.plan import files as plan_files
from pipeline.plan import read as plan_read
from pipeline.plan.model import PlanNotFound
from pipeline.tables.writers import (
    Generation,
    clean_stale,
    follow_umask,
    output_lock,
    write_parquet,
    write_table_files,
    write_text_atomic,
)

log = logging.getLogger(__name__)

CACHE_DIRNAME = ".cache"
TEXT_DIRNAME = "text"


class OutputNotWritable(Exception):
    """The output folder cannot be created or written: raised before any work is done."""


class PlanNotReadable(ValueError):
    """The plan given with ``--plan`` (or marked in the manifest) cannot be read: raised before
    any file is processed, with a one-line message naming the file and the cause."""


PLAN_CACHE_NAME = "plan.yaml"


def check_plan(plan_file: Path, cache_dir: Path, engine: str = DEFAULT_ENGINE) -> Path:
    """Read the plan now, before the per-file work, and return a plan file to link against.

    A CSV/YAML plan file is returned as it is once it parses. A plan document (PDF, text, Word,
    HTML) is read and parsed here, and its elements are saved as a YAML plan file under
    ``cache_dir`` (ids kept), so the corpus stage does not read it a second time.
    """
    try:
        if plan_file.suffix.lower() in (".csv", ".yaml", ".yml"):
            plan_files.read_plan_file(plan_file)
            return plan_file
        if not plan_file.is_file():
            raise ValueError("file not found")
        doc = read_document(plan_file, plan_file.parent, engine=engine)
        if doc.status == "failed":
            raise ValueError(doc.error)
        parsed = plan_read.parse_plan(doc)
    except Exception as exc:  # any cause: one line, before any work is done
        message = " ".join(str(exc).split()).removeprefix(f"{plan_file.name}: ")
        raise PlanNotReadable(f"{plan_file}: cannot read the plan: {message}") from exc
    return write_plan_yaml(parsed, cache_dir / PLAN_CACHE_NAME)


def write_plan_yaml(plan, path: Path) -> Path:
    """Save a parsed plan in the YAML plan-file format (``read_plan_file`` reads it back)."""
    import yaml

    data = {"plan_id": plan.plan_id, "doc_id": plan.doc_id, "title": plan.title,
            "period_start": plan.period_start.isoformat() if plan.period_start else None,
            "period_end": plan.period_end.isoformat() if plan.period_end else None,
            "version_label": plan.version_label,
            "aims": [{k: v for k, v in vars(a).items() if k != "plan_id"} for a in plan.aims]}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


@dataclass
class ExtractSummary:
    """What a run did, for the CLI to print and tests to check."""

    files: int = 0
    processed: int = 0
    cached: int = 0
    failed: int = 0
    skipped: int = 0
    pages: int = 0
    sections: int = 0
    claims: int = 0
    seconds: float = 0.0
    out_dir: Path = Path(".")
    written: dict[str, Path] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)


def discover_inputs(input_dir: Path) -> list[Path]:
    """The files planmine can read under ``input_dir`` (recursively), in a stable order."""
    if input_dir.is_file():
        return [input_dir]
    if not input_dir.exists():
        raise FileNotFoundError(f"{input_dir}: input folder does not exist")
    return sorted(
        p for p in input_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def check_writable(out_dir: Path) -> None:
    """Fail early with a clear message if outputs cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".planmine-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise OutputNotWritable(f"{out_dir}: output folder is not writable ({exc.strerror or exc})") from exc


def rules_fingerprint() -> str:
    """A hash of the code and every rule file: a change to either invalidates the cache."""
    digest = hashlib.sha256(__version__.encode())
    files = (sorted(PACKAGE_DIR.rglob("*.py")) + sorted((MODELS_DIR / "patterns").glob("*"))
             + sorted((MODELS_DIR / "lexicons").glob("*")))
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(PACKAGE_DIR.parent).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- per-file work (runs in worker processes) ---------------------------------------------

_NLP = None


def _nlp():
    global _NLP
    if _NLP is None:
        _NLP = build_nlp()
    return _NLP


def process_file(path: Path, root: Path, engine: str = DEFAULT_ENGINE,
                 sha256: str | None = None) -> tuple[Document, DocRows]:
    """Ingest one file and annotate its body text. Never raises for bad input.

    ``sha256``: the file's hash when already known (the cache lookup computed it)."""
    document = read_document(path, root, engine=engine, sha256=sha256)
    if document.status == "failed":
        return document, document_rows(document, None)
    try:
        rows = document_rows(document, _nlp())
    except Exception as exc:  # a bug on one file must not sink the batch
        log.exception("annotating %s failed", path)
        document.status = "failed"
        document.error = f"annotation failed: {type(exc).__name__}: {exc}"
        rows = document_rows(document, None)
    return document, rows


def failed_result(path: Path, root: Path, error: str) -> tuple[Document, DocRows]:
    """A failed document for ``path`` (e.g. a timeout), with whatever identity can be read."""
    sha = _file_sha(path) or ""
    try:
        rel = str(path.relative_to(root))
    except ValueError:
        rel = path.name
    # an unreadable file has no bytes to hash: its id comes from its path instead
    doc_id = doc_id_for(sha) if sha else doc_id_for(hashlib.sha256(rel.encode()).hexdigest())
    document = Document(doc_id=doc_id, file=rel, sha256=sha,
                        format=path.suffix.lower().lstrip("."), path=path,
                        status="failed", error=error)
    return document, document_rows(document, None)


def file_work() -> FileWork[tuple[Document, DocRows]]:
    """The per-file work of ``extract`` for the executors: :func:`process_file`, with
    :func:`failed_result` for a file that times out and the NLP pipeline built beforehand.

    The functions are looked up when this is called, not at import, so a caller (a test) may
    replace :func:`process_file` first."""
    return FileWork(process=process_file, failed=failed_result, prepare=_nlp)


def check_rule_files() -> None:
    """Load and validate every rule file in this process (layout, plan, evidence sections,
    and the NLP components' pattern sets and lexicons by building the pipeline), so a bad key
    fails once, at start-up, naming the file and the key, not inside every worker."""
    layout.rules()
    plan_layout.rules()
    default_rules()
    load_evidence_rules()
    load_metric_rules()
    _nlp()


def _cache_path(cache_dir: Path, sha256: str, fingerprint: str) -> Path:
    return cache_dir / f"{sha256[:24]}-{fingerprint}.pkl"


def _file_sha(path: Path) -> str | None:
    from pipeline.model import sha256_of

    try:
        return sha256_of(path)
    except OSError:
        return None


# --- the whole run ------------------------------------------------------------------------

def run_extract(
    input_dir: Path,
    out_dir: Path,
    *,
    plan_file: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    min_score: float | None = None,
    engine: str = DEFAULT_ENGINE,
    executor: str = "local",
    scheduler: str | None = None,
    timeout: float | None = None,
    parquet: bool = False,
    on_progress: Callable[[str], None] | None = None,
    on_page: Callable[[str, int, int], None] | None = None,
) -> ExtractSummary:
    """Process every readable file under ``input_dir`` and write all tables to ``out_dir``."""
    if engine not in PDF_ENGINES:
        raise ValueError(f"engine must be one of {tuple(PDF_ENGINES)}, got {engine!r}")
    started = time.perf_counter()
    check_writable(out_dir)
    with output_lock(out_dir), _older_objects_frozen():
        clean_stale(out_dir)  # what a killed run left behind
        return _run_locked(input_dir, out_dir, started, plan_file=plan_file, jobs=jobs,
                           force=force, min_score=min_score, engine=engine, executor=executor,
                           scheduler=scheduler, timeout=timeout, parquet=parquet,
                           on_progress=on_progress, on_page=on_page)


@contextmanager
def _older_objects_frozen() -> Iterator[None]:
    """Keep the objects that exist before the run out of the garbage collector's full
    collections while it runs, and give them back after it (``gc.freeze``/``gc.unfreeze``).

    Why: the imported libraries, the NLP pipeline and its rules are some 200,000 long-lived
    objects; each full collection of a run (one or two) walked them all for nothing, about
    0.1 s of CPU per extract of the text corpus (measured with ``gc.callbacks``). Objects the
    run creates are collected as usual; nothing is kept once the run ends.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_locked(input_dir: Path, out_dir: Path, started: float, *, plan_file: Path | None,
                jobs: int | None, force: bool, min_score: float | None, engine: str,
                executor: str, scheduler: str | None, timeout: float | None, parquet: bool,
                on_progress: Callable[[str], None] | None,
                on_page: Callable[[str, int, int], None] | None = None) -> ExtractSummary:
    """The run itself, with the output folder's lock held."""
    paths = discover_inputs(input_dir)
    root = input_dir if input_dir.is_dir() else input_dir.parent
    summary = ExtractSummary(files=len(paths), out_dir=out_dir)
    cache_dir = out_dir / CACHE_DIRNAME
    cache_dir.mkdir(parents=True, exist_ok=True)
    # the rule files, the manifest and the plan are checked before any file is processed
    check_rule_files()
    manifest = manifest_mod.load_manifest(manifest_mod.manifest_path(input_dir),
                                          [_relative_to(p, root) for p in paths])
    if plan_file is None and manifest is not None and manifest.plan_file():
        plan_file = root / str(manifest.plan_file())
    if plan_file is not None:
        plan_file = check_plan(Path(plan_file), cache_dir, engine)
    fingerprint = f"{rules_fingerprint()}-{engine}{manifest_mod.fingerprint(input_dir)}"

    results: dict[Path, tuple[Document, DocRows]] = {}
    todo: list[Path] = []
    hashes: dict[Path, str] = {}
    for path in paths:
        sha = _file_sha(path)
        if sha:
            hashes[path] = sha
        cached = _cache_path(cache_dir, sha, fingerprint) if sha else None
        if cached is not None and cached.exists() and not force:
            with open(cached, "rb") as fh:
                results[path] = pickle.load(fh)
            summary.cached += 1
            if on_progress:
                on_progress(path.name)
        else:
            todo.append(path)

    jobs = jobs or os.cpu_count() or 1
    if todo:
        results.update(run_files(todo, root, file_work(), jobs=jobs, executor=executor, scheduler=scheduler,
                                 timeout=timeout, engine=engine, hashes=hashes,
                                 on_done=(lambda p: on_progress(p.name)) if on_progress else None,
                                 on_page=on_page))
        for path in todo:
            document, rows = results[path]
            summary.processed += 1
            if document.status != "failed" and document.sha256:
                target = _cache_path(cache_dir, document.sha256, fingerprint)
                tmp = target.with_suffix(f".{os.getpid()}.tmp")
                with open(tmp, "wb") as fh:
                    pickle.dump((document, rows), fh)
                follow_umask(tmp)
                os.replace(tmp, target)
    _prune_cache(cache_dir, {r[0].sha256 for r in results.values()}, fingerprint)

    ordered = drop_duplicate_content([results[p] for p in paths]) + skipped_results(input_dir, root)
    documents = [d for d, _ in ordered]
    tables = collect_tables([r for _, r in ordered])

    try:
        tables.update(corpus_tables(documents, tables, plan_file=plan_file, min_score=min_score,
                                    out_dir=out_dir))
        tables.update(evidence_tables(tables))  # evidence per element, measure values, coverage
    except PlanNotFound as exc:  # a document typed as the plan is not one: keep the rest
        log.warning("%s: no plan tables written", exc)
        summary.errors.append(f"plan: {exc}")
    summary.written = publish_outputs(out_dir, documents, tables, parquet=parquet)
    summary.failed = sum(d.status == "failed" for d in documents)
    summary.errors = [f"{d.file}: {d.error}" for d in documents if d.status == "failed"] + \
        [e for e in summary.errors if e.startswith("plan: ")]
    summary.skipped = sum(d.status == "skipped" for d in documents)
    summary.skips = [f"{d.file}: {d.error}" for d in documents if d.status == "skipped"]
    summary.warnings = [f"{d.file}: {w}" for d in documents for w in d.warnings]
    summary.pages = sum(d.pages for d in documents)
    summary.sections = len(tables["sections"])
    summary.claims = len(tables["claims"])
    summary.seconds = time.perf_counter() - started
    return summary


def skipped_results(input_dir: Path, root: Path) -> list[tuple[Document, DocRows]]:
    """A ``status=skipped`` row, with its reason, for every entry that is not read."""
    out = []
    for path, reason in skipped_inputs(input_dir, SUPPORTED_SUFFIXES):
        document = skipped_document(path, root, reason)
        out.append((document, document_rows(document, None)))
    return out


def drop_duplicate_content(
        results: list[tuple[Document, DocRows]]) -> list[tuple[Document, DocRows]]:
    """One document per content: the same bytes at two paths would give two rows with one
    doc_id (a broken primary key). The first path (in sorted order) is kept; the others are
    named in its warnings, and in documents.warnings."""
    kept: dict[str, tuple[Document, DocRows]] = {}
    out: list[tuple[Document, DocRows]] = []
    for document, rows in results:
        first = kept.get(document.doc_id) if document.sha256 else None
        if first is None:
            kept[document.doc_id] = (document, rows)
            out.append((document, rows))
            continue
        note = f"same content also at {document.file} (not read twice)"
        first[0].warnings.append(note)
        for record in first[1].documents:
            record["warnings"] = "; ".join(first[0].warnings)
    return out


def _relative_to(path: Path, root: Path) -> str:
    """A file's name as in the documents table (and the manifest): relative to the input folder."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def collect_tables(rows: list[DocRows]) -> dict[str, pd.DataFrame]:
    """Concatenate per-document rows into one DataFrame per table."""
    out: dict[str, pd.DataFrame] = {}
    for name in ("documents", "sections", "claims", "money", "figures", "dates"):
        records = [rec for r in rows for rec in getattr(r, name)]
        out[name] = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    return out


def _prune_cache(cache_dir: Path, keep_shas: set[str], fingerprint: str) -> None:
    """Drop cache entries of files no longer in the input or from older rules."""
    keep = {_cache_path(cache_dir, s, fingerprint).name for s in keep_shas if s}
    for entry in cache_dir.glob("*.pkl"):
        if entry.name not in keep:
            entry.unlink()


def publish_outputs(out_dir: Path, documents: list[Document], tables: dict[str, pd.DataFrame],
                    *, parquet: bool = False) -> dict[str, Path]:
    """Write texts, tables, DuckDB, datapackage (and Parquet) as one generation, then switch.

    The texts are part of the set: a claim never points at a text of another run.
    Returns the user-visible paths.
    """
    with Generation(out_dir) as gen:
        text_dir = gen.path / TEXT_DIRNAME
        text_dir.mkdir()
        for document in documents:
            if document.status != "failed":
                (text_dir / f"{document.doc_id}.txt").write_text(document.text, encoding="utf-8")
        written = write_table_files(tables, gen.path)
        if parquet:
            written["parquet"] = write_parquet(gen.path)
        written["text"] = text_dir
        gen.publish()
    return {key: out_dir / path.name for key, path in written.items()}
