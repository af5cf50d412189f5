"""Bad input: a clear one-line error naming the cause, the rest of the batch processed, nothing
half-written (issue 7).

One batch of bad files plus one good text file is extracted once (``bad_batch``); each bad file
must give a ``failed`` (or ``partial``) row in documents.csv with its cause, the good file must
give its claims, and every output must be complete. The fixtures are generated in ``tmp_path``:
fpdf2 for text PDFs, Pillow for an image-only PDF, pikepdf for encryption, a cut-short corpus PDF
for truncation. Decisions made explicit here:

- a PDF cut short (no ``%%EOF``) fails as "truncated PDF" when pdfminer cannot open it (the corpus
  PDFs cut to 40%: the catalog and page tree sit at the end); when only the ``%%EOF`` line is lost
  and pdfminer recovers every page the file is ``ok`` with a warning;
- a PDF with an owner password only (no user password) opens and is ``ok``;
- a scanned PDF fails with a hint on how to enable OCR, unless tesseract and pytesseract are
  installed: then it is OCR'd page by page (tested here with a fake OCR function).
"""

from __future__ import annotations

import builtins
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline import extract as extract_mod
from pipeline.cli import app
from pipeline.config import DEFAULT_INPUT_DIR, PROJECT_DIR
from pipeline.extract import OutputNotWritable, check_writable, run_extract
from pipeline.ingest import ocr
from pipeline.ingest.read import PDF_ENGINES, read_document
from pipeline.tables.schema import TABLE_ORDER, TABLES
from pipeline.tables.writers import DATAPACKAGE_NAME, DUCKDB_NAME

fpdf = pytest.importorskip("fpdf")
pikepdf = pytest.importorskip("pikepdf")
PIL_Image = pytest.importorskip("PIL.Image")
PIL_ImageDraw = pytest.importorskip("PIL.ImageDraw")

TEXT_DIR = PROJECT_DIR / "tests" / "data" / "text"
GOOD = "lcc-annual-delivery-report-2025.txt"  # the smallest corpus text: one good file per batch
CORPUS_PDF = DEFAULT_INPUT_DIR / "lcc-annual-delivery-report-2025.pdf"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

SENTENCES = ("We opened a new library in Preston in March 2023.",
             "The council spent £2.5m resurfacing roads in 2023/24.",
             "Volunteers planted 3,000 trees across the county last year.")
ENCODED_TEXT = "Annual report 2023/24\n\nThe council spent £2m on the café at County Hall – a record.\n"


# --- fixture makers ------------------------------------------------------------------------------

def make_text_pdf(path: Path, pages: list[str]) -> Path:
    """A small PDF with a real text layer, one paragraph per page."""
    pdf = fpdf.FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.set_y(100)
        pdf.multi_cell(w=0, text=text)
    pdf.output(str(path))
    return path


def make_image_pdf(path: Path, pages: list[str]) -> Path:
    """An image-only PDF (a 'scan'): each page is a picture of its text, no text layer."""
    images = []
    for text in pages:
        img = PIL_Image.new("L", (620, 877), 255)
        PIL_ImageDraw.Draw(img).text((60, 120), text, fill=0)
        images.append(img)
    images[0].save(path, "PDF", resolution=72.0, save_all=True, append_images=images[1:])
    return path


def make_encrypted_pdf(path: Path, source: Path, user: str, owner: str = "owner-secret") -> Path:
    with pikepdf.open(source) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(owner=owner, user=user, R=6))
    return path


def truncated_corpus_pdf(path: Path, fraction: float = 0.4) -> Path:
    data = CORPUS_PDF.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def copy_good(folder: Path) -> Path:
    return Path(shutil.copy(TEXT_DIR / GOOD, folder / GOOD))


# --- checks on outputs ---------------------------------------------------------------------------

