"""The matcher's fitted TF-IDF features, computed faster with the same numbers.

The matcher's vectoriser is a ``FeatureUnion`` of a word TF-IDF and a character TF-IDF
(``analyzer="char_wb"``). scikit-learn builds the character n-grams of every document in
Python, one n-gram at a time, and that was the costliest step of linking a corpus. But
``char_wb`` n-grams never cross a word boundary: a document's n-gram counts are the sum of its
words' n-gram counts. :class:`FastUnion` therefore counts each DISTINCT word's n-grams once
(with the vectoriser's own analyzer), sums them per document in one sparse product, and hands
the counts to a ``TfidfTransformer`` holding the vectoriser's own IDF and settings, so the
rows are the very ones ``vectoriser.transform`` gives (checked by the tests, to the bit).

A vectoriser of another shape (no ``char_wb`` part, a custom preprocessor, binary counts, ...)
is simply transformed by scikit-learn as before.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion


def _plain_char_wb(vec: Any) -> bool:
    """True for a fitted ``char_wb`` TfidfVectorizer whose analyzer is lower-casing and n-grams
    only (what :class:`_CharWords` reproduces word by word)."""
    return (isinstance(vec, TfidfVectorizer) and vec.analyzer == "char_wb"
            and vec.input == "content" and vec.preprocessor is None
            and vec.strip_accents is None and not vec.binary and vec.use_idf
            and hasattr(vec, "vocabulary_") and hasattr(vec, "idf_"))


class _CharWords:
    """A fitted ``char_wb`` TF-IDF, transformed through a cache of per-word n-gram counts."""

    def __init__(self, vec: TfidfVectorizer) -> None:
        self.vec = vec
        self.analyzer = vec.build_analyzer()
        self.vocabulary: dict[str, int] = vec.vocabulary_
        self.tfidf = TfidfTransformer(norm=vec.norm, use_idf=True, smooth_idf=vec.smooth_idf,
                                      sublinear_tf=vec.sublinear_tf)
        self.tfidf.idf_ = vec.idf_
        self.word_id: dict[str, int] = {}
        self._rows: list[tuple[list[int], list[int]]] = []  # per word id: feature ids, counts
        self._words: sparse.csr_matrix | None = None  # (n_words, n_features) counts

    def _word(self, word: str) -> int:
        wid = self.word_id.get(word)
        if wid is None:
            counts: dict[int, int] = {}
            for gram in self.analyzer(word):
                j = self.vocabulary.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            wid = self.word_id[word] = len(self._rows)
            self._rows.append((list(counts), list(counts.values())))
            self._words = None
        return wid

    def _word_matrix(self) -> sparse.csr_matrix:
        if self._words is None or self._words.shape[0] != len(self._rows):
            indptr = np.cumsum([0] + [len(c) for c, _ in self._rows])
            indices = np.fromiter((j for c, _ in self._rows for j in c), dtype=np.int64,
                                  count=int(indptr[-1]))
            data = np.fromiter((n for _, v in self._rows for n in v), dtype=np.float64,
                               count=int(indptr[-1]))
            self._words = sparse.csr_matrix((data, indices, indptr),
                                            shape=(len(self._rows), len(self.vocabulary)))
        return self._words

    def counts(self, texts: list[str]) -> sparse.csr_matrix:
        """The n-gram count matrix ``CountVectorizer.transform`` would give (float64, sorted).

        The analyzer lower-cases and then splits on white space; lower-casing neither makes
        nor removes white space, so the words of the text, each analysed on its own (and
        cached as written), give the document's n-grams."""
        rows: list[int] = []
        cols: list[int] = []
        known = self.word_id.get
        for i, text in enumerate(texts):
            words = text.split()
            found = [known(w) for w in words]
            ids = [self._word(w) if wid is None else wid for w, wid in zip(words, found, strict=True)] \
                if None in found else cast(list[int], found)
            cols.extend(ids)
            rows.extend([i] * len(ids))
        occurrences = sparse.csr_matrix(
            (np.ones(len(rows)), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=(len(texts), len(self._rows)))
        x = sparse.csr_matrix(occurrences @ self._word_matrix())
        x.eliminate_zeros()
        x.sort_indices()
        return x

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return self.tfidf.transform(self.counts(texts), copy=False)


class FastUnion:
    """``vectoriser.transform`` of a fitted FeatureUnion, its ``char_wb`` parts by word."""

    def __init__(self, vectoriser: Any) -> None:
        self.vectoriser = vectoriser
        self.parts: list[Any] | None = None
        if isinstance(vectoriser, FeatureUnion) and not vectoriser.transformer_weights:
            parts = [t for _, t in vectoriser.transformer_list]
            if all(t not in (None, "drop", "passthrough") for t in parts):
                self.parts = [_CharWords(t) if _plain_char_wb(t) else t for t in parts]

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """The same matrix as ``vectoriser.transform(texts)``."""
        if self.parts is None or not texts:
            return self.vectoriser.transform(texts)
        return sparse.hstack([p.transform(texts) for p in self.parts]).tocsr()
