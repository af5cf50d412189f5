"""Values the reports give for the plan's success measures, and the role of each amount of money.

Precision first (a wrong value is worse than a missing one): a figure is a value of a measure
only when the units agree (a "Percentage of ..." measure takes a percent figure, a "Number of
..." measure a count, an "Amount of ... grants" measure money) and the measure's own words are
largely found in the figure's ``measure`` phrase and sentence. Measures of other shapes (rates,
indices, "levels of ...") take no value. Rules: ``models/evidence_rules.yaml``.
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline.coverage import conform_input, reporting_periods
from pipeline.evidence import _filled, content_words
from pipeline.evidence_rules import AllRules, default_rules
from pipeline.schema import TABLES

MEASURE_VALUE_COLUMNS = TABLES["measure_values"].column_names


def measure_unit(text: str, rules: AllRules | None = None) -> str:
    """The unit a measure's values come in: percent, count, money, or '' (takes no value)."""
    m = (rules or default_rules()).measures
    low = str(text).lower().strip()
    for unit, cues in (("percent", m.percent_cues), ("count", m.count_cues), ("money", m.money_cues)):
        if any(re.match(c, low) for c in cues):
            return unit
    return ""


def _key_words(text: str, rules: AllRules) -> set[str]:
    text = re.sub(r"\([^)]*\)", " ", str(text))  # "(primary / secondary)": alternatives
    return set(content_words(text, frozenset(rules.measures.generic_words)))


def build_measure_values(
    aims: pd.DataFrame,
    claims: pd.DataFrame,
    documents: pd.DataFrame,
    figures: pd.DataFrame,
    money: pd.DataFrame,
    rules: AllRules | None = None,
) -> pd.DataFrame:
    """The measure_values table: one row per (measure, figure) that passes every check.

    score = the share of the measure's words found (0-1). Where a figure matches several
    measures only the best-scoring one keeps it.
    """
    rules = rules or default_rules()
    m = rules.measures
    aims = conform_input(aims, "aims")
    claims = conform_input(claims, "claims")
    periods = reporting_periods(documents)
    measures = aims[aims["kind"] == "measure"].drop_duplicates("text")
    specs = [(str(a.aim_id), measure_unit(a.text, rules), _key_words(a.text, rules))
             for a in measures.itertuples(index=False)]
    specs = [s for s in specs if s[1] and len(s[2]) >= m.min_shared]
    info = claims.set_index(claims["claim_id"].astype(str))
    skip = set(m.exclude_claim_types)
    quantities = []
    for name, table in (("figures", figures), ("money", money)):
        t = conform_input(table, name)
        for q in t.itertuples(index=False):
            unit = "money" if name == "money" else str(q.unit).strip().lower()
            if name == "money" and str(getattr(q, "role", "council") or "council") != "council":
                continue
            quantities.append((q, unit, str(getattr(q, "measure", "") or "")))
    rows: list[dict] = []
    for q, unit, phrase in quantities:
        cid = str(q.claim_id)
        if cid not in info.index or str(q.doc_id) not in periods:
            continue
        claim = info.loc[cid]
        if str(claim["claim_type"]) in skip or _filled(claim.get("repeat_of", "")) \
                or _filled(claim.get("restates_aim_id", "")):
            continue
        value = pd.to_numeric(q.value, errors="coerce")
        if pd.isna(value):
            continue
        words = set(content_words(f"{phrase} {claim['text']}"))
        own = set(content_words(phrase))
        best = None
        for aim_id, want, key in specs:
            if want != unit:
                continue
            shared = key & words
            cover = len(shared) / len(key)
            if len(shared) < m.min_shared or cover < m.min_coverage:
                continue
            # the figure itself must be about the measure (money has no phrase of its own):
            # its phrase names more of the measure's words than any other figure of its unit
            # in the sentence does
            if unit != "money":
                mine = len(own & key)
                others = [len(set(content_words(p)) & key) for qq, u, p in quantities
                          if str(qq.claim_id) == cid and u == unit and qq is not q]
                if mine == 0 or any(o >= mine for o in others):
                    continue
            if best is None or cover > best[1]:
                best = (aim_id, cover)
        if best is not None:
            rows.append({"aim_id": best[0], "period_label": periods[str(q.doc_id)],
                         "claim_id": cid, "mention_id": str(q.mention_id), "value": float(value),
                         "unit": "GBP" if unit == "money" else unit,
                         "score": round(best[1], 4)})
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in MEASURE_VALUE_COLUMNS})
    return pd.DataFrame(rows)[MEASURE_VALUE_COLUMNS].sort_values(
        ["aim_id", "period_label", "mention_id"]).reset_index(drop=True)


def money_roles(money: pd.DataFrame, claims: pd.DataFrame, rules: AllRules | None = None) -> list[str]:
    """The role of each money row (council, programme, economy), from cues around the amount."""
    r = (rules or default_rules()).money_roles
    money = conform_input(money, "money")
    claims = conform_input(claims, "claims")
    text_of = dict(zip(claims["claim_id"].astype(str), claims["text"].astype(str), strict=True))
    out = []
    for row in money.itertuples(index=False):
        sentence = text_of.get(str(row.claim_id), "")
        out.append(money_role(sentence, str(row.text), r))
    return out


def money_role(sentence: str, amount_text: str, r=None) -> str:
    """The role of one amount printed as ``amount_text`` in ``sentence``."""
    r = r or default_rules().money_roles
    low = sentence.lower()
    at = low.find(amount_text.lower())
    if at < 0:
        return r.default
    before = low[max(0, at - r.window):at]
    after = low[at + len(amount_text):at + len(amount_text) + r.window]
    for role in r.roles:
        if any(re.search(c, after) for c in role.after) or any(re.search(c, before) for c in role.before):
            return role.role
    return r.default
