"""The evaluator scored on tiny synthetic gold + prediction tables with known answers.

Gold sentences here are invented; they never come from data/gold (which is for measuring).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.evaluation import (
    align,
    evaluate,
    format_report,
    load_gold,
    load_predictions,
    match_mentions,
    normalise,
    split_of,
)
from pipeline.tables.schema import TABLES

DOC = "council-report-2031"
DOC_ID = "abcdef012345"


def gold_row(text: str, claim_type: str = "achievement", money=(), figures=(), dates=(),
             sub: str | None = "7.1") -> dict:
    return {"doc": DOC, "report_period": "2030/31", "section": "1 Intro", "text": text,
            "claim_type": claim_type, "money": list(money), "figures": list(figures),
            "dates": list(dates), "outcome": None, "sub_outcome": None, "sub_outcome_id": sub}


GOLD = [
    gold_row("We secured £2.5m for the new depot in May 2030.",
             money=[{"text": "£2.5m", "value_gbp": 2500000}],
             dates=[{"text": "May 2030", "start": "2030-05-01", "end": "2030-05-31"}]),
    gold_row("Around 40% of residents now cycle weekly.", "statistic",
             figures=[{"text": "40%", "value": 40, "unit": "percent"}], sub="4.4"),
    gold_row("The committee met last year.", "other",
             dates=[{"text": "last year", "start": None, "end": None}], sub=None),
]


def _frame(name: str, rows: list[dict]) -> pd.DataFrame:
    cols = TABLES[name].column_names
    return pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows], columns=cols)


def perfect_preds() -> dict[str, pd.DataFrame]:
    c = [f"{DOC_ID}:c0000{i}" for i in (1, 2, 3, 4)]
    return {
        "documents": _frame("documents", [{"doc_id": DOC_ID, "file": f"reports/{DOC}.pdf"}]),
        "claims": _frame("claims", [
            {"claim_id": c[0], "doc_id": DOC_ID, "text": "- We secured £2.5m for the new depot in May 2030.",
             "claim_type": "achievement"},
            {"claim_id": c[1], "doc_id": DOC_ID, "text": "Around 40% of residents now cycle weekly.",
             "claim_type": "statistic"},
            {"claim_id": c[2], "doc_id": DOC_ID, "text": "The committee met last year.",
             "claim_type": "other"},
            {"claim_id": c[3], "doc_id": DOC_ID, "text": "An unannotated sentence with £9m.",
             "claim_type": "other"},
        ]),
        "money": _frame("money", [
            {"mention_id": c[0] + ":m01", "claim_id": c[0], "value": "2500000.0", "currency": "GBP"},
            {"mention_id": c[3] + ":m01", "claim_id": c[3], "value": "9000000.0", "currency": "GBP"},
        ]),
        "figures": _frame("figures", [
            {"mention_id": c[1] + ":m01", "claim_id": c[1], "value": "40", "unit": "percent"},
        ]),
        "dates": _frame("dates", [
            {"mention_id": c[0] + ":m02", "claim_id": c[0], "start": "2030-05-01",
             "end": "2030-05-31", "resolved": "true"},
            {"mention_id": c[2] + ":m01", "claim_id": c[2], "start": "", "end": "",
             "resolved": "false"},
        ]),
        "links": _frame("links", [
            {"claim_id": c[0], "aim_id": "p:7.1:a1", "sub_outcome_id": "7.1", "rank": "1", "score": "0.85"},
            {"claim_id": c[1], "aim_id": "p:4.4:a1", "sub_outcome_id": "4.4", "rank": "1", "score": "0.75"},
            {"claim_id": c[2], "aim_id": "p:5.2:a1", "sub_outcome_id": "5.2", "rank": "1", "score": "0.15"},
        ]),
        "plans": _frame("plans", [{"plan_id": "p", "title": "Council Plan 2030-34"}]),
        "aims": _frame("aims", [
            {"aim_id": f"p:{sub}:a1", "plan_id": "p", "outcome_id": sub[0], "sub_outcome_id": sub}
            for sub in ("7.1", "4.4", "4.1", "5.2")
        ]),
    }


def test_perfect_prediction_scores_one() -> None:
    report = evaluate(GOLD, perfect_preds())
    o = report.overall
    assert o.n_aligned == 3 and o.alignment_rate == 1.0
    assert o.type_accuracy == 1.0 and o.type_accuracy_strict == 1.0
    for kind in ("money", "figures", "dates"):
        assert (o.mentions[kind].precision, o.mentions[kind].recall) == (1.0, 1.0), kind
    assert o.links.top1 == 2 and o.links.n_linked_gold == 2
    # the null-gold sentence has a weak link: no abstention unless the threshold drops it
    assert o.links.abstained == 0
    assert evaluate(GOLD, perfect_preds(), min_score=0.3).overall.links.abstained == 1
    text = format_report(report)
    assert DOC in text and "confusion" in text and "reliability" in text


def test_missing_mention_lowers_recall_only() -> None:
    preds = perfect_preds()
    preds["figures"] = preds["figures"].iloc[0:0]
    m = evaluate(GOLD, preds).overall.mentions["figures"]
    assert (m.tp, m.fp, m.fn) == (0, 0, 1)
    assert m.recall == 0.0 and m.precision == 1.0


def test_wrong_value_lowers_precision_and_recall() -> None:
    preds = perfect_preds()
    preds["money"].loc[0, "value"] = "2000000"
    m = evaluate(GOLD, preds).overall.mentions["money"]
    assert (m.tp, m.fp, m.fn) == (0, 1, 1)


@pytest.mark.parametrize(("pred_value", "ok"), [
    (2500000 * 1.004, True), (2500000 * 0.996, True),
    (2500000 * 1.006, False), (2500000 * 0.994, False),
])
def test_money_tolerance_half_percent(pred_value: float, ok: bool) -> None:
    preds = perfect_preds()
    preds["money"].loc[0, "value"] = str(pred_value)
    assert evaluate(GOLD, preds).overall.mentions["money"].tp == int(ok)


def test_percent_flag_must_agree() -> None:
    assert match_mentions([(40.0, True)], [(40.0, False)], "figures").tp == 0
    assert match_mentions([(40.0, True)], [(40.0, True)], "figures").tp == 1


@pytest.mark.parametrize(("gold", "pred", "tp", "fp", "fn"), [
    ([("2030-05", "2030-05", False, "may 2030")], [("2030-05", "2030-05", True, "may 2030")],
     1, 0, 0),
    ([("2030-05", "2030-05", False, "may")], [("2030-05", "2030-06", True, "may")], 0, 1, 1),
    # unplaceable in the gold: neither right nor wrong, whatever is predicted (FORMAT.md)
    ([(None, None, True, "last year")], [(None, None, False, "last year")], 0, 0, 0),
    ([(None, None, True, "last year")], [], 0, 0, 0),
    ([(None, None, True, "last year")], [("2030-01", "2030-12", True, "last year")], 0, 0, 0),
    # ...but a prediction for other words is still scored
    ([(None, None, True, "last year")],
     [("2030-01", "2030-12", True, "last year"), ("2031-01", "2031-01", True, "january")],
     0, 1, 0),
    # a relative year placed by the annotators: calendar and financial readings both count
    ([("2030-04", "2031-03", True, "this year")], [("2030-01", "2030-12", True, "this year")],
     1, 0, 0),
    ([("2030-04", "2031-03", True, "this year")], [("2029-01", "2029-12", True, "this year")],
     0, 1, 1),
    # overlap is for relative years only: a named month must agree exactly
    ([("2030-04", "2030-06", False, "spring 2030")],
     [("2030-03", "2030-05", True, "spring 2030")], 0, 1, 1),
])
def test_date_matching(gold, pred, tp, fp, fn) -> None:  # noqa: ANN001
    m = match_mentions(gold, pred, "dates")
    assert (m.tp, m.fp, m.fn) == (tp, fp, fn)


def test_unaligned_gold_counts_as_missed() -> None:
    preds = perfect_preds()
    preds["claims"] = preds["claims"].iloc[1:]
    o = evaluate(GOLD, preds).overall
    assert o.n_aligned == 2
    assert o.mentions["money"].fn == 1 and o.mentions["dates"].fn == 1
    assert o.type_accuracy == 1.0 and o.type_accuracy_strict == pytest.approx(2 / 3)


def test_unknown_document_is_flagged() -> None:
    gold = [dict(GOLD[0], doc="no-such-report")]
    report = evaluate(gold, perfect_preds())
    assert report.overall.n_aligned == 0 and not report.documents[0].found
    assert "NOT IN PREDICTIONS" in format_report(report)


def test_wrong_type_and_wrong_link() -> None:
    preds = perfect_preds()
    preds["claims"].loc[1, "claim_type"] = "achievement"
    preds["links"].loc[1, "sub_outcome_id"] = "4.1"
    report = evaluate(GOLD, preds)
    assert report.overall.type_correct == 2
    assert report.confusion[("statistic", "achievement")] == 1
    lk = report.overall.links
    assert (lk.top1, lk.outcome) == (1, 2)  # 4.1 is the right outcome (4), wrong sub-outcome
    b = [b for b in report.reliability if b.low == pytest.approx(0.7)][0]
    assert (b.n, b.correct) == (1, 0)


# --- alignment ---------------------------------------------------------------------------

CLAIMS = [("c1", normalise("First sentence about the depot. Second sentence about parks.")),
          ("c2", normalise("A long sentence that the splitter cut")),
          ("c3", normalise("into two pieces at a bad place.")),
          ("c4", normalise("Totally unrelated text about libraries."))]


@pytest.mark.parametrize(("gold", "ids", "method"), [
    ("Totally unrelated text about libraries.", ["c4"], "exact"),
    ("“Totally unrelated text about libraries.”", ["c4"], "exact"),
    ("Totaly unrelated text about libraries.", ["c4"], "fuzzy"),
    ("Second sentence about parks.", ["c1"], "contained"),
    ("A long sentence that the splitter cut into two pieces at a bad place.", ["c2", "c3"], "joined"),
])
def test_align(gold: str, ids: list[str], method: str) -> None:
    found = align(gold, CLAIMS)
    assert found is not None and found.claim_ids == ids and found.method == method


def test_align_rejects_unrelated() -> None:
    assert align("Nothing like any claim here at all, surely.", CLAIMS) is None


def test_contained_alignment_scores_only_its_window() -> None:
    gold = [gold_row("Second part costs £3m.", money=[{"text": "£3m", "value_gbp": 3e6}])]
    preds = perfect_preds()
    preds["claims"].loc[0, "text"] = "First part costs £1m. Second part costs £3m."
    preds["money"] = _frame("money", [
        {"mention_id": "x:m01", "claim_id": preds["claims"].loc[0, "claim_id"], "text": "£1m",
         "value": "1000000"},
        {"mention_id": "x:m02", "claim_id": preds["claims"].loc[0, "claim_id"], "text": "£3m",
         "value": "3000000"},
    ])
    m = evaluate(gold, preds).overall.mentions["money"]
    assert (m.tp, m.fp, m.fn) == (1, 0, 0)


# --- loading -----------------------------------------------------------------------------

def test_load_round_trip(tmp_path: Path) -> None:
    gold_file = tmp_path / "g.jsonl"
    gold_file.write_text("\n".join(json.dumps(r) for r in GOLD) + "\n", encoding="utf-8")
    pred_dir = tmp_path / "pred"
    pred_dir.mkdir()
    for name, df in perfect_preds().items():
        df.to_csv(pred_dir / f"{name}.csv", index=False)
    report = evaluate(load_gold([gold_file]), load_predictions(pred_dir))
    assert report.overall.type_accuracy == 1.0
    assert report.overall.mentions["money"].f1 == 1.0


def test_load_predictions_checks_columns(tmp_path: Path) -> None:
    pd.DataFrame({"doc_id": ["x"]}).to_csv(tmp_path / "documents.csv", index=False)
    _frame("claims", []).to_csv(tmp_path / "claims.csv", index=False)
    with pytest.raises(ValueError, match="documents.csv"):
        load_predictions(tmp_path)


def test_load_predictions_requires_claims(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="planmine extract"):
        load_predictions(tmp_path)


def test_load_gold_names_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc": "x", "text": "y"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:1"):
        load_gold([bad])


# --- real documents: the corpus text versions through the pipeline, scored on the gold -----

REAL_DOCS = ("lcc-annual-delivery-report-2024",
             "lcc-council-agenda-2022-05-18-strategic-plan-2022-26")


def _text_document(path: Path):  # noqa: ANN202 - pipeline.model.Document
    """A Document from a text version: blank-line paragraphs, one block per '- ' bullet."""
    import re

    from pipeline.model import Block, Document, doc_id_for, sha256_of

    sha = sha256_of(path)
    doc = Document(doc_id=doc_id_for(sha), file=path.name, sha256=sha, format="txt")
    for para in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        for item in re.split(r"\n\s*(?=[-•]\s)", para):
            kind = "bullet" if re.match(r"^\s*[-•]\s", item) else "paragraph"
            item = re.sub(r"^\s*[-•]\s+", "", item)
            if item.strip():
                doc.blocks.append(Block(kind, " ".join(item.split()), 1))
    doc.build_text()
    return doc


@pytest.fixture(scope="session")
def real_pred_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.annotate import document_rows
    from pipeline.config import PROJECT_DIR
    from pipeline.extract import collect_tables
    from pipeline.nlp.pipeline import build_nlp

    nlp = build_nlp()
    rows = [document_rows(_text_document(PROJECT_DIR / "tests" / "data" / "text" / f"{s}.txt"), nlp)
            for s in REAL_DOCS]
    out = tmp_path_factory.mktemp("pred")
    for name, df in collect_tables(rows).items():
        if name in TABLES:
            cols = TABLES[name].column_names
            (df.reindex(columns=cols) if not df.empty else pd.DataFrame(columns=cols)).to_csv(
                out / f"{name}.csv", index=False)
    return out


def test_real_documents_align_and_score(real_pred_dir: Path) -> None:
    from pipeline.config import DEFAULT_GOLD_DIR

    gold = load_gold([DEFAULT_GOLD_DIR / f"{s}.jsonl" for s in REAL_DOCS])
    report = evaluate(gold, load_predictions(real_pred_dir))
    o = report.overall
    assert o.n_gold == len(gold) and {d.doc for d in report.documents} == set(REAL_DOCS)
    assert o.alignment_rate >= 0.95
    assert o.type_accuracy >= 0.6
    assert o.mentions["money"].f1 >= 0.9
    assert "all" in format_report(report)


# --- the fixed gold split ------------------------------------------------------------------

def test_split_held_out_document_is_whole() -> None:
    from pipeline.evaluation import HELD_OUT_DOC, HELD_OUT_DOCS

    doc = next(iter(HELD_OUT_DOCS))
    parts = {split_of({"doc": doc, "text": f"Invented sentence number {i}."}) for i in range(40)}
    assert parts == {HELD_OUT_DOC}


def test_split_is_the_documented_hash_and_ignores_whitespace() -> None:
    from pipeline.evaluation import HELD_OUT_HALF, TUNING

    seen = set()
    for i in range(40):
        text = f"Invented   sentence\n number {i}."
        digest = hashlib.sha256(f"{DOC}\n{' '.join(text.split())}".encode()).hexdigest()
        expected = HELD_OUT_HALF if int(digest, 16) % 2 == 1 else TUNING
        assert split_of({"doc": DOC, "text": text}) == expected
        assert split_of({"doc": DOC, "text": " ".join(text.split())}) == expected
        seen.add(expected)
    assert seen == {HELD_OUT_HALF, TUNING}  # 40 sentences land in both halves


def test_report_has_a_row_per_part_summing_to_all() -> None:
    report = evaluate(GOLD, perfect_preds())
    assert sum(p.n_gold for p in report.parts) == report.overall.n_gold == len(GOLD)
    assert sum(p.type_correct for p in report.parts) == report.overall.type_correct
    text = format_report(report)
    for part in report.parts:
        assert part.doc in text


# --- links: outcomes from the plan's tables, scores per plan -------------------------------

def test_outcome_comes_from_the_aims_table_not_the_id() -> None:
    """Named ids have no dot to split, and a dotted id's outcome is whatever the plan says."""
    preds = perfect_preds()
    gold = [dict(GOLD[0], sub_outcome_id="cycling"), dict(GOLD[1], sub_outcome_id="4.4")]
    preds["aims"] = _frame("aims", [
        {"aim_id": "p:cycling:a1", "plan_id": "p", "outcome_id": "travel", "sub_outcome_id": "cycling"},
        {"aim_id": "p:buses:a1", "plan_id": "p", "outcome_id": "travel", "sub_outcome_id": "buses"},
        {"aim_id": "p:4.4:a1", "plan_id": "p", "outcome_id": "health", "sub_outcome_id": "4.4"},
        {"aim_id": "p:4.1:a1", "plan_id": "p", "outcome_id": "homes", "sub_outcome_id": "4.1"},
    ])
    preds["links"].loc[0, ["aim_id", "sub_outcome_id"]] = ["p:buses:a1", "buses"]
    preds["links"].loc[1, ["aim_id", "sub_outcome_id"]] = ["p:4.1:a1", "4.1"]
    lk = evaluate(gold, preds).overall.links
    # buses is in cycling's outcome (right); 4.1 is not in 4.4's outcome despite the prefix
    assert (lk.n_linked_gold, lk.top1, lk.outcome) == (2, 0, 1)


