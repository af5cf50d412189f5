"""Coverage: every (aim, period) pair, which links count, the evidence rule, its YAML."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.evidence.coverage import (
    RULES_PATH,
    EvidenceRules,
    LevelRule,
    build_coverage,
    load_evidence_rules,
    natural_key,
)
from pipeline.tables.schema import TABLES

PLAN = "plan1"


def aim(sub: str, kind: str = "aim", n: int = 1) -> dict:
    letter = {"aim": "a", "action": "c", "measure": "m"}[kind]
    return {"aim_id": f"{PLAN}:{sub}:{letter}{n}", "plan_id": PLAN, "outcome_id": sub[0],
            "outcome": f"Outcome {sub[0]}", "sub_outcome_id": sub, "sub_outcome": f"Sub {sub}",
            "kind": kind, "text": f"{kind} {n} of {sub}"}


def doc(doc_id: str, period: str, doc_type: str = "annual_report", status: str = "ok") -> dict:
    return {"doc_id": doc_id, "file": f"{doc_id}.pdf", "sha256": doc_id * 4, "format": "pdf",
            "title": "", "organisation": "", "doc_type": doc_type, "period_label": period,
            "period_start": None, "period_end": None, "pages": 1, "n_sections": 0,
            "n_claims": 0, "status": status, "error": ""}


def claim(cid: str, doc_id: str, ctype: str = "progress") -> dict:
    return {"claim_id": cid, "doc_id": doc_id, "section_id": "", "page": 1, "text": "x",
            "claim_type": ctype, "char_start": 0, "char_end": 1}


def link(cid: str, aim_id: str, rank: int = 1, score: float = 0.9) -> dict:
    return {"claim_id": cid, "aim_id": aim_id, "sub_outcome_id": aim_id.split(":")[1],
            "rank": rank, "score": score, "method": "test"}


def money(cid: str, value: float, currency: str = "GBP", n: int = 1) -> dict:
    return {"mention_id": f"{cid}:m{n:02d}", "claim_id": cid, "doc_id": cid.split(":")[0],
            "text": "£", "value": value, "low": None, "high": None, "currency": currency,
            "approx": False, "qualifier": "", "per": ""}


def figure(cid: str, value: float, unit: str = "count", measure: str = "things", n: int = 1) -> dict:
    return {"mention_id": f"{cid}:m{n:02d}", "claim_id": cid, "doc_id": cid.split(":")[0],
            "text": str(value), "value": value, "low": None, "high": None, "unit": unit,
            "approx": False, "qualifier": "", "measure": measure}


def frame(rows: list[dict], table: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TABLES[table].column_names)


#: The shipped rules (the YAML is their only source); tests vary one setting at a time.
SHIPPED = load_evidence_rules()


def direct_rules(**kw) -> EvidenceRules:
    return replace(SHIPPED, aim_scope="direct", **kw)


@pytest.fixture
def world() -> dict[str, pd.DataFrame]:
    """Two sub-outcomes (4.1 with two aims and an action, 4.2 with one aim), three periods."""
    aims = [aim("4.1", n=1), aim("4.1", n=2), aim("4.1", "action", 1), aim("4.2", n=1)]
    docs = [doc("d19", "2019/20"), doc("d24", "2023/24"), doc("d25", "2024/25"),
            doc("plan", "", doc_type="strategic_plan"), doc("bad", "2022/23", status="failed")]
    claims = [claim("d24:c1", "d24", "achievement"), claim("d24:c2", "d24"),
              claim("d24:c3", "d24", "other"), claim("d25:c1", "d25"),
              claim("plan:c1", "plan", "plan")]
    links = [link("d24:c1", f"{PLAN}:4.1:a1"), link("d24:c1", f"{PLAN}:4.2:a1", rank=2),
             link("d24:c2", f"{PLAN}:4.1:c1"), link("d24:c3", f"{PLAN}:4.1:a1"),
             link("d25:c1", f"{PLAN}:4.2:a1", score=0.2), link("plan:c1", f"{PLAN}:4.1:a1")]
    return {"aims": frame(aims, "aims"), "documents": frame(docs, "documents"),
            "claims": frame(claims, "claims"), "links": frame(links, "links"),
            "money": frame([money("d24:c1", 1_700_000.0), money("d24:c1", 500.0, "USD", 2)], "money"),
            "figures": frame([figure("d24:c2", 23.0)], "figures")}


def cov(world: dict[str, pd.DataFrame], **kw) -> pd.DataFrame:
    return build_coverage(world["aims"], world["links"], world["claims"], world["documents"],
                          world["money"], world["figures"], **kw)


def row(c: pd.DataFrame, aim_id: str, period: str) -> pd.Series:
    hit = c[(c["aim_id"] == aim_id) & (c["period_label"] == period)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_every_aim_period_pair_present_once(world) -> None:
    c = cov(world, rules=direct_rules())
    assert list(c.columns) == TABLES["coverage"].column_names
    pairs = set(zip(c["aim_id"], c["period_label"], strict=True))
    expected = {(a, p) for a in world["aims"]["aim_id"] for p in ("2019/20", "2023/24", "2024/25")}
    assert pairs == expected and len(c) == len(expected)
    # failed documents and documents without a period give no period
    assert "2022/23" not in set(c["period_label"]) and "" not in set(c["period_label"])


def test_empty_period_rows_are_none(world) -> None:
    c = cov(world, rules=direct_rules())
    empty = c[c["period_label"] == "2019/20"]
    assert (empty["evidence"] == "none").all() and (empty["n_claims"] == 0).all()


def test_direct_scope_counts_rank1_only_and_skips_other_type(world) -> None:
    c = cov(world, rules=direct_rules())
    a1 = row(c, f"{PLAN}:4.1:a1", "2023/24")
    # c1 counts (rank 1); c3 is claim_type other; the plan's own claim has no period
    assert (a1.n_claims, a1.n_achievements, a1.n_money) == (1, 1, 2)
    assert a1.money_total_gbp == pytest.approx(1_700_000.0)  # USD left out of the GBP total
    assert row(c, f"{PLAN}:4.1:c1", "2023/24").n_figures == 1
    # the rank-2 link of c1 to 4.2 does not count
    assert row(c, f"{PLAN}:4.2:a1", "2023/24").n_claims == 0
    assert row(c, f"{PLAN}:4.1:a2", "2023/24").n_claims == 0


def test_sub_outcome_scope_spreads_to_aims_not_actions(world) -> None:
    c = cov(world)  # the YAML default: sub_outcome scope
    for n in (1, 2):
        r = row(c, f"{PLAN}:4.1:a{n}", "2023/24")
        assert (r.n_claims, r.n_achievements, r.n_figures) == (2, 1, 1)
    action = row(c, f"{PLAN}:4.1:c1", "2023/24")
    assert action.n_claims == 1 and action.n_money == 0


@pytest.mark.parametrize("min_score,expected", [(0.0, 1), (0.5, 0)])
def test_min_score_filters_links(world, min_score: float, expected: int) -> None:
    c = cov(world, min_score=min_score)
    assert row(c, f"{PLAN}:4.2:a1", "2024/25").n_claims == expected


def test_max_rank_two_counts_second_candidates(world) -> None:
    c = cov(world, rules=direct_rules(max_rank=2))
    assert row(c, f"{PLAN}:4.2:a1", "2023/24").n_claims == 1


def test_sorted_deterministically(world) -> None:
    shuffled = {k: v.sample(frac=1.0, random_state=3) for k, v in world.items()}
    a, b = cov(world), cov(shuffled)
    pd.testing.assert_frame_equal(a, b)
    keys = [(natural_key(s), natural_key(x), p) for s, x, p in
            zip(a["sub_outcome_id"], a["aim_id"], a["period_label"], strict=True)]
    assert keys == sorted(keys)


def test_empty_inputs_give_none_rows(world) -> None:
    empty = pd.DataFrame()
    c = build_coverage(world["aims"], empty, empty, world["documents"], empty, empty)
    assert len(c) == 4 * 3 and (c["evidence"] == "none").all()


def test_no_reporting_period_gives_empty_table(world) -> None:
    docs = frame([doc("plan", "", doc_type="strategic_plan")], "documents")
    c = build_coverage(world["aims"], world["links"], world["claims"], docs,
                       world["money"], world["figures"])
    assert c.empty and list(c.columns) == TABLES["coverage"].column_names


@pytest.mark.parametrize("n_claims,n_ach,n_quant,level", [
    (0, 0, 0, "none"),
    (1, 0, 0, "weak"),
    (4, 4, 4, "weak"),       # a handful of sentences is a thin account
    (20, 0, 9, "weak"),      # no achievement: never more than weak
    (5, 1, 0, "moderate"),
    (12, 3, 2, "moderate"),  # too little quantified for strong
    (12, 2, 3, "moderate"),  # too few achievements for strong
    (12, 3, 3, "strong"),
])
def test_shipped_evidence_levels(n_claims: int, n_ach: int, n_quant: int, level: str) -> None:
    """The levels as the rule file's comment documents them."""
    assert SHIPPED.level(n_claims, n_ach, n_quant) == level


