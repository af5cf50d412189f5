"""Score extracted tables against hand-annotated gold sentences (``planmine evaluate``).

Why it is built this way:

- **Alignment first.** Gold is a sample of sentences; predictions are whole documents. Each
  gold sentence is looked for among the claims of its own document (``documents.file`` stem ==
  gold ``doc``), by normalised text (:func:`normalise`: Unicode NFKC, lower case, quote marks
  dropped, dashes unified, leading bullet glyphs stripped, whitespace collapsed):

  1. exact match of the normalised text;
  2. else the best ``rapidfuzz`` ratio against one claim, if >= ``FUZZY_MIN`` (90);
  3. else a claim that *contains* the gold sentence (the splitter merged two sentences):
     best ``partial_ratio`` >= 90 with the claim at most ``MAX_CONTAIN_RATIO`` times longer;
     only that claim's mentions whose text lies in the matched window are compared;
  4. else 2 or 3 consecutive claims joined (the splitter cut the sentence): ratio >= 90; their
     mentions are unioned, the claim type of the first claim is used, and links of all of
     them are merged by rank.

  The alignment rate is reported. An unaligned gold sentence still counts: its mentions are
  false negatives; claim-type accuracy is given both over aligned sentences and "strict"
  (unaligned = wrong). Link metrics are over aligned sentences only (reported with ``n``).
- **Values, not spans.** Money matches when the value is within 0.5% (gold ``value_gbp``,
  currency ignored); figures when the value is within 0.5% and percent-or-not agrees; dates
  when start and end agree to the month (YYYY-MM). Matching is greedy one-to-one per sentence.
  As ``gold/FORMAT.md`` says: a gold date with a null start (an unplaceable "last year") is
  neither hit nor miss, whatever is predicted for it (the prediction with the same words, or
  else an unresolved one, is set aside uncounted); a relative year reference ("this year",
  "the previous year") placed by the annotators is right when the prediction for the same
  words covers at least half of the annotated months (calendar or financial reading). Unmatched predictions in aligned
  sentences are false positives; predictions in claims no gold sentence aligned to are not
  scored (gold is a sample).
- **Links** (if ``links.csv`` exists): top-1 and top-3 sub-outcome accuracy, outcome accuracy
  (the id's first part, "7" of "7.1"), correct abstention on gold sentences whose sub-outcome
  is null (no link left after dropping those scoring below ``min_score``), and a reliability
  table: rank-1 score bins against the fraction of rank-1 links that are right (a link on a
  null-gold sentence is wrong).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz

from pipeline.schema import TABLES

REL_TOL = 0.005
FUZZY_MIN = 90.0
MAX_CONTAIN_RATIO = 4.0
MAX_JOIN = 3
N_BINS = 10
PRED_TABLES = ("documents", "claims", "money", "figures", "dates")
MENTION_KINDS = ("money", "figures", "dates")
CLAIM_TYPES = ("achievement", "progress", "plan", "target", "statistic", "challenge", "other")

#: The fixed gold split, shared by every helper and script that tunes or fits on the gold.
#: Whole documents held out (never looked at while writing rules or fitting models) ...
HELD_OUT_DOCS = frozenset({"lcc-annual-delivery-report-2025"})
#: ... and, within every other document, a hash half of its sentences.
TUNING, HELD_OUT_HALF, HELD_OUT_DOC = "tuning", "held-out half", "held-out document"
SPLIT_PARTS = (TUNING, HELD_OUT_HALF, HELD_OUT_DOC)

_QUOTES = re.compile(r"[\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u00ab\u00bb\u2032\u2033]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_BULLETS = re.compile(r"^[\s\-\u2022\u00b7\u25aa\u25cf\u25e6\u2023\u2043\uf0b7*>]+")


# --- loading ------------------------------------------------------------------------------

def load_gold(paths: list[Path]) -> list[dict]:
    """Every gold sentence from the JSONL files, in order; each dict gets ``_source``."""
    rows: list[dict] = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
                missing = [k for k in ("doc", "text", "claim_type") if k not in row]
                if missing:
                    raise ValueError(f"{path}:{n}: gold sentence lacks {missing}")
                for kind in MENTION_KINDS:
                    row.setdefault(kind, [])
                row["_source"] = f"{path}:{n}"
                rows.append(row)
    return rows


def load_predictions(pred_dir: Path) -> dict[str, pd.DataFrame]:
    """The prediction tables from ``pred_dir`` (CSV as written by ``planmine extract``).

    documents.csv and claims.csv are required; a missing mention table is read as empty (no
    predictions); links.csv is included only if present. Columns are checked against the
    contract (SCHEMA.md): the contract's columns must come first, in order.
    """
    pred_dir = Path(pred_dir)
    out: dict[str, pd.DataFrame] = {}
    for name in (*PRED_TABLES, "links"):
        path = pred_dir / f"{name}.csv"
        columns = TABLES[name].column_names
        if not path.exists():
            if name in ("documents", "claims"):
                raise FileNotFoundError(f"{path}: missing; run `planmine extract --out {pred_dir}`")
            if name == "links":
                continue
            out[name] = pd.DataFrame(columns=columns)
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if list(df.columns[: len(columns)]) != columns:
            raise ValueError(f"{path}: columns {list(df.columns)} do not start with the "
                             f"contract's {columns}")
        out[name] = df
    return out


def split_of(row: dict) -> str:
    """Which part of the fixed gold split a gold sentence is in (one of :data:`SPLIT_PARTS`).

    Why a hash and not a random draw: the part of a sentence must not depend on the order of
    the files, on other sentences or on a seed, so a sentence appended to the gold later
    never moves an existing one between parts. The text is whitespace-collapsed first so a
    re-wrapped line keeps its part.
    """
    doc = str(row["doc"])
    if doc in HELD_OUT_DOCS:
        return HELD_OUT_DOC
    text = " ".join(str(row["text"]).split())
    digest = hashlib.sha256(f"{doc}\n{text}".encode()).hexdigest()
    return HELD_OUT_HALF if int(digest, 16) % 2 == 1 else TUNING


# --- small helpers ------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Text for alignment: NFKC, lower case, no quotes, one dash, no bullets, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u00ad", "")
    text = _DASHES.sub("-", text)
    text = _QUOTES.sub("", text)
    text = _BULLETS.sub("", text)
    return " ".join(text.lower().split())


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out  # NaN


def _ym(value: Any) -> str | None:
    return str(value)[:7] if value not in (None, "") else None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= max(abs(b) * REL_TOL, 1e-9)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


@dataclass
class PRF:
    """True positives, false positives and false negatives, with the derived scores."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