def assert_outputs_complete(out: Path, n_files: int) -> pd.DataFrame:
    """No temporary file anywhere; every table CSV complete, parseable, matching DuckDB.

    Returns documents.csv, indexed by file.
    """
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name]
    assert not leftovers, leftovers
    con = duckdb.connect(str(out / DUCKDB_NAME), read_only=True)
    try:
        for name in TABLE_ORDER:
            path = out / f"{name}.csv"
            raw = path.read_text(encoding="utf-8")
            assert raw.endswith("\n"), f"{name}.csv does not end with a newline"
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            assert list(df.columns[: len(TABLES[name].columns)]) == TABLES[name].column_names, name
            n_db = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            assert n_db == len(df), (name, n_db, len(df))
    finally:
        con.close()
    package = json.loads((out / DATAPACKAGE_NAME).read_text(encoding="utf-8"))
    assert {r["name"] for r in package["resources"]} >= set(TABLE_ORDER)
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False)
    assert len(docs) == n_files
    assert docs["file"].is_unique and docs["doc_id"].is_unique
    # a failed document has no text file and no rows in the other tables
    failed_ids = set(docs.loc[docs["status"] == "failed", "doc_id"])
    texts = {p.stem for p in (out / "text").glob("*.txt")}
    assert texts == set(docs["doc_id"]) - failed_ids
    claims = pd.read_csv(out / "claims.csv", dtype=str, keep_default_na=False)
    assert not failed_ids & set(claims["doc_id"])
    return docs.set_index("file")


def assert_one_line(error: str) -> None:
    assert error and "\n" not in error and "\r" not in error and len(error) <= 300, repr(error)


# --- the batch -----------------------------------------------------------------------------------

