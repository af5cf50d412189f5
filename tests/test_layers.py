"""The stages import one way: the import-linter layers contract in pyproject.toml holds.

``make lint`` runs the same check; this test keeps it from being skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.config import PROJECT_DIR

importlinter_cli = pytest.importorskip("importlinter.cli")


def test_layers_contract_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT_DIR)  # the contract is read from ./pyproject.toml
    code = importlinter_cli.lint_imports(config_filename=str(PROJECT_DIR / "pyproject.toml"),
                                         no_cache=True, no_logo=True)
    assert code == 0, "a stage imports a later one: run `lint-imports` for the chain"


def test_contract_catches_an_import_from_a_later_stage(tmp_path: Path) -> None:
    """The same contract breaks on a copy of the package where ingest imports the plan stage."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "pipeline"
    shutil.copytree(PROJECT_DIR / "pipeline", copy,
                    ignore=shutil.ignore_patterns("__pycache__", "models"))
    reader = copy / "ingest" / "text.py"
    reader.write_text(reader.read_text() + "\nfrom pipeline.plan import read as _later  # noqa\n")
    shutil.copy(PROJECT_DIR / "pyproject.toml", tmp_path / "pyproject.toml")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    script = ("import sys; from importlinter.cli import lint_imports; "
              "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, "
              "no_logo=True))")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert "pipeline.ingest is not allowed to import pipeline.plan" in result.stdout
