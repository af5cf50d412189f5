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
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfTransformer

from pipeline.evidence.coverage import conform_input, natural_key, period_key, reporting_periods
from pipeline.evidence.rules import AllRules, default_rules
from pipeline.link.vectorise import count_matrix, vocabulary_ids
from pipeline.plan.diff import plan_diff_from_tables
from pipeline.tables.schema import TABLES

EVIDENCE_COLUMNS = TABLES["evidence"].column_names


_FOLD = re.compile(r"[^\w%£]+")


def normalise(text: str) -> str:
    """Lower case, punctuation folded to spaces, whitespace collapsed: the compared form."""
    return " ".join(_FOLD.sub(" ", str(text).lower()).split())


def normalise_all(texts: pd.Series, known: dict[str, str] | None = None) -> list[str]:
    """:func:`normalise` of every text, taking a text's form from ``known`` (text -> form)
    where it is there: restatements and repeats compare the same claims, normalised once."""
    known = known or {}
    return [known[t] if t in known else normalise(t) for t in texts.astype(str).tolist()]


_LETTERS3 = re.compile(r"[a-z]{3,}")


def content_words(text: str, extra_stop: frozenset[str] = frozenset()) -> list[str]:
    """Stemmed words of 3+ letters that are not English stop words (nor ``extra_stop``).

    The stem trims a plural "s" from a word of 4+ letters not ending in "ss"; it is written
    out in the comprehension because a call per word cost more than the rest of the work
    (the evidence stage reads every claim's words)."""
    return [w[:-1] if len(w) > 3 and w[-1] == "s" and w[-2] != "s" else w
            for w in _LETTERS3.findall(str(text).lower())
            if w not in ENGLISH_STOP_WORDS and w not in extra_stop]


# --- repeats and restatements ----------------------------------------------------------------

