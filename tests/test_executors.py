"""Executors: local pool and Dask give the same tables; a per-file time limit; Parquet output."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipeline import extract as extract_mod
from pipeline.config import PROJECT_DIR
from pipeline.executors import FileTimeout, run_files, time_limit
from pipeline.extract import run_extract
from pipeline.tables.queries import load_table
from pipeline.tables.schema import TABLE_ORDER

TEXT_DIR = PROJECT_DIR / "tests" / "data" / "text"
SMALL = ("lcc-annual-delivery-report-2024.txt", "lcc-annual-delivery-report-2025.txt")


@pytest.fixture()
def small_input(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for name in SMALL:
        shutil.copy(TEXT_DIR / name, src)
    return src


def test_time_limit_raises() -> None:
    with pytest.raises(FileTimeout, match="timed out after 0.2s"), time_limit(0.2):
        time.sleep(2)


def test_time_limit_off_when_none() -> None:
    with time_limit(None):
        time.sleep(0.01)


def test_unknown_executor_is_rejected(small_input: Path) -> None:
    with pytest.raises(ValueError, match="executor must be one of"):
        run_files([small_input / SMALL[0]], small_input, extract_mod.file_work(), executor="spark")


def test_timeout_fails_one_file_and_keeps_the_batch(small_input: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = extract_mod.process_file
    # the good file's result is computed before, outside any limit: under load its real work
    # could take longer than the limit, and the test is about the slow file only
    good = real(small_input / SMALL[0], small_input)

    def slow_for_2025(path: Path, root: Path, engine: str = "pdfplumber", sha256: str | None = None):
        if "2025" in path.name:
            time.sleep(60)
        return good if path.name == SMALL[0] else real(path, root, engine, sha256)

    monkeypatch.setattr(extract_mod, "process_file", slow_for_2025)
    summary = run_extract(small_input, tmp_path / "out", jobs=1, timeout=6.0)
    assert summary.failed == 1
    docs = load_table(tmp_path / "out", "documents").set_index("file")
    assert docs.loc[SMALL[1], "status"] == "failed"
    assert docs.loc[SMALL[1], "error"] == "timed out after 6s"
    assert docs.loc[SMALL[0], "status"] == "ok"


def test_dask_local_cluster_gives_the_same_tables(small_input: Path, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    run_extract(small_input, tmp_path / "local", jobs=1, force=True)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        run_extract(small_input, tmp_path / "dask", executor="dask",
                    scheduler=cluster.scheduler_address, force=True)
    for name in TABLE_ORDER:
        assert (tmp_path / "local" / f"{name}.csv").read_bytes() == \
            (tmp_path / "dask" / f"{name}.csv").read_bytes(), name


def test_dask_without_scheduler_is_a_clear_error(small_input: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    with pytest.raises(ValueError, match="--scheduler"):
        run_extract(small_input, tmp_path / "out", executor="dask", force=True)


def test_parquet_partitioned_by_period(small_input: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_extract(small_input, out, jobs=1, parquet=True)
    parts = sorted(p.name for p in (out / "parquet" / "claims").iterdir())
    assert parts == ["period_label=2023%2F24", "period_label=2024%2F25"]  # hive-encoded labels
    con = duckdb.connect()
    n = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/parquet/claims/*/*.parquet', hive_partitioning=1)"
    ).fetchone()[0]
    assert n == len(load_table(out, "claims"))
    # a second run replaces the dataset rather than adding to it
    run_extract(small_input, out, jobs=1, parquet=True)
    n2 = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/parquet/claims/*/*.parquet', hive_partitioning=1)"
    ).fetchone()[0]
    assert n2 == n


WORKER_SCRIPT = """
import os, sys, time
from pathlib import Path
from pipeline import extract, executors
pid_dir = Path(sys.argv[2])
def hang(path, root, engine="pdfplumber", sha256=None):
    (pid_dir / f"{os.getpid()}").write_text("x")
    time.sleep(3600)  # blocks until killed
extract.process_file = hang
src = Path(sys.argv[1])
executors.run_files(sorted(src.glob("*.txt")), src, extract.file_work(), jobs=2)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie is dead, only not yet reaped


def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "in"
    src.mkdir()
    for n in range(2):
        (src / f"f{n}.txt").write_text("We opened a library in 2023.\n", encoding="utf-8")
    pids = tmp_path / "pids"
    pids.mkdir()
    parent = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, str(src), str(pids)])
    try:
        deadline = time.monotonic() + 300  # watchdog only
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    time.sleep(5)
    assert not [w for w in workers if _alive(w)]