def _second_council() -> tuple[list[dict], dict[str, pd.DataFrame]]:
    """Gold and the tables of a second council's report linked against its own plan."""
    other_doc, other_id = "district-review-2031", "fedcba987654"
    c = [f"{other_id}:c0000{i}" for i in (1, 2)]
    gold = [*GOLD,
            dict(gold_row("We opened forty new council homes on the old depot site.", sub="homes"),
                 doc=other_doc),
            dict(gold_row("The mayor thanked all volunteers.", "other", sub=None), doc=other_doc)]
    extra = {
        "documents": [{"doc_id": other_id, "file": f"{other_doc}.txt"}],
        "claims": [{"claim_id": c[0], "doc_id": other_id, "claim_type": "achievement",
                    "text": "We opened forty new council homes on the old depot site."},
                   {"claim_id": c[1], "doc_id": other_id, "claim_type": "other",
                    "text": "The mayor thanked all volunteers."}],
        "links": [{"claim_id": c[0], "aim_id": "w:parks:a1", "sub_outcome_id": "parks",
                   "rank": "1", "score": "0.9"}],
        "plans": [{"plan_id": "w", "title": "District Plan"}],
        "aims": [{"aim_id": f"w:{s}:a1", "plan_id": "w", "outcome_id": s, "sub_outcome_id": s}
                 for s in ("homes", "parks")],
    }
    tables = {name: _frame(name, extra.get(name, [])) for name in
              ("documents", "claims", "money", "figures", "dates", *extra)}
    return gold, tables


