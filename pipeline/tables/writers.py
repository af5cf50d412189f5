"""Write the tables: CSV, one DuckDB file, and a Frictionless ``datapackage.json``.

The whole set of outputs (tables, DuckDB file, datapackage, ``text/``, ``parquet/``) is one
*generation*: a fresh folder ``OUT/.planmine/gen-*`` written completely, then made current by
one atomic rename of the symlink ``OUT/.planmine/current``. The paths users read stay put:
``OUT/claims.csv`` is a symlink to ``.planmine/current/claims.csv``. A run killed at any point
leaves either the old set or the new one, never a mix; the next run removes what it left. An
``fcntl`` lock on ``OUT/.planmine/lock`` keeps two runs from writing one folder at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import __version__
from pipeline.tables.schema import TABLE_ORDER, TABLES

DUCKDB_NAME = "planmine.duckdb"
DATAPACKAGE_NAME = "datapackage.json"


STATE_DIRNAME = ".planmine"
CURRENT_NAME = "current"
LOCK_NAME = "lock"
GEN_PREFIX = "gen-"
TEXT_DIRNAME = "text"
LINK_TMP_SUFFIX = ".planmine-link.tmp"


def current_umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def follow_umask(path: Path) -> None:
    """Give ``path`` the mode a plain ``open()`` would have: mkstemp's 0600 shuts colleagues out."""
    mode = (0o777 if path.is_dir() else 0o666) & ~current_umask()
    os.chmod(path, mode)


