"""A saved pipeline carries its rules: ``nlp.to_disk`` writes the rule files, not a path on the
machine that saved it, and ``spacy.load`` of the folder (moved elsewhere) gives the same
annotations."""

from __future__ import annotations

import shutil
from pathlib import Path

import spacy

from pipeline.config import PROJECT_DIR
from pipeline.nlp.pipeline import build_nlp, make_doc

TEXT = ("In October 2023 we secured £1.79m of extra funding. 94.8% of applicants got their "
        "first choice. We will open two new libraries next year.")


def _annotations(nlp) -> list[tuple[str, str]]:  # noqa: ANN001
    doc = nlp(make_doc(nlp, TEXT))
    return [(s.text, s._.claim_type) for s in doc.spans["claims"]] + \
        [(s.text, k) for k in ("money", "figures", "dates") for s in doc.spans[k]]


def test_saved_pipeline_is_self_contained(tmp_path: Path) -> None:
    nlp = build_nlp()
    saved = tmp_path / "saved"
    nlp.to_disk(saved)
    config = (saved / "config.cfg").read_text(encoding="utf-8")
    assert str(PROJECT_DIR) not in config and "/" not in config.split("[components")[1]
    assert (saved / "planmine_claims" / "rules.yaml").is_file()
    moved = tmp_path / "elsewhere"
    shutil.move(saved, moved)
    assert _annotations(spacy.load(moved)) == _annotations(nlp)


def test_saved_rules_win_over_the_shipped_ones(tmp_path: Path) -> None:
    """The rules in the saved folder are the ones used: a pipeline saved with edited rules keeps
    them when loaded on another machine."""
    nlp = build_nlp()
    nlp.to_disk(tmp_path / "saved")
    rules = tmp_path / "saved" / "planmine_claims" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    loaded = spacy.load(tmp_path / "saved")
    assert loaded.get_pipe("planmine_claims").rules_path == rules
