"""Crash safety of the output folder (issue 15): a run killed at any rename leaves a complete
old set or a complete new set, the next run cleans up, two runs never write one folder at once,
and every output follows the umask.

Fault injection: every ``os.replace``/``os.rename``/exchange of a run is counted and the run is
stopped at the k-th, for every k: in-process by raising, and in a subprocess by SIGKILL (no
``finally`` runs, as with ``kill -9``). Consistency is checked against the datapackage's keys.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.extract import run_extract
from pipeline.tables import writers
from pipeline.tables.writers import OutputBusy

SET_A = {"a.txt": "Annual report 2023/24\n\nWe opened a new library in March 2023.\n"
                  "The council spent £2.5m on roads in 2023/24.\n"}
SET_B = {"b.txt": "Annual report 2024/25\n\nVolunteers planted 3,000 trees in 2024.\n",
         "c.txt": "Annual report 2024/25\n\nWe recycled 45% of household waste in 2024/25.\n"}


def _inputs(folder: Path, files: dict[str, str]) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def check_complete(out: Path) -> set[str]:
    """Every table of the datapackage present, keys unique, foreign keys resolved, texts there,
    DuckDB in step with the CSVs. Returns the set of file names in documents."""
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    frames = {r["name"]: pd.read_csv(out / r["path"], dtype=str, keep_default_na=False)
              for r in package["resources"]}
    for resource in package["resources"]:
        df = frames[resource["name"]]
        key = resource["schema"].get("primaryKey")
        if key and len(df):
            assert not df.duplicated(key).any(), resource["name"]
        for fk in resource["schema"].get("foreignKeys", []):
            field, ref_field = fk["fields"], fk["reference"]["fields"]
            field = field if isinstance(field, str) else field[0]
            ref_field = ref_field if isinstance(ref_field, str) else ref_field[0]
            values = set(df[field]) - {""}
            ref = set(frames[fk["reference"]["resource"]][ref_field])
            assert values <= ref, (resource["name"], fk, values - ref)
    docs = frames["documents"]
    for row in frames["claims"].itertuples(index=False):
        text = (out / "text" / f"{row.doc_id}.txt").read_text(encoding="utf-8")
        assert text[int(row.char_start):int(row.char_end)] == row.text
    con = duckdb.connect(str(out / "planmine.duckdb"), read_only=True)
    try:
        assert {r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall()} == set(docs["doc_id"])
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] == len(frames["claims"])
    finally:
        con.close()
    return set(docs["file"])


def _renames_of_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, src: Path, out: Path) -> int:
    count = {"n": 0}
    real = {"replace": os.replace, "rename": os.rename, "exchange": writers._exchange}

    def counting(kind: str):  # noqa: ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            count["n"] += 1
            return real[kind](*args, **kwargs)
        return call

    monkeypatch.setattr(os, "replace", counting("replace"))
    monkeypatch.setattr(os, "rename", counting("rename"))
    monkeypatch.setattr(writers, "_exchange", counting("exchange"))
    run_extract(src, out, jobs=1, force=True)
    monkeypatch.undo()
    return count["n"]


def _stale(out: Path) -> list[Path]:
    state = out / writers.STATE_DIRNAME
    gens = [p for p in state.iterdir() if p.name.startswith(writers.GEN_PREFIX)]
    tmps = [p for p in out.rglob("*") if ".tmp" in p.name]
    return (gens[1:] if len(gens) > 1 else []) + tmps


def _make_legacy(out: Path) -> None:
    """Turn outputs into the plain-file layout older versions wrote."""
    for name in writers.managed_names():
        link = out / name
        if link.is_symlink():
            real = link.resolve()
            link.unlink()
            if real.is_dir():
                shutil.copytree(real, link)
            elif real.exists():
                shutil.copy2(real, link)
    shutil.rmtree(out / writers.STATE_DIRNAME)


@pytest.mark.parametrize("legacy", [False, True], ids=["generations", "legacy-layout"])
def test_fault_at_every_rename_leaves_old_or_new(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 legacy: bool) -> None:
    src_a = _inputs(tmp_path / "a", SET_A)
    src_b = _inputs(tmp_path / "b", SET_B)
    out = tmp_path / "out"
    run_extract(src_a, out, jobs=1)
    if legacy:
        _make_legacy(out)
    probe = tmp_path / "probe"
    shutil.copytree(out, probe, symlinks=True)
    n = _renames_of_a_run(tmp_path, monkeypatch, src_b, probe)
    assert n >= 1
    seen = set()
    for k in range(1, n + 1):
        work = tmp_path / f"out{k}"
        shutil.copytree(out, work, symlinks=True)
        count = {"n": 0}
        real = {"replace": os.replace, "rename": os.rename, "exchange": writers._exchange}

        def faulty(kind: str, count=count, real=real, k=k):  # noqa: ANN001, ANN202
            def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
                count["n"] += 1
                if count["n"] == k:
                    raise OSError(5, "injected fault")
                return real[kind](*args, **kwargs)
            return call

        monkeypatch.setattr(os, "replace", faulty("replace"))
        monkeypatch.setattr(os, "rename", faulty("rename"))
        monkeypatch.setattr(writers, "_exchange", faulty("exchange"))
        try:
            run_extract(src_b, work, jobs=1, force=True)
            failed = False
        except OSError:
            failed = True
        monkeypatch.undo()
        files = check_complete(work)
        assert files in (set(SET_A), set(SET_B)), (k, files)
        if failed:  # a fault the run could not work around
            seen.add(frozenset(files))
        run_extract(src_b, work, jobs=1)  # the next run cleans up and completes
        assert check_complete(work) == set(SET_B)
        assert not _stale(work), (k, _stale(work))
    # the switch of ``current`` is the last rename: any fault leaves the old set whole
    assert seen == {frozenset(SET_A)}


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from pipeline.tables import writers
    from pipeline.extract import run_extract
    k = int(sys.argv[3]); count = [0]
    real = {"replace": os.replace, "rename": os.rename, "exchange": writers._exchange}
    def wrap(kind):
        def call(*a, **kw):
            count[0] += 1
            if count[0] == k:
                os.kill(os.getpid(), signal.SIGKILL)
            return real[kind](*a, **kw)
        return call
    os.replace, os.rename, writers._exchange = wrap("replace"), wrap("rename"), wrap("exchange")
    run_extract(Path(sys.argv[1]), Path(sys.argv[2]), jobs=1, force=True)
""")


