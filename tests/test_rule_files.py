"""Rule files are validated when loaded: an unknown, missing or badly typed key, or a regex that
does not compile, is an error naming the file and the key (not a KeyError inside a worker)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.ingest.layout import LAYOUT_FILE, load_rules


def _layout_with(tmp_path: Path, change) -> Path:  # noqa: ANN001
    data = yaml.safe_load(LAYOUT_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "layout.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_layout_rules_load() -> None:
    rules = load_rules()
    assert "on" in rules.title_case_minor  # a word YAML would read as a boolean, quoted


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = _layout_with(tmp_path, lambda d: d.update(heading_max_wrods=3))
    with pytest.raises(ValueError, match=r"layout\.yaml: .*heading_max_wrods"):
        load_rules(path)


def test_missing_key_is_named(tmp_path: Path) -> None:
    path = _layout_with(tmp_path, lambda d: d.pop("title_fy"))
    with pytest.raises(ValueError, match=r"layout\.yaml: .*title_fy: Field required"):
        load_rules(path)


def test_bad_regex_inside_a_list_is_named(tmp_path: Path) -> None:
    path = _layout_with(tmp_path, lambda d: d["periods"][1].update(regex="(?P<y1>unclosed"))
    with pytest.raises(ValueError, match=r"periods\.1\.regex: .*does not compile"):
        load_rules(path)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = _layout_with(tmp_path, lambda d: d.update(title_case_minor=["of", True]))
    with pytest.raises(ValueError, match=r"title_case_minor\.1: .*valid string"):
        load_rules(path)


def test_plan_rules_unknown_and_missing_keys_are_named(tmp_path: Path) -> None:
    from pipeline.ingest.plan_layout import PLAN_RULES_FILE
    from pipeline.ingest.plan_layout import load_rules as load_plan_rules

    data = yaml.safe_load(PLAN_RULES_FILE.read_text(encoding="utf-8"))
    data["refresh"]["max_aim_wrods"] = 3
    del data["diff"]["same_score"]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"plan\.yaml: .*refresh\.max_aim_wrods: Extra inputs") as err:
        load_plan_rules(path)
    assert "diff.same_score: Field required" in str(err.value)


def test_a_bad_evidence_rule_fails_extract_at_start_up(tmp_path: Path, monkeypatch) -> None:
    """A typo in the metrics section stops `extract` before any file is read, with one error
    naming the file and the key (not once per worker, not after the per-file work)."""
    import yaml

    from pipeline import extract
    from pipeline.evidence import coverage, metrics

    data = yaml.safe_load(coverage.RULES_PATH.read_text(encoding="utf-8"))
    data["metrics"]["min_period"] = data["metrics"].pop("min_periods")
    bad = tmp_path / "evidence_rules.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(metrics, "RULES_PATH", bad)
    read: list[Path] = []
    monkeypatch.setattr(extract, "process_file", lambda path, *a, **k: read.append(path))
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("The council opened a library.", encoding="utf-8")
    with pytest.raises(ValueError, match=r"evidence_rules\.yaml: .*metrics\.min_period"):
        extract.run_extract(src, tmp_path / "out", jobs=1)
    assert read == [] and not (tmp_path / "out" / "claims.csv").exists()


def _numbers_lexicon() -> dict:
    from pipeline.config import LEXICONS_DIR
    return yaml.safe_load((LEXICONS_DIR / "numbers.yaml").read_text(encoding="utf-8"))


def test_numbers_lexicon_schema_catches_a_yaml_boolean_in_a_word_list() -> None:
    """A bare `on` in a YAML word list is the boolean True: it would never match the word."""
    from pipeline.nlp.numbers import MEASURE_STOP_WORDS, NumbersLexicon
    from pipeline.rulefiles import validated

    assert "on" in MEASURE_STOP_WORDS and "true" not in MEASURE_STOP_WORDS
    data = _numbers_lexicon()
    data["measure_stop_words"] = [*data["measure_stop_words"], True]
    with pytest.raises(ValueError, match=r"numbers\.yaml: measure_stop_words\.\d+: Input should "
                                         r"be a valid string"):
        validated(NumbersLexicon, data, Path("numbers.yaml"))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("months"), r"months: Field required"),
    (lambda d: d.update(fraction_wrods={}), r"fraction_wrods: Extra inputs are not permitted"),
    (lambda d: d["qualifiers"][0].pop("approx"), r"qualifiers\.0\.approx: Field required"),
    (lambda d: d["seasons"].update(spring=[3]), r"seasons\.spring"),
])
def test_numbers_lexicon_schema_names_the_key(change, message: str) -> None:  # noqa: ANN001
    from pipeline.nlp.numbers import NumbersLexicon
    from pipeline.rulefiles import validated

    data = _numbers_lexicon()
    validated(NumbersLexicon, data, Path("numbers.yaml"))  # the shipped file passes
    change(data)
    with pytest.raises(ValueError, match=message):
        validated(NumbersLexicon, data, Path("numbers.yaml"))


def test_yaml_parser_reads_every_shipped_file_as_safe_load() -> None:
    """``parse_yaml`` may use libyaml: it must give what the pure-Python safe loader gives on
    every rule file we ship, and on the YAML forms that trip parsers up."""
    from pipeline.config import MODELS_DIR
    from pipeline.rulefiles import parse_yaml

    files = sorted(MODELS_DIR.rglob("*.yaml"))
    assert len(files) >= 8
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert parse_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader), path  # noqa: S506
    tricky = "a: on\nb: 'no'\nc: 1_000\nd: 2024-03-31\ne: ~\nf: |\n  two\n  lines\ng: [1, 'x: y']\n"
    assert parse_yaml(tricky) == yaml.load(tricky, Loader=yaml.SafeLoader)  # noqa: S506
    with pytest.raises(yaml.YAMLError):
        parse_yaml("a: [1, 2\n")