#: file → (expected status, words the error must contain (lower case); empty for ok)
EXPECTED: dict[str, tuple[str, tuple[str, ...]]] = {
    GOOD: ("ok", ()),
    "empty.pdf": ("failed", ("empty file", "0 bytes")),
    "empty.txt": ("failed", ("empty file", "0 bytes")),
    "blank.txt": ("failed", ("no text", "white space")),
    "truncated.pdf": ("failed", ("truncated pdf", "%%eof")),
    "noise.pdf": ("failed", ("not a pdf", "%pdf header")),
    "locked.pdf": ("failed", ("password-protected",)),
    "owner-only.pdf": ("ok", ()),
    "scan.pdf": ("failed", ("no text layer (scanned pdf?)", "install tesseract-ocr",
                            "pip install pytesseract")),
    "no-access.txt": ("failed", ("unreadable", "permission denied")),
    "cp1252.txt": ("ok", ()),
    "utf16.txt": ("ok", ()),
}


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Every bad input of issue 7 and one good file in one folder, extracted once."""
    src = tmp_path_factory.mktemp("bad_in")
    out = tmp_path_factory.mktemp("bad_out") / "out"
    copy_good(src)
    (src / "empty.pdf").write_bytes(b"")
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_text("  \n\n\t\n", encoding="utf-8")
    truncated_corpus_pdf(src / "truncated.pdf", 0.4)
    (src / "noise.pdf").write_bytes(random.Random(7).randbytes(8192).replace(b"%PDF", b"xPDF"))
    plain = make_text_pdf(tmp_path_factory.mktemp("plain") / "plain.pdf", list(SENTENCES))
    make_encrypted_pdf(src / "locked.pdf", plain, user="user-secret")
    make_encrypted_pdf(src / "owner-only.pdf", plain, user="")
    make_image_pdf(src / "scan.pdf", list(SENTENCES))
    (src / "no-access.txt").write_text("We opened two libraries in 2023.\n", encoding="utf-8")
    (src / "cp1252.txt").write_bytes(ENCODED_TEXT.encode("cp1252"))
    (src / "utf16.txt").write_bytes(ENCODED_TEXT.encode("utf-16"))  # with a BOM, as Windows writes

    real_access = os.access

    def access(path, mode, *args, **kwargs):  # noqa: ANN001, ANN202 - os.access's signature
        if Path(path).name == "no-access.txt":
            return False  # what a non-root user sees on a chmod 000 file
        return real_access(path, mode, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "access", access)
        mp.setattr(ocr, "available", lambda: False)  # the same on a machine with tesseract
        summary = run_extract(src, out, jobs=1)
    assert summary.files == len(EXPECTED)
    return src, out


def test_batch_outputs_are_complete(bad_batch: tuple[Path, Path]) -> None:
    _, out = bad_batch
    docs = assert_outputs_complete(out, len(EXPECTED))
    assert set(docs.index) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_input_gets_its_cause(bad_batch: tuple[Path, Path], name: str) -> None:
    _, out = bad_batch
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False).set_index("file")
    row = docs.loc[name]
    status, words = EXPECTED[name]
    assert row["status"] == status, (name, row["status"], row["error"])
    if status == "ok":
        assert row["error"] == ""
        assert int(row["n_claims"]) > 0, name
    else:
        assert_one_line(row["error"])
        for word in words:
            assert word in row["error"].lower(), (name, row["error"])
        assert int(row["n_claims"]) == 0
        assert len(row["doc_id"]) == 12


def test_the_good_file_is_fully_processed(bad_batch: tuple[Path, Path]) -> None:
    src, out = bad_batch
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False).set_index("file")
    alone = run_extract(src / GOOD, out.parent / "alone", jobs=1)
    assert alone.failed == 0
    alone_docs = pd.read_csv(out.parent / "alone" / "documents.csv", dtype=str,
                             keep_default_na=False).set_index("file")
    # the bad neighbours change nothing about the good file's rows
    assert docs.loc[GOOD, "n_claims"] == alone_docs.loc[GOOD, "n_claims"]
    assert docs.loc[GOOD, "period_label"] == "2024/25"


def test_cp1252_and_utf16_text_decoded(bad_batch: tuple[Path, Path]) -> None:
    src, out = bad_batch
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False).set_index("file")
    money = pd.read_csv(out / "money.csv", dtype=str, keep_default_na=False)
    for name in ("cp1252.txt", "utf16.txt"):
        doc_id = docs.loc[name, "doc_id"]
        text = (out / "text" / f"{doc_id}.txt").read_text(encoding="utf-8")
        assert "£2m" in text and "café" in text and "–" in text, (name, text)
        assert "\x00" not in text and "\ufffd" not in text
        assert list(money.loc[money["doc_id"] == doc_id, "value"].astype(float)) == [2_000_000.0]
    warned = read_document(src / "cp1252.txt", src)
    assert any("cp1252" in w for w in warned.warnings), warned.warnings
    assert not read_document(src / "utf16.txt", src).warnings


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_decoded(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "nobom.txt"
    path.write_bytes(ENCODED_TEXT.encode(encoding))
    doc = read_document(path, tmp_path)
    assert doc.status == "ok"
    assert "£2m" in doc.text and "\x00" not in doc.text


# --- single inputs through read_document ---------------------------------------------------------

def test_missing_path_read_document(tmp_path: Path) -> None:
    doc = read_document(tmp_path / "nowhere.pdf", tmp_path)
    assert doc.status == "failed"
    assert_one_line(doc.error)
    assert doc.error.startswith("file not found") and "nowhere.pdf" in doc.error
    # a stable id even without bytes to hash
    assert doc.doc_id == read_document(tmp_path / "nowhere.pdf", tmp_path).doc_id


def test_truncation_behaviour_is_explicit(tmp_path: Path) -> None:
    data = CORPUS_PDF.read_bytes()
    assert data.rstrip().endswith(b"%%EOF")
    # cut to 40%: the catalog and page tree (written last) are gone → failed, named truncated
    doc = read_document(truncated_corpus_pdf(tmp_path / "cut40.pdf", 0.4), tmp_path)
    assert doc.status == "failed" and doc.error.startswith("truncated PDF"), doc.error
    # only the %%EOF line lost: pdfminer recovers every page → ok, with a warning
    (tmp_path / "noeof.pdf").write_bytes(data.rstrip()[: -len(b"%%EOF")])
    doc = read_document(tmp_path / "noeof.pdf", tmp_path)
    full = read_document(CORPUS_PDF, CORPUS_PDF.parent)
    assert doc.status == "ok", doc.error
    assert doc.pages == full.pages and doc.text == full.text
    assert any("%%EOF" in w for w in doc.warnings), doc.warnings


def test_truncated_linearized_pdf_is_not_called_a_scan(tmp_path: Path) -> None:
    """A cut linearized PDF opens with no pages: the error says truncated, not 'no text layer'."""
    plain = make_text_pdf(tmp_path / "plain.pdf", list(SENTENCES) * 4)
    with pikepdf.open(plain) as pdf:
        pdf.save(tmp_path / "lin.pdf", linearize=True)
    data = (tmp_path / "lin.pdf").read_bytes()
    (tmp_path / "lin-cut.pdf").write_bytes(data[: len(data) // 2])
    doc = read_document(tmp_path / "lin-cut.pdf", tmp_path)
    assert doc.status == "failed"
    assert doc.error.startswith("truncated PDF") and "no text layer" not in doc.error, doc.error


def test_unreadable_file_when_open_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.access may say yes (root, ACLs, a race) and open still refuse: same clear error."""
    path = tmp_path / "refused.txt"
    path.write_text("We opened two libraries in 2023.\n", encoding="utf-8")
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):  # noqa: ANN001, ANN202
        if Path(str(file)).name == "refused.txt":
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refusing_open)
    doc = read_document(path, tmp_path)
    assert doc.status == "failed"
    assert_one_line(doc.error)
    assert doc.error.lower() == "unreadable: permission denied", doc.error