#: Character classes of the histogram bound in :func:`ratio_cdist`: a-z, 0-9, space, and one
#: class for every other character (any partition of the alphabet gives a sound bound).
_CLASS_OF = np.full(128, 37, dtype=np.intp)
_CLASS_OF[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789 ", dtype=np.uint8)] = np.arange(37)
_N_CLASSES = 38


def _class_histograms(texts: list[str]) -> np.ndarray:
    """Per text, how many of its characters fall in each class of ``_CLASS_OF``."""
    # all texts in one encode and one bincount over (text, class) cells: utf-32 gives one
    # code per character, so text i owns the next len(texts[i]) codes
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    classes = _CLASS_OF[np.minimum(codes, 127)]  # 127 (DEL) is in the "other" class too
    owner = np.repeat(np.arange(len(texts), dtype=np.intp), [len(t) for t in texts])
    out = np.bincount(owner * _N_CLASSES + classes, minlength=len(texts) * _N_CLASSES
                      ).astype(np.int32).reshape(len(texts), _N_CLASSES)
    # half the memory traffic in the pairwise minimum when every count fits
    return out.astype(np.int16) if out.size and out.max() < 2 ** 15 else out


#: How many classes the first, coarse pass of :func:`ratio_cdist` keeps apart: the commonest
#: of the texts at hand, the others merged into one (measured on the text corpus: 10 of 38
#: classes leave about a quarter of the pairs for the full bound, at a quarter of its cost).
_COARSE_CLASSES = 10


def _coarse_histograms(hist: np.ndarray, lengths: np.ndarray, classes: np.ndarray,
                       dtype: type) -> np.ndarray:
    """(len(classes) + 1, n_texts): the counts of ``classes``, then of every other character
    (a coarser partition of the alphabet, whose bound is looser but sound)."""
    part = hist[:, classes].astype(np.int64)
    return np.vstack([part.T, lengths - part.sum(axis=1)]).astype(dtype)


def ratio_cdist(queries: list[str], choices: list[str], cutoff: float,
                block: int = 128) -> np.ndarray:
    """``rapidfuzz.process.cdist(queries, choices, scorer=fuzz.ratio, score_cutoff=cutoff)``,
    the same matrix (float32, 0 below the cutoff), without scoring pairs that cannot reach it
    (:func:`ratio_pairs`)."""
    out = np.zeros((len(queries), len(choices)), dtype=np.float32)
    rows, cols, scores = ratio_pairs(queries, choices, cutoff, block)
    out[rows, cols] = scores
    return out


def ratio_pairs(queries: list[str], choices: list[str], cutoff: float, block: int = 128
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nonzero entries of :func:`ratio_cdist` (rows, columns and float32 scores, in
    ``np.nonzero`` order), without the dense matrix: a caller that reads only the pairs
    reaching the cutoff need not allocate and search (queries x choices) numbers.

    ``fuzz.ratio`` is 100 * (1 - indel / (a + b)) for lengths a and b, and the indel distance
    is a + b - 2 * LCS. Two bounds on the LCS rule pairs out before any alignment:
    - length: LCS <= min(a, b), so ratio <= 200 min / (a + b): queries are taken in blocks of
      similar length and set against the choices whose length can reach the cutoff;
    - characters: LCS <= sum over character classes of the smaller count of that class in
      the two strings (a common subsequence uses each character once), so ratio <= 200 *
      that sum / (a + b). For sentences of ordinary prose this rules out all but a handful
      of pairs, which alone are scored, each with ``fuzz.ratio`` itself.
    The character bound is taken twice: over a few coarse classes (:data:`_COARSE_CLASSES`)
    for every pair of a block, one class at a time over the block's (queries, choices) grid,
    then over all the classes for the pairs that pass. Merging classes can only raise the
    sum, so a pair ruled out by the coarse pass is ruled out by the full bound too.
    """
    found_rows: list[int] = []
    found_cols: list[int] = []
    found: list[float] = []
    if not queries or not choices:
        return _pairs(found_rows, found_cols, found)
    q = cutoff / (200 - cutoff) if cutoff < 200 else 1.0  # shortest/longest that can reach it
    qlen = np.array([len(t) for t in queries])
    clen = np.array([len(t) for t in choices])
    qhist, chist = _class_histograms(queries), _class_histograms(choices)
    common = np.argsort(-(qhist.sum(axis=0, dtype=np.int64) + chist.sum(axis=0, dtype=np.int64)),
                        kind="stable")[:_COARSE_CLASSES]
    # a sum of smaller counts is at most the shorter length: int16 holds it when that fits
    small = np.int16 if max(qlen.max(), clen.max()) < 2 ** 15 else np.int64
    qcoarse = _coarse_histograms(qhist, qlen, common, small)
    ccoarse = _coarse_histograms(chist, clen, common, small)
    # the bound, kept a hair generous so float rounding can never drop a reachable pair
    need = cutoff - 1e-6
    order = np.argsort(qlen, kind="stable")
    for start in range(0, len(order), block):
        rows = order[start:start + block]
        lo, hi = qlen[rows].min(), qlen[rows].max()
        cols = np.nonzero((clen >= lo * q - 1) & (clen * q <= hi + 1))[0]
        if len(cols) == 0:
            continue
        qc, cc = qcoarse[:, rows], ccoarse[:, cols]
        shared = np.minimum(qc[0][:, None], cc[0][None, :])
        for k in range(1, len(qc)):
            shared += np.minimum(qc[k][:, None], cc[k][None, :])
        total = qlen[rows][:, None] + clen[cols][None, :]
        ri, ci = np.nonzero((200.0 * shared >= need * total) | (total == 0))
        ri, ci = rows[ri], cols[ci]
        shared_all = np.minimum(qhist[ri], chist[ci]).sum(axis=1, dtype=np.int64)
        pair_total = qlen[ri] + clen[ci]
        reach = (200.0 * shared_all >= need * pair_total) | (pair_total == 0)  # two empty: 100
        for i, j in zip(ri[reach].tolist(), ci[reach].tolist(), strict=True):
            score = fuzz.ratio(queries[i], choices[j], score_cutoff=cutoff)
            if score:
                found_rows.append(i)
                found_cols.append(j)
                found.append(score)
    return _pairs(found_rows, found_cols, found)


def _pairs(rows: list[int], cols: list[int], scores: list[float]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scored pairs as arrays in row-major order, the scores as float32 (as in the matrix)."""
    r = np.asarray(rows, dtype=np.intp)
    c = np.asarray(cols, dtype=np.intp)
    order = np.lexsort((c, r))
    return r[order], c[order], np.asarray(scores, dtype=np.float32)[order]


def _sorted_words(text: str) -> str:
    """The words of ``text`` in sorted order, one space apart: what ``fuzz.token_sort_ratio``
    compares with ``fuzz.ratio``."""
    return " ".join(sorted(text.split()))


def find_repeats(claims: pd.DataFrame, documents: pd.DataFrame,
                 rules: AllRules | None = None,
                 normalised: dict[str, str] | None = None) -> pd.Series:
    """claim_id → claim_id of the same claim in an EARLIER period's report ('' if none).

    Blocked by document pairs (each report against every report of an earlier period) and
    scored with :func:`ratio_cdist`; the best match wins, ties to the earliest period.
    ``normalised`` (text -> :func:`normalise` of it) spares normalising texts again.
    """
    rules = rules or default_rules()
    r = rules.repeats
    claims = conform_input(claims, "claims")
    periods = reporting_periods(documents)
    out = pd.Series("", index=claims["claim_id"].astype(str), dtype=object)
    norm = claims.assign(norm=normalise_all(claims["text"], normalised))
    norm = norm[norm["norm"].str.len() >= r.min_chars]
    by_doc = {d: g for d, g in norm.groupby(norm["doc_id"].astype(str)) if d in periods}
    docs = sorted(by_doc, key=lambda d: period_key(periods[d]))
    # each document's claim ids as a plain list (a pandas lookup per scored pair cost more)
    ids_of = {d: g["claim_id"].astype(str).tolist() for d, g in by_doc.items()}
    best: dict[str, tuple[float, int, str]] = {}
    for j, later in enumerate(docs):
        for i, earlier in enumerate(docs[:j]):
            if period_key(periods[earlier]) >= period_key(periods[later]):
                continue
            a, b = by_doc[later], by_doc[earlier]
            rows, cols, scores = ratio_pairs(a["norm"].tolist(), b["norm"].tolist(), r.min_ratio)
            a_ids, b_ids = ids_of[later], ids_of[earlier]
            for ri, ci, score in zip(rows.tolist(), cols.tolist(), scores.tolist(), strict=True):
                cid = a_ids[ri]
                cand = (score, -i, b_ids[ci])
                if cid not in best or cand[:2] > best[cid][:2]:
                    best[cid] = cand
    for cid, (_, _, target) in best.items():
        out[cid] = target
    return out


def _inner_word(needle: str) -> str | None:
    """The longest word of ``needle`` that has a space either side of it in the needle and no
    white space in it (None when there is none): a text that holds the needle holds this word
    as one of its own white-space separated words."""
    inner = [w for w in needle.split(" ")[1:-1] if w and not any(c.isspace() for c in w)]
    return max(inner, key=len) if inner else None


def containing(texts: list[str], needles: list[str]) -> list[list[int]]:
    """Per needle, the indices of the ``texts`` that contain it (``needle in text``).

    A needle with an inner word (:func:`_inner_word`) is tested only on the texts that have
    that word among their words, found for all such needles in one pass over the texts (a
    set intersection in C per text). The other needles are found by ``str.find`` over the
    texts joined with NUL, which neither side holds (checked), so a hit never spans two
    texts: one scan in C per needle instead of a Python test per text and needle. An empty
    needle is in every text.
    """
    inner = {n: w for n in dict.fromkeys(needles) if (w := _inner_word(n)) is not None}
    with_word: dict[str, list[int]] = {}
    if inner:
        wanted = set(inner.values())
        for i, text in enumerate(texts):
            for w in wanted.intersection(text.split()):
                with_word.setdefault(w, []).append(i)
    rest = [n for n in dict.fromkeys(needles) if n not in inner]
    scanned = dict(zip(rest, _scan(texts, rest), strict=True))
    return [[i for i in with_word.get(inner[n], ()) if n in texts[i]] if n in inner
            else list(scanned[n]) for n in needles]


def _scan(texts: list[str], needles: list[str]) -> list[list[int]]:
    """:func:`containing` by ``str.find`` over the texts joined with NUL (see there)."""
    if not needles:
        return []
    if any("\0" in t for t in texts) or any("\0" in n for n in needles):
        return [[i for i, t in enumerate(texts) if n in t] for n in needles]
    joined = "\0".join(texts)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts])
    out: list[list[int]] = []
    for needle in needles:
        if not needle:
            out.append(list(range(len(texts))))
            continue
        found: list[int] = []
        pos = joined.find(needle)
        while pos >= 0:
            i = int(np.searchsorted(starts, pos, side="right")) - 1
            found.append(i)
            pos = joined.find(needle, int(starts[i + 1]))  # on from the next text
        out.append(found)
    return out