def test_yaml_rules_load_and_match_documented_rule() -> None:
    rules = load_evidence_rules(RULES_PATH)
    assert rules.max_rank == 1 and rules.aim_scope in ("sub_outcome", "direct")
    assert rules.level(0, 0, 0) == "none" and rules.level(1, 0, 0) == "weak"


@pytest.mark.parametrize("change,message", [
    ({"max_rnk": 1}, r"coverage\.max_rnk"),
    ({"aim_scope": "outcome"}, "aim_scope"),
    ({"levels": [{"level": "great", "min_claims": 1}]}, "level"),
    ({"levels": [{"level": "weak", "min_claims": 0}]}, "min_claims"),
    ({"levels": [{"level": "weak", "min_claim": 1}]}, r"coverage\.levels\.0\.min_claim"),
    ({"claim_types": ["achievment"]}, "achievment"),
    ({"max_rank": None}, r"coverage\.max_rank"),
])
def test_bad_yaml_raises_naming_the_problem(tmp_path: Path, change: dict, message: str) -> None:
    """One bad key in an otherwise shipped file: one error naming the file and the key."""
    data = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    data["coverage"].update(change)
    data["coverage"] = {k: v for k, v in data["coverage"].items() if v is not None}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match=message) as err:
        load_evidence_rules(path)
    assert str(path) in str(err.value)


def test_missing_column_raises(world) -> None:
    with pytest.raises(ValueError, match="links table lacks"):
        build_coverage(world["aims"], world["links"].drop(columns=["rank"]), world["claims"],
                       world["documents"], world["money"], world["figures"])


def test_custom_level_rules_are_used_in_order() -> None:
    rules = replace(SHIPPED, levels=(LevelRule("strong", min_claims=2),
                                     LevelRule("weak", min_claims=1)))
    assert [rules.level(n, 0, 0) for n in (0, 1, 2)] == ["none", "weak", "strong"]