@pytest.mark.skipif(IS_ROOT, reason="root can read a chmod 000 file; simulated in bad_batch")
def test_unreadable_file_for_real(tmp_path: Path) -> None:
    path = tmp_path / "locked.txt"
    path.write_text("We opened two libraries in 2023.\n", encoding="utf-8")
    path.chmod(0)
    try:
        doc = read_document(path, tmp_path)
    finally:
        path.chmod(0o644)
    assert doc.status == "failed" and doc.error == "unreadable: permission denied", doc.error


@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
def test_partial_pdf_when_a_page_cannot_be_parsed(tmp_path: Path, engine: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.ingest import pdf as pdf_mod
    from pipeline.ingest import pdfium as pdfium_mod

    module = pdf_mod if engine == "pdfplumber" else pdfium_mod
    real = module._read_page
    second = 2 if engine == "pdfplumber" else 1  # page number / page index

    def page_two_breaks(page, page_no, r):  # noqa: ANN001, ANN202
        if page_no == second:
            raise ValueError("bad content stream")
        return real(page, page_no, r)

    monkeypatch.setattr(module, "_read_page", page_two_breaks)
    path = make_text_pdf(tmp_path / "three.pdf", list(SENTENCES))
    doc = read_document(path, tmp_path, engine=engine)
    assert doc.status == "partial" and doc.error == "1 of 3 pages unreadable", doc.error
    assert "library" in doc.text and "trees" in doc.text and "£2.5m" not in doc.text
    assert "page 2 could not be read" in doc.warnings


@pytest.mark.parametrize("engine", sorted(PDF_ENGINES))
def test_bad_pdfs_fail_the_same_way_with_every_engine(tmp_path: Path, engine: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec(PDF_ENGINES[engine]) is None:
        pytest.skip(f"{PDF_ENGINES[engine]} is not installed")
    monkeypatch.setattr(ocr, "available", lambda: False)
    plain = make_text_pdf(tmp_path / "plain.pdf", list(SENTENCES))
    made = {
        "empty.pdf": lambda p: p.write_bytes(b""),
        "truncated.pdf": lambda p: truncated_corpus_pdf(p, 0.4),
        "noise.pdf": lambda p: p.write_bytes(random.Random(5).randbytes(4096).replace(b"%PDF", b"xPDF")),
        "locked.pdf": lambda p: make_encrypted_pdf(p, plain, user="user-secret"),
        "owner-only.pdf": lambda p: make_encrypted_pdf(p, plain, user=""),
        "scan.pdf": lambda p: make_image_pdf(p, list(SENTENCES)),
    }
    for name, make in made.items():
        make(tmp_path / name)
        doc = read_document(tmp_path / name, tmp_path, engine=engine)
        status, words = EXPECTED[name]
        assert doc.status == status, (engine, name, doc.error)
        if status == "ok":
            assert "£2.5m" in doc.text, (engine, name)
            continue
        assert_one_line(doc.error)
        for word in words:
            assert word in doc.error.lower(), (engine, name, doc.error)


# --- scanned PDFs and OCR ------------------------------------------------------------------------

def test_ocr_available_needs_both_tesseract_and_pytesseract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    assert not ocr.available()
    monkeypatch.setattr(ocr.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(ocr.importlib.util, "find_spec", lambda name: None)
    assert not ocr.available()
    monkeypatch.setattr(ocr.importlib.util, "find_spec", lambda name: object())
    assert ocr.available()


def test_scan_without_ocr_says_how_to_enable_it(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    doc = read_document(make_image_pdf(tmp_path / "scan.pdf", list(SENTENCES)), tmp_path)
    assert doc.status == "failed"
    assert doc.error == ("no text layer (scanned PDF?): install tesseract-ocr and "
                         "`pip install pytesseract` to OCR it")


def _fake_ocr(monkeypatch: pytest.MonkeyPatch, fail_on: int | None = None) -> list[tuple[int, int]]:
    """Pretend tesseract is installed; 'read' page n as SENTENCES[n-1]. Returns image sizes."""
    seen: list[tuple[int, int]] = []

    def fake(image) -> str:  # noqa: ANN001
        seen.append(image.size)
        n = len(seen)
        if n == fail_on:
            raise RuntimeError("tesseract crashed")
        return f"{SENTENCES[n - 1]}\n"

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "ocr_image", fake)
    return seen


def test_scan_is_ocred_page_by_page_when_tesseract_is_there(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _fake_ocr(monkeypatch)
    doc = read_document(make_image_pdf(tmp_path / "scan.pdf", list(SENTENCES)), tmp_path)
    assert doc.status == "ok", doc.error
    assert len(seen) == 3
    w, h = seen[0]  # rendered at 300 dpi: a 620 x 877 pt page is about 2583 x 3654 px
    assert abs(w - 620 * ocr.DPI / 72) < 2 and abs(h - 877 * ocr.DPI / 72) < 2
    assert doc.pages == 3
    assert [b.page for b in doc.blocks] == [1, 2, 3]
    assert [b.text for b in doc.blocks] == list(SENTENCES)
    assert any("OCR" in w for w in doc.warnings)


def test_ocr_failure_on_one_page_gives_a_partial_row(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_ocr(monkeypatch, fail_on=2)
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    copy_good(src)
    make_image_pdf(src / "scan.pdf", list(SENTENCES))
    run_extract(src, out, jobs=1)
    docs = assert_outputs_complete(out, 2)
    assert docs.loc["scan.pdf", "status"] == "partial"
    assert docs.loc["scan.pdf", "error"] == "1 of 3 pages could not be OCR'd"
    claims = pd.read_csv(out / "claims.csv", dtype=str, keep_default_na=False)
    scan_claims = claims[claims["doc_id"] == docs.loc["scan.pdf", "doc_id"]]
    assert list(scan_claims["text"]) == [SENTENCES[0], SENTENCES[2]]
    assert list(scan_claims["page"]) == ["1", "3"]


def test_ocr_that_finds_nothing_still_fails_clearly(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "ocr_image", lambda image: "  \n")
    doc = read_document(make_image_pdf(tmp_path / "blank.pdf", [""]), tmp_path)
    assert doc.status == "failed"
    assert doc.error == "no text layer (scanned PDF?) and OCR found no text"


# --- a 1,000-page PDF: page by page, bounded memory ----------------------------------------------

N_PAGES = 1000
#: Growth of the peak resident memory while reading the 1,000-page PDF, in MB, in a fresh
#: process (VmHWM reset before the read). Measured: about 7 MB reading page by page (each page
#: closed), about 100 MB when pdfplumber's per-page caches are kept (the control below).
MAX_RSS_GROWTH_MB = 40

_MEASURE = textwrap.dedent("""
    import json, os, sys, time, tracemalloc
    from pathlib import Path
    if os.environ.get("PLANMINE_KEEP_PAGES"):  # the control: a reader that never frees a page
        import pdfplumber.page
        pdfplumber.page.Page.close = lambda self: None
    from pipeline.ingest.read import PDF_ENGINES, read_document

    def peak_mb():  # the process's peak resident memory since the last reset (Linux)
        with open("/proc/self/status") as fh:
            return next(int(x.split()[1]) / 1024 for x in fh if x.startswith("VmHWM:"))

    def reset_peak():
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")

    warm, big = Path(sys.argv[1]), Path(sys.argv[2])
    read_document(warm, warm.parent, engine="pdfplumber")  # load lazy modules and font tables first
    try:
        reset_peak()
        method, before = "VmHWM", peak_mb()
    except OSError:  # not Linux: Python allocations only
        method, before = "tracemalloc", 0.0
        tracemalloc.start()
    t = time.perf_counter()
    doc = read_document(big, big.parent, engine="pdfplumber")
    seconds = time.perf_counter() - t
    after = peak_mb() if method == "VmHWM" else tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps({"status": doc.status, "error": doc.error, "pages": doc.pages,
                      "blocks": len(doc.blocks), "seconds": round(seconds, 2), "method": method,
                      "peak_growth_mb": round(after - before, 1)}))
""")


def make_long_pdf(path: Path, n_pages: int) -> Path:
    """One short, distinct line per page (uncompressed, about 0.4 KB a page)."""
    words = "north south east west upper lower inner outer river valley".split()
    pdf = fpdf.FPDF()
    pdf.set_compression(False)
    pdf.set_font("helvetica", size=11)
    for i in range(1, n_pages + 1):
        pdf.add_page()
        pdf.set_y(120)
        area = f"{words[i % 10]} {words[i // 10 % 10]} {words[i // 100 % 10]}"
        pdf.cell(text=f"The {area} team repaired {i} potholes.")
    pdf.output(str(path))
    return path


def _measure(warm: Path, big: Path, keep_pages: bool = False) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PLANMINE_KEEP_PAGES"}
    if keep_pages:
        env["PLANMINE_KEEP_PAGES"] = "1"
    proc = subprocess.run([sys.executable, "-c", _MEASURE, str(warm), str(big)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_DIR)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("long")
    return make_long_pdf(folder / "warm.pdf", 10), make_long_pdf(folder / "long.pdf", N_PAGES)


def test_thousand_page_pdf_memory_stays_bounded(long_pdf: tuple[Path, Path]) -> None:
    result = _measure(*long_pdf)
    print(f"\n1,000-page PDF: {result}")
    assert result["status"] == "ok", result["error"]
    assert result["pages"] == N_PAGES and result["blocks"] == N_PAGES
    assert result["peak_growth_mb"] < MAX_RSS_GROWTH_MB, result


def test_memory_check_catches_a_reader_that_keeps_every_page(long_pdf: tuple[Path, Path]) -> None:
    """The control: the same measurement fails when pages are not freed one by one."""
    result = _measure(*long_pdf, keep_pages=True)
    print(f"\n1,000-page PDF, pages kept: {result}")
    assert result["peak_growth_mb"] > MAX_RSS_GROWTH_MB, result


# --- the command line ----------------------------------------------------------------------------

def _invoke(*args: str):  # noqa: ANN202
    return CliRunner().invoke(app, ["extract", *args])


def _flat(output: str) -> str:
    """The CLI output with rich's line wrapping (80 columns under CliRunner) undone."""
    return " ".join(output.split())


def test_cli_exit_0_when_any_file_succeeds(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    copy_good(src)
    (src / "empty.pdf").write_bytes(b"")
    result = _invoke(str(src), "--out", str(tmp_path / "out"), "-j", "1")
    assert result.exit_code == 0, result.output
    assert "empty.pdf: empty file (0 bytes)" in _flat(result.output)
    assert_outputs_complete(tmp_path / "out", 2)


def test_cli_exit_1_when_every_file_fails(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.pdf").write_bytes(b"")
    (src / "noise.pdf").write_bytes(random.Random(3).randbytes(2048).replace(b"%PDF", b"xPDF"))
    out = tmp_path / "out"
    result = _invoke(str(src), "--out", str(out), "-j", "1")
    assert result.exit_code == 1, result.output
    assert "empty.pdf: empty file (0 bytes)" in _flat(result.output)
    assert "noise.pdf: not a PDF" in _flat(result.output)
    docs = assert_outputs_complete(out, 2)  # the failures are still recorded
    assert set(docs["status"]) == {"failed"}


@pytest.mark.parametrize("missing", ["nowhere", "nowhere.pdf"])
def test_cli_missing_input_exit_2(tmp_path: Path, missing: str) -> None:
    result = _invoke(str(tmp_path / missing), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert str(tmp_path / missing) in "".join(result.output.split())  # the path is named
    assert "does not exist" in _flat(result.output)
    assert not (tmp_path / "out").exists()


def _no_work_run_files(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    raise AssertionError("files were processed before the output folder was checked")


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract_mod, "run_files", _no_work_run_files)
    monkeypatch.setattr(extract_mod, "discover_inputs", _no_work_run_files)


def test_output_under_a_regular_file_fails_before_any_work(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    src = tmp_path / "in"
    src.mkdir()
    copy_good(src)
    _no_work(monkeypatch)
    with pytest.raises(OutputNotWritable, match=r"out: output folder is not writable \(Not a directory\)"):
        run_extract(src, blocker / "out", jobs=1)
    monkeypatch.undo()
    monkeypatch.setattr(extract_mod, "run_files", _no_work_run_files)
    result = _invoke(str(src), "--out", str(blocker / "out"), "-j", "1")
    assert result.exit_code == 2, result.output
    assert "output folder is not writable (Not a directory)" in _flat(result.output)
    assert str(blocker / "out") in "".join(result.output.split())  # the folder is named
    assert blocker.read_text() == "x"


def test_output_folder_without_write_permission_simulated(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """As root a chmod 0o500 folder is writable; the refusal a user gets is simulated."""
    out = tmp_path / "out"
    out.mkdir()
    real_write_text = Path.write_text

    def refuse(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if self.parent == out:
            raise PermissionError(13, "Permission denied", str(self))
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", refuse)
    monkeypatch.setattr(extract_mod, "run_files", _no_work_run_files)
    result = _invoke(str(TEXT_DIR / GOOD), "--out", str(out), "-j", "1")
    assert result.exit_code == 2, result.output
    assert "output folder is not writable (Permission denied)" in _flat(result.output)
    assert list(out.iterdir()) == []


@pytest.mark.skipif(IS_ROOT, reason="root may write into a chmod 0o500 folder")
def test_output_folder_chmod_500(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        with pytest.raises(OutputNotWritable, match=r"not writable \(Permission denied\)"):
            check_writable(out)
        result = _invoke(str(TEXT_DIR / GOOD), "--out", str(out), "-j", "1")
        assert result.exit_code == 2, result.output
        assert list(out.iterdir()) == []
    finally:
        out.chmod(0o700)


def test_cli_timeout_fails_the_slow_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The slow file blocks until the limit kills it; the limit is generous (no timing
    assumption on the good file, which needs a fraction of it even under load)."""
    import threading

    src = tmp_path / "in"
    src.mkdir()
    copy_good(src)
    (src / "slow.txt").write_text("We opened two libraries in 2023.\n", encoding="utf-8")
    real = extract_mod.process_file
    never = threading.Event()

    def slow(path: Path, root: Path, engine: str = "pdfplumber", sha256: str | None = None):  # noqa: ANN202
        if path.name == "slow.txt":
            while not never.wait(3600):  # a pathological file: blocks until the limit cuts it
                pass
        return real(path, root, engine, sha256)

    monkeypatch.setattr(extract_mod, "process_file", slow)
    result = _invoke(str(src), "--out", str(tmp_path / "out"), "-j", "1", "--timeout", "20")
    assert result.exit_code == 0, result.output
    assert "slow.txt: timed out after 20s" in _flat(result.output)
    docs = assert_outputs_complete(tmp_path / "out", 2)
    assert docs.loc["slow.txt", "status"] == "failed"
    assert docs.loc["slow.txt", "error"] == "timed out after 20s"
    assert docs.loc[GOOD, "status"] == "ok"


def test_a_failed_write_leaves_the_previous_outputs_whole(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while writing the DuckDB file: no temporary left, every CSV still complete."""
    from pipeline.tables import writers

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    copy_good(src)
    run_extract(src, out, jobs=1)
    before = {name: (out / f"{name}.csv").read_bytes() for name in TABLE_ORDER}

    def crash(tables, target):  # noqa: ANN001, ANN202
        with writers.atomic_path(target) as tmp:
            tmp.write_bytes(b"half a database")
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "write_duckdb", crash)
    (src / "empty.pdf").write_bytes(b"")
    with pytest.raises(OSError, match="No space left"):
        run_extract(src, out, jobs=1)
    monkeypatch.undo()
    leftovers = [p for p in out.rglob("*") if ".tmp" in p.name]
    assert not leftovers, leftovers
    for name in TABLE_ORDER:  # each CSV is either the old file or a complete new one
        data = (out / f"{name}.csv").read_bytes()
        assert data.endswith(b"\n"), name
        df = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(df.columns[: len(TABLES[name].columns)]) == TABLES[name].column_names
    assert (out / "claims.csv").read_bytes() == before["claims"]
    con = duckdb.connect(str(out / DUCKDB_NAME), read_only=True)  # the old database, intact
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    finally:
        con.close()


def test_a_failed_write_leaves_csv_and_duckdb_in_step(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.tables import writers

    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    copy_good(src)
    run_extract(src, out, jobs=1)

    def crash(tables, target):  # noqa: ANN001, ANN202
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "write_duckdb", crash)
    (src / "empty.pdf").write_bytes(b"")
    with pytest.raises(OSError, match="No space left"):
        run_extract(src, out, jobs=1)
    n_csv = len(pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False))
    con = duckdb.connect(str(out / DUCKDB_NAME), read_only=True)
    try:
        n_db = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        con.close()
    assert n_csv == n_db
