"""The writers: schema order, CSV conventions, DuckDB, datapackage, atomic replacement."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.tables.schema import TABLE_ORDER, TABLES
from pipeline.tables.writers import atomic_path, conform, datapackage, write_tables


def _sample_tables() -> dict[str, pd.DataFrame]:
    return {
        "documents": pd.DataFrame([{
            "doc_id": "abc123abc123", "file": "r.pdf", "sha256": "abc123abc123" + "0" * 52,
            "format": "pdf", "title": "Report", "organisation": "Some Council",
            "doc_type": "annual_report", "period_label": "2023/24",
            "period_start": date(2023, 4, 1), "period_end": date(2024, 3, 31), "pages": 3,
            "n_sections": 1, "n_claims": 1, "status": "ok", "error": "",
        }]),
        "claims": pd.DataFrame([{
            "claim_id": "abc123abc123:c00001", "doc_id": "abc123abc123", "section_id": "",
            "page": 2, "text": 'We secured £1.7m, "new" funding.', "claim_type": "achievement",
            "char_start": 0, "char_end": 31,
        }]),
        "money": pd.DataFrame([{
            "mention_id": "abc123abc123:c00001:m01", "claim_id": "abc123abc123:c00001",
            "doc_id": "abc123abc123", "text": "£1.7m", "value": 1_700_000.0, "low": None,
            "high": None, "currency": "GBP", "approx": False, "qualifier": "", "per": "",
        }]),
    }


def test_conform_orders_columns_and_keeps_extras() -> None:
    df = pd.DataFrame([{"extra": 1, "score": 0.5, "claim_id": "x", "rank": 1}])
    out = conform("links", df)
    assert list(out.columns) == TABLES["links"].column_names + ["extra"]
    assert out.loc[0, "aim_id"] == ""


def test_csv_conventions(tmp_path: Path) -> None:
    write_tables(_sample_tables(), tmp_path)
    text = (tmp_path / "money.csv").read_text(encoding="utf-8")
    header, row = text.splitlines()
    assert header.split(",") == TABLES["money"].column_names
    assert ",false," in row and "1700000.0" in row and ",," in row  # empty low/high
    docs = (tmp_path / "documents.csv").read_text(encoding="utf-8")
    assert "2023-04-01,2024-03-31" in docs
    # every table exists, even empty ones, with its header
    for name in TABLE_ORDER:
        first = (tmp_path / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert first.split(",")[: len(TABLES[name].columns)] == TABLES[name].column_names


def test_duckdb_has_every_table_with_types(tmp_path: Path) -> None:
    write_tables(_sample_tables(), tmp_path)
    con = duckdb.connect(str(tmp_path / "planmine.duckdb"), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert tables == set(TABLE_ORDER)
        value, approx = con.execute("SELECT value, approx FROM money").fetchone()
        assert value == 1_700_000.0 and approx is False
        start = con.execute("SELECT period_start FROM documents").fetchone()[0]
        assert start == date(2023, 4, 1)
    finally:
        con.close()


def test_datapackage_validates_with_frictionless(tmp_path: Path) -> None:
    frictionless = pytest.importorskip("frictionless")
    write_tables(_sample_tables(), tmp_path)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert [r["name"] for r in descriptor["resources"]] == list(TABLE_ORDER)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_datapackage_describes_every_column() -> None:
    descriptor = datapackage({})
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert names == TABLES[resource["name"]].column_names


def test_atomic_path_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_write_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_tables(_sample_tables(), a)
    write_tables(_sample_tables(), b)
    for name in TABLE_ORDER:
        assert (a / f"{name}.csv").read_bytes() == (b / f"{name}.csv").read_bytes()
    assert (a / "datapackage.json").read_bytes() == (b / "datapackage.json").read_bytes()
