"""Plan files: a plan supplied as CSV or YAML instead of a document (format in
:mod:`pipeline.plan.read`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.ingest.plan_layout import KINDS
from pipeline.model import doc_id_for, sha256_of
from pipeline.plan.model import KIND_LETTER, Aim, Plan, clean_element
from pipeline.rulefiles import read_yaml


def _to_date(value: Any) -> date | None:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _plan_from_rows(rows: list[dict[str, Any]], meta: dict[str, Any], default_id: str) -> Plan:
    plan_id = str(meta.get("plan_id") or default_id)
    aims: list[Aim] = []
    counters: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows, start=1):
        # titles may be empty (a plan may not name an outcome); ids, kind and text may not
        missing = [c for c in ("outcome_id", "sub_outcome_id", "kind", "text")
                   if row.get(c) in (None, "")]
        if missing:
            raise ValueError(f"plan file row {i}: missing {', '.join(missing)}")
        kind = str(row["kind"]).strip().lower()
        if kind not in KINDS:
            raise ValueError(f"plan file row {i}: kind must be one of {KINDS}, got {kind!r}")
        sub_id = str(row["sub_outcome_id"]).strip()
        key = (sub_id, kind)
        counters[key] = counters.get(key, 0) + 1
        aim_id = row.get("aim_id") or f"{plan_id}:{sub_id}:{KIND_LETTER[kind]}{counters[key]}"
        aims.append(Aim(aim_id=str(aim_id), plan_id=plan_id,
                        outcome_id=str(row["outcome_id"]).strip(),
                        outcome=str(row.get("outcome") or ""),
                        sub_outcome_id=sub_id, sub_outcome=str(row.get("sub_outcome") or ""),
                        kind=kind,
                        text=clean_element(str(row["text"]))))
    return Plan(plan_id=plan_id, doc_id=str(meta.get("doc_id") or plan_id),
                title=str(meta.get("title") or ""), period_start=_to_date(meta.get("period_start")),
                period_end=_to_date(meta.get("period_end")),
                version_label=str(meta.get("version_label") or "v1"), aims=aims)


def read_plan_file(path: Path) -> Plan:
    """A plan from a CSV or YAML file (format in the module docstring)."""
    path = Path(path)
    default_id = doc_id_for(sha256_of(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        rows = df.to_dict("records")
        meta = rows[0] if rows else {}
        return _plan_from_rows(rows, meta, default_id)
    if suffix in (".yaml", ".yml"):
        data = read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("aims"), list):
            raise ValueError(f"{path}: a YAML plan is a mapping with a list 'aims'")
        return _plan_from_rows([dict(a) for a in data["aims"]], data, default_id)
    raise ValueError(f"{path}: plan files are .csv, .yaml or .yml, got {suffix!r}")


# --------------------------------------------------------------------------- refresh

