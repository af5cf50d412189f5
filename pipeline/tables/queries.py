"""Read the written outputs back: tables, SQL over the DuckDB file, one claim in full."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.tables.schema import TABLES
from pipeline.tables.writers import DUCKDB_NAME


class OutputsMissing(FileNotFoundError):
    """The output folder has no tables yet: run ``planmine extract`` first."""


def _db_path(out_dir: Path) -> Path:
    path = out_dir / DUCKDB_NAME
    if not path.exists():
        raise OutputsMissing(f"{path}: no planmine outputs here; run `planmine extract` first")
    return path


def run_query(out_dir: Path, sql: str, *, allow_files: bool = False) -> pd.DataFrame:
    """Run SQL read-only on ``planmine.duckdb`` and return the result.

    The database is opened read-only, but DuckDB's SQL can still read and write files
    (``COPY ... TO 'out/claims.csv'``, ``read_csv('/etc/passwd')``): unless ``allow_files``,
    external access is switched off and the configuration locked so the SQL cannot switch it
    back on.
    """
    con = duckdb.connect(str(_db_path(out_dir)), read_only=True)
    try:
        if not allow_files:
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
        return con.execute(sql).fetchdf()
    finally:
        con.close()


def load_table(out_dir: Path, name: str) -> pd.DataFrame:
    """One output table as a DataFrame, typed as in the schema (strings stay strings)."""
    if name not in TABLES:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")
    path = out_dir / f"{name}.csv"
    if not path.exists():
        raise OutputsMissing(f"{path}: no such table; run `planmine extract` first")
    types = TABLES[name].types()
    dtype = {c: "string" for c, t in types.items() if t in ("string", "date", "boolean")}
    df = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values={
        c: [""] for c, t in types.items() if t in ("integer", "number")})
    for col, typ in types.items():
        if typ == "boolean" and col in df:
            df[col] = df[col].map({"true": True, "false": False})
    return df


def describe_claim(out_dir: Path, claim_id: str) -> str:
    """A readable account of one claim: text, page, section, mentions, links."""
    claims = load_table(out_dir, "claims")
    hit = claims[claims["claim_id"] == claim_id]
    if hit.empty:
        raise KeyError(f"no claim {claim_id!r} in {out_dir}/claims.csv")
    claim = hit.iloc[0]
    docs = load_table(out_dir, "documents").set_index("doc_id")
    sections = load_table(out_dir, "sections").set_index("section_id")
    doc = docs.loc[claim["doc_id"]]
    lines = [
        f"{claim_id}  [{claim['claim_type']}]",
        f"  {claim['text']}",
        f"  document: {doc['file']} ({doc['period_label']}), page {claim['page']}",
    ]
    if claim["section_id"] and claim["section_id"] in sections.index:
        sec = sections.loc[claim["section_id"]]
        lines.append(f"  section:  {sec['number']} {sec['title']}".rstrip())
    for kind, fields in (("money", ("value", "currency", "approx", "per")),
                         ("figures", ("value", "unit", "approx", "measure")),
                         ("dates", ("start", "end", "granularity", "resolved"))):
        table = load_table(out_dir, kind)
        for row in table[table["claim_id"] == claim_id].itertuples(index=False):
            detail = ", ".join(f"{f}={getattr(row, f)}" for f in fields)
            lines.append(f"  {kind:8s}{row.text!r}: {detail}")
    links = load_table(out_dir, "links")
    aims = load_table(out_dir, "aims").set_index("aim_id")
    for row in links[links["claim_id"] == claim_id].sort_values("rank").itertuples(index=False):
        sub = aims.loc[row.aim_id, "sub_outcome"] if row.aim_id in aims.index else ""
        lines.append(f"  link {row.rank}: {row.sub_outcome_id} {sub} (score {row.score:.2f}, {row.method})")
    if claim.get("restates_aim_id", ""):
        lines.append(f"  restates plan element {claim['restates_aim_id']}: not evidence")
    if claim.get("repeat_of", ""):
        lines.append(f"  repeats {claim['repeat_of']} of an earlier report: not evidence")
    evidence = load_table(out_dir, "evidence")
    for row in evidence[evidence["claim_id"] == claim_id].itertuples(index=False):
        kind = aims.loc[row.aim_id, "kind"] if row.aim_id in aims.index else ""
        text = aims.loc[row.aim_id, "text"] if row.aim_id in aims.index else ""
        lines.append(f"  evidence ({row.role}) for {kind} {row.aim_id}: {text} (score {row.score:.2f})")
    return "\n".join(lines)
