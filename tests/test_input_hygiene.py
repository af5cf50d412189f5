"""Input hygiene (issue 15): duplicate content, control characters, warnings in the summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
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


def _pdf_with_font(path: Path, text: bytes, font: bytes) -> None:
    """A one-page PDF written by hand: ``text`` shown in ``font`` (a PDF font dictionary)."""
    stream = b"BT /F1 12 Tf 72 760 Td (" + text + b") Tj ET"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
            b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            font]
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(out)


#: A composite font with Identity-H encoding and no ToUnicode map: every glyph is (cid:N).
UNMAPPED_FONT = (b"<< /Type /Font /Subtype /Type0 /BaseFont /Foo /Encoding /Identity-H"
                 b" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Foo"
                 b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
                 b" >>] >>")
#: A simple standard font: the same text is readable.
PLAIN_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
def test_a_pdf_of_unmapped_glyphs_is_not_called_a_scan(tmp_path: Path, monkeypatch,
                                                       engine: str) -> None:
    """Every glyph a (cid:N) code: the error says the text layer cannot be decoded, while a
    readable twin of the same file is read, and the rest of the batch goes on. With either
    engine: pypdfium2 reads such glyphs as CJK-looking garbage unless they are dropped."""
    from pipeline.ingest import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)  # the message without OCR installed
    src = tmp_path / "in"
    src.mkdir()
    _pdf_with_font(src / "unmapped.pdf", b"The council opened two new libraries", UNMAPPED_FONT)
    _pdf_with_font(src / "plain.pdf", b"The council opened two new libraries.", PLAIN_FONT)
    run_extract(src, tmp_path / "out", jobs=1, engine=engine)
    docs = pd.read_csv(tmp_path / "out" / "documents.csv", dtype=str,
                       keep_default_na=False).set_index("file")
    assert docs.loc["plain.pdf", "status"] == "ok"
    assert docs.loc["unmapped.pdf", "status"] == "failed"
    error = docs.loc["unmapped.pdf", "error"]
    assert "without a Unicode mapping" in error and "scanned" not in error, error