# --- mention matching ---------------------------------------------------------------------

def _gold_keys(row: dict, kind: str) -> list[tuple]:
    if kind == "money":
        return [(_num(m.get("value_gbp", m.get("value"))),) for m in row.get("money") or []]
    if kind == "figures":
        return [(_num(m.get("value")), m.get("unit") == "percent")
                for m in row.get("figures") or []]
    return [(_ym(m.get("start")), _ym(m.get("end")), _relative_year(m.get("text") or ""),
             _mention_text(m.get("text") or ""))
            for m in row.get("dates") or []]


def _pred_keys(df: pd.DataFrame, kind: str) -> list[tuple]:
    if df.empty:
        return []
    if kind == "money":
        return [(_num(v),) for v in df["value"]]
    if kind == "figures":
        return [(_num(v), u == "percent") for v, u in zip(df["value"], df["unit"], strict=True)]
    return [(_ym(s), _ym(e), _truthy(r), _mention_text(t))
            for s, e, r, t in zip(df["start"], df["end"], df["resolved"], df["text"], strict=True)]


_RELATIVE_YEAR = re.compile(r"\byear\b", re.IGNORECASE)


def _relative_year(text: str) -> bool:
    """A year named relative to the report ("this year", "the previous year", "the academic
    year"): no digit, the word "year". FORMAT.md scores these by overlap, not exact months."""
    return not any(c.isdigit() for c in text) and bool(_RELATIVE_YEAR.search(text))