def _section_marks(sections: pd.DataFrame | None) -> dict[str, set[str]]:
    """section_id → the numbers and normalised titles of the section and its ancestors."""
    if sections is None or sections.empty:
        return {}
    rows = {str(r.section_id): (str(r.parent_id or ""), str(r.number or ""),
                                normalise(str(r.title or "")))
            for r in sections.fillna("").itertuples(index=False)}
    marks: dict[str, set[str]] = {}
    for sid in rows:
        seen: set[str] = set()
        cur, depth = sid, 0
        while cur in rows and depth < 50:  # a parent cycle in bad input must not hang
            parent, number, title = rows[cur]
            seen.update(x for x in (number, title) if x)
            cur, depth = parent, depth + 1
        marks[sid] = seen
    return marks


def _names_element(marks: set[str], sub_id: str, sub_title: str) -> bool:
    """Whether a claim's headings name the element's sub-outcome, by number or by title."""
    if sub_id and sub_id in marks:
        return True
    return bool(sub_title) and any(sub_title in m for m in marks)


def find_restatements(claims: pd.DataFrame, aims: pd.DataFrame,
                      rules: AllRules | None = None,
                      sections: pd.DataFrame | None = None,
                      normalised: dict[str, str] | None = None) -> pd.Series:
    """claim_id → aim_id of the plan element whose own words the claim repeats ('' if none).

    ``normalised`` (text -> :func:`normalise` of it) spares normalising texts again.

    A plan may print the same action under two sub-outcomes; the words alone then tie, and
    the copy under the sub-outcome the claim's own headings name (by number or title, from
    ``sections``) is the one restated."""
    rules = rules or default_rules()
    r = rules.restates
    claims = conform_input(claims, "claims")
    aims = conform_input(aims, "aims")
    out = pd.Series("", index=claims["claim_id"].astype(str), dtype=object)
    if claims.empty or aims.empty:
        return out
    texts = normalise_all(claims["text"], normalised)
    elems = aims["text"].astype(str).map(normalise).tolist()
    ok_c = np.array([len(t.split()) >= r.min_words for t in texts])
    ok_e = np.array([len(t.split()) >= r.min_words for t in elems])
    # the cutoffs let rapidfuzz skip pairs of unlike length; the pairs that hit are rescored
    # exactly below, so the ranking among an element's hits is the full scores'
    ratio = ratio_cdist(texts, elems, r.min_ratio)
    # token_sort_ratio is ratio of the texts with their words sorted: sorting each text once,
    # not once per pair inside cdist, gives the same scores three times faster
    tsort = ratio_cdist([_sorted_words(t) for t in texts], [_sorted_words(e) for e in elems],
                        r.min_token_sort_ratio)
    # a table row "<outcome title> <aim>" (or "<title> <aim> <aim>") holds elements whole:
    # contained, if the elements it holds are most of the row (substring test: a fuzzy
    # partial match is 20x slower)
    share = np.array([len(e) for e in elems])[None, :] / np.maximum(
        np.array([len(t) for t in texts]), 1)[:, None]
    contained = np.zeros(share.shape, dtype=bool)
    usable = [ei for ei, e in enumerate(elems) if e and ok_e[ei]]
    for ei, rows in zip(usable, containing(texts, [elems[ei] for ei in usable]), strict=True):
        contained[rows, ei] = True
    held = np.where(contained, share, 0.0).sum(axis=1)
    whole = contained & (held >= r.min_partial_share)[:, None]
    hit = ((ratio >= r.min_ratio) | (tsort >= r.min_token_sort_ratio) | whole) \
        & ok_c[:, None] & ok_e[None, :]
    for ci, ei in zip(*np.nonzero(hit), strict=True):
        ratio[ci, ei] = fuzz.ratio(texts[ci], elems[ei])
        tsort[ci, ei] = fuzz.token_sort_ratio(texts[ci], elems[ei])
    aim_ids = aims["aim_id"].astype(str).tolist()
    marks = _section_marks(sections)
    section_ids = claims["section_id"].astype(str).tolist() if "section_id" in claims else []
    subs = list(zip(aims["sub_outcome_id"].fillna("").astype(str),
                    aims["sub_outcome"].fillna("").astype(str).map(normalise), strict=True))
    restated = out.tolist()  # filled as a list, not a pandas assignment per claim
    for ci in np.nonzero(hit.any(axis=1))[0].tolist():
        score = np.where(hit[ci], ratio[ci] + tsort[ci], -1)
        best = int(np.argmax(score))
        tied = np.nonzero(score == score[best])[0]
        if len(tied) > 1 and marks and section_ids:
            heads = marks.get(section_ids[ci], set())
            named = [int(ei) for ei in tied if _names_element(heads, *subs[int(ei)])]
            if len(named) == 1:
                best = named[0]
        restated[ci] = aim_ids[best]
    return pd.Series(restated, index=out.index, dtype=object)


