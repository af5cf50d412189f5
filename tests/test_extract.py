"""End to end: `planmine extract` on the real corpus, bad input in a batch, incremental runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import DEFAULT_INPUT_DIR, PROJECT_DIR
from pipeline.extract import OutputNotWritable, run_extract
from pipeline.tables.queries import load_table
from pipeline.tables.schema import TABLE_ORDER, TABLES

TEXT_DIR = PROJECT_DIR / "tests" / "data" / "text"

EXPECTED_PERIODS = {
    "lcc-annual-delivery-report-2019": "2018/19",
    "lcc-annual-delivery-report-2020": "2019/20",
    "lcc-annual-delivery-report-2024": "2023/24",
    "lcc-annual-delivery-report-2025": "2024/25",
}


@pytest.fixture(scope="session")
def corpus_out(corpus_extract_dir: Path) -> Path:
    return corpus_extract_dir


def test_every_table_written_with_schema_columns(corpus_out: Path) -> None:
    for name in TABLE_ORDER:
        header = (corpus_out / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",")[: len(TABLES[name].columns)] == TABLES[name].column_names
    assert (corpus_out / "planmine.duckdb").exists()
    assert (corpus_out / "datapackage.json").exists()
    assert not list(corpus_out.glob("*.tmp")) and not list(corpus_out.glob(".*.tmp"))


def test_documents_ok_with_periods(corpus_out: Path) -> None:
    docs = load_table(corpus_out, "documents")
    assert len(docs) == 5
    assert set(docs["status"]) == {"ok"}
    stems = docs.assign(stem=docs["file"].map(lambda f: Path(f).stem)).set_index("stem")
    for stem, period in EXPECTED_PERIODS.items():
        assert stems.loc[stem, "period_label"] == period
        assert stems.loc[stem, "doc_type"] == "annual_report"
    plan = stems.loc["lcc-council-agenda-2022-05-18-strategic-plan-2022-26"]
    assert plan["doc_type"] == "strategic_plan"
    assert (docs["doc_id"] == docs["sha256"].str[:12]).all()
    assert (docs["n_claims"] > 50).all()


def test_claim_offsets_slice_the_normalised_text(corpus_out: Path) -> None:
    claims = load_table(corpus_out, "claims")
    assert claims["claim_id"].is_unique
    for doc_id, group in claims.groupby("doc_id"):
        text = (corpus_out / "text" / f"{doc_id}.txt").read_text(encoding="utf-8")
        for row in group.itertuples(index=False):
            assert text[row.char_start:row.char_end] == row.text
    assert claims["claim_id"].str.match(r"^[0-9a-f]{12}:c\d{5}$").all()
    assert set(claims["claim_type"]) <= {"achievement", "progress", "plan", "target",
                                         "statistic", "challenge", "other"}


def test_mentions_never_overlap_and_sit_inside_their_claim(corpus_out: Path) -> None:
    claims = load_table(corpus_out, "claims").set_index("claim_id")
    tables = [load_table(corpus_out, kind) for kind in ("money", "figures", "dates")]
    for table in tables:
        assert table["mention_id"].is_unique
    mentions = pd.concat([t[["mention_id", "claim_id", "text"]] for t in tables])
    # mention ids number a claim's mentions in text order: each must start after the last ends
    for claim_id, group in mentions.sort_values("mention_id").groupby("claim_id"):
        claim_text = claims.loc[claim_id, "text"]
        pos = 0
        for text in group["text"]:
            start = claim_text.find(text, pos)
            assert start >= 0, (claim_id, text, claim_text)
            pos = start + len(text)


def test_known_money_is_in_pounds(corpus_out: Path) -> None:
    money = load_table(corpus_out, "money")
    assert (money["currency"].isin(["GBP", "USD", "EUR"])).all()
    assert (money["value"] >= 0).all()
    docs = load_table(corpus_out, "documents")
    doc_2024 = docs[docs["file"].str.contains("2024")]["doc_id"].iloc[0]
    values = set(money[money["doc_id"] == doc_2024]["value"].round(0))
    assert 1_700_000 in values  # £1.7m Skills Bootcamp funding, page 3 of the 2024 report


def test_failed_files_do_not_stop_the_batch(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT_DIR / "lcc-annual-delivery-report-2024.txt", src)
    (src / "empty.pdf").write_bytes(b"")
    (src / "noise.pdf").write_bytes(bytes(range(256)) * 40)
    summary = run_extract(src, tmp_path / "out", jobs=1)
    assert summary.files == 3 and summary.failed == 2
    docs = load_table(tmp_path / "out", "documents").set_index("file")
    assert docs.loc["empty.pdf", "status"] == "failed"
    assert docs.loc["noise.pdf", "status"] == "failed"
    for f in ("empty.pdf", "noise.pdf"):
        assert docs.loc[f, "error"] and "\n" not in docs.loc[f, "error"]
    assert docs.loc["lcc-annual-delivery-report-2024.txt", "status"] == "ok"
    assert docs.loc["lcc-annual-delivery-report-2024.txt", "n_claims"] > 100


def test_each_input_is_hashed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache lookup hashes every input; the reader is handed that hash, not re-reading it."""
    import pipeline.ingest.read as read_module
    import pipeline.model as model

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT_DIR / "lcc-annual-delivery-report-2025.txt", src)
    calls: list[Path] = []
    real = model.sha256_of

    def counting(path: Path) -> str:
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(model, "sha256_of", counting)
    monkeypatch.setattr(read_module, "sha256_of", counting)
    summary = run_extract(src, tmp_path / "out", jobs=1)
    assert summary.processed == 1
    assert [p.name for p in calls] == ["lcc-annual-delivery-report-2025.txt"]
    docs = load_table(tmp_path / "out", "documents")
    assert docs.loc[0, "sha256"] == real(src / "lcc-annual-delivery-report-2025.txt")