def _mention_text(text: Any) -> str:
    return " ".join(str(text).lower().split()) if isinstance(text, str) else ""


def _months(start: str, end: str) -> range:
    """Inclusive YYYY-MM bounds as a range of month numbers (year * 12 + month)."""
    def n(ym: str) -> int:
        return int(ym[:4]) * 12 + int(ym[5:7])
    return range(n(start), n(end) + 1)


def _overlaps_half(pred: tuple, gold: tuple) -> bool:
    """The predicted period covers at least half of the annotated one (so the calendar and the
    financial reading of "this year" both count, as FORMAT.md says)."""
    if None in (pred[0], pred[1], gold[0], gold[1]):
        return False
    g, p = _months(gold[0], gold[1]), _months(pred[0], pred[1])
    shared = max(0, min(g.stop, p.stop) - max(g.start, p.start))
    return shared * 2 >= len(g)


def _same_words(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a in b or b in a)


def match_mentions(gold: list[tuple], pred: list[tuple], kind: str) -> PRF:
    """Greedy one-to-one matching of comparable keys (see the module docstring)."""
    left = list(pred)
    out = PRF()
    if kind == "dates":
        # a reference the annotators left unplaceable: whatever the prediction for the same
        # words (resolved or not, or none) is neither right nor wrong (FORMAT.md)
        for g in [g for g in gold if g[0] is None]:
            same = [i for i, p in enumerate(left) if _same_words(p[3], g[3])]
            loose = [i for i, p in enumerate(left) if p[0] is None or not p[2]]
            if same or loose:
                del left[(same or loose)[0]]
        gold = [g for g in gold if g[0] is not None]
    for g in gold:
        for i, p in enumerate(left):
            if kind == "dates":
                ok = p[2] and ((p[0], p[1]) == (g[0], g[1])
                               or (g[2] and _same_words(p[3], g[3]) and _overlaps_half(p, g)))
            else:
                ok = _close(p[0], g[0]) and p[1:] == g[1:]
            if ok:
                out.tp += 1
                del left[i]
                break
        else:
            out.fn += 1
    out.fp = len(left)
    return out


# --- alignment ----------------------------------------------------------------------------

@dataclass
class Alignment:
    """Which claim(s) a gold sentence landed on, how, and the window inside a longer claim."""

    claim_ids: list[str]
    method: str  # exact, fuzzy, contained, joined
    score: float
    window: str | None = None  # normalised part of the claim the gold sentence matched


def align(gold_text: str, claims: list[tuple[str, str]]) -> Alignment | None:
    """Align one gold sentence to ``claims`` (claim_id, normalised text) in document order."""
    g = normalise(gold_text)
    if not g:
        return None
    for cid, text in claims:
        if text == g:
            return Alignment([cid], "exact", 100.0)
    best: tuple[float, int] = (0.0, -1)
    for i, (_, text) in enumerate(claims):
        score = fuzz.ratio(g, text, score_cutoff=FUZZY_MIN)
        if score > best[0]:
            best = (score, i)
    if best[1] >= 0:
        return Alignment([claims[best[1]][0]], "fuzzy", best[0])
    contained: tuple[float, int, str] = (0.0, -1, "")
    for i, (_, text) in enumerate(claims):
        if len(text) < len(g) or len(text) > MAX_CONTAIN_RATIO * len(g):
            continue
        res = fuzz.partial_ratio_alignment(g, text, score_cutoff=FUZZY_MIN)
        if res is not None and res.score > contained[0]:
            contained = (res.score, i, text[res.dest_start:res.dest_end])
    if contained[1] >= 0:
        return Alignment([claims[contained[1]][0]], "contained", contained[0], contained[2])
    joined: tuple[float, list[str]] = (0.0, [])
    for n in range(2, MAX_JOIN + 1):
        for i in range(len(claims) - n + 1):
            part = claims[i:i + n]
            text = " ".join(t for _, t in part)
            if abs(len(text) - len(g)) > 0.2 * len(g):
                continue
            score = fuzz.ratio(g, text, score_cutoff=FUZZY_MIN)
            if score > joined[0]:
                joined = (score, [cid for cid, _ in part])
    if joined[1]:
        return Alignment(joined[1], "joined", joined[0])
    return None


