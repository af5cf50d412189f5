"""Write the tables: CSV, one DuckDB file, and a Frictionless ``datapackage.json``.

Every file is written to a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half-written output: readers see the old file or the new one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipeline import __version__
from pipeline.schema import TABLE_ORDER, TABLES

DUCKDB_NAME = "planmine.duckdb"
DATAPACKAGE_NAME = "datapackage.json"


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
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
    for col in table.column_names:
        if col not in df.columns:
            df[col] = None
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
            df[col.name] = series.map(lambda v: "" if v is None or v is pd.NA or
                                      (isinstance(v, float) and v != v) else str(v)
                                      ).astype("object")
    return df.reset_index(drop=True)


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


def _staging_path(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


def write_duckdb(tables: dict[str, pd.DataFrame], target: Path) -> None:
    """Load every table into a new DuckDB file at ``target`` with SQL types from the schema.

    ``target`` is replaced, not updated: :func:`write_tables` passes a staging name.
    """
    sql_types = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE",
                 "boolean": "BOOLEAN", "date": "DATE"}
    if target.exists():
        target.unlink()  # duckdb wants to create the file itself
    con = duckdb.connect(str(target))
    try:
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


def write_tables(tables: dict[str, pd.DataFrame | None], out_dir: Path) -> dict[str, Path]:
    """Write every schema table as CSV, the DuckDB file and ``datapackage.json``.

    Every file is first written to a temporary name; only when all of them are complete are
    they renamed into place, one after the other. A failure while writing (a full disk, an
    interrupted run) leaves the previous set of outputs untouched and in step with each other.
    Returns the paths written, by table name (plus ``duckdb`` and ``datapackage``).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    conformed = {name: conform(name, tables.get(name)) for name in TABLE_ORDER}
    targets = {name: out_dir / f"{name}.csv" for name in TABLE_ORDER}
    targets["duckdb"] = out_dir / DUCKDB_NAME
    targets["datapackage"] = out_dir / DATAPACKAGE_NAME
    staged = {key: _staging_path(target) for key, target in targets.items()}
    try:
        for name, df in conformed.items():
            _csv(df, staged[name])
        write_duckdb(conformed, staged["duckdb"])
        staged["datapackage"].write_text(json.dumps(datapackage(conformed), indent=2) + "\n",
                                         encoding="utf-8")
        for key, tmp in staged.items():
            os.replace(tmp, targets[key])
    finally:
        for tmp in staged.values():
            if tmp.exists():
                tmp.unlink()
    return targets


#: The big tables, written as Parquet partitioned by reporting period with ``--parquet``.
PARQUET_TABLES = ("claims", "money", "figures", "dates", "links")
PARQUET_DIRNAME = "parquet"


def write_parquet(out_dir: Path) -> Path:
    """Write the big tables as Parquet datasets partitioned by ``period_label`` (hive style).

    DuckDB, Spark or Polars read ``parquet/<table>/period_label=2023_24/*.parquet`` without
    loading a corpus-sized CSV. The folder is rebuilt beside the old one and swapped in.
    """
    target = out_dir / PARQUET_DIRNAME
    staging = out_dir / f".{PARQUET_DIRNAME}.tmp"
    if staging.exists():
        _rmtree(staging)
    staging.mkdir(parents=True)
    con = duckdb.connect(str(out_dir / DUCKDB_NAME), read_only=True)
    try:
        for name in PARQUET_TABLES:
            join_doc = "claims" if name == "links" else name
            doc_col = "c.doc_id" if name == "links" else "t.doc_id"
            joined = (
                f"SELECT t.*, coalesce(replace(d.period_label, '/', '_'), 'none') AS period_label"
                f" FROM \"{name}\" t"
                + (" JOIN claims c ON c.claim_id = t.claim_id" if join_doc == "claims" else "")
                + f" LEFT JOIN documents d ON d.doc_id = {doc_col}"
            )
            dest = staging / name
            con.execute(
                f"COPY ({joined}) TO '{dest}' (FORMAT PARQUET, PARTITION_BY (period_label),"
                " OVERWRITE_OR_IGNORE)"
            )
    finally:
        con.close()
    if target.exists():
        old = out_dir / f".{PARQUET_DIRNAME}.old"
        os.replace(target, old)
        os.replace(staging, target)
        _rmtree(old)
    else:
        os.replace(staging, target)
    return target


def _rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