def test_incremental_run_skips_unchanged_and_drops_removed(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for name in ("lcc-annual-delivery-report-2024.txt", "lcc-annual-delivery-report-2025.txt"):
        shutil.copy(TEXT_DIR / name, src)
    first = run_extract(src, out, jobs=1)
    assert first.processed == 2 and first.cached == 0
    claims_before = (out / "claims.csv").read_bytes()
    second = run_extract(src, out, jobs=1)
    assert second.processed == 0 and second.cached == 2
    assert second.seconds < first.seconds  # the skipped files cost nothing but hashing
    assert (out / "claims.csv").read_bytes() == claims_before
    # a changed file is re-processed, the other is not
    with open(src / "lcc-annual-delivery-report-2025.txt", "a", encoding="utf-8") as fh:
        fh.write("\nWe opened two new libraries in 2025.\n")
    third = run_extract(src, out, jobs=1)
    assert third.processed == 1 and third.cached == 1
    # removing a file removes its rows
    (src / "lcc-annual-delivery-report-2024.txt").unlink()
    run_extract(src, out, jobs=1)
    docs = load_table(out, "documents")
    assert list(docs["file"]) == ["lcc-annual-delivery-report-2025.txt"]
    assert set(load_table(out, "claims")["doc_id"]) == set(docs["doc_id"])
    assert len(list((out / "text").glob("*.txt"))) == 1


def test_deterministic_outputs(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT_DIR / "lcc-annual-delivery-report-2025.txt", src)
    run_extract(src, tmp_path / "a", jobs=1, force=True)
    run_extract(src, tmp_path / "b", jobs=1, force=True)
    for name in TABLE_ORDER:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == \
            (tmp_path / "b" / f"{name}.csv").read_bytes(), name


def test_unwritable_output_fails_before_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputNotWritable, match="not writable"):
        run_extract(TEXT_DIR, blocker / "out", jobs=1)