# --- the report ---------------------------------------------------------------------------

@dataclass
class LinkScores:
    """Link accuracy over aligned gold sentences."""

    n_linked_gold: int = 0  # aligned gold sentences with a sub-outcome
    top1: int = 0
    top3: int = 0
    outcome: int = 0
    n_null_gold: int = 0  # aligned gold sentences with a null sub-outcome
    abstained: int = 0

    def add(self, other: LinkScores) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def rate(num: int, den: int) -> float | None:
        return num / den if den else None


@dataclass
class DocScores:
    """All numbers for one document (or, summed, for the whole gold set)."""

    doc: str
    n_gold: int = 0
    n_aligned: int = 0
    type_correct: int = 0
    mentions: dict[str, PRF] = field(default_factory=lambda: {k: PRF() for k in MENTION_KINDS})
    links: LinkScores | None = None
    found: bool = True  # the document exists in documents.csv

    def add(self, other: DocScores) -> None:
        """Sum another row's or document's counts into this one."""
        self.n_gold += other.n_gold
        self.n_aligned += other.n_aligned
        self.type_correct += other.type_correct
        for kind in MENTION_KINDS:
            self.mentions[kind].add(other.mentions[kind])
        if self.links is not None and other.links is not None:
            self.links.add(other.links)

    @property
    def alignment_rate(self) -> float:
        return self.n_aligned / self.n_gold if self.n_gold else 0.0

    @property
    def type_accuracy(self) -> float:
        return self.type_correct / self.n_aligned if self.n_aligned else 0.0

    @property
    def type_accuracy_strict(self) -> float:
        return self.type_correct / self.n_gold if self.n_gold else 0.0


@dataclass
class ReliabilityBin:
    """Rank-1 links whose score falls in [low, high), and how many were right."""

    low: float
    high: float
    n: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None


@dataclass
class EvaluationReport:
    """Per-document and overall scores, the claim-type confusion, link reliability."""

    documents: list[DocScores]
    overall: DocScores
    parts: list[DocScores] = field(default_factory=list)  # the gold split, in SPLIT_PARTS order
    confusion: Counter = field(default_factory=Counter)  # (gold type, predicted type) -> n
    reliability: list[ReliabilityBin] = field(default_factory=list)
    alignment_methods: Counter = field(default_factory=Counter)
    min_score: float | None = None
    has_links: bool = False


def _rows_by(df: pd.DataFrame | None, key: str) -> dict[str, pd.DataFrame]:
    if df is None or df.empty:
        return {}
    return {k: g for k, g in df.groupby(key, sort=False)}


def _in_window(df: pd.DataFrame, window: str | None) -> pd.DataFrame:
    """Mentions of a merged claim that fall inside the gold sentence's part of it."""
    if window is None or df.empty:
        return df
    texts = [normalise(t) for t in df["text"]]
    keep = [not t or t in window for t in texts]
    return df[keep]


