"""What changed between two versions of a plan, aim by aim.

Elements are compared within the same sub-outcome and kind (only the kinds the newer version
states: a report restating its aims says nothing about actions). Pairs are matched greedily
by rapidfuzz similarity; a matched pair is

* ``same``: identical once case, punctuation and hyphens are ignored;
* ``changed_target``: the numbers (years, percentages, counts) differ, e.g. net zero by
  2030 → 2035;
* ``reworded``: anything else similar enough (``diff.match_score`` in the lexicon);

and unmatched elements are ``new`` (only in the newer version) or ``dropped``.
"""

from __future__ import annotations

import re

import pandas as pd
from rapidfuzz import fuzz

from pipeline.ingest.plan_layout import rules
from pipeline.plan.model import Aim, Plan

STATUSES = ("same", "reworded", "changed_target", "new", "dropped")
COLUMNS = ("old_plan_id", "new_plan_id", "sub_outcome_id", "sub_outcome", "kind", "status",
           "old_aim_id", "old_text", "new_aim_id", "new_text", "similarity", "detail")

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _normal(text: str) -> str:
    text = text.lower().replace("-", " ")
    return " ".join(re.sub(r"[^\w\s%]", " ", text).split())


def numbers_in(text: str) -> list[str]:
    """The numbers a text states, in order (thousands separators dropped)."""
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


def _similarity(a: str, b: str) -> float:
    """Similarity of the wording with numbers masked, so a changed year still matches."""
    return float(fuzz.token_set_ratio(_NUMBER.sub("#", _normal(a)), _NUMBER.sub("#", _normal(b))))


def _status(old: Aim, new: Aim, same_score: float) -> tuple[str, str]:
    if _normal(old.text) == _normal(new.text):
        return "same", ""
    old_n, new_n = numbers_in(old.text), numbers_in(new.text)
    if old_n != new_n:
        return "changed_target", f"{', '.join(old_n) or '-'} → {', '.join(new_n) or '-'}"
    if fuzz.ratio(_normal(old.text), _normal(new.text)) >= same_score:
        return "same", ""
    return "reworded", ""


def _row(old_plan: Plan, new_plan: Plan, sub_id: str, sub: str, kind: str, status: str,
         old: Aim | None, new: Aim | None, sim: float | None, detail: str) -> dict[str, object]:
    return {"old_plan_id": old_plan.plan_id, "new_plan_id": new_plan.plan_id,
            "sub_outcome_id": sub_id, "sub_outcome": sub, "kind": kind, "status": status,
            "old_aim_id": old.aim_id if old else "", "old_text": old.text if old else "",
            "new_aim_id": new.aim_id if new else "", "new_text": new.text if new else "",
            "similarity": sim, "detail": detail}


def plan_diff(old: Plan, new: Plan) -> pd.DataFrame:
    """One row per element of either version with its status (see the module docstring)."""
    r = rules()
    kinds = sorted({a.kind for a in new.aims}, key=("aim", "action", "measure").index)
    subs = {**new.sub_outcomes(), **old.sub_outcomes()}
    rows: list[dict[str, object]] = []
    for sub_id, sub in subs.items():
        for kind in kinds:
            olds, news = old.elements(sub_id, kind), new.elements(sub_id, kind)
            pairs = sorted(((_similarity(o.text, n.text), i, j)
                            for i, o in enumerate(olds) for j, n in enumerate(news)),
                           key=lambda t: (-t[0], t[1], t[2]))
            used_o: set[int] = set()
            used_n: set[int] = set()
            matched: dict[int, tuple[int, float]] = {}
            for sim, i, j in pairs:
                if sim < r.match_score or i in used_o or j in used_n:
                    continue
                used_o.add(i)
                used_n.add(j)
                matched[i] = (j, sim)
            for i, o in enumerate(olds):
                if i in matched:
                    j, sim = matched[i]
                    status, detail = _status(o, news[j], r.same_score)
                    rows.append(_row(old, new, sub_id, sub, kind, status, o, news[j], sim, detail))
                else:
                    rows.append(_row(old, new, sub_id, sub, kind, "dropped", o, None, None, ""))
            for j, n in enumerate(news):
                if j not in used_n:
                    rows.append(_row(old, new, sub_id, sub, kind, "new", None, n, None, ""))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def plan_diff_from_tables(plans: pd.DataFrame, aims: pd.DataFrame) -> pd.DataFrame:
    """The diff between the base plan and every later version, from the written tables.

    The base plan is the one with the most elements (the plan document lists actions and
    measures; a refresh restates aims only).
    """
    if plans.empty or aims.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    versions: list[Plan] = []
    for p in plans.itertuples(index=False):
        rows = aims[aims["plan_id"] == p.plan_id]
        plan_aims = [Aim(**{c: str(getattr(a, c)) for c in Aim.__dataclass_fields__})
                     for a in rows.itertuples(index=False)]
        versions.append(Plan(plan_id=str(p.plan_id), doc_id=str(p.doc_id), title=str(p.title),
                             period_start=None, period_end=None, version_label="",
                             aims=plan_aims))
    base = max(versions, key=lambda v: len(v.aims))
    frames = [plan_diff(base, v) for v in versions if v.plan_id != base.plan_id]
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True)


def format_plan_diff(df: pd.DataFrame) -> str:
    """A readable summary: counts per status, then the changes per sub-outcome."""
    if df.empty:
        return "No refreshed plan version to compare."
    counts = df["status"].value_counts()
    lines = ["Plan changes: " + ", ".join(f"{s} {int(counts.get(s, 0))}" for s in STATUSES)]
    for (sub_id, sub), grp in df.groupby(["sub_outcome_id", "sub_outcome"], sort=False):
        changes = grp[grp["status"] != "same"]
        n_same = len(grp) - len(changes)
        lines.append(f"\n{sub_id} {sub}" + (f"  ({n_same} unchanged)" if n_same else ""))
        for row in changes.itertuples(index=False):
            if row.status in ("reworded", "changed_target"):
                lines.append(f"  {row.status}: {row.old_text}")
                lines.append(f"  {' ' * len(row.status)}→ {row.new_text}"
                             + (f"  [{row.detail}]" if row.detail else ""))
            elif row.status == "new":
                lines.append(f"  new: {row.new_text}")
            else:
                lines.append(f"  dropped: {row.old_text}")
    return "\n".join(lines)