def _two_plan_preds() -> tuple[list[dict], dict[str, pd.DataFrame]]:
    """The perfect predictions plus a second council's report linked against its own plan."""
    gold, second = _second_council()
    preds = perfect_preds()
    return gold, {name: pd.concat([preds[name], second[name]], ignore_index=True)
                  for name in preds}


def test_links_are_reported_per_plan() -> None:
    gold, preds = _two_plan_preds()
    report = evaluate(gold, preds)
    by_plan = {p.plan_id: p.scores for p in report.plans}
    assert set(by_plan) == {"p", "w"}
    assert by_plan["p"].n_gold == len(GOLD) and by_plan["w"].n_gold == 2
    first, second = by_plan["p"].links, by_plan["w"].links
    assert (first.top1, first.n_linked_gold) == (2, 2)
    assert (second.top1, second.n_linked_gold, second.abstained, second.n_null_gold) == (0, 1, 1, 1)
    text = format_report(report)
    assert "links per plan" in text and "District Plan" in text


def test_cli_scores_two_output_folders_per_plan(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    gold, second = _second_council()
    folders = []
    for name, tables in (("first", perfect_preds()), ("second", second)):
        folder = tmp_path / name
        folder.mkdir()
        for table, df in tables.items():
            df.to_csv(folder / f"{table}.csv", index=False)
        folders += ["--pred", str(folder)]
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text("".join(json.dumps(r) + "\n" for r in gold), encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "--gold", str(gold_file), *folders])
    assert result.exit_code == 0, result.output
    assert "links per plan" in result.output and "District Plan" in result.output