def _follow_umask_tree(root: Path) -> None:
    follow_umask(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                follow_umask(path)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            follow_umask(tmp_path)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(target: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def conform(name: str, df: pd.DataFrame | None) -> pd.DataFrame:
    """Return ``df`` with the schema's columns first, in order, and typed for output.

    Missing schema columns are added empty; extra columns are kept after them.
    """
    table = TABLES[name]
    df = pd.DataFrame(columns=table.column_names) if df is None else df.copy()
    for column in table.column_names:
        if column not in df.columns:
            df[column] = None
    extra = [c for c in df.columns if c not in table.column_names]
    df = df[table.column_names + extra]
    for col in table.columns:
        series = df[col.name]
        if col.type == "integer":
            df[col.name] = pd.to_numeric(series, errors="coerce").astype("Int64")
        elif col.type == "number":
            df[col.name] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif col.type == "boolean":
            df[col.name] = series.map(_bool_text).astype("object")
        elif col.type == "date":
            df[col.name] = series.map(_date_text).astype("object")
        else:
            # a comprehension over the column's values, not ``Series.map`` with a lambda:
            # the same strings at half the cost (the claims table alone has ~80k cells);
            # a value already a ``str`` is kept without a call (most cells are)
            df[col.name] = pd.Series([v if type(v) is str else _string_text(v)
                                      for v in series.tolist()],
                                     index=series.index, dtype=object)
    return df.reset_index(drop=True)


def _string_text(value: object) -> str:
    """A string cell: empty for a missing value (None, NA, NaN), else ``str(value)``."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _bool_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, str):
        return value.lower() if value.lower() in ("true", "false") else ""
    return "true" if bool(value) else "false"


def _date_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return ""
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)[:10]


def _csv(df: pd.DataFrame, path: Path) -> None:
    """Write one table as CSV: UTF-8, header, empty cell for missing."""
    df.to_csv(path, index=False, na_rep="", lineterminator="\n", float_format=None)


def write_duckdb(tables: dict[str, pd.DataFrame], target: Path) -> None:
    """Load every table into a new DuckDB file at ``target`` with SQL types from the schema.

    ``target`` is replaced, not updated: :func:`write_tables` passes a staging name.
    """
    sql_types = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE",
                 "boolean": "BOOLEAN", "date": "DATE"}
    if target.exists():
        target.unlink()  # duckdb wants to create the file itself
    # one thread and one transaction: the tables are small, and more threads or a commit per
    # statement only add CPU time (measured: ~0.18 -> ~0.12 s of CPU for the text corpus)
    con = duckdb.connect(str(target), config={"threads": 1})
    try:
        con.execute("BEGIN TRANSACTION")
        for name in TABLE_ORDER:
            df = tables[name]
            table = TABLES[name]
            cols = ", ".join(
                f'"{c.name}" {sql_types[c.type]}' for c in table.columns
            )
            con.execute(f'CREATE TABLE "{name}" ({cols})')
            if len(df):
                frame = df[table.column_names].copy()
                for c in table.columns:
                    if c.type in ("string", "boolean", "date"):
                        frame[c.name] = frame[c.name].replace("", None)
                con.register("frame_view", frame)
                casts = ", ".join(
                    f'CAST("{c.name}" AS {sql_types[c.type]})' for c in table.columns
                )
                con.execute(f'INSERT INTO "{name}" SELECT {casts} FROM frame_view')
                con.unregister("frame_view")
        con.execute("COMMIT")
    finally:
        con.close()


def datapackage(tables: dict[str, pd.DataFrame]) -> dict:
    """A Frictionless Data Package descriptor for the written tables."""
    resources = []
    for name in TABLE_ORDER:
        table = TABLES[name]
        schema: dict = {
            "fields": [
                {"name": c.name, "type": c.type, **({"format": "default"} if c.type == "date" else {})}
                for c in table.columns
            ],
            "missingValues": [""],
        }
        if table.primary_key:
            schema["primaryKey"] = list(table.primary_key)
        if table.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": f, "reference": {"resource": r, "fields": rf}}
                for f, r, rf in table.foreign_keys
            ]
        for field in schema["fields"]:
            if field["type"] == "boolean":
                field["trueValues"] = ["true"]
                field["falseValues"] = ["false"]
        resources.append({
            "name": name,
            "path": f"{name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": table.description,
            "schema": schema,
        })
    return {
        "profile": "tabular-data-package",
        "name": "planmine-output",
        "title": "planmine: evidence mined from reports against a strategic plan",
        "version": __version__,
        "resources": resources,
    }


def write_table_files(tables: dict[str, pd.DataFrame | None], folder: Path) -> dict[str, Path]:
    """Write every schema table as CSV, the DuckDB file and ``datapackage.json`` into ``folder``.

    ``folder`` is a private generation folder nobody reads yet, so no temporaries are needed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    conformed = {name: conform(name, tables.get(name)) for name in TABLE_ORDER}
    written = {name: folder / f"{name}.csv" for name in TABLE_ORDER}
    for name, df in conformed.items():
        _csv(df, written[name])
    written["duckdb"] = folder / DUCKDB_NAME
    write_duckdb(conformed, written["duckdb"])
    written["datapackage"] = folder / DATAPACKAGE_NAME
    written["datapackage"].write_text(json.dumps(datapackage(conformed), indent=2) + "\n",
                                      encoding="utf-8")
    return written


def write_tables(tables: dict[str, pd.DataFrame | None], out_dir: Path) -> dict[str, Path]:
    """Write every table, the DuckDB file and ``datapackage.json`` as one new generation.

    A failure while writing (a full disk, an interrupted run) leaves the previous set of
    outputs untouched and in step with each other. Returns the user-visible paths, by table
    name (plus ``duckdb`` and ``datapackage``).
    """
    with output_lock(out_dir), Generation(out_dir) as gen:
        written = write_table_files(tables, gen.path)
        gen.publish()
    return {key: out_dir / path.name for key, path in written.items()}


# --- the output lock ------------------------------------------------------------------------

class OutputBusy(Exception):
    """Another run holds the output folder's lock."""


_HELD: dict[str, tuple[int, int]] = {}  # realpath of out_dir -> (fd, depth): reentrant per process


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold ``OUT/.planmine/lock`` (``fcntl.flock``) or raise :class:`OutputBusy` at once.

    Refusing is better than waiting silently: the message names the other run's pid.
    """
    state = out_dir / STATE_DIRNAME
    state.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(state)
    if key in _HELD:
        fd, depth = _HELD[key]
        _HELD[key] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _HELD[key]
            _HELD[key] = (fd, depth - 1)
        return
    lock_path = state / LOCK_NAME
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise OutputBusy(f"{out_dir}: another planmine run (pid {holder}) is writing here; "
                         "wait for it to finish or use another --out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _HELD[key] = (fd, 1)
    try:
        yield
    finally:
        del _HELD[key]
        os.close(fd)  # closing releases the flock


# --- generations ----------------------------------------------------------------------------

def _exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); OSError if unsupported."""
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        raise OSError(38, "renameat2 not available")
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), str(a))


def _link_target(name: str) -> str:
    return f"{STATE_DIRNAME}/{CURRENT_NAME}/{name}"


def managed_names() -> list[str]:
    """Every top-level name an output set may hold."""
    return ([f"{n}.csv" for n in TABLE_ORDER]
            + [DUCKDB_NAME, DATAPACKAGE_NAME, TEXT_DIRNAME, PARQUET_DIRNAME])


def _is_ours(path: Path) -> bool:
    return path.is_symlink() and os.readlink(path) == _link_target(path.name)