def _ranked_links(links: pd.DataFrame | None, claim_ids: list[str],
                  min_score: float | None) -> list[tuple[str, float]]:
    """(sub_outcome_id, score) by rank over the claims, distinct sub-outcomes, thresholded."""
    if links is None or links.empty:
        return []
    rows = links[links["claim_id"].isin(claim_ids)].copy()
    rows["_rank"] = pd.to_numeric(rows["rank"], errors="coerce")
    rows["_score"] = pd.to_numeric(rows["score"], errors="coerce").fillna(0.0)
    if min_score is not None:
        rows = rows[rows["_score"] >= min_score]
    rows = rows.sort_values(["_rank", "_score"], ascending=[True, False])
    out: list[tuple[str, float]] = []
    for sub, score in zip(rows["sub_outcome_id"], rows["_score"], strict=True):
        if sub and sub not in [s for s, _ in out]:
            out.append((str(sub), float(score)))
    return out


def _outcome_of(sub_outcome_id: str) -> str:
    return str(sub_outcome_id).split(".")[0]


def evaluate(gold: list[dict], preds: dict[str, pd.DataFrame],
             min_score: float | None = None) -> EvaluationReport:
    """Align gold sentences to predicted claims and score mentions, types and links."""
    documents = preds["documents"]
    stem_to_id = {Path(f).stem: d for f, d in zip(documents["file"], documents["doc_id"],
                                                   strict=True)}
    claims_by_doc = _rows_by(preds["claims"], "doc_id")
    mentions_by_claim = {k: _rows_by(preds.get(k), "claim_id") for k in MENTION_KINDS}
    links = preds.get("links")
    has_links = links is not None
    report = EvaluationReport([], DocScores("all", links=LinkScores() if has_links else None),
                              min_score=min_score, has_links=has_links)
    bins = [ReliabilityBin(i / N_BINS, (i + 1) / N_BINS) for i in range(N_BINS)]
    per_doc: dict[str, DocScores] = {}
    per_part = {p: DocScores(p, links=LinkScores() if has_links else None) for p in SPLIT_PARTS}
    claim_cache: dict[str, tuple[list[tuple[str, str]], dict[str, str]]] = {}

    for row in gold:
        stem = row["doc"]
        doc_scores = per_doc.setdefault(stem, DocScores(stem, links=LinkScores() if has_links
                                                         else None))
        # one row's counts, summed below into its document and its part of the split
        scores = DocScores(stem, n_gold=1, links=LinkScores() if has_links else None)
        doc_id = stem_to_id.get(stem)
        if doc_id is None:
            doc_scores.found = False
        if doc_id not in claim_cache:
            df = claims_by_doc.get(doc_id, pd.DataFrame(columns=["claim_id", "text", "claim_type"]))
            claim_cache[doc_id] = ([(c, normalise(t)) for c, t in zip(df["claim_id"], df["text"],
                                                                      strict=True)],
                                   dict(zip(df["claim_id"], df["claim_type"], strict=True)))
        claim_list, claim_types = claim_cache[doc_id]
        found = align(row["text"], claim_list) if claim_list else None
        pred_type = None
        if found is not None:
            scores.n_aligned += 1
            report.alignment_methods[found.method] += 1
            pred_type = claim_types.get(found.claim_ids[0])
            scores.type_correct += pred_type == row["claim_type"]
        report.confusion[(row["claim_type"], pred_type or "(unaligned)")] += 1
        for kind in MENTION_KINDS:
            pred_keys: list[tuple] = []
            if found is not None:
                for cid in found.claim_ids:
                    df = mentions_by_claim[kind].get(cid)
                    if df is not None:
                        pred_keys += _pred_keys(_in_window(df, found.window), kind)
            scores.mentions[kind].add(match_mentions(_gold_keys(row, kind), pred_keys, kind))
        if has_links and found is not None and scores.links is not None:
            ranked = _ranked_links(links, found.claim_ids, min_score)
            gold_sub = row.get("sub_outcome_id")
            if gold_sub:
                scores.links.n_linked_gold += 1
                subs = [s for s, _ in ranked]
                scores.links.top1 += bool(subs) and subs[0] == gold_sub
                scores.links.top3 += gold_sub in subs[:3]
                scores.links.outcome += bool(subs) and _outcome_of(subs[0]) == _outcome_of(gold_sub)
            else:
                scores.links.n_null_gold += 1
                scores.links.abstained += not ranked
            if ranked:
                b = bins[min(int(ranked[0][1] * N_BINS), N_BINS - 1)]
                b.n += 1
                b.correct += bool(gold_sub) and ranked[0][0] == gold_sub
        doc_scores.add(scores)
        per_part[split_of(row)].add(scores)

    for scores in per_doc.values():
        report.documents.append(scores)
        report.overall.add(scores)
    report.parts = [per_part[p] for p in SPLIT_PARTS if per_part[p].n_gold]
    report.reliability = bins
    return report