# --- the plan version in force ----------------------------------------------------------------

def elements_in_force(plans: pd.DataFrame, aims: pd.DataFrame,
                      documents: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """period_label → the plan elements in force in that period (one row per element).

    The base plan is the version with the most elements. A refreshed version (a report
    restating the aims) is in force from its report's period on: an element it rewords or
    retargets replaces the base element, an unchanged one keeps the base id, a new one is added
    and a base aim it does not restate stays in force. Other kinds (actions, measures) stay the base's.
    """
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
    TF-IDF rows and content-word strings are computed once per distinct text (a corpus run
    scores thousands of claims against the same few hundred elements).
    """

    def __init__(self, corpus: list[str], fuzzy_weight: float) -> None:
        """Learn what ``TfidfVectorizer(analyzer=content words, sublinear_tf=True).fit(corpus)``
        learns, counting the corpus once: with the vectorizer's defaults no word is pruned, so
        its vocabulary is every content word of the corpus in sorted order, and its IDF is a
        ``TfidfTransformer`` fitted on the corpus's counts. The corpus's rows are kept (a
        scorer is asked for them next), weighed from the same counts."""
        self.fuzzy_weight = fuzzy_weight
        self._analysed: dict[str, list[str]] = {}
        self._row: dict[str, int] = {}
        self._blocks: list = []
        self._matrix = None
        self._words: dict[str, str] = {}
        docs = corpus or ["empty"]
        words = [self._content_words(t) for t in docs]
        self.vocabulary = {w: i for i, w in enumerate(sorted({w for got in words for w in got}))}
        if not self.vocabulary:  # what the vectorizer's fit raises
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        counts = self._counts(words)
        self._tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        first: dict[str, int] = {}  # each distinct text's first row
        for i, text in enumerate(docs):
            first.setdefault(text, i)
        self._add(list(first), counts[list(first.values())])

    def _counts(self, words: list[list[str]]) -> sparse.csr_matrix:
        """The canonical count matrix of texts with these words (:func:`count_matrix`)."""
        rows = np.repeat(np.arange(len(words), dtype=np.int64), [len(w) for w in words])
        return count_matrix(rows, vocabulary_ids([w for got in words for w in got], self.vocabulary),
                            len(words), len(self.vocabulary))

    def _content_words(self, text: str) -> list[str]:
        """:func:`content_words` of a text, worked out once: the IDF fit, the transform and
        the fuzzy blend all read the same texts."""
        got = self._analysed.get(text)
        if got is None:
            got = self._analysed[text] = content_words(text)
        return got

    def prepare(self, texts: list[str]) -> None:
        """Transform every text not seen yet in one batch (the fast path for many texts).

        The rows ``TfidfVectorizer.transform`` gives: the texts' content words (cached)
        counted in one sparse sum into the same canonical count matrix
        (:func:`pipeline.link.vectorise.count_matrix`), weighed by the fitted IDF."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._row]
        if todo:
            self._add(todo, self._counts([self._content_words(t) for t in todo]))

    def _add(self, texts: list[str], counts: sparse.csr_matrix) -> None:
        """Keep the TF-IDF rows of ``texts`` (new, distinct) from their counts."""
        start = len(self._row)
        self._blocks.append(self._tfidf.transform(counts, copy=False).tocsr())
        self._row.update({t: start + i for i, t in enumerate(texts)})
        self._matrix = sparse.vstack(self._blocks).tocsr() if len(self._blocks) > 1 \
            else self._blocks[0]
        self._blocks = [self._matrix]

    def _vectors(self, texts: list[str]):
        """TF-IDF rows for ``texts``, each text transformed once per scorer."""
        self.prepare(texts)
        return self._matrix[[self._row[t] for t in texts]]

    def _content(self, text: str) -> str:
        got = self._words.get(text)
        if got is None:
            got = self._words[text] = " ".join(self._content_words(text))
        return got

    def scores(self, claim: str, elements: list[str]) -> np.ndarray:
        if not elements:
            return np.zeros(0)
        m = self._vectors([claim, *elements])
        cos = (m[1:] @ m[0].T).toarray().ravel()
        return self._blend(cos, claim, elements)

    def content(self, text: str) -> str:
        """A text's content words joined by spaces: what the fuzzy half of the blend compares."""
        return self._content(text)

    def _blend(self, cos: np.ndarray, claim: str, elements: list[str]) -> np.ndarray:
        words = self._content(claim)
        return self.blend(cos, self.fuzzy_pairs([words] * len(elements),
                                                [self._content(e) for e in elements]))

    @staticmethod
    def fuzzy_pairs(claims: list[str], elements: list[str]) -> np.ndarray:
        """``fuzz.token_set_ratio(claims[i], elements[i]) / 100`` for every i, in one
        rapidfuzz call over all pairs (float64, the scorer's own value) rather than a Python
        call per pair: the evidence stage scores tens of thousands of pairs."""
        if not claims:
            return np.zeros(0)
        return cpdist(claims, elements, scorer=fuzz.token_set_ratio, dtype=np.float64) / 100

    def blend(self, cos: np.ndarray, fuzzy: np.ndarray) -> np.ndarray:
        """The similarity from a claim's cosines and fuzzy scores (0-1) to the same elements."""
        return (1 - self.fuzzy_weight) * cos + self.fuzzy_weight * fuzzy

    def cosines(self, claims: list[str], elements: list[str]) -> np.ndarray:
        """Dense claims x elements TF-IDF cosines in one sparse product (the batch path)."""
        self.prepare([*claims, *elements])
        a = self._matrix[[self._row[t] for t in claims]]
        b = self._matrix[[self._row[t] for t in elements]]
        return np.asarray((a @ b.T).todense())


def aim_scorer(claims: pd.DataFrame, in_force: dict[str, pd.DataFrame],
               documents: pd.DataFrame, rules: AllRules | None = None) -> ElementScorer:
    """The scorer build_evidence uses: IDF fitted on the elements in force and the reports'
    claims (so the hand-labelled aim gold is scored by the very scorer the pipeline runs)."""
    e = (rules or default_rules()).evidence
    claims = conform_input(claims, "claims")
    periods = reporting_periods(documents)
    all_elems = pd.concat(list(in_force.values()), ignore_index=True) if in_force else pd.DataFrame()
    corpus = (all_elems["text"].astype(str).drop_duplicates().tolist() if len(all_elems) else []) + \
        claims.loc[claims["doc_id"].astype(str).isin(periods), "text"].astype(str).tolist()
    scorer = ElementScorer(corpus, e.fuzzy_weight)
    scorer.prepare(corpus)
    return scorer


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
    link_of = {str(cid): (str(sub), float(score)) for cid, sub, score in zip(
        top["claim_id"].tolist(), top["sub_outcome_id"].tolist(), top["score"].tolist(), strict=True)}
    n_q = pd.concat([conform_input(money, "money")["claim_id"],
                     conform_input(figures, "figures")["claim_id"]]).astype(str).value_counts().to_dict()
    mv = conform_input(measure_values, "measure_values")
    mv_by_claim = {c: g for c, g in mv.groupby(mv["claim_id"].astype(str))}
    scorer = aim_scorer(claims, in_force, documents, rules)
    # (period, sub-outcome, kind) -> (element ids, element texts) in plan order, built once
    # from plain lists (as a groupby would: groups in order of first row, no missing kind)
    groups: dict[tuple[str, str, str], tuple[list[str], list[str]]] = {}
    for period, elems in in_force.items():
        if elems is None or elems.empty:
            continue
        for sub, kind, aim_id, text in zip(
                elems["sub_outcome_id"].astype(str).tolist(), elems["kind"].tolist(),
                elems["aim_id"].astype(str).tolist(), elems["text"].astype(str).tolist(),
                strict=True):
            if not pd.isna(kind):
                ids, texts = groups.setdefault((period, sub, kind), ([], []))
                ids.append(aim_id)
                texts.append(text)
    group_words = {key: [scorer.content(t) for t in texts] for key, (_, texts) in groups.items()}
    elem_texts = list(dict.fromkeys(t for _, texts in groups.values() for t in texts))
    elem_col = {t: i for i, t in enumerate(elem_texts)}
    group_cols = {key: np.array([elem_col[t] for t in texts], dtype=int)
                  for key, (_, texts) in groups.items()}
    claim_texts = list(dict.fromkeys(claims["text"].astype(str).tolist()))
    claim_row = {t: i for i, t in enumerate(claim_texts)}
    cos = scorer.cosines(claim_texts, elem_texts) if elem_texts and claim_texts else None
    has_restates = "restates_aim_id" in claims.columns
    has_repeat = "repeat_of" in claims.columns
    # first the work: per evidence claim its measure values and the element groups it is
    # scored against; then every (claim, element) fuzzy score in one rapidfuzz call
    work: list[tuple[str, str, str, pd.DataFrame | None, float, str, list[tuple[int, str, tuple]]]] = []
    pair_claims: list[str] = []
    pair_elems: list[str] = []
    # the columns read, as object arrays: iterating pandas' string arrays cost a call per cell
    n = len(claims)
    col = {name: claims[name].to_numpy(dtype=object) if name in claims.columns else [None] * n
           for name in ("claim_id", "doc_id", "restates_aim_id", "repeat_of", "claim_type", "text")}
    for cid_v, doc_v, restates_v, repeat_v, type_v, text_v in zip(
            col["claim_id"], col["doc_id"], col["restates_aim_id"], col["repeat_of"],
            col["claim_type"], col["text"], strict=True):
        cid, doc = str(cid_v), str(doc_v)
        period = periods.get(doc)
        if period is None or (has_restates and _filled(restates_v)) or \
                (has_repeat and _filled(repeat_v)):
            continue
        text = str(text_v)
        role = claim_role(str(type_v), text, int(n_q.get(cid, 0)), rules)
        values = mv_by_claim.get(cid)
        scored: list[tuple[int, str, tuple]] = []
        sub, link_score = link_of.get(cid, ("", 0.0))
        if role and cid in link_of:
            for k, kind in enumerate(("aim", "action", "measure")):
                if kind == "measure" and values is not None:
                    continue
                key = (period, sub, kind)
                if key not in groups:
                    continue
                scored.append((k, kind, key))
                pair_claims.extend([scorer.content(text)] * len(group_words[key]))
                pair_elems.extend(group_words[key])
        work.append((cid, period, role, values, link_score, text, scored))
    fuzzy = scorer.fuzzy_pairs(pair_claims, pair_elems)
    at = 0
    rows: list[dict] = []
    for cid, period, role, values, link_score, text, scored in work:
        if values is not None:
            for v in values.itertuples(index=False):
                rows.append({"claim_id": cid, "aim_id": str(v.aim_id), "period_label": period,
                             "score": float(v.score), "role": "result", "_k": 2})
        for k, kind, key in scored:
            ids, texts = groups[key]
            sims = scorer.blend(cos[claim_row[text], group_cols[key]], fuzzy[at:at + len(texts)])
            at += len(texts)
            best = int(np.argmax(sims))  # ties: the first in plan order
            if kind == "aim":
                weight = np.exp(sims / 0.1)  # the best aim's softmax share, e_best / sum e
                score = link_score * float(weight[best] / weight.sum())
            else:
                if sims[best] < (e.min_action_score if kind == "action" else e.min_measure_score):
                    continue
                score = link_score * float(sims[best])
            rows.append({"claim_id": cid, "aim_id": ids[best],
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