def test_sigkill_at_every_rename_leaves_old_or_new(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    src_a = _inputs(tmp_path / "a", SET_A)
    src_b = _inputs(tmp_path / "b", SET_B)
    out = tmp_path / "out"
    run_extract(src_a, out, jobs=1)
    probe = tmp_path / "probe"
    shutil.copytree(out, probe, symlinks=True)
    n = _renames_of_a_run(tmp_path, monkeypatch, src_b, probe)
    for k in range(1, n + 1):
        work = tmp_path / f"out{k}"
        shutil.copytree(out, work, symlinks=True)
        proc = subprocess.run([sys.executable, "-c", KILLER, str(src_b), str(work), str(k)],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
        assert check_complete(work) in (set(SET_A), set(SET_B)), k
        run_extract(src_b, work, jobs=1)
        assert check_complete(work) == set(SET_B)
        assert not _stale(work), (k, _stale(work))


def test_second_run_into_one_folder_is_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    src = _inputs(tmp_path / "a", SET_A)
    out = tmp_path / "out"
    run_extract(src, out, jobs=1)
    before = (out / "documents.csv").read_bytes()
    with open(out / writers.STATE_DIRNAME / writers.LOCK_NAME, "a+") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX)
        other_run.seek(0)
        other_run.truncate()
        other_run.write("4242\n")
        other_run.flush()
        with pytest.raises(OutputBusy, match=r"another planmine run \(pid 4242\) is writing here"):
            run_extract(_inputs(tmp_path / "b", SET_B), out, jobs=1)
        result = CliRunner().invoke(app, ["extract", str(tmp_path / "b"), "--out", str(out)])
        assert result.exit_code == 2
        assert "another planmine run" in result.output and "Traceback" not in result.output
    assert (out / "documents.csv").read_bytes() == before
    run_extract(tmp_path / "b", out, jobs=1)  # lock released with the other run
    assert check_complete(out) == set(SET_B)


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_outputs_follow_the_umask(tmp_path: Path, mask: int) -> None:
    src = _inputs(tmp_path / "a", SET_A)
    out = tmp_path / "out"
    old = os.umask(mask)
    try:
        run_extract(src, out, jobs=1, parquet=True)
        from pipeline.report import write_report

        write_report(out)
    finally:
        os.umask(old)
    checked = 0
    for path in out.rglob("*"):
        if path.is_symlink() or ".planmine" in path.parts and path.name == "lock":
            continue
        want = (0o777 if path.is_dir() else 0o666) & ~mask
        if path.is_file() and path.suffix == ".pkl":
            want = 0o666 & ~mask
        assert path.stat().st_mode & 0o777 == want, (path, oct(path.stat().st_mode & 0o777))
        checked += 1
    assert checked > 15


def test_parquet_partitions_join_to_period_labels(tmp_path: Path) -> None:
    src = _inputs(tmp_path / "a", {**SET_A, **SET_B})
    out = tmp_path / "out"
    run_extract(src, out, jobs=1, parquet=True)
    con = duckdb.connect()
    joined = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/parquet/claims/*/*.parquet', hive_partitioning=1) p"
        f" JOIN read_csv('{out}/documents.csv', all_varchar=true) d"
        " ON d.period_label = p.period_label AND d.doc_id = p.doc_id").fetchone()[0]
    n_claims = len(pd.read_csv(out / "claims.csv", dtype=str))
    assert n_claims > 0 and joined == n_claims