def _point(link: Path, target: str) -> None:
    """Make ``link`` a symlink to ``target`` with one atomic rename."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}{LINK_TMP_SUFFIX}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _copy_tree_linked(src: Path, dst: Path) -> None:
    """Copy a file or folder by hard links (instant), falling back to a real copy."""
    def link_or_copy(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    if src.is_dir():
        shutil.copytree(src, dst, copy_function=link_or_copy)
    else:
        link_or_copy(str(src), str(dst))


def _adopt_legacy(out_dir: Path) -> None:
    """Turn outputs written as plain files (older planmine) into a generation, step by step.

    First a copy of the old set becomes the current generation; then each plain file or folder
    is swapped for its symlink. Every intermediate state shows the complete old set.
    """
    legacy = [out_dir / n for n in managed_names()
              if (out_dir / n).exists() and not (out_dir / n).is_symlink()]
    if not legacy:
        return
    state = out_dir / STATE_DIRNAME
    current = state / CURRENT_NAME
    if not current.exists():
        gen = state / f"{GEN_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-legacy"
        if gen.exists():
            shutil.rmtree(gen)
        gen.mkdir()
        for path in legacy:
            _copy_tree_linked(path, gen / path.name)
        _point(current, gen.name)
    for path in legacy:
        tmp = path.with_name(f".{path.name}.{os.getpid()}{LINK_TMP_SUFFIX}")
        if tmp.is_symlink() or tmp.exists():
            _remove(tmp)
        os.symlink(_link_target(path.name), tmp)
        if path.is_dir():
            try:
                _exchange(tmp, path)  # tmp now holds the old folder
            except OSError:
                aside = path.with_name(f".{path.name}.{os.getpid()}.old.tmp")
                os.replace(path, aside)
                os.replace(tmp, path)
                tmp = aside
            _remove(tmp)
        else:
            os.replace(tmp, path)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def clean_stale(out_dir: Path) -> list[Path]:
    """Remove what an interrupted run left: unpublished generations and temporaries.

    Call only under :func:`output_lock`. Returns what was removed.
    """
    removed: list[Path] = []
    state = out_dir / STATE_DIRNAME
    current = state / CURRENT_NAME
    keep = os.readlink(current) if current.is_symlink() else None
    candidates: list[Path] = []
    if state.is_dir():
        candidates += [p for p in state.iterdir()
                       if (p.name.startswith(GEN_PREFIX) and p.name != keep) or ".tmp" in p.name]
    if out_dir.is_dir():
        candidates += [p for p in out_dir.iterdir() if p.name.startswith(".") and
                       (p.name.endswith(".tmp") or p.name in (".parquet.old",))]
        cache = out_dir / ".cache"
        if cache.is_dir():
            candidates += [p for p in cache.iterdir() if p.name.endswith(".tmp")]
        text = out_dir / TEXT_DIRNAME
        if text.is_dir() and not text.is_symlink():
            candidates += [p for p in text.iterdir() if p.name.endswith(".tmp")]
    for path in candidates:
        _remove(path)
        removed.append(path)
    # links to names the current generation does not hold dangle: drop them
    for name in managed_names():
        link = out_dir / name
        if _is_ours(link) and not link.exists():
            link.unlink()
    return removed


class Generation:
    """A new, private output folder, made current by :meth:`publish` in one atomic rename.

    Used as a context manager: leaving it without publishing (an exception) removes the folder.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.state = out_dir / STATE_DIRNAME
        self.state.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        self.path = self.state / f"{GEN_PREFIX}{stamp}-{os.getpid()}-{os.urandom(3).hex()}"
        self.path.mkdir()
        self.published = False

    def __enter__(self) -> Generation:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.published:
            shutil.rmtree(self.path, ignore_errors=True)

    def publish(self) -> None:
        """Switch ``.planmine/current`` to this generation; the visible paths follow it."""
        _follow_umask_tree(self.path)
        _adopt_legacy(self.out_dir)
        for entry in sorted(self.path.iterdir()):
            link = self.out_dir / entry.name
            if not _is_ours(link):
                _point(link, _link_target(entry.name))  # dangles until the switch: absent
        _point(self.state / CURRENT_NAME, self.path.name)  # THE switch
        self.published = True
        clean_stale(self.out_dir)


#: The big tables, written as Parquet partitioned by reporting period with ``--parquet``.
PARQUET_TABLES = ("claims", "money", "figures", "dates", "links")
PARQUET_DIRNAME = "parquet"


def write_parquet(folder: Path) -> Path:
    """Write the big tables as Parquet datasets partitioned by ``period_label`` (hive style).

    ``folder`` holds the generation's DuckDB file. Partition folders carry the label itself,
    percent-encoded as hive partitioning requires (``period_label=2023%2F24``); DuckDB, Spark
    and Arrow decode it on reading, so the column reads ``2023/24`` and joins to
    ``documents.period_label``. Rows of a document without a period sit in hive's default
    partition and read as NULL.
    """
    target = folder / PARQUET_DIRNAME
    target.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(folder / DUCKDB_NAME), read_only=True)
    try:
        for name in PARQUET_TABLES:
            doc_col = "c.doc_id" if name == "links" else "t.doc_id"
            joined = (
                f"SELECT t.*, d.period_label AS period_label FROM \"{name}\" t"
                + (" JOIN claims c ON c.claim_id = t.claim_id" if name == "links" else "")
                + f" LEFT JOIN documents d ON d.doc_id = {doc_col}"
            )
            con.execute(f"COPY ({joined}) TO '{target / name}' (FORMAT PARQUET,"
                        " PARTITION_BY (period_label), OVERWRITE_OR_IGNORE)")
    finally:
        con.close()
    return target
