"""Reading the tables ``planmine extract`` wrote, checked against the output contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.tables.schema import TABLES

#: Tables every evaluation reads (a missing mention table is read as empty).
PRED_TABLES = ("documents", "claims", "money", "figures", "dates")
#: Read when present: links are scored only if ``links.csv`` exists; plans and aims say which
#: plan an element belongs to and its outcome.
OPTIONAL_TABLES = ("links", "plans", "aims")


def load_predictions(pred_dir: Path) -> dict[str, pd.DataFrame]:
    """The prediction tables from ``pred_dir`` (CSV as written by ``planmine extract``).

    documents.csv and claims.csv are required; a missing mention table is read as empty (no
    predictions); links, plans and aims are included only if present. Columns are checked
    against the contract (SCHEMA.md): the contract's columns must come first, in order.
    """
    pred_dir = Path(pred_dir)
    out: dict[str, pd.DataFrame] = {}
    for name in (*PRED_TABLES, *OPTIONAL_TABLES):
        path = pred_dir / f"{name}.csv"
        columns = TABLES[name].column_names
        if not path.exists():
            if name in ("documents", "claims"):
                raise FileNotFoundError(f"{path}: missing; run `planmine extract --out {pred_dir}`")
            if name in OPTIONAL_TABLES:
                continue
            out[name] = pd.DataFrame(columns=columns)
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if list(df.columns[: len(columns)]) != columns:
            raise ValueError(f"{path}: columns {list(df.columns)} do not start with the "
                             f"contract's {columns}")
        out[name] = df
    return out


def combine_predictions(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The tables of several output folders as one (e.g. two councils each extracted against
    its own plan, scored together so links are reported per plan). Ids never collide: they
    start with the input file's hash."""
    if len(parts) == 1:
        return parts[0]
    names = [n for n in (*PRED_TABLES, *OPTIONAL_TABLES) if any(n in p for p in parts)]
    return {n: pd.concat([p[n] for p in parts if n in p], ignore_index=True) for n in names}
