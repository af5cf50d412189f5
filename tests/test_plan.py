"""The Strategic Plan 2022-26 as data: counts per sub-outcome, the 2024 refresh and its diff."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.config import DEFAULT_INPUT_DIR
from pipeline.evaluation.matcher import TEXT_DIR
from pipeline.ingest.plan_layout import is_strategic_plan, marker_kind, split_trailing_marker
from pipeline.model import Block, Document
from pipeline.plan.diff import format_plan_diff, plan_diff
from pipeline.plan.files import read_plan_file
from pipeline.plan.read import parse_plan
from pipeline.plan.refresh import refreshed_plan

PLAN_STEM = "lcc-council-agenda-2022-05-18-strategic-plan-2022-26"

# Counted by hand in the plan (Appendix A): (aims, actions, measures) per sub-outcome.
EXPECTED = {
    "4.1": (1, 7, 6), "4.2": (1, 3, 3), "4.3": (1, 4, 2), "4.4": (2, 12, 4),
    "5.1": (2, 6, 4), "5.2": (1, 4, 4), "5.3": (1, 6, 2), "5.4": (1, 6, 1), "5.5": (2, 6, 6),
    "6.1": (2, 9, 4), "6.2": (2, 9, 3), "6.3": (1, 6, 2), "6.4": (3, 12, 6),
    "7.1": (2, 17, 4), "7.2": (1, 15, 7), "7.3": (2, 9, 4), "7.4": (1, 3, 6),
    "8.1": (2, 10, 8), "8.2": (1, 8, 6), "8.3": (3, 15, 10), "8.4": (3, 18, 6),
}


@pytest.fixture(scope="session")
def text_docs() -> dict[str, Document]:
    from pipeline.ingest.text import read_text
    from pipeline.model import doc_id_for, sha256_of

    docs = {}
    for p in sorted(TEXT_DIR.glob("*.txt")):
        sha = sha256_of(p)
        blocks, _ = read_text(p)
        docs[p.stem] = Document(doc_id=doc_id_for(sha), file=p.name, sha256=sha, format="txt",
                                blocks=blocks)
    return docs


@pytest.fixture(scope="session")
def plan(text_docs):
    return parse_plan(text_docs[PLAN_STEM])


def _counts(p) -> dict[str, tuple[int, int, int]]:
    c = Counter((a.sub_outcome_id, a.kind) for a in p.aims)
    return {s: (c[(s, "aim")], c[(s, "action")], c[(s, "measure")]) for s in p.sub_outcomes()}


def test_plan_counts_text(plan):
    assert _counts(plan) == EXPECTED
    assert list(plan.outcomes()) == ["4", "5", "6", "7", "8"]
    assert plan.outcomes()["8"] == "Safe and Well"


def test_plan_counts_pdf():
    read = pytest.importorskip("pipeline.ingest.read")
    doc = read.read_document(DEFAULT_INPUT_DIR / f"{PLAN_STEM}.pdf", DEFAULT_INPUT_DIR)
    pdf_plan = parse_plan(doc)
    assert _counts(pdf_plan) == EXPECTED


def test_plan_ids_and_period(plan, text_docs):
    doc = text_docs[PLAN_STEM]
    assert plan.plan_id == doc.doc_id
    assert len({a.aim_id for a in plan.aims}) == len(plan.aims) == 318  # ids are unique
    assert f"{doc.doc_id}:4.4:a2" in {a.aim_id for a in plan.aims}
    assert f"{doc.doc_id}:8.3:m10" in {a.aim_id for a in plan.aims}
    assert plan.period_start.isoformat() == "2022-04-01"
    assert plan.period_end.isoformat() == "2026-03-31"
    # nothing from the Strategic Change Portfolio or the MTFS section
    assert not any("IT kit" in a.text or "Financial Resilience" in a.text for a in plan.aims)


def test_is_strategic_plan(text_docs):
    assert is_strategic_plan(text_docs[PLAN_STEM])
    for stem, doc in text_docs.items():
        if stem != PLAN_STEM:
            assert not is_strategic_plan(doc), stem


def test_refreshed_plan_2024(plan, text_docs):
    new = refreshed_plan(text_docs["lcc-annual-delivery-report-2024"], plan)
    assert new is not None and new.plan_id == text_docs["lcc-annual-delivery-report-2024"].doc_id
    assert set(new.sub_outcomes()) == set(EXPECTED)  # the report's 3.1 is mapped to 7.1 by title
    counts = Counter(a.sub_outcome_id for a in new.aims)
    assert counts["7.3"] == 2 and counts["7.4"] == 1  # "3.3 ...; and 3.4 ..." split by content
    assert len(new.aims) == 35  # counted by hand in the 2024 report
    assert all(a.kind == "aim" for a in new.aims)
    assert refreshed_plan(text_docs["lcc-annual-delivery-report-2025"], plan) is None
    assert refreshed_plan(text_docs[PLAN_STEM], plan) is None


def test_plan_diff_net_zero(plan, text_docs):
    new = refreshed_plan(text_docs["lcc-annual-delivery-report-2024"], plan)
    df = plan_diff(plan, new)
    row = df[df["new_text"].str.contains("own operations by 2035")].iloc[0]
    assert row["status"] == "changed_target" and "2030" in row["old_text"]
    assert "2030" in row["detail"] and "2035" in row["detail"]
    assert set(df["status"]) <= {"same", "reworded", "changed_target", "new", "dropped"}
    assert (df["status"] == "same").sum() >= 10
    assert "changed_target" in format_plan_diff(df)


@pytest.mark.parametrize("text,kind", [
    ("Our aim by 2026", "aim"), ("Our aims by 2026", "aim"), ("Our actions", "action"),
    ("How we will measure success", "measure"), ("Our aims and actions", None),
    ("Progress in 2023/24", None), ("We will measure success by", None),
])
def test_marker_kind(text, kind):
    assert marker_kind(text) == kind


def test_split_trailing_marker():
    assert split_trailing_marker("Support people to live independently How we will measure success") == \
        ("Support people to live independently", "measure")
    assert split_trailing_marker("Support people to live independently") == \
        ("Support people to live independently", None)


def test_parse_plan_rejects_non_plan():
    doc = Document(doc_id="x" * 12, file="x.txt", sha256="x" * 64, format="txt",
                   blocks=[Block("paragraph", "Just a report.", 1)])
    with pytest.raises(ValueError, match="no plan outcomes"):
        parse_plan(doc)


def test_read_plan_file_csv_yaml(tmp_path: Path):
    csv = tmp_path / "plan.csv"
    csv.write_text("outcome_id,outcome,sub_outcome_id,sub_outcome,kind,text\n"
                   "1,Green,1.1,Less waste,aim,Recycle more\n"
                   "1,Green,1.1,Less waste,action,Open a reuse shop\n", encoding="utf-8")
    p = read_plan_file(csv)
    assert [a.aim_id for a in p.aims] == [f"{p.plan_id}:1.1:a1", f"{p.plan_id}:1.1:c1"]
    yml = tmp_path / "plan.yaml"
    yml.write_text("plan_id: demo\nperiod_start: 2022-04-01\naims:\n"
                   "  - {outcome_id: '1', outcome: Green, sub_outcome_id: '1.1',"
                   " sub_outcome: Less waste, kind: measure, text: Tonnes landfilled}\n",
                   encoding="utf-8")
    q = read_plan_file(yml)
    assert q.plan_id == "demo" and q.aims[0].aim_id == "demo:1.1:m1"
    assert q.period_start.isoformat() == "2022-04-01"
    bad = tmp_path / "bad.csv"
    bad.write_text("outcome_id,outcome,sub_outcome_id,sub_outcome,kind,text\n1,G,1.1,W,goal,x\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="kind must be"):
        read_plan_file(bad)


def test_plan_rules_file_is_validated(tmp_path):
    """The plan layout rules are data (models/patterns/plan.yaml); a broken file says what."""
    from pipeline.ingest.plan_layout import PLAN_RULES_FILE, load_rules

    assert PLAN_RULES_FILE.name == "plan.yaml" and load_rules().min_markers >= 1
    text = PLAN_RULES_FILE.read_text(encoding="utf-8")
    missing = tmp_path / "plan.yaml"
    missing.write_text(text.replace("min_markers:", "min_marker_count:"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"plan\.yaml: .*plan\.min_markers: Field required"):
        load_rules(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("sub_heading: '^", "sub_heading: '(^"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"plan\.sub_heading: .*does not compile"):
        load_rules(bad)


# --------------------------------------------------------------------------- other shapes
# Invented plans in templates other than Leicestershire's.

def _doc(blocks: list[Block]) -> Document:
    from pipeline.ingest import layout

    layout.assign_heading_paths(blocks)
    return Document(doc_id="d" * 12, file="plan.txt", sha256="d" * 64, format="txt",
                    blocks=blocks)


def test_two_level_unnumbered_plan():
    # every heading at one level, as the text reader gives them: a heading directly followed
    # by another heading is an outcome
    h = [Block("heading", t, 1, level=1) for t in (
        "Ashby Vale Corporate Plan 2024-2028", "A Greener Vale", "Cleaner streets", "Less waste",
        "Stronger Communities", "Safer streets")]
    p = lambda t: Block("paragraph", t, 1)  # noqa: E731
    b = lambda t: Block("bullet", t, 1)  # noqa: E731
    blocks = [h[0], p("Our plan for four years."), h[1], h[2],
              p("Litter is the first thing residents mention."), p("We will:"),
              b("Empty litter bins daily in town centres"), b("Clear fly-tipping within two days"),
              p("How we will measure success"), b("Fly-tipping incidents cleared on time"),
              h[3], p("We will:"), b("Collect food waste weekly"),
              h[4], h[5], p("Our commitments"), b("Fewer people feel unsafe after dark"),
              p("We will:"), b("Light every town centre alley")]
    plan = parse_plan(_doc(blocks))
    assert plan.sub_outcomes() == {"cleaner-streets": "Cleaner streets", "less-waste": "Less waste",
                                   "safer-streets": "Safer streets"}
    outcome_of = {a.sub_outcome_id: (a.outcome_id, a.outcome) for a in plan.aims}
    assert outcome_of["less-waste"] == ("a-greener-vale", "A Greener Vale")
    assert outcome_of["safer-streets"] == ("stronger-communities", "Stronger Communities")
    kinds = {(a.sub_outcome_id, a.kind, a.text) for a in plan.aims}
    assert ("cleaner-streets", "action", "Clear fly-tipping within two days") in kinds
    assert ("cleaner-streets", "measure", "Fly-tipping incidents cleared on time") in kinds
    assert ("safer-streets", "aim", "Fewer people feel unsafe after dark") in kinds
    # a section without an aims list states its title as its aim; it is not dropped
    assert ("less-waste", "aim", "Less waste") in kinds
    assert plan.period_start.isoformat() == "2024-04-01" and plan.period_end.isoformat() == "2028-03-31"


def test_table_plan_outcome_from_each_row():
    outcomes = Block("table", "", 1, rows=[["Outcome", "Ref"], ["Healthy lives", "HL1"],
                                           ["Good jobs", "GJ2"], ["Safe homes", "SH3"]])
    actions = Block("table", "", 2, rows=[
        ["Key actions", "Lead", "Measure", "Outcome"],
        ["Get more people active", "", "", ""],
        ["Open two outdoor gyms", "Leisure", "Gyms open", "HL1"],
        ["Run a jobs fair at the leisure centre", "Economy", "Attendees", "GJ2, HL1"],
        ["Fund walking groups", "Leisure", "-", ""],
    ])
    doc = _doc([Block("heading", "Delivery Plan", 1, level=1), outcomes,
                Block("heading", "Our actions ~ Leisure", 2, level=2), actions])
    plan = parse_plan(doc)
    rows = {a.text: a for a in plan.aims}
    assert rows["Open two outdoor gyms"].outcome_id == "HL1"
    assert rows["Open two outdoor gyms"].outcome == "Healthy lives"
    assert rows["Run a jobs fair at the leisure centre"].outcome_id == "GJ2"
    assert rows["Fund walking groups"].outcome_id == "HL1"  # none in its row: its priority's
    assert rows["Gyms open"].kind == "measure"
    assert {a.sub_outcome for a in plan.aims} == {"Get more people active"}
    assert "-" not in rows


def test_numbered_section_without_aims_keeps_its_outcome():
    blocks = [Block("heading", "2. Thriving Economy", 1, level=1, number="2"),
              Block("heading", "2.1 More jobs", 1, level=2, number="2.1"),
              Block("paragraph", "Our aims by 2026", 1), Block("bullet", "Unemployment falls", 1),
              Block("paragraph", "Our actions", 1), Block("bullet", "Fund apprenticeships", 1),
              Block("heading", "2.2 Better skills", 1, level=2, number="2.2"),
              Block("paragraph", "Our actions", 1), Block("bullet", "Open a skills hub", 1)]
    plan = parse_plan(_doc(blocks))
    assert set(plan.sub_outcomes()) == {"2.1", "2.2"}
    assert {a.outcome_id for a in plan.aims} == {"2"}


def test_refreshed_plan_outcomes_come_from_the_base_plan():
    from pipeline.plan.model import Aim, Plan

    base = Plan("p", "p", "Plan", None, None, "v1", aims=[
        Aim("p:clean-air:a1", "p", "green", "Green", "clean-air", "Clean air", "aim",
            "Air quality improves in every town")])
    report = _doc([Block("heading", "1.1 Clean air", 1, level=2, number="1.1"),
                   Block("paragraph", "Our aims by 2026", 1),
                   Block("bullet", "Air quality improves in every town", 1)])
    report.doc_id = "r" * 12
    new = refreshed_plan(report, base)
    assert new is not None and {a.outcome_id for a in new.aims} == {"green"}


@pytest.mark.parametrize("text,kind", [
    ("We will:", "action"), ("Our commitments", "aim"), ("Key measures", "measure"),
    ("What success looks like", "measure"), ("Our priorities", "priority"),
    ("We will work with partners to cut waste.", None), ("Key findings", None),
])
def test_generic_marker(text, kind):
    from pipeline.ingest.plan_layout import generic_marker

    assert generic_marker(text) == kind


def test_not_a_plan_in_any_shape():
    from pipeline.ingest.plan_layout import looks_like_plan
    from pipeline.plan.model import PlanNotFound

    doc = _doc([Block("heading", "Annual Review", 1, level=1),
                Block("paragraph", "We will keep working hard.", 1),
                Block("bullet", "Parks were cleaned", 1)])
    assert not looks_like_plan(doc)
    with pytest.raises(PlanNotFound):
        parse_plan(doc)
