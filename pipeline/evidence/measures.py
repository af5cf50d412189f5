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

from pipeline.evidence.coverage import conform_input, reporting_periods
from pipeline.evidence.elements import _filled, content_words
from pipeline.evidence.rules import AllRules, default_rules
from pipeline.tables.schema import TABLES

MEASURE_VALUE_COLUMNS = TABLES["measure_values"].column_names


def measure_unit(text: str, rules: AllRules | None = None) -> str:
    """The unit a measure's values come in: percent, count, money, a named unit ("Hectares
    of ...", "Number of hours of ..." → hectares, hours), or '' (takes no value)."""
    m = (rules or default_rules()).measures
    low = str(text).lower().strip()
    for unit, cues in (*m.unit_cues.items(), ("percent", m.percent_cues),
                       ("count", m.count_cues), ("money", m.money_cues)):
        if any(re.match(c, low) for c in cues):
            return unit
    return ""


def _fold(word: str) -> str:
    """"librarie" (a plural trimmed to -ie) → "library", so libraries meet library."""
    return word[:-2] + "y" if len(word) > 4 and word.endswith("ie") else word


def _words(text: str, extra_stop: frozenset[str] = frozenset()) -> set[str]:
    return {_fold(w) for w in content_words(text, extra_stop)}


def _key_words(text: str, rules: AllRules) -> set[str]:
    text = re.sub(r"\([^)]*\)", " ", str(text))  # "(primary / secondary)": alternatives
    return _words(text, frozenset(rules.measures.generic_words))