def test_one_plan_gives_no_per_plan_section() -> None:
    report = evaluate(GOLD, perfect_preds())
    assert report.plans == [] and "links per plan" not in format_report(report)


def test_gold_documents_of_two_councils_find_their_plans() -> None:
    """The invented second council's gold goes to its own plan, this corpus's gold to its one."""
    from pipeline.config import DEFAULT_GOLD_DIR, PROJECT_DIR
    from pipeline.evaluation.links import PlanTables
    from pipeline.plan.files import read_plan_file

    council2 = PROJECT_DIR / "tests" / "data" / "council2"
    westmarsh = read_plan_file(council2 / "plan.yaml")
    aims = pd.DataFrame([vars(a) for a in westmarsh.aims]
                        + [{"aim_id": f"lcc:{s}:a1", "plan_id": "lcc", "outcome_id": s[0],
                            "sub_outcome_id": s} for s in ("4.1", "5.2", "7.1")])
    tables = PlanTables(aims)
    rows = load_gold([council2 / "gold"])
    assert rows and {tables.plan_for([r["sub_outcome_id"] for r in rows if r["sub_outcome_id"]],
                                     None)} == {westmarsh.plan_id}
    ours = load_gold(sorted(DEFAULT_GOLD_DIR.glob("*.jsonl"))[:1])
    if ours:
        assert tables.plan_for([r["sub_outcome_id"] for r in ours if r.get("sub_outcome_id")],
                               None) == "lcc"


def test_a_skipped_entry_named_like_the_document_does_not_hide_it() -> None:
    """A notes file beside the PDF with the same stem (``report.jsonl``) gets a skipped row; the
    gold still aligns to the document that was read, whichever row comes last."""
    preds = perfect_preds()
    ok = preds["documents"].assign(status="ok")
    skipped = _frame("documents", [{"doc_id": "0000notes000", "file": f"reports/{DOC}.jsonl",
                                    "status": "skipped"}])
    preds["documents"] = pd.concat([ok, skipped], ignore_index=True)
    assert evaluate(GOLD, preds).overall.n_aligned == len(GOLD)