def test_cli_extract_show_query(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT_DIR / "lcc-annual-delivery-report-2024.txt", src)
    runner = CliRunner()
    result = runner.invoke(app, ["extract", str(src), "--out", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    result = runner.invoke(app, ["query", "SELECT count(*) AS n FROM claims", "--out", str(out),
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    n = int(result.output.strip().splitlines()[-1])
    assert n == len(pd.read_csv(out / "claims.csv"))
    money = load_table(out, "money")
    claim_id = money["claim_id"].iloc[0]
    result = runner.invoke(app, ["show", claim_id, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert claim_id in result.output and "money" in result.output
    result = runner.invoke(app, ["show", "nope:c00001", "--out", str(out)])
    assert result.exit_code == 1


def test_cli_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "nowhere"), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_default_input_is_the_shipped_corpus() -> None:
    assert len(list(DEFAULT_INPUT_DIR.glob("*.pdf"))) == 5


def test_cli_gaps_compare_plan_diff_on_corpus(corpus_out: Path) -> None:
    runner = CliRunner()
    coverage = load_table(corpus_out, "coverage")
    aims = load_table(corpus_out, "aims")
    docs = load_table(corpus_out, "documents")
    periods = sorted(docs.loc[docs["doc_type"] == "annual_report", "period_label"])
    assert set(coverage["period_label"]) == set(periods)
    base_plan = aims["plan_id"].iloc[0]
    base = aims[aims["plan_id"] == base_plan]
    assert len(coverage) == len(base) * len(periods)  # every (aim, period) pair, once

    result = runner.invoke(app, ["gaps", "--out", str(corpus_out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    listed = pd.read_csv(pd.io.common.StringIO(result.output), dtype=str)
    latest = coverage[(coverage["period_label"] == periods[-1])]
    kinds = aims.set_index("aim_id")["kind"]  # after a refresh, some rows are the new wording's
    expected = set(latest.loc[latest["evidence"].isin(["none", "weak"])
                              & latest["aim_id"].map(kinds).eq("aim"), "aim_id"])
    assert set(listed["aim_id"]) == expected if len(listed) else not expected

    result = runner.invoke(app, ["compare", periods[-2], periods[-1], "--out", str(corpus_out),
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "sub_outcome_id" in result.output.splitlines()[0]

    result = runner.invoke(app, ["plan-diff", "--out", str(corpus_out)])
    assert result.exit_code == 0, result.output
    assert "Plan changes" in result.output

    result = runner.invoke(app, ["evaluate", "--pred", str(corpus_out)])
    assert result.exit_code == 0, result.output
    rows = [line.split()[0] for line in result.output.splitlines() if line.strip()]
    assert "all" in rows and "top1" in result.output  # the overall row of the report


@pytest.mark.parametrize("args", [["gaps"], ["compare", "2023/24", "2024/25"], ["plan-diff"],
                                  ["show", "x:c00001"], ["report"], ["query", "SELECT 1"]])
def test_cli_commands_without_outputs_fail_in_one_line(tmp_path: Path, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "run `planmine extract` first" in result.output
    assert "Traceback" not in result.output


def test_cli_query_sql_error_is_one_line(corpus_out: Path) -> None:
    result = CliRunner().invoke(app, ["query", "SELECT nope FROM claims", "--out", str(corpus_out)])
    assert result.exit_code == 1
    assert result.output.startswith("error:") and "nope" in result.output


def test_corpus_datapackage_is_valid(corpus_out: Path) -> None:
    """Every table, type and key of the real outputs checks out against datapackage.json."""
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(corpus_out / "datapackage.json"))
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])[:10]


def test_cli_gaps_without_a_plan_says_so(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT_DIR / "lcc-annual-delivery-report-2025.txt", src)
    run_extract(src, tmp_path / "out", jobs=1)
    result = CliRunner().invoke(app, ["gaps", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "no strategic plan" in result.output and "--plan" in result.output


# --- one-line errors and a sandboxed query (issue 15) -----------------------------------------

@pytest.mark.parametrize("args", [["gaps"], ["compare", "2023/24", "2024/25"], ["plan-diff"],
                                  ["query", "SELECT 1"]])
def test_cli_unknown_format_is_one_line(corpus_out: Path, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--out", str(corpus_out), "--format", "xml"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: unknown --format 'xml'")
    assert len(result.output.strip().splitlines()) == 1 and result.exception is None or \
        isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("sql", ["", "   "])
def test_cli_empty_query_is_one_line(corpus_out: Path, sql: str) -> None:
    result = CliRunner().invoke(app, ["query", sql, "--out", str(corpus_out)])
    assert result.exit_code == 2
    assert result.output.startswith("error: empty query") and "Traceback" not in result.output


def test_query_cannot_touch_files_unless_allowed(corpus_out: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    claims_before = (corpus_out / "claims.csv").read_bytes()
    for sql in (f"COPY (SELECT 42) TO '{corpus_out}/claims.csv'",
                "SELECT * FROM read_csv_auto('/etc/passwd')",
                "SET enable_external_access = true"):
        result = runner.invoke(app, ["query", sql, "--out", str(corpus_out)])
        assert result.exit_code == 1, (sql, result.output)
        assert result.output.startswith("error:") and len(result.output.strip().splitlines()) == 1
    assert (corpus_out / "claims.csv").read_bytes() == claims_before
    target = tmp_path / "n.csv"
    result = runner.invoke(app, ["query", f"COPY (SELECT 42 AS n) TO '{target}'", "--out",
                                 str(corpus_out), "--allow-files"])
    assert result.exit_code == 0, result.output
    assert target.read_text().split() == ["n", "42"]


def test_compare_csv_is_parseable(corpus_out: Path) -> None:
    docs = load_table(corpus_out, "documents")
    periods = sorted(docs.loc[docs["doc_type"] == "annual_report", "period_label"])
    result = CliRunner().invoke(app, ["compare", periods[-2], periods[-1], "--out",
                                      str(corpus_out), "--format", "csv"])
    assert result.exit_code == 0
    table = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype=str)
    assert "sub_outcome_id" in table.columns and not table.empty
    assert "Aims with evidence" not in result.stdout and "Aims with evidence" in result.stderr
    lost = CliRunner().invoke(app, ["compare", periods[-2], periods[-1], "--out",
                                    str(corpus_out), "--format", "csv", "--lost"])
    assert lost.exit_code == 0
    if lost.stdout.strip():
        pd.read_csv(pd.io.common.StringIO(lost.stdout), dtype=str)


@pytest.mark.parametrize("score", ["5", "-0.1"])
def test_cli_min_score_outside_0_1_refused(tmp_path: Path, score: str) -> None:
    result = CliRunner().invoke(app, ["extract", str(tmp_path), "--out", str(tmp_path / "o"),
                                      "--min-score", score])
    assert result.exit_code == 2
    assert result.output.startswith("error: --min-score must be between 0 and 1")


def test_cli_missing_plan_fails_before_any_work(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import extract as extract_mod

    def no_work(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("extraction started before the plan was checked")

    monkeypatch.setattr(extract_mod, "run_extract", no_work)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("We opened a library in 2023.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "in"), "--out",
                                      str(tmp_path / "o"), "--plan", str(tmp_path / "missing.pdf")])
    assert result.exit_code == 2
    assert "missing.pdf: plan file does not exist" in " ".join(result.output.split())


def test_cli_folder_without_documents_fails(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.xlsx").write_bytes(b"PK")
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "in"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "no readable documents" in " ".join(result.output.split())


def test_a_run_freezes_older_objects_and_gives_them_back(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The objects that exist before a run are out of the collector's reach while it runs
    (``gc.freeze``) and back in it afterwards, after a failed run too: a library function
    must not leave the process's heap frozen."""
    import gc

    import pipeline.extract as extract

    seen: list[int] = []
    real = extract._run_locked

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(extract, "_run_locked", spy)
    src = tmp_path / "in"
    src.mkdir()
    (src / "note.txt").write_text("In 2023 we opened 12 new libraries.\n", encoding="utf-8")
    before = gc.get_freeze_count()
    run_extract(src, tmp_path / "out", jobs=1)
    assert seen and seen[0] > 0 and gc.get_freeze_count() == before

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(extract, "_run_locked", boom)
    with pytest.raises(RuntimeError):
        run_extract(src, tmp_path / "out2", jobs=1)
    assert gc.get_freeze_count() == before