def _locate(sentence: str, texts: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each figure's printed text in its sentence, in mention order
    ((-1, -1) where it is not found verbatim)."""
    spans, cursor = [], 0
    for t in texts:
        at = sentence.find(t, cursor) if t else -1
        if at < 0:
            at = sentence.find(t) if t else -1
        spans.append((at, at + len(t)) if at >= 0 else (-1, -1))
        if at >= 0:
            cursor = at + len(t)
    return spans


def _figure_kinds(sentence: str, figs: list[tuple[str, str]], rules: AllRules) -> list[str]:
    """For each (printed text, unit) of one sentence: "earlier" (a starting value, "rose from
    49% to 56%", when a later figure of its unit follows), "limit" (a cap, "grants of up to
    £3,000"), "change" (a difference, "increased by 12%", "a 27% rise"), else "value"."""
    m = rules.measures
    low = sentence.lower()
    spans = _locate(low, [t.lower() for t, _ in figs])
    kinds = []
    for i, ((start, end), (_, unit)) in enumerate(zip(spans, figs, strict=True)):
        if start < 0:
            kinds.append("value")
            continue
        before = low[max(0, start - m.context_window):start]
        after = low[end:end + m.context_window]
        later = any(u == unit and s > start for (s, _), (_, u) in zip(spans[i + 1:], figs[i + 1:],
                                                                       strict=True))
        if later and any(re.search(c, before) for c in m.earlier_value_cues):
            kinds.append("earlier")
        elif any(re.search(c, before) for c in m.limit_before_cues):
            kinds.append("limit")
        elif any(re.search(c, before) for c in m.change_before_cues) or \
                any(re.match(c, after) for c in m.change_after_cues):
            kinds.append("change")
        else:
            kinds.append("value")
    return kinds


def _distinct_words(specs: list[tuple[str, str, set[str]]],
                    sub_of: dict[str, str]) -> dict[str, list[set[str]]]:
    """aim_id → for each near-twin of the measure (same sub-outcome and unit, sharing at
    least half its words), the words of the measure that the twin lacks."""
    out: dict[str, list[set[str]]] = {}
    for aim_id, unit, key in specs:
        apart = [key - k for a, u, k in specs if a != aim_id and u == unit
                 and sub_of.get(a) == sub_of.get(aim_id) and len(k & key) * 2 >= len(key)]
        out[aim_id] = [d for d in apart if d]
    return out


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
    distinct = _distinct_words(specs, dict(zip(measures["aim_id"].astype(str),
                                               measures["sub_outcome_id"].astype(str), strict=True)))
    # claim_id -> the first row of that id, as ``.loc`` would find it first, read as a plain
    # dict of the columns read below only for the claims with figures (a pandas row lookup
    # per claim, or records of every claim, cost more than the rest of this stage)
    first_row: dict[str, int] = {}
    for i, cid in enumerate(claims["claim_id"].astype(str).tolist()):
        first_row.setdefault(cid, i)
    wanted = [c for c in ("doc_id", "claim_type", "text", "repeat_of", "restates_aim_id")
              if c in claims.columns]
    columns = [claims[c].to_numpy(dtype=object) for c in wanted]
    skip = set(m.exclude_claim_types)
    # claim_id -> [(row, unit, phrase)] in mention order: the figures of one sentence together
    by_claim: dict[str, list[tuple[object, str, str]]] = {}
    for name, table in (("figures", figures), ("money", money)):
        t = conform_input(table, name)
        for q in t.itertuples(index=False):
            unit = "money" if name == "money" else str(q.unit).strip().lower()
            if name == "money" and str(getattr(q, "role", "council") or "council") != "council":
                continue
            by_claim.setdefault(str(q.claim_id), []).append(
                (q, unit, str(getattr(q, "measure", "") or "")))
    rows: list[dict] = []
    for cid, quantities in by_claim.items():
        i = first_row.get(cid)
        if i is None:
            continue
        claim = {c: col[i] for c, col in zip(wanted, columns, strict=True)}
        if str(claim["doc_id"]) not in periods or str(claim["claim_type"]) in skip \
                or _filled(claim.get("repeat_of", "")) or _filled(claim.get("restates_aim_id", "")):
            continue
        sentence = str(claim["text"])
        kinds = _figure_kinds(sentence, [(str(q.text), u) for q, u, _ in quantities], rules)
        words = None
        for (q, unit, phrase), kind in zip(quantities, kinds, strict=True):
            value = pd.to_numeric(q.value, errors="coerce")
            if kind != "value" or pd.isna(value):
                continue
            if words is None:
                words = _words(" ".join(p for _, _, p in quantities) + " " + sentence)
            own = _words(phrase)
            rivals = [_words(p) for (qq, u, p), k in zip(quantities, kinds, strict=True)
                      if u == unit and k == "value" and qq is not q]
            best = None
            for aim_id, want, key in specs:
                if want != unit:
                    continue
                shared = key & words
                cover = len(shared) / len(key)
                if len(shared) < m.min_shared or cover < m.min_coverage:
                    continue
                # a measure with a near-twin ("... at ages 2-2 1/2" beside "... at foundation
                # stage") takes a value only when a word setting it apart is found
                if any(not d & words for d in distinct.get(aim_id, ())):
                    continue
                # the figure itself must be about the measure (money has no phrase of its own):
                # its phrase names more of the measure's words than any rival figure of its
                # unit in the sentence does; a bare figure ("56.1%") takes the sentence's words
                # only when it is the one value of its unit there
                if unit != "money":
                    mine = len(own & key)
                    if not own:
                        if rivals or cover < m.min_bare_coverage:
                            continue
                    elif mine == 0 or any(len(r & key) >= mine for r in rivals):
                        continue
                    elif mine < min(m.min_shared, len(key)) and any(not r for r in rivals):
                        continue  # one word is too little beside a bare rival ("28")
                if best is None or cover > best[1]:
                    best = (aim_id, cover)
            if best is not None:
                rows.append({"aim_id": best[0], "period_label": periods[str(claim["doc_id"])],
                             "claim_id": cid, "mention_id": str(q.mention_id),
                             "value": float(value), "unit": "GBP" if unit == "money" else unit,
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
    text_of = dict(zip(claims["claim_id"].astype(str).tolist(), claims["text"].astype(str).tolist(),
                       strict=True))
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
