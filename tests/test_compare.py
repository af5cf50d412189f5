"""Gaps, period comparison, lost evidence and table formatting over synthetic coverage."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from pipeline.evidence.compare import compare_periods, find_gaps, format_table, lost_evidence
from pipeline.evidence.coverage import load_evidence_rules
from pipeline.tables.schema import TABLES

PLAN = "p"


def aim(sub: str, kind: str = "aim", n: int = 1) -> dict:
    letter = {"aim": "a", "action": "c", "measure": "m"}[kind]
    return {"aim_id": f"{PLAN}:{sub}:{letter}{n}", "plan_id": PLAN, "outcome_id": sub[0],
            "outcome": f"Outcome {sub[0]}", "sub_outcome_id": sub, "sub_outcome": f"Sub {sub}",
            "kind": kind, "text": f"{kind} {n} of {sub}"}


def cov_row(aim_id: str, period: str, n: int, ach: int = 0, gbp: float = 0.0,
            evidence: str | None = None) -> dict:
    level = evidence or ("none" if n == 0 else "weak" if n < 3 and not ach else "moderate")
    return {"plan_id": PLAN, "sub_outcome_id": aim_id.split(":")[1], "aim_id": aim_id,
            "period_label": period, "n_claims": n, "n_achievements": ach,
            "n_money": 1 if gbp else 0, "money_total_gbp": gbp, "n_figures": 0,
            "evidence": level}


A = "2023/24"
B = "2024/25"


@pytest.fixture
def aims() -> pd.DataFrame:
    rows = [aim("4.1", n=1), aim("4.1", n=2), aim("4.1", "action"), aim("4.2"), aim("4.10")]
    return pd.DataFrame(rows, columns=TABLES["aims"].column_names)


@pytest.fixture
def coverage() -> pd.DataFrame:
    """Sub-outcome scope: both aims of 4.1 carry the sub-outcome's union (4 claims in A)."""
    rows = [
        cov_row("p:4.1:a1", A, 4, ach=1, gbp=2e6), cov_row("p:4.1:a1", B, 1),
        cov_row("p:4.1:a2", A, 4, ach=1, gbp=2e6), cov_row("p:4.1:a2", B, 1),
        cov_row("p:4.1:c1", A, 1), cov_row("p:4.1:c1", B, 0),
        cov_row("p:4.2:a1", A, 2, gbp=5e5), cov_row("p:4.2:a1", B, 0),
        cov_row("p:4.10:a1", A, 0), cov_row("p:4.10:a1", B, 6, ach=2, gbp=1e6, evidence="strong"),
    ]
    return pd.DataFrame(rows, columns=TABLES["coverage"].column_names)


def test_gaps_are_exactly_the_none_or_weak_aims(coverage, aims) -> None:
    gaps = find_gaps(coverage, aims, period=B)
    assert list(gaps["aim_id"]) == ["p:4.1:a1", "p:4.1:a2", "p:4.2:a1"]
    assert set(gaps["evidence"]) == {"weak", "none"}
    assert set(gaps["period_label"]) == {B}
    assert {"text", "sub_outcome", "outcome"} <= set(gaps.columns)


def test_gaps_default_to_latest_period(coverage, aims) -> None:
    assert find_gaps(coverage, aims).equals(find_gaps(coverage, aims, period=B))


@pytest.mark.parametrize("levels,expected", [
    (("none",), ["p:4.2:a1"]),
    (("strong",), ["p:4.10:a1"]),
    (("moderate",), []),
])
def test_gap_levels(coverage, aims, levels, expected) -> None:
    assert list(find_gaps(coverage, aims, period=B, levels=levels)["aim_id"]) == expected


def test_gaps_with_all_kinds_include_actions(coverage, aims) -> None:
    gaps = find_gaps(coverage, aims, period=B, kinds=None)
    assert "p:4.1:c1" in set(gaps["aim_id"])
    assert "p:4.1:c1" not in set(find_gaps(coverage, aims, period=B)["aim_id"])


def test_unknown_period_raises_with_known_ones(coverage, aims) -> None:
    with pytest.raises(ValueError, match="2023/24, 2024/25"):
        find_gaps(coverage, aims, period="2030/31")


def test_compare_counts_shared_sub_outcome_evidence_once(coverage, aims) -> None:
    cmp = compare_periods(coverage, aims, A, B, rules=replace(load_evidence_rules(), aim_scope="sub_outcome"))
    assert list(cmp["sub_outcome_id"]) == ["4.1", "4.2", "4.10"]  # natural order
    s41 = cmp.set_index("sub_outcome_id").loc["4.1"]
    assert (s41.claims_a, s41.claims_b, s41.claims_change) == (4, 1, -3)  # not 4 + 4 + 1
    assert (s41.achievements_a, s41.money_gbp_a) == (1, 2e6)
    assert (s41.aims_with_evidence_a, s41.aims_with_evidence_b) == (3, 2)
    s410 = cmp.set_index("sub_outcome_id").loc["4.10"]
    assert (s410.claims_change, s410.money_gbp_change) == (6, 1e6)


def test_compare_direct_scope_adds_rows(coverage, aims) -> None:
    cmp = compare_periods(coverage, aims, A, B, rules=replace(load_evidence_rules(), aim_scope="direct"))
    assert cmp.set_index("sub_outcome_id").loc["4.1", "claims_a"] == 9


def test_compare_rejects_unknown_period(coverage, aims) -> None:
    with pytest.raises(ValueError, match="no period"):
        compare_periods(coverage, aims, A, "2099/00")


def test_lost_evidence_lists_aims_that_went_to_none(coverage, aims) -> None:
    lost = lost_evidence(coverage, aims, A, B)
    assert list(lost["aim_id"]) == ["p:4.2:a1"]  # 4.10 gained, 4.1 aims kept some
    assert lost.iloc[0]["n_claims_a"] == 2
    assert list(lost_evidence(coverage, aims, A, B, kinds=None)["aim_id"]) == ["p:4.1:c1", "p:4.2:a1"]
    assert lost_evidence(coverage, aims, B, A)["aim_id"].tolist() == ["p:4.10:a1"]


def test_format_table_all_formats() -> None:
    df = pd.DataFrame({"aim": ["[red]x[/red]", "b"], "n": [1, 2], "gbp": [1.5e6, None]})
    table = format_table(df, "table")
    assert "[red]x[/red]" in table and "1,500,000" in table  # markup is not interpreted
    assert format_table(df, "csv").splitlines()[0] == "aim,n,gbp"
    records = json.loads(format_table(df, "json"))
    assert records[1] == {"aim": "b", "n": 2, "gbp": None}


def test_format_table_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match="table, csv, json"):
        format_table(pd.DataFrame({"a": [1]}), "xml")
