"""The claim → aim matcher: which sub-outcome (and which aim in it) a sentence is evidence for.

Six signals, each a score per sub-outcome in 0..1 (plus ``none``, the abstention label):

``clf``      a logistic regression over TF-IDF word and character n-grams, trained on labels
             derived by code from document structure (:mod:`pipeline.link.training`);
``tfidf``    cosine similarity to each sub-outcome's profile (title, aims, actions, measures);
``phrase``   rapidfuzz containment of the plan's named programmes and measures;
``heading``  a heading on the claim's path that names a sub-outcome (by title, any numbering);
``hclf``     the classifier applied to the claim's innermost headings (service-organised
             reports: "Supporting Carers");
``lex``      topic agreement: the claim's service topics (``models/lexicons/topics.yaml``, a
             taxonomy keyed by topic, not by a plan's ids) against each sub-outcome's topic
             profile, mapped from the plan's own words and structure-labelled sentences;
``hlex``     the same for the claim's innermost two headings.

Every signal compares the claim with each sub-outcome of the plan it is given and the
combiner's softmax runs over that plan's sub-outcomes, so the weights describe kinds of
evidence relative to the plan and carry over to a plan they were not fitted on.

Every sentence under one heading shares a topic (the 2025 report is organised by service, the
2019/2020 reports by an older plan's priorities), so each signal is also averaged over the
claim's section, over its parent section and over the claims just before and after it in its
section, among the claims of the same batch that share the document and heading path
(``ClaimInput.doc_id``/``section_id``/``heading_path``; batch order is document order); a batch
of one claim simply has no context. The combiner is a conditional logit: a weight per signal
and level (own, section, parent, near), fitted on the gold by maximum likelihood, turns the
7 x 4 values of each sub-outcome into a logit, and a softmax over the sub-outcomes gives ``p`` (the chance
that this is the claim's sub-outcome, if it has one). This ranks the candidates.

Whether the claim is evidence for the plan at all is a separate question, answered by a
logistic gate on how peaked ``p`` is, measured relative to the plan's number of elements (so
a gate fitted on one plan transfers to a plan with fewer or more), and on the abstention
(``none``) evidence of the claim and of its section; a whole document that rarely uses the
plan's vocabulary (a software manual) gets a gate of 0 (``off_topic`` in the taxonomy file). A link's ``score`` is ``gate * p``: the estimated chance that the claim is
evidence for that sub-outcome. A claim links when its gate reaches ``min_score`` (fitted so
that finance, governance and introduction text is not forced onto an aim); an explicit
``min_score`` passed to :meth:`Matcher.link` instead keeps every candidate scoring at least it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from pipeline.config import MATCHER_DIR
from pipeline.link.signals import (
    NONE,
    HeadingNames,
    Lexicon,
    heading_prior,
    lexicon,
    lexicon_from_source,
    load_lexicon,
    named_phrases,
    off_topic_documents,
    phrase_matrix,
    topic_matrix,
    topic_profile,
    topic_scores,
)
from pipeline.link.training import Example, training_examples
from pipeline.link.vectorise import FastUnion
from pipeline.model import Document
from pipeline.plan.model import Aim, Plan

log = logging.getLogger(__name__)

ARTEFACT = "matcher.pkl.gz"
SIDECAR = "matcher.json"
CODE_VERSION = "link-5"
SIGNALS = ("clf", "tfidf", "phrase", "heading", "hclf", "lex", "hlex")
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class ClaimInput:
    """What the matcher needs to know about a sentence."""

    claim_id: str
    text: str
    heading_path: tuple[str, ...] = ()
    doc_type: str = "other"
    doc_id: str = ""  # with section_id: which claims share a section (context smoothing)
    section_id: str = ""


@dataclass
class Link:
    """A claim-to-aim candidate (a row of the ``links`` table)."""

    claim_id: str
    aim_id: str
    sub_outcome_id: str
    rank: int
    score: float
    method: str


#: Signals whose ``none`` column feeds the abstention gate.
NONE_SIGNALS = ("clf", "heading", "lex")
#: Levels of context each signal is read at: the claim itself, the mean over its section, over
#: its parent section, and over its nearest neighbours in its section (:data:`NEAR_RADIUS`).
LEVELS = ("own", "section", "parent", "near")
#: How many claims before and after a claim, in its section and in batch order, make its
#: ``near`` level. A long section drifts from topic to topic (a service chapter covering
#: buses, then road safety, then cycling); the sentences just around a claim share its topic
#: more often than the whole section does (measured on the tuning gold: top-1 0.839 to 0.846,
#: with the held-out half 0.757 to 0.770 and the held-out document 0.767 to 0.774).
NEAR_RADIUS = 2


@cache
def _shipped() -> dict[str, Any]:
    """The settings fitted on the shipped corpus, read from the matcher's sidecar: the one
    place fitted weights live (a copy in code would drift from the artefact at the next refit).
    They weigh kinds of evidence, not a plan's sub-outcomes, so a matcher fitted for another
    plan starts from them."""
    path = MATCHER_DIR / "matcher.json"
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))["settings"]
    except (OSError, ValueError, KeyError) as exc:
        raise RuntimeError(f"{path}: the shipped matcher's settings cannot be read ({exc})") from exc
    return dict(settings)


def _default_combiner() -> dict[str, tuple[float, ...]]:
    # a sidecar written before a level existed weighs that level 0 (the refit fills it in)
    return {name: tuple(w) + (0.0,) * (len(LEVELS) - len(w))
            for name, w in _shipped()["combiner"].items()}


def _default_gate() -> tuple[float, float, float, float, float]:
    return tuple(_shipped()["gate"])


def _default_min_score() -> float:
    return float(_shipped()["min_score"])


#: Attributes scikit-learn sets to an object's ``id()``: a memory address, meaningless in
#: another process, that made two saves of one fit differ byte for byte.
_PROCESS_ID_ATTRS = ("_stop_words_id",)


@contextmanager
def _without_process_ids(vectoriser: Any) -> Iterator[None]:
    """The vectoriser (a FeatureUnion or one vectoriser) without its memory-address caches
    while it is pickled; put back after. Without one, scikit-learn checks its stop words once
    more at the next use, which changes nothing else."""
    parts = [t for _, t in getattr(vectoriser, "transformer_list", [])] or [vectoriser]
    taken = [(part, name, part.__dict__.pop(name)) for part in parts
             for name in _PROCESS_ID_ATTRS if name in getattr(part, "__dict__", {})]
    try:
        yield
    finally:
        for part, name, value in taken:
            setattr(part, name, value)


@dataclass
class MatcherSettings:
    """The combiner's weights, the abstention gate and its threshold.

    The fitted values live in the sidecar (``scripts/fit_matcher.py``), and the defaults are
    read from it: they weigh kinds of evidence, not a plan's sub-outcomes, so a matcher fitted
    for another council's plan (no gold to tune on) starts from them.
    """

    #: per signal, the weight of its own value, its section mean, its parent-section mean and
    #: the mean over its neighbours (:data:`LEVELS`)
    combiner: dict[str, tuple[float, ...]] = field(default_factory=_default_combiner)
    #: logistic gate: coefficients of log(p1 / p2), log(k p1) / log k, none (own), none
    #: (section), intercept (:func:`gate_features`)
    gate: tuple[float, float, float, float, float] = field(default_factory=_default_gate)
    min_score: float = field(default_factory=_default_min_score)
    tfidf_scale: float = 3.0
    #: the classifier's inverse regularisation. 0.5, not 4: the classifier learns from
    #: structure-labelled sentences of a few documents, and a firmer penalty transfers better
    #: to a document it did not learn from (leave-one-document-out on the structure labels,
    #: no gold: accuracy 0.623 at C=4, 0.633 at 0.5 and 1, 0.618 at 0.25; on the tuning gold,
    #: the combiner's leave-one-document-out log-loss, L2 0.1, 0.53 at C=1, 0.50 at 0.5)
    clf_c: float = 0.5
    max_word_features: int = 8000
    max_char_features: int = 12000

    def __post_init__(self) -> None:
        unknown = set(self.combiner) - set(SIGNALS)
        if unknown:
            raise ValueError(f"MatcherSettings.combiner: unknown signals {sorted(unknown)}; "
                             f"allowed {SIGNALS}")
        bad = [name for name, w in self.combiner.items() if len(tuple(w)) != len(LEVELS)]
        if bad:
            raise ValueError(f"MatcherSettings.combiner: {bad} need one weight per level {LEVELS}")
        if len(tuple(self.gate)) != 5:
            raise ValueError(f"MatcherSettings.gate needs 5 coefficients, got {len(self.gate)}")
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"MatcherSettings.min_score must be in 0..1, got {self.min_score}")

    def weight_matrix(self) -> np.ndarray:
        """(n_signals, n_levels) weights in :data:`SIGNALS` order (missing signals weigh 0)."""
        return np.array([self.combiner.get(name, (0.0,) * len(LEVELS)) for name in SIGNALS],
                        dtype=float)


def _vectoriser(settings: MatcherSettings) -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english",
                                 max_features=settings.max_word_features, lowercase=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                 max_features=settings.max_char_features, lowercase=True)),
    ])


def _rownorm(m: sparse.spmatrix) -> sparse.csr_matrix:
    m = sparse.csr_matrix(m, dtype=np.float64)
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ m


class Matcher:
    """Fitted matcher for one plan; see the module docstring for how it scores."""

    def __init__(self, plan_aims: list[dict[str, str]], labels: list[str], vectoriser: FeatureUnion,
                 clf: LogisticRegression, profiles: sparse.csr_matrix,
                 elements: sparse.csr_matrix, phrases: dict[str, list[str]],
                 settings: MatcherSettings, meta: dict | None = None,
                 profile: np.ndarray | None = None, lex: Lexicon | None = None) -> None:
        self.plan_aims = plan_aims
        self.labels = labels
        self.vectoriser = vectoriser
        self.clf = clf
        self.profiles = profiles
        self.elements = elements
        self.phrases = phrases
        self.settings = settings
        self.meta = meta or {}
        self._subs = [lab for lab in labels if lab != NONE]
        self.lex = lex or lexicon()
        #: (n_subs, n_topics): each taxonomy topic's share per sub-outcome
        self.profile = profile if profile is not None else np.zeros((len(self._subs), len(self.lex.topics)))
        self._plan = _plan_stub(plan_aims)
        self._fast: FastUnion | None = None

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """``self.vectoriser.transform(texts)``, the same matrix computed faster
        (:class:`pipeline.link.vectorise.FastUnion`, which caches per-word n-gram counts)."""
        if self._fast is None or self._fast.vectoriser is not self.vectoriser:
            self._fast = FastUnion(self.vectoriser)
        return self._fast.transform(texts)

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(cls, plan: Plan, training_docs: list[Document],
            settings: MatcherSettings | None = None, local_terms: Path | None = None) -> Matcher:
        """Train on the plan's elements and the structure-labelled sentences of the documents.

        ``local_terms`` is an optional per-plan file of local place and programme names
        (:class:`pipeline.link.signals.LocalTermsFile`) added to the shipped taxonomy.
        """
        settings = settings or MatcherSettings()
        examples = training_examples(plan, training_docs)
        return cls.fit_examples(plan, examples, settings,
                                inputs={d.file: d.sha256 for d in training_docs},
                                local_terms=local_terms)

    @classmethod
    def fit_examples(cls, plan: Plan, examples: list[Example], settings: MatcherSettings,
                     inputs: dict[str, str] | None = None,
                     local_terms: Path | None = None) -> Matcher:
        """Fit from ready examples (lets evaluation leave documents out)."""
        subs = list(plan.sub_outcomes())
        labels = subs + [NONE]
        texts = [e.text for e in examples]
        y = [e.label for e in examples]
        if NONE not in y:
            log.warning("no abstention examples found; the 'none' signal relies on the lexicon")
        profiles_text = [_profile_text(plan, s) for s in subs]
        vec = _vectoriser(settings)
        vec.fit(texts + profiles_text)
        clf = LogisticRegression(C=settings.clf_c, max_iter=3000, class_weight="balanced")
        clf.fit(vec.transform(texts), y)
        clf.coef_ = clf.coef_.astype(np.float32)
        profiles = _rownorm(vec.transform(profiles_text))
        elements = _rownorm(vec.transform([a.text for a in plan.aims]))
        plan_aims = [{"aim_id": a.aim_id, "outcome_id": a.outcome_id, "outcome": a.outcome,
                      "sub_outcome_id": a.sub_outcome_id,
                      "sub_outcome": a.sub_outcome, "kind": a.kind, "text": a.text}
                     for a in plan.aims]
        lex = load_lexicon(local=local_terms) if local_terms is not None else lexicon()
        profile = topic_profile(topic_matrix(texts, lex), y, [e.source for e in examples], subs)
        counts: dict[str, int] = {}
        for e in examples:
            counts[e.label] = counts.get(e.label, 0) + 1
        # (label, count) pairs, not a mapping keyed by the plan's ids: the sidecar describes
        # this fit, and nothing may read it as knowledge keyed to one plan
        meta = {"plan_id": plan.plan_id, "n_examples": len(examples),
                "examples_per_label": sorted(counts.items()),
                "inputs": inputs or {},
                "local_terms": str(local_terms) if local_terms is not None else None}
        return cls(plan_aims, labels, vec, clf, profiles, elements, named_phrases(plan),
                   settings, meta, profile=profile, lex=lex)

    def compatible_with(self, plan: Plan, min_ratio: float = 90.0) -> bool:
        """True when fitted on the same plan, whatever file it was read from.

        The plan id is the hash of the input file, so the same plan read from its PDF or its
        text has different ids: compare the structure (sub-outcome and kind of every element,
        in order) and the wording (rapidfuzz ratio, to allow for small extraction differences).
        """
        from rapidfuzz import fuzz

        ours = [(a["sub_outcome_id"], a["kind"]) for a in self.plan_aims]
        theirs = [(a.sub_outcome_id, a.kind) for a in plan.aims]
        if ours != theirs:
            return False
        ratios = [fuzz.ratio(a["text"], b.text) for a, b in zip(self.plan_aims, plan.aims, strict=True)]
        return bool(ratios) and float(np.mean(ratios)) >= min_ratio

    def rebind(self, plan: Plan) -> Matcher:
        """Point the matcher's elements at ``plan``'s aim ids (after :meth:`compatible_with`)."""
        for mine, theirs in zip(self.plan_aims, plan.aims, strict=True):
            mine["aim_id"] = theirs.aim_id
        return self

    def topics_of(self, sub_id: str, top: int = 5) -> list[tuple[str, float]]:
        """The taxonomy topics mapped most firmly onto a sub-outcome (for reading a fit)."""
        row = self.profile[self._subs.index(sub_id)]
        best = np.argsort(-row)[:top]
        return [(self.lex.topics[j], round(float(row[j]), 3)) for j in best if row[j] > 0]

    # ------------------------------------------------------------------ scoring
    def signals(self, claims: list[ClaimInput], x: sparse.spmatrix | None = None,
                x_unit: sparse.csr_matrix | None = None) -> dict[str, np.ndarray]:
        """Each signal as an (n_claims, n_labels) array in 0..1 (columns follow ``labels``).

        ``x``: the vectoriser's transform of the claims' texts when the caller has it already
        (:meth:`link` needs it for the aims too; the transform is the costliest step), and
        ``x_unit`` its rows scaled to unit length (``_rownorm(x)``), likewise."""
        n, k = len(claims), len(self.labels)
        texts = [c.text for c in claims]
        if x is None:
            x = self.transform(texts)
        out: dict[str, np.ndarray] = {name: np.zeros((n, k)) for name in SIGNALS}
        out["clf"] = self._proba(x)
        # against the profiles as a dense array: the 21-odd profile rows are dense enough that a
        # sparse product spent its time building a sparse result; each entry sums the same
        # products in the same order (the claim row's terms in turn), so the values are equal
        sims = (x_unit if x_unit is not None else _rownorm(x)) @ self.profiles.T.toarray()
        out["tfidf"][:, : len(self._subs)] = np.clip(sims * self.settings.tfidf_scale, 0, 1)
        hits = topic_matrix(texts, self.lex)
        out["lex"] = topic_scores(hits, self.profile)
        out["_any_topic"] = hits[:, :-1].max(axis=1) > 0 if n else np.zeros(0, dtype=bool)
        # the heading signals once per distinct heading path, each computed for all paths in
        # one call (a vectoriser transform per path cost more than the transform of the claims)
        paths = list(dict.fromkeys(tuple(c.heading_path) for c in claims))
        head_texts = [" ".join(p[-2:]) for p in paths]
        named = [p for p in paths if p]
        hclf = dict(zip(named, self._proba(self.transform([" ".join(p[-2:]) for p in named]))
                        if named else [], strict=True))
        hlex = topic_scores(topic_matrix(head_texts, self.lex), self.profile)
        zeros = np.zeros(len(self.labels))
        names = HeadingNames(self._plan)
        heads = {path: (heading_prior(path, self._plan, self.labels, self.lex, names),
                        hclf.get(path, zeros), hlex[j]) for j, path in enumerate(paths)}
        out["phrase"] = phrase_matrix(texts, self.phrases, self.labels)
        for i, claim in enumerate(claims):
            out["heading"][i], out["hclf"][i], out["hlex"][i] = heads[tuple(claim.heading_path)]
        return out

    def _proba(self, x: sparse.spmatrix) -> np.ndarray:
        proba = self.clf.predict_proba(x)
        out = np.zeros((x.shape[0], len(self.labels)))
        for j, label in enumerate(self.clf.classes_):
            out[:, self.labels.index(label)] = proba[:, j]
        return out

    def levels(self, claims: list[ClaimInput],
               signals: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Every signal at each of :data:`LEVELS`: (n_signals, n_levels, n, n_labels)."""
        signals = signals if signals is not None else self.signals(claims)
        return context_levels(signals, claims)

    def rank(self, claims: list[ClaimInput],
             signals: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Link scores (n, n_subs) and sub-outcome order per claim (best first)."""
        score, order, _ = self.scores(claims, signals)
        return score, order

    def scores(self, claims: list[ClaimInput], signals: dict[str, np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``gate * p`` per sub-outcome (n, n_subs), the order of ``p`` and the gate (n,)."""
        k = len(self._subs)
        if not claims:
            return np.zeros((0, k)), np.zeros((0, k), dtype=int), np.zeros(0)
        signals = signals if signals is not None else self.signals(claims)
        lv = self.levels(claims, signals)
        p = softmax(combine(lv, self.settings.weight_matrix(), k))
        gate = gate_probability(gate_features(p, lv, k), self.settings.gate)
        doc_ids = [c.doc_id for c in claims]
        any_topic = signals.get("_any_topic")
        if any_topic is None:
            any_topic = topic_matrix([c.text for c in claims], self.lex)[:, :-1].max(axis=1) > 0
        off = off_topic_documents(doc_ids, any_topic, self.lex)
        if off:
            gate = np.where(np.isin(doc_ids, list(off)), 0.0, gate)
        order = np.argsort(-p, axis=1, kind="stable")
        return gate[:, None] * p, order, gate

    def link(self, claims: list[ClaimInput], min_score: float | None = None) -> list[Link]:
        """Up to three candidates per claim, best first, or none when it is not evidence.

        By default the fitted gate decides whether a claim links at all (it must reach
        ``settings.min_score``), and then its three best candidates follow with their scores,
        so a reader can see the alternatives. An explicit ``min_score`` instead keeps every
        candidate whose own score reaches it.
        """
        if not claims:
            return []
        x = self.transform([c.text for c in claims])
        x_unit = _rownorm(x)
        score, order, gate = self.scores(claims, self.signals(claims, x, x_unit))
        kept = (np.flatnonzero(~(gate < self.settings.min_score)) if min_score is None
                else np.arange(len(claims)))
        # each kept claim's best candidates in rank order, up to the first under an explicit
        # min_score (a candidate under it ends the claim's list)
        top = order[kept, :MAX_CANDIDATES]
        value_of = score[kept[:, None], top]
        listed = (np.ones(top.shape, dtype=bool) if min_score is None
                  else np.cumprod(~(value_of < min_score), axis=1).astype(bool))
        rows = np.broadcast_to(kept[:, None], top.shape)[listed]
        subs = top[listed]
        ranks = np.broadcast_to(np.arange(1, top.shape[1] + 1), top.shape)[listed]
        aims = self._best_aims(x_unit, rows, subs)
        return [Link(claims[i].claim_id, aim, self._subs[j], rank, round(value, 4), "combined")
                for i, j, rank, value, aim in zip(rows.tolist(), subs.tolist(), ranks.tolist(),
                                                  value_of[listed].tolist(), aims, strict=True)]

    def _members(self) -> dict[str, np.ndarray]:
        """sub_outcome_id → the indices of its elements in ``plan_aims`` (in plan order)."""
        members: dict[str, list[int]] = {}
        for k, a in enumerate(self.plan_aims):
            members.setdefault(a["sub_outcome_id"], []).append(k)
        return {sub: np.asarray(idx) for sub, idx in members.items()}

    def _best_aims(self, x_unit: sparse.csr_matrix, rows: np.ndarray, subs: np.ndarray) -> list[str]:
        """Per candidate (claim ``rows[c]`` of ``x_unit``, sub-outcome column ``subs[c]``), the
        element of that sub-outcome most similar to the claim (the first of equals).

        Only the elements of the candidate sub-outcomes are compared, one product per
        sub-outcome over the claims that have it as a candidate (the product of every claim
        with every element, most of it never read, cost more than the rest of the linking
        loop), against the sub-outcome's few elements as a dense array (a sparse result cost
        more to build). An entry of either product sums the claim row's terms in their order
        (a dense zero adds an exact 0), whatever the other rows and columns, so each
        similarity is the one the full sparse product gives."""
        members = self._members()
        best = np.zeros(len(rows), dtype=np.intp)
        for j in np.unique(subs).tolist():
            sel = np.flatnonzero(subs == j)
            idx = members[self._subs[j]]
            sims = x_unit[rows[sel]] @ self.elements[idx].T.toarray()
            best[sel] = idx[np.argmax(sims, axis=1)]
        return [self.plan_aims[k]["aim_id"] for k in best.tolist()]

    # ------------------------------------------------------------------ persistence
    def save(self, directory: Path, scores: dict | None = None) -> Path:
        """Write the fitted objects (a gzipped pickle) and the JSON sidecar; returns the sidecar path.

        A plain pickle, not joblib: joblib reads back through pure-Python unpickling, which took
        about a second per run (most of loading the matcher); the C unpickler takes 0.02 s. The
        gzip header carries no time stamp and the pickle no memory address (see
        :func:`_without_process_ids`), so the same fit writes the same bytes (and hash) in any
        process.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        artefact = directory / ARTEFACT
        with _without_process_ids(self.vectoriser):
            payload = pickle.dumps({"plan_aims": self.plan_aims, "labels": self.labels,
                                    "vectoriser": self.vectoriser, "clf": self.clf,
                                    "profiles": self.profiles, "elements": self.elements,
                                    "phrases": self.phrases, "topic_profile": self.profile,
                                    "lexicon": self.lex.source,
                                    "off_topic": (self.lex.off_topic_min_share,
                                                  self.lex.off_topic_min_claims)},
                                   protocol=pickle.HIGHEST_PROTOCOL)
        artefact.write_bytes(gzip.compress(payload, compresslevel=6, mtime=0))
        sidecar = {
            **self.meta,  # provenance from fitting (inputs, examples, gold hashes); refreshed below
            "code_version": CODE_VERSION,
            "artefact": ARTEFACT,
            "artefact_sha256": hashlib.sha256(artefact.read_bytes()).hexdigest(),
            "settings": asdict(self.settings),
            "scores": scores if scores is not None else self.meta.get("scores", {}),
        }
        path = directory / SIDECAR
        path.write_text(json.dumps(sidecar, indent=2, sort_keys=True, default=str) + "\n",
                        encoding="utf-8")
        return path

    @classmethod
    def load(cls, directory: Path) -> Matcher:
        """Read a matcher written by :meth:`save` (checks the artefact's hash)."""
        directory = Path(directory)
        meta = json.loads((directory / SIDECAR).read_text(encoding="utf-8"))
        artefact = directory / meta.get("artefact", ARTEFACT)
        data = artefact.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != meta.get("artefact_sha256"):
            raise ValueError(f"{artefact}: hash differs from {SIDECAR}; re-run scripts/fit_matcher.py")
        if meta.get("code_version") != CODE_VERSION:
            raise ValueError(f"{directory}: fitted by code version {meta.get('code_version')!r}, "
                             f"this is {CODE_VERSION!r}; re-run scripts/fit_matcher.py")
        if artefact.name != ARTEFACT:
            raise ValueError(f"{artefact}: an older artefact format; re-run scripts/fit_matcher.py")
        # the hash above is the sidecar's, written by save(): only our own bytes are unpickled
        obj = pickle.loads(gzip.decompress(data))  # noqa: S301
        s = meta["settings"]
        settings = MatcherSettings(
            combiner={k: tuple(v) for k, v in s["combiner"].items()}, gate=tuple(s["gate"]),
            min_score=s["min_score"], tfidf_scale=s["tfidf_scale"], clf_c=s["clf_c"],
            max_word_features=s["max_word_features"], max_char_features=s["max_char_features"])
        lex = lexicon_from_source(obj["lexicon"], *obj["off_topic"])
        return cls(obj["plan_aims"], obj["labels"], obj["vectoriser"], obj["clf"], obj["profiles"],
                   obj["elements"], obj["phrases"], settings, meta, profile=obj["topic_profile"],
                   lex=lex)


def context_groups(claims: list[ClaimInput]) -> tuple[np.ndarray, np.ndarray]:
    """Per claim, the index of its section group and of its parent-section group.

    A section is (doc_id, section_id) when the caller gives section ids, else (doc_id,
    heading path); its parent is (doc_id, heading path without the innermost heading).
    """
    sec: dict[tuple, int] = {}
    par: dict[tuple, int] = {}
    s_idx = np.empty(len(claims), dtype=int)
    p_idx = np.empty(len(claims), dtype=int)
    for i, c in enumerate(claims):
        path = tuple(c.heading_path)
        s_key = (c.doc_id, c.section_id) if c.section_id else (c.doc_id, "path", path)
        s_idx[i] = sec.setdefault(s_key, len(sec))
        p_idx[i] = par.setdefault((c.doc_id, path[:-1]), len(par))
    return s_idx, p_idx


def _group_mean(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per row, the mean of the rows of its group.

    Each group's sum is a sparse product of the (groups x rows) membership matrix with
    ``x``: it adds the group's rows one after another in their order from 0, as
    ``np.add.at`` does (the same numbers), at a tenth of its cost."""
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    member = sparse.csr_matrix((np.ones(len(groups)), (groups, np.arange(len(groups)))),
                               shape=(n_groups, len(groups)))
    sums = member @ x
    counts = np.bincount(groups, minlength=n_groups).astype(float)
    return (sums / counts[:, None])[groups]


def _window_mean(x: np.ndarray, groups: np.ndarray, radius: int) -> np.ndarray:
    """Per row, the mean of the rows of its group within ``radius`` places of it (the group's
    rows taken in their order in ``x``); a row with no neighbours keeps its own value.

    Each group's running sum is its own (a cumulative sum that starts at the group's first
    row), so every mean is the same number a loop over the groups gives; the groups are
    handled together, padded with zeros to a common length within buckets of lengths up to
    a power of two (so padding never doubles the work)."""
    out = np.empty_like(x, dtype=float)
    if not len(groups):
        return out
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.r_[starts[1:], len(order)] - starts
    widths = 1 << np.ceil(np.log2(sizes)).astype(int)
    k = x.shape[1]
    for width in np.unique(widths):
        sel = np.flatnonzero(widths == width)
        pos = np.arange(width)
        size = sizes[sel][:, None]
        valid = pos[None, :] < size  # (groups, width): real rows, not padding
        rows = order[(starts[sel][:, None] + pos[None, :])[valid]]
        padded = np.zeros((len(sel), width, k))
        padded[valid] = x[rows]
        csum = np.concatenate([np.zeros((len(sel), 1, k)), np.cumsum(padded, axis=1)], axis=1)
        lo = np.broadcast_to(np.maximum(pos - radius, 0), valid.shape)
        hi = np.minimum(pos[None, :] + radius + 1, size)
        g = np.broadcast_to(np.arange(len(sel))[:, None], valid.shape)
        gv, lov, hiv = g[valid], lo[valid], hi[valid]
        out[rows] = (csum[gv, hiv] - csum[gv, lov]) / (hiv - lov)[:, None]
    return out


def context_levels(signals: dict[str, np.ndarray], claims: list[ClaimInput]) -> np.ndarray:
    """Each signal as is, averaged over its section, over its parent section, and over the
    :data:`NEAR_RADIUS` claims either side of it in its section (batch order).

    Returns (n_signals, n_levels, n_claims, n_labels) in :data:`SIGNALS` and :data:`LEVELS`
    order.

    The signals are averaged side by side, as the columns of one wide array: every mean is
    taken column by column, so each value is the one a signal averaged alone gets, for a
    seventh of the calls.
    """
    s_idx, p_idx = context_groups(claims)
    own = np.concatenate([signals[name] for name in SIGNALS], axis=1)
    wide = np.stack([own, _group_mean(own, s_idx), _group_mean(own, p_idx),
                     _window_mean(own, s_idx, NEAR_RADIUS)])
    n_levels, n = wide.shape[:2]
    return np.ascontiguousarray(
        wide.reshape(n_levels, n, len(SIGNALS), -1).transpose(2, 0, 1, 3))


def combine(levels: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Logits (n, k) of the first ``k`` labels (the sub-outcomes): weights (n_signals, 3)."""
    return np.einsum("sl,slnk->nk", weights, levels[:, :, :, :k])


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def gate_features(p: np.ndarray, levels: np.ndarray, k: int) -> np.ndarray:
    """What the gate reads (n, 4): how far the best ``p`` leads the runner-up (log ratio), how
    far it stands above a uniform guess on this plan (``log(k * p1) / log k``: 0 for a uniform
    ``p``, 1 for certainty), and the abstention evidence (``none`` column of
    :data:`NONE_SIGNALS`) of the claim and its section.

    Why relative to the plan and not ``log p1``: the best of six priorities gets a larger ``p``
    than the best of twenty sub-outcomes for the same evidence, so a gate on ``log p1`` fitted
    on one plan abstains too little on a plan with fewer elements (measured leave-one-plan-out:
    the invented six-priority council abstained on 0.50 of its non-evidence with a gate on
    ``log p1`` fitted on a twenty-element plan, 0.79 with these features).
    """
    n = p.shape[0]
    top = np.sort(p, axis=1)[:, ::-1]
    p1 = top[:, 0] if k >= 1 else np.zeros(n)
    p2 = top[:, 1] if k >= 2 else np.zeros(n)
    lead = np.log(p1 + 1e-12) - np.log(p2 + 1e-12)
    above_uniform = np.log(k * p1 + 1e-12) / np.log(k) if k >= 2 else np.ones(n)
    idx = [SIGNALS.index(name) for name in NONE_SIGNALS]
    none_own = levels[idx, 0, :, k].sum(axis=0)
    none_sec = levels[idx, 1, :, k].sum(axis=0)
    return np.column_stack([lead, above_uniform, none_own, none_sec])


def gate_probability(features: np.ndarray, coef: tuple[float, ...]) -> np.ndarray:
    """The logistic gate: P(the claim is evidence for some sub-outcome)."""
    c = np.asarray(coef, dtype=float)
    return 1.0 / (1.0 + np.exp(-(features @ c[:-1] + c[-1])))


def _profile_text(plan: Plan, sub_id: str) -> str:
    # the outcome is read from the element's own row: ids need not be "4.1"-shaped
    elements = plan.elements(sub_id)
    outcome = elements[0].outcome if elements else ""
    parts = [plan.sub_outcomes()[sub_id], outcome if outcome != plan.sub_outcomes()[sub_id] else ""]
    parts += [a.text for a in plan.elements(sub_id)]
    return " ".join(parts)


def _plan_stub(plan_aims: list[dict[str, str]]) -> Plan:
    """A Plan with just the titles, for the heading signal of a loaded matcher."""
    aims = [Aim(a["aim_id"], "", a.get("outcome_id", ""), a.get("outcome", ""), a["sub_outcome_id"],
                a["sub_outcome"], a["kind"], a["text"]) for a in plan_aims]
    return Plan("", "", "", None, None, "", aims)
