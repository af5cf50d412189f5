"""Input hygiene (issue 15): duplicate content, control characters, warnings in the summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.extract import run_extract

TEXT = "Annual report 2023/24\n\nWe opened a new library in March 2023.\n"


def test_same_content_twice_is_one_document(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "copies").mkdir(parents=True)
    (src / "a.txt").write_text(TEXT, encoding="utf-8")
    (src / "copies" / "a.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    run_extract(src, out, jobs=1)
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False)
    assert list(docs["file"]) == ["a.txt"]
    assert "same content also at copies/a.txt" in docs.loc[0, "warnings"]
    claims = pd.read_csv(out / "claims.csv", dtype=str)
    assert not claims["claim_id"].duplicated().any()
    from frictionless import Package

    report = Package(str(out / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]


def test_nul_and_control_characters_never_reach_the_tables(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    junk = "We opened a new\x00 library\x07 in 2023.\n" + "\x00" * 100_000 + "\n\x1b[31mWe spent £2m.\n"
    (src / "a.txt").write_text("Annual report 2023/24\n\n" + junk, encoding="utf-8")
    out = tmp_path / "out"
    run_extract(src, out, jobs=1)
    for table in out.glob("*.csv"):
        data = table.read_text(encoding="utf-8")
        bad = [c for c in data if (ord(c) < 32 and c not in "\t\n\r") or 0x7f <= ord(c) <= 0x9f]
        assert not bad, (table.name, bad[:5])
    text = next((out / "text").iterdir()).read_text(encoding="utf-8")
    assert "\x00" not in text and "library in 2023" in text.replace("  ", " ")
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False)
    assert "control characters" in docs.loc[0, "warnings"]


def test_recoveries_are_shown_in_the_summary(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "win.txt").write_bytes("Annual report 2023/24\n\nThe café cost £2m.\n".encode("cp1252"))
    result = CliRunner().invoke(app, ["extract", str(src), "--out", str(tmp_path / "out"), "-j", "1"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "warning: win.txt: not valid UTF-8" in flat and "decoded as cp1252" in flat
    docs = pd.read_csv(tmp_path / "out" / "documents.csv", dtype=str, keep_default_na=False)
    assert "decoded as cp1252" in docs.loc[0, "warnings"]


def test_unread_entries_get_a_skipped_row_with_the_reason(tmp_path: Path) -> None:
    import os

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, encoding="utf-8")
    (src / "budget.xlsx").write_bytes(b"PK\x03\x04")
    (src / "x.pdf").mkdir()
    os.symlink(tmp_path / "nowhere.txt", src / "gone.txt")
    os.symlink(tmp_path, src / "elsewhere")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(src), "--out", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False).set_index("file")
    assert docs.loc["a.txt", "status"] == "ok"
    expected = {"budget.xlsx": "unsupported file type '.xlsx'",
                "x.pdf": "a folder named like a .pdf document, not a file",
                "gone.txt": "dangling symbolic link",
                "elsewhere": "symbolic link to a folder: not followed"}
    for name, reason in expected.items():
        assert docs.loc[name, "status"] == "skipped", name
        assert reason in docs.loc[name, "error"], (name, docs.loc[name, "error"])
    assert "skipped: budget.xlsx" in " ".join(result.output.split())
    assert not docs.index.duplicated().any() and not docs["doc_id"].duplicated().any()