# --- formatting ---------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in
                       enumerate(zip(header, widths, strict=True)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                               enumerate(zip(r, widths, strict=True))))
    return "\n".join(lines)


def format_report(report: EvaluationReport) -> str:
    """A plain-text report: per-document table, overall line, confusion, link reliability."""
    header = ["document", "gold", "aligned", "type_acc", "type_strict"]
    for kind in MENTION_KINDS:
        header += [f"{kind}_P", f"{kind}_R", f"{kind}_F1"]
    if report.has_links:
        header += ["top1", "top3", "outcome", "abstain"]
    rows = []
    # per document, then the parts of the fixed gold split (tuning vs held out), then all
    for s in [*report.documents, *report.parts, report.overall]:
        name = s.doc if s.found else f"{s.doc} (NOT IN PREDICTIONS)"
        r = [name, str(s.n_gold), _pct(s.alignment_rate), _pct(s.type_accuracy),
             _pct(s.type_accuracy_strict)]
        for kind in MENTION_KINDS:
            m = s.mentions[kind]
            r += [_pct(m.precision), _pct(m.recall), _pct(m.f1)]
        if report.has_links and s.links is not None:
            lk = s.links
            r += [_pct(lk.rate(lk.top1, lk.n_linked_gold)), _pct(lk.rate(lk.top3, lk.n_linked_gold)),
                  _pct(lk.rate(lk.outcome, lk.n_linked_gold)),
                  _pct(lk.rate(lk.abstained, lk.n_null_gold))]
        rows.append(r)
    parts = ["Evaluation against gold sentences", "", _table(header, rows), ""]
    o = report.overall
    counts = ", ".join(f"{k}: tp={o.mentions[k].tp} fp={o.mentions[k].fp} fn={o.mentions[k].fn}"
                       for k in MENTION_KINDS)
    methods = ", ".join(f"{k}={v}" for k, v in sorted(report.alignment_methods.items()))
    parts += [f"aligned {o.n_aligned}/{o.n_gold} gold sentences ({methods or 'none'})",
              f"mention counts: {counts}", ""]
    pred_types = [*CLAIM_TYPES, "(unaligned)"]
    conf_rows = [[g, *[str(report.confusion.get((g, p), 0)) for p in pred_types]]
                 for g in CLAIM_TYPES]
    parts += ["claim_type confusion (rows gold, columns predicted)",
              _table(["gold\\pred", *[p[:11] for p in pred_types]], conf_rows), ""]
    if report.has_links and o.links is not None:
        thr = "none" if report.min_score is None else f"{report.min_score:g}"
        parts += [f"links: {o.links.n_linked_gold} aligned gold sentences with a sub-outcome, "
                  f"{o.links.n_null_gold} without; min_score={thr}",
                  "reliability of rank-1 links (score bin -> fraction correct)",
                  _table(["score", "n", "correct"],
                         [[f"{b.low:.1f}-{b.high:.1f}", str(b.n), _pct(b.accuracy)]
                          for b in report.reliability]), ""]
    return "\n".join(parts)
