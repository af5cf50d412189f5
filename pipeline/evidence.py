"""Evidence per plan element: which aim, action and measure a claim is evidence for, and how.

The matcher chooses a claim's sub-outcome (its rank-1 link); this stage chooses, within that
sub-outcome, the aim (always, where the sub-outcome has aims) and the action and measure
(only where one is similar enough), scoring the claim against each element's own words.
A claim that restates the plan (``restates_aim_id``) or repeats a claim of an earlier
period's report (``repeat_of``) is never evidence. Rules: ``models/evidence_rules.yaml``.

After a plan is refreshed (a later report restating its aims), the elements in force from
that report's period on are the refreshed ones where the wording changed and the base ones
where it did not, so no aim appears twice in a period (:func:`elements_in_force`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from pipeline.coverage import conform_input, natural_key, period_key, reporting_periods
from pipeline.evidence_rules import AllRules, default_rules
from pipeline.schema import TABLES

EVIDENCE_COLUMNS = TABLES["evidence"].column_names


def normalise(text: str) -> str:
    """Lower case, punctuation folded to spaces, whitespace collapsed: the compared form."""
    return " ".join(re.sub(r"[^\w%£]+", " ", str(text).lower()).split())


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_words(text: str, extra_stop: frozenset[str] = frozenset()) -> list[str]:
    """Stemmed words of 3+ letters that are not English stop words (nor ``extra_stop``)."""
    return [_stem(w) for w in re.findall(r"[a-z]{3,}", str(text).lower())
            if w not in ENGLISH_STOP_WORDS and w not in extra_stop]


# --- repeats and restatements ----------------------------------------------------------------

def find_repeats(claims: pd.DataFrame, documents: pd.DataFrame,
                 rules: AllRules | None = None) -> pd.Series:
    """claim_id → claim_id of the same claim in an EARLIER period's report ('' if none).

    Blocked by document pairs (each report against every report of an earlier period) and
    scored with ``rapidfuzz.process.cdist``; the best match wins, ties to the earliest period.
    """
    rules = rules or default_rules()
    r = rules.repeats
    claims = conform_input(claims, "claims")
    periods = reporting_periods(documents)
    out = pd.Series("", index=claims["claim_id"].astype(str), dtype=object)
    norm = claims.assign(norm=claims["text"].astype(str).map(normalise))
    norm = norm[norm["norm"].str.len() >= r.min_chars]
    by_doc = {d: g for d, g in norm.groupby(norm["doc_id"].astype(str)) if d in periods}
    docs = sorted(by_doc, key=lambda d: period_key(periods[d]))
    best: dict[str, tuple[float, int, str]] = {}
    for j, later in enumerate(docs):
        for i, earlier in enumerate(docs[:j]):
            if period_key(periods[earlier]) >= period_key(periods[later]):
                continue
            a, b = by_doc[later], by_doc[earlier]
            scores = process.cdist(a["norm"].tolist(), b["norm"].tolist(), scorer=fuzz.ratio,
                                   score_cutoff=r.min_ratio, workers=1)
            rows, cols = np.nonzero(scores)
            for ri, ci in zip(rows, cols, strict=True):
                cid, score = str(a["claim_id"].iloc[ri]), float(scores[ri, ci])
                cand = (score, -i, str(b["claim_id"].iloc[ci]))
                if cid not in best or cand[:2] > best[cid][:2]:
                    best[cid] = cand
    for cid, (_, _, target) in best.items():
        out[cid] = target
    return out


def find_restatements(claims: pd.DataFrame, aims: pd.DataFrame,
                      rules: AllRules | None = None) -> pd.Series:
    """claim_id → aim_id of the plan element whose own words the claim repeats ('' if none)."""
    rules = rules or default_rules()
    r = rules.restates
    claims = conform_input(claims, "claims")
    aims = conform_input(aims, "aims")
    out = pd.Series("", index=claims["claim_id"].astype(str), dtype=object)
    if claims.empty or aims.empty:
        return out
    texts = claims["text"].astype(str).map(normalise).tolist()
    elems = aims["text"].astype(str).map(normalise).tolist()
    ok_c = np.array([len(t.split()) >= r.min_words for t in texts])
    ok_e = np.array([len(t.split()) >= r.min_words for t in elems])
    ratio = process.cdist(texts, elems, scorer=fuzz.ratio, workers=1)
    tsort = process.cdist(texts, elems, scorer=fuzz.token_sort_ratio, workers=1)
    # a table row "<outcome title> <aim>" holds the element whole: contained, if the
    # element is most of the row (substring test: a fuzzy partial match is 20x slower)
    part = np.array([[100.0 if e and e in t else 0.0 for e in elems] for t in texts])
    share = np.array([len(e) for e in elems])[None, :] / np.maximum(
        np.array([len(t) for t in texts]), 1)[:, None]
    whole = (part >= 100) & (share >= r.min_partial_share)
    hit = ((ratio >= r.min_ratio) | (tsort >= r.min_token_sort_ratio) | whole) \
        & ok_c[:, None] & ok_e[None, :]
    aim_ids = aims["aim_id"].astype(str).tolist()
    for ci in np.nonzero(hit.any(axis=1))[0]:
        score = np.where(hit[ci], ratio[ci] + tsort[ci], -1)
        out.iloc[ci] = aim_ids[int(np.argmax(score))]
    return out


# --- the plan version in force ----------------------------------------------------------------

def elements_in_force(plans: pd.DataFrame, aims: pd.DataFrame,
                      documents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """period_label → the plan elements in force in that period (one row per element).

    The base plan is the version with the most elements. A refreshed version (a report
    restating the aims) is in force from its report's period on: an element it rewords or
    retargets replaces the base element, an unchanged one keeps the base id, a new one is added
    and a base aim it does not restate stays in force. Other kinds (actions, measures) stay the base's.
    """
    from pipeline.plan_diff import plan_diff_from_tables

    aims = conform_input(aims, "aims").astype({"aim_id": str, "plan_id": str})
    periods = reporting_periods(documents)
    labels = sorted(set(periods.values()), key=period_key)
    if aims.empty:
        return {p: aims.iloc[0:0] for p in labels}
    sizes = aims.groupby("plan_id").size()
    base_id = str(sizes.idxmax())
    base = aims[aims["plan_id"] == base_id]
    plans = plans if plans is not None and len(plans) else pd.DataFrame(
        {"plan_id": [base_id], "doc_id": [""], "title": [""]})
    diff = plan_diff_from_tables(plans, aims)
    plan_doc = dict(zip(plans["plan_id"].astype(str), plans["doc_id"].astype(str), strict=True))
    refreshes = sorted(
        (pid for pid in aims["plan_id"].unique() if pid != base_id and plan_doc.get(pid) in periods),
        key=lambda pid: period_key(periods[plan_doc[pid]]))
    out: dict[str, pd.DataFrame] = {}
    for label in labels:
        current = base
        for pid in refreshes:
            if period_key(periods[plan_doc[pid]]) > period_key(label):
                continue
            d = diff[diff["new_plan_id"] == pid]
            replace = d[d["status"].isin(["reworded", "changed_target"])]
            # a base aim the refresh does not restate stays: a missed box is not a dropped aim
            drop_ids = set(replace["old_aim_id"])
            add_ids = set(replace["new_aim_id"]) | set(d.loc[d["status"] == "new", "new_aim_id"])
            current = pd.concat([current[~current["aim_id"].isin(drop_ids)],
                                 aims[aims["aim_id"].isin(add_ids)]], ignore_index=True)
        order = {"aim": 0, "action": 1, "measure": 2}
        current = current.assign(_o=[(natural_key(sub), order.get(k, 3), natural_key(a.rsplit(":", 1)[-1]))
                                     for sub, k, a in zip(current["sub_outcome_id"], current["kind"],
                                                          current["aim_id"], strict=True)])
        out[label] = current.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)
    return out


# --- roles and the scorer ---------------------------------------------------------------------

def claim_role(claim_type: str, text: str, n_quantities: int, rules: AllRules | None = None) -> str:
    """``result``, ``activity`` or '' (not evidence) for one claim."""
    e = (rules or default_rules()).evidence
    if claim_type in e.result_types and (
            n_quantities > 0 or any(re.search(c, str(text).lower()) for c in e.finished_cues)):
        return "result"
    if claim_type in e.activity_types:
        return "activity"
    return ""


class ElementScorer:
    """Similarity of a claim to a plan element's own words (0-1).

    TF-IDF cosine over stemmed content words (IDF from the elements and the claims, so words
    every report uses weigh little), blended with rapidfuzz's token_set_ratio.
    """

    def __init__(self, corpus: list[str], fuzzy_weight: float) -> None:
        self.fuzzy_weight = fuzzy_weight
        self.vectorizer = TfidfVectorizer(analyzer=content_words, sublinear_tf=True)
        self.vectorizer.fit(corpus or ["empty"])
        self._cache: dict[str, object] = {}

    def _vectors(self, texts: list[str]):
        """TF-IDF rows for ``texts``, each text transformed once per scorer."""
        from scipy.sparse import vstack

        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for t, row in zip(todo, self.vectorizer.transform(todo), strict=True):
                self._cache[t] = row
        return vstack([self._cache[t] for t in texts])

    def scores(self, claim: str, elements: list[str]) -> np.ndarray:
        if not elements:
            return np.zeros(0)
        m = self._vectors([claim, *elements])
        cos = (m[1:] @ m[0].T).toarray().ravel()
        fz = np.array([fuzz.token_set_ratio(" ".join(content_words(claim)),
                                            " ".join(content_words(e))) / 100 for e in elements])
        return (1 - self.fuzzy_weight) * cos + self.fuzzy_weight * fz


def build_evidence(
    claims: pd.DataFrame,
    links: pd.DataFrame,
    in_force: dict[str, pd.DataFrame],
    documents: pd.DataFrame,
    money: pd.DataFrame,
    figures: pd.DataFrame,
    measure_values: pd.DataFrame | None = None,
    rules: AllRules | None = None,
) -> pd.DataFrame:
    """The evidence table (see the module docstring); sorted by claim, then kind of element."""
    rules = rules or default_rules()
    e = rules.evidence
    claims = conform_input(claims, "claims")
    periods = reporting_periods(documents)
    links = conform_input(links, "links")
    top = links[pd.to_numeric(links["rank"], errors="coerce") == 1]
    top = top[pd.to_numeric(top["score"], errors="coerce").fillna(0) >= e.min_link_score]
    link_of = {str(r.claim_id): (str(r.sub_outcome_id), float(r.score))
               for r in top.itertuples(index=False)}
    n_q = pd.concat([conform_input(money, "money")["claim_id"],
                     conform_input(figures, "figures")["claim_id"]]).astype(str).value_counts()
    mv = conform_input(measure_values, "measure_values")
    mv_by_claim = {c: g for c, g in mv.groupby(mv["claim_id"].astype(str))}
    all_elems = pd.concat(list(in_force.values()), ignore_index=True) if in_force else pd.DataFrame()
    corpus = (all_elems["text"].astype(str).drop_duplicates().tolist() if len(all_elems) else []) + \
        claims.loc[claims["doc_id"].astype(str).isin(periods), "text"].astype(str).tolist()
    scorer = ElementScorer(corpus, e.fuzzy_weight)
    rows: list[dict] = []
    for c in claims.itertuples(index=False):
        cid, doc = str(c.claim_id), str(c.doc_id)
        period = periods.get(doc)
        if period is None or _filled(getattr(c, "restates_aim_id", "")) or \
                _filled(getattr(c, "repeat_of", "")):
            continue
        role = claim_role(str(c.claim_type), str(c.text), int(n_q.get(cid, 0)), rules)
        values = mv_by_claim.get(cid)
        if values is not None:
            for v in values.itertuples(index=False):
                rows.append({"claim_id": cid, "aim_id": str(v.aim_id), "period_label": period,
                             "score": float(v.score), "role": "result", "_k": 2})
        if not role or cid not in link_of:
            continue
        sub, link_score = link_of[cid]
        elems = in_force.get(period)
        if elems is None or elems.empty:
            continue
        elems = elems[elems["sub_outcome_id"].astype(str) == sub]
        for k, kind in enumerate(("aim", "action", "measure")):
            if kind == "measure" and values is not None:
                continue
            group = elems[elems["kind"] == kind]
            if group.empty:
                continue
            sims = scorer.scores(str(c.text), group["text"].astype(str).tolist())
            best = int(np.argmax(sims))  # ties: the first in plan order
            if kind == "aim":
                share = np.exp(sims / 0.1) / np.exp(sims / 0.1).sum()
                score = link_score * float(share[best])
            else:
                if sims[best] < (e.min_action_score if kind == "action" else e.min_measure_score):
                    continue
                score = link_score * float(sims[best])
            rows.append({"claim_id": cid, "aim_id": str(group["aim_id"].iloc[best]),
                         "period_label": period, "score": round(min(max(score, 0.0), 1.0), 4),
                         "role": role, "_k": k})
    if not rows:
        return pd.DataFrame({col: pd.Series(dtype="object") for col in EVIDENCE_COLUMNS})
    df = pd.DataFrame(rows).drop_duplicates(["claim_id", "aim_id"])
    df = df.sort_values(["claim_id", "_k", "aim_id"])
    return df[EVIDENCE_COLUMNS].reset_index(drop=True)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and \
        str(value).strip() not in ("", "nan", "None", "<NA>")


def evidence_tables(tables: dict[str, pd.DataFrame], rules: AllRules | None = None
                    ) -> dict[str, pd.DataFrame]:
    """The evidence stage over the other tables: claims (with restates_aim_id and repeat_of),
    money (with role), measure_values, evidence and coverage per element in force.

    Runs after plans, aims and links exist; returns the tables it adds or replaces.
    """
    from pipeline.coverage import build_element_coverage
    from pipeline.measures import build_measure_values, money_roles

    rules = rules or default_rules()
    aims = tables.get("aims")
    if aims is None or aims.empty:
        return {}
    docs = tables["documents"]
    claims = conform_input(tables.get("claims"), "claims").copy()
    restates = find_restatements(claims, aims, rules)
    if "restates_aim_id" in claims.columns and claims["restates_aim_id"].map(_filled).any():
        pass  # the claims stage already filled it: keep its answer
    else:
        claims["restates_aim_id"] = claims["claim_id"].astype(str).map(restates).fillna("").values
    claims["repeat_of"] = claims["claim_id"].astype(str).map(
        find_repeats(claims, docs, rules)).fillna("").values
    money = conform_input(tables.get("money"), "money").copy()
    money["role"] = money_roles(money, claims, rules) if len(money) else pd.Series(dtype=object)
    figures = tables.get("figures", pd.DataFrame())
    in_force = elements_in_force(tables.get("plans"), aims, docs)
    mv = build_measure_values(aims, claims, docs, figures, money, rules)
    ev = build_evidence(claims, tables.get("links"), in_force, docs, money, figures, mv, rules)
    cov = build_element_coverage(in_force, ev, mv, claims, money, figures, rules.levels)
    # repeats never make a metric series on their own: their figures are left out
    from pipeline.metrics import build_metrics

    repeats = set(claims.loc[claims["repeat_of"].map(_filled), "claim_id"].astype(str))
    fig = conform_input(figures, "figures")
    metrics = build_metrics(fig[~fig["claim_id"].astype(str).isin(repeats)], claims, docs)
    return {"claims": claims, "money": money, "measure_values": mv, "evidence": ev,
            "coverage": cov, "metrics": metrics}


def evaluate_aim_choice(records: list[dict], scorer: ElementScorer) -> dict[str, float]:
    """Top-1 and top-3 accuracy of the aim choice on hand-labelled records, beside the
    baseline of always taking the sub-outcome's first aim.

    Each record: ``text`` (the claim), ``aims`` (the texts of its sub-outcome's aims in plan
    order) and ``aim_text`` (the one the sentence is evidence for).
    """
    n = top1 = top3 = base = 0
    for rec in records:
        sims = scorer.scores(rec["text"], rec["aims"])
        ranked = [rec["aims"][i] for i in np.argsort(-sims, kind="stable")]
        n += 1
        top1 += ranked[0] == rec["aim_text"]
        top3 += rec["aim_text"] in ranked[:3]
        base += rec["aims"][0] == rec["aim_text"]
    n = max(n, 1)
    return {"n": float(n), "top1": top1 / n, "top3": top3 / n, "baseline_first_aim": base / n}
