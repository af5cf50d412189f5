"""Money: parametrised text -> value cases (negatives included), a property test, the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.nlp.money import parse_money
from pipeline.nlp.pipeline import make_doc

TEXT_DIR = Path(__file__).parent / "data" / "text"


@pytest.mark.parametrize("text, value, approx, qualifier", [
    ("We were awarded £1.7m for the scheme.", 1_700_000, False, ""),
    ("A grant of £887k was secured.", 887_000, False, ""),
    ("The budget grew by £23.3m this year.", 23_300_000, False, ""),
    ("Each household saved £2,538.", 2538, False, ""),
    ("Funding of £15857 went to clubs.", 15857, False, ""),
    ("A £1bn programme.", 1e9, False, ""),
    ("A £1 billion programme.", 1e9, False, ""),
    ("Investment of £40 million.", 40e6, False, ""),
    ("It cost £5million to build.", 5e6, False, ""),
    ("Investment of c£40 million.", 40e6, True, "around"),
    ("We spent around £2m on roads.", 2e6, True, "around"),
    ("Around £500,000 was allocated.", 500_000, True, "around"),
    ("Savings of more than £2m.", 2e6, True, "over"),
    ("We received almost £1.3m.", 1.3e6, True, "nearly"),
    ("Grants of up to £10,000.", 10_000, True, "up to"),
    ("The award was just under £1 million.", 1e6, True, "under"),
    ("An estimated £360,000 was saved.", 360_000, True, "estimated"),
    ("A charge of 50p per bag.", 0.5, False, ""),
    ("It raised 2 million pounds.", 2e6, False, ""),
    ("Care leavers now pay zero charge.", 0.0, False, ""),
    ("An average of £200 per household.", 200, False, ""),
])
def test_single_amounts(text: str, value: float, approx: bool, qualifier: str) -> None:
    (m,) = parse_money(text)
    assert m.value == pytest.approx(value)
    assert m.approx is approx
    assert m.qualifier == qualifier
    assert m.currency == "GBP"


@pytest.mark.parametrize("text, low, high", [
    ("A budget of £3m-£5m.", 3e6, 5e6),
    ("A budget of £3-5m.", 3e6, 5e6),
    ("Grants between £3m and £5m.", 3e6, 5e6),
    ("Grants of between £2,000 to £10,000 each.", 2000, 10_000),
])
def test_ranges_are_one_mention_valued_at_the_low_end(text: str, low: float, high: float) -> None:
    (m,) = parse_money(text)
    assert (m.value, m.low, m.high) == (low, low, high)


@pytest.mark.parametrize("text, values", [
    ("Fees rose from £1,971 to £2,800.", [1971, 2800]),
    ("£25m for 2022/23 rising to £35m.", [25e6, 35e6]),
    ("£5m for adults, £6m for children and £1m for transitions.", [5e6, 6e6, 1e6]),
])
def test_separate_amounts(text: str, values: list[float]) -> None:
    assert [m.value for m in parse_money(text)] == values


@pytest.mark.parametrize("text, currency, value", [
    ("A $1 billion fund.", "USD", 1e9),
    ("A €5m grant.", "EUR", 5e6),
    ("A US$2m loan.", "USD", 2e6),
])
def test_foreign_currency_is_kept_not_converted(text: str, currency: str, value: float) -> None:
    (m,) = parse_money(text)
    assert (m.currency, m.value) == (currency, value)


def test_per_period() -> None:
    (m,) = parse_money("Running costs are £1.6m per year.")
    assert m.per == "year"
    assert m.text == "£1.6m"


@pytest.mark.parametrize("text", [
    "10% of the budget was spent on roads.",
    "In 2023 we met 400 people.",
    "The meeting starts at 2.00 p.m. in room 5.",
    "Covid-19 hit 55% of businesses in Wave 5.",
    "Call (0116) 305 2583 about the A6006.",
])
def test_no_money(text: str) -> None:
    assert [m.text for m in parse_money(text)] == []


def test_qualifier_is_not_part_of_the_text() -> None:
    (m,) = parse_money("We secured over £5.5m of funding.")
    assert m.text == "£5.5m"


_SCALES = {"": 1, "k": 1e3, "m": 1e6, "bn": 1e9}


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=1, max_value=999_999), scale=st.sampled_from(sorted(_SCALES)),
       decimals=st.integers(min_value=0, max_value=2), comma=st.booleans())
def test_generated_amounts_round_trip(n: int, scale: str, decimals: int, comma: bool) -> None:
    number = n / 10 ** decimals
    written = f"{number:,.{decimals}f}" if comma else f"{number:.{decimals}f}"
    (m,) = parse_money(f"The council spent £{written}{scale} last year.")
    assert m.value == pytest.approx(number * _SCALES[scale], rel=1e-9)
    assert m.text == f"£{written}{scale}"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises(text: str) -> None:
    for m in parse_money(text):
        assert 0 <= m.start < m.end <= len(text)


@pytest.fixture(scope="session")
def corpus_docs():  # noqa: ANN201
    """Every corpus text through money -> dates -> figures, once per session."""
    from pipeline.nlp import dates, figures, money  # noqa: F401
    nlp = spacy.blank("en")
    for name in ("planmine_money", "planmine_dates", "planmine_figures"):
        nlp.add_pipe(name)
    paths = sorted(TEXT_DIR.glob("*.txt"))
    if not paths:
        pytest.skip("no corpus text")
    return {p.stem: nlp(make_doc(nlp, p.read_text(encoding="utf-8"))) for p in paths}


def test_corpus_money_found_and_typed(corpus_docs) -> None:  # noqa: ANN001
    for name, doc in corpus_docs.items():
        spans = doc.spans["money"]
        assert spans, name
        for s in spans:
            assert isinstance(s._.value, float) and s._.value >= 0, (name, s.text)
            assert s._.currency in ("GBP", "USD", "EUR"), (name, s.text)


def test_corpus_groups_never_overlap(corpus_docs) -> None:  # noqa: ANN001
    for name, doc in corpus_docs.items():
        owner: dict[int, str] = {}
        for key in ("money", "dates", "figures"):
            for s in doc.spans[key]:
                for i in range(s.start, s.end):
                    assert i not in owner, (name, key, owner.get(i), s.text)
                    owner[i] = key


@pytest.mark.parametrize("body, message", [
    ("fragments: {}\npatterns:\n  - {id: a, kind: amount, regex: '(unclosed'}\n", "invalid regex"),
    ("fragments: {}\npatterns:\n  - {id: a, kind: nonsense, regex: 'x'}\n", "kind"),
    ("fragments: {}\npatterns:\n  - {id: a, kind: amount, regex: '{NOPE}'}\n", "unknown fragment"),
    ("fragments: {}\npatterns:\n  - {id: a, kind: amount}\n", r"patterns\.0\.regex: Field required"),
    ("patterns: []\n", "fragments: Field required"),
    ("fragments: {}\npatterns:\n  - {id: a, kind: amount, regx: 'x'}\n", r"patterns\.0\.regx"),
])
def test_rule_files_are_validated(tmp_path: Path, body: str, message: str) -> None:
    from pipeline.nlp.patterns import load_pattern_set
    (tmp_path / "bad.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_pattern_set("bad", ("amount",), {}, directory=tmp_path)


@pytest.mark.parametrize("text, value", [
    ("The fund stands at £500K this spring.", 500_000),
    ("A scheme worth £2.5M was approved.", 2_500_000),
    ("National spending passed £1BN last year.", 1e9),
    ("A pot of £3Bn for roads.", 3e9),
    ("A £7 Million bid.", 7e6),
])
def test_scale_suffixes_in_any_case(text: str, value: float) -> None:
    (m,) = parse_money(text)
    assert m.value == pytest.approx(value)


@pytest.mark.parametrize("text, low, high, approx", [
    ("Community grants from £2,000 to £40,000 are open to clubs.", 2000, 40_000, False),
    ("The repair is costed at £2.3 - £3.4 million.", 2.3e6, 3.4e6, False),
    ("The gap is between around £3.5 billion and £10.3 billion nationally.", 3.5e9, 10.3e9, True),
    ("Awards of £500 to £2 million were made.", 500, 2e6, False),
    ("Bids of £1.5m–£2m were expected.", 1.5e6, 2e6, False),
])
def test_ranges_written_as_two_amounts_are_one_mention(text: str, low: float, high: float,
                                                       approx: bool) -> None:
    (m,) = parse_money(text)
    assert (m.value, m.low, m.high) == (pytest.approx(low), pytest.approx(low),
                                        pytest.approx(high))
    assert m.approx is approx


@pytest.mark.parametrize("text, values", [
    ("The charge increased from £120 to £150 a year.", [120, 150]),
    ("Spending was cut from £4m to £3m.", [4e6, 3e6]),
    ("We spent £2m and £3m in the two years.", [2e6, 3e6]),
])
def test_changes_and_lists_stay_two_amounts(text: str, values: list[float]) -> None:
    assert [m.value for m in parse_money(text)] == values


@pytest.mark.parametrize("text, heading, values", [
    # a "£000" or "(£m)" label scales amounts written without their own scale word
    ("Highways maintenance £1,234 £1,310", "Net budget £000", [1_234_000, 1_310_000]),
    ("Adult care £412.5", "Spend by service (£m)", [412_500_000]),
    ("Budget (£'000) Libraries £2,050", "Services", [2_050_000]),
    ("Highways maintenance £1,234 and a £2m grant", "Net budget £000", [1_234_000, 2_000_000]),
    ("Highways maintenance £1,234", "Net budget", [1_234]),
])
def test_table_scale_markers_scale_amounts(text: str, heading: str, values: list) -> None:
    assert [m.value for m in parse_money(text, heading=heading)] == pytest.approx(values)


def test_scale_label_alone_is_not_an_amount() -> None:
    assert parse_money("Spend (£000) by service") == []
