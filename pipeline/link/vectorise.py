"""The matcher's fitted TF-IDF features, computed faster with the same numbers.

The matcher's vectoriser is a ``FeatureUnion`` of a word TF-IDF and a character TF-IDF
(``analyzer="char_wb"``). scikit-learn builds the character n-grams of every document in
Python, one n-gram at a time, and that was the costliest step of linking a corpus. But
``char_wb`` n-grams never cross a word boundary: a document's n-gram counts are the sum of its
words' n-gram counts. :class:`FastUnion` therefore counts each DISTINCT word's n-grams once
(with the vectoriser's own analyzer), sums them per document in one sparse product, and hands
the counts to a ``TfidfTransformer`` holding the vectoriser's own IDF and settings, so the
rows are the very ones ``vectoriser.transform`` gives (checked by the tests, to the bit).

The word part (``analyzer="word"``) is counted the same way scikit-learn counts it (lower
case, its token pattern, stop words dropped, then n-grams of the remaining tokens), but with
all the texts' n-grams looked up in the vocabulary in one pass and counted by a sparse sum
(:class:`_WordGrams`), not a dictionary per text.

A vectoriser of another shape (a custom preprocessor or tokenizer, binary counts, ...) is
simply transformed by scikit-learn as before.
"""

from __future__ import annotations

import re
from itertools import repeat
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion


def _plain_char_wb(vec: Any) -> bool:
    """True for a fitted ``char_wb`` TfidfVectorizer whose analyzer is lower-casing and n-grams
    only (what :class:`_CharWords` reproduces word by word)."""
    return _vec_is_plain(vec) and vec.analyzer == "char_wb"


def _plain_word(vec: Any) -> bool:
    """True for a fitted word TfidfVectorizer with its own token pattern and no custom
    preprocessor or tokenizer (what :class:`_WordGrams` reproduces)."""
    return _vec_is_plain(vec) and vec.analyzer == "word" and vec.tokenizer is None


def _vec_is_plain(vec: Any) -> bool:
    """A fitted TfidfVectorizer reading strings, counting float64 n-grams of its own analyzer
    (no preprocessor, no accent stripping, not binary) and weighing them by IDF."""
    return (isinstance(vec, TfidfVectorizer) and vec.input == "content"
            and vec.preprocessor is None and vec.strip_accents is None and not vec.binary
            and vec.use_idf and np.dtype(vec.dtype) == np.float64
            and hasattr(vec, "vocabulary_") and hasattr(vec, "idf_"))


def tfidf_of(vec: TfidfVectorizer) -> TfidfTransformer:
    """A TfidfTransformer with ``vec``'s settings and IDF: what ``vec.transform`` applies to
    its counts."""
    tfidf = TfidfTransformer(norm=vec.norm, use_idf=True, smooth_idf=vec.smooth_idf,
                             sublinear_tf=vec.sublinear_tf)
    tfidf.idf_ = vec.idf_
    return tfidf


def vocabulary_ids(grams: list[str], vocabulary: dict[str, int]) -> np.ndarray:
    """The column of each of ``grams`` in ``vocabulary``, -1 for a gram outside it."""
    return np.fromiter(map(vocabulary.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))


def count_matrix(rows: np.ndarray, ids: np.ndarray, n_rows: int, n_features: int
                  ) -> sparse.csr_matrix:
    """The (n_rows, n_features) float64 counts of the n-grams with columns ``ids`` (``rows``:
    the row of each; -1, outside the vocabulary, left out); summed duplicates, sorted indices
    (canonical, as ``CountVectorizer.transform`` leaves its matrix)."""
    known = ids >= 0
    x = sparse.csr_matrix((np.ones(int(known.sum())), (rows[known], ids[known])),
                          shape=(n_rows, n_features))
    x.sum_duplicates()
    x.sort_indices()
    return x


class _GramCodes:
    """A character vocabulary's n-grams as integers, so that all the n-grams of a batch of
    words are cut and looked up by numpy rather than as a Python string each.

    Each character of the vocabulary's n-grams gets a digit, its rank among them from 1 (0
    stands for any other character), and an n-gram of at most ``max_n`` characters the number
    its digits spell in base (1 + the number of characters). No digit of a vocabulary n-gram
    is 0, so two of different lengths never spell the same number; an n-gram holding another
    character has a 0 digit and is not in the vocabulary."""

    def __init__(self, vocabulary: dict[str, int], max_n: int) -> None:
        grams = list(vocabulary)
        self.chars = np.array(sorted({ord(c) for c in "".join(grams)}), dtype=np.int64)
        self.base = len(self.chars) + 1
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        digits = self.digits("".join(grams))
        # each n-gram's digits right-aligned in a row of max_n (leading zeros add nothing)
        owner = np.repeat(np.arange(len(grams)), lengths)
        place = np.arange(len(digits)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        table = np.zeros((len(grams), max_n), dtype=np.int64)
        table[owner, max_n - lengths[owner] + place] = digits
        codes = np.zeros(len(grams), dtype=np.int64)
        for k in range(max_n):
            codes = codes * self.base + table[:, k]
        order = np.argsort(codes)
        self.codes = codes[order]
        self.ids = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(grams))[order]

    @staticmethod
    def usable(vocabulary: dict[str, int], max_n: int) -> bool:
        """Whether every n-gram of ``vocabulary`` has at most ``max_n`` characters and the
        numbers fit in 64 bits."""
        n_chars = len(set("".join(vocabulary)))
        return all(len(g) <= max_n for g in vocabulary) and (n_chars + 1) ** max_n < 2 ** 63

    def digits(self, text: str) -> np.ndarray:
        """The digit of each character of ``text`` (0 for a character outside the vocabulary)."""
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        rank = np.minimum(np.searchsorted(self.chars, points), max(len(self.chars) - 1, 0))
        return np.where(self.chars[rank] == points, rank + 1, 0) if len(self.chars) \
            else np.zeros(len(points), dtype=np.int64)

    def lookup(self, digits: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
        """The vocabulary column of the n-gram of ``n`` characters at each of ``starts`` in
        ``digits`` (-1 where it is not in the vocabulary)."""
        if not len(self.codes):
            return np.full(len(starts), -1, dtype=np.int64)
        codes = np.zeros(len(starts), dtype=np.int64)
        inside = np.ones(len(starts), dtype=bool)
        for k in range(n):
            d = digits[starts + k]
            codes = codes * self.base + d
            inside &= d != 0
        at = np.minimum(np.searchsorted(self.codes, codes), len(self.codes) - 1)
        return np.where(inside & (self.codes[at] == codes), self.ids[at], -1)


class _WordGrams:
    """A fitted word TF-IDF: scikit-learn's word n-grams of every text, counted in one pass."""

    def __init__(self, vec: TfidfVectorizer) -> None:
        self.lowercase = bool(vec.lowercase)
        self.tokens = re.compile(vec.token_pattern).findall
        stop = vec.get_stop_words()
        self.stop = frozenset(stop) if stop is not None else None
        self.ngram_range: tuple[int, int] = tuple(vec.ngram_range)
        self.vocabulary: dict[str, int] = vec.vocabulary_
        self.tfidf = tfidf_of(vec)

    def grams(self, text: str) -> list[str]:
        """``vec.build_analyzer()(text)`` for this vectoriser: tokens of the (lower-cased)
        text, stop words dropped, then the n-grams of the remaining tokens, shortest first."""
        tokens = self.tokens(text.lower() if self.lowercase else text)
        if self.stop is not None:
            stop = self.stop
            tokens = [w for w in tokens if w not in stop]
        lo, hi = self.ngram_range
        if hi == 1:
            return tokens
        out = list(tokens) if lo == 1 else []
        n_tokens = len(tokens)
        for n in range(max(lo, 2), min(hi + 1, n_tokens + 1)):
            out.extend([" ".join(tokens[i:i + n]) for i in range(n_tokens - n + 1)])
        return out

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        per_text = [self.grams(text) for text in texts]
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), [len(g) for g in per_text])
        grams = [g for got in per_text for g in got]
        return self.tfidf.transform(count_matrix(rows, vocabulary_ids(grams, self.vocabulary),
                                                  len(texts), len(self.vocabulary)), copy=False)


class _CharWords:
    """A fitted ``char_wb`` TF-IDF, transformed through per-word n-gram counts.

    Each distinct word of a batch is analysed once, and all the batch's new words together:
    their n-grams are cut in one pass (:meth:`_new_words`, the very n-grams scikit-learn's
    ``_char_wb_ngrams`` cuts), looked up in the vocabulary in one comprehension and counted
    by a sparse sum, instead of a call of the vectoriser's analyzer and a counting loop per
    word (which cost most of the transform)."""

    def __init__(self, vec: TfidfVectorizer) -> None:
        self.vec = vec
        self.lowercase = bool(vec.lowercase)
        self.ngram_range: tuple[int, int] = tuple(vec.ngram_range)
        self.vocabulary: dict[str, int] = vec.vocabulary_
        self.tfidf = tfidf_of(vec)
        #: the vocabulary as numbers (:class:`_GramCodes`), None when they would not fit
        self.codes = (_GramCodes(self.vocabulary, self.ngram_range[1])
                      if _GramCodes.usable(self.vocabulary, self.ngram_range[1]) else None)
        self.word_id: dict[str, int] = {}
        self._blocks: list[sparse.csr_matrix] = []  # per batch of new words: their counts
        self._words: sparse.csr_matrix | None = None  # (n_features, n_words) counts

    def _new_words(self, words: list[str]) -> None:
        """Give each of ``words`` (distinct, not seen yet) an id and its row of counts.

        The n-grams are the ones the vectoriser's analyzer gives for each word: lower-cased
        if the vectoriser lower-cases, each white-space separated piece padded with a space
        either side, and every n-gram of each length n in ``ngram_range`` -- except that a
        piece no longer than n gives itself once, and no longer n-grams (scikit-learn's
        ``_char_wb_ngrams``). Counted per length over all the words at once: a piece of
        ``size`` >= n characters has ``size - n + 1`` n-grams (one, itself, when equal), and a
        piece shorter than the shortest length is counted once, as itself."""
        start = len(self.word_id)
        owner_of: list[int] = []
        padded: list[str] = []
        for wid, word in enumerate(words, start):
            self.word_id[word] = wid
            for piece in (word.lower() if self.lowercase else word).split():
                owner_of.append(wid - start)
                padded.append(f" {piece} ")
        sizes = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        owners = np.asarray(owner_of, dtype=np.int64)
        lo, hi = self.ngram_range
        rows = [owners[sizes < lo]]
        if self.codes is None:
            grams = [p for p, size in zip(padded, sizes.tolist(), strict=True) if size < lo]
            for n in range(lo, hi + 1):
                grams.extend([p[i:i + n] for p in padded for i in range(len(p) - n + 1)])
                rows.append(np.repeat(owners, np.maximum(sizes - n + 1, 0)))
            ids = vocabulary_ids(grams, self.vocabulary)
        else:
            # the same n-grams, in the same order, as numbers: each piece's windows of n
            # characters are read from the digits of all the pieces joined
            digits = self.codes.digits("".join(padded))
            offsets = np.cumsum(sizes) - sizes
            short = np.flatnonzero(sizes < lo)
            parts = [np.full(len(short), -1, dtype=np.int64)]
            for size in np.unique(sizes[short]).tolist():
                at = np.flatnonzero(sizes[short] == size)
                parts[0][at] = self.codes.lookup(digits, offsets[short[at]], size)
            for n in range(lo, hi + 1):
                per = np.maximum(sizes - n + 1, 0)
                first = np.cumsum(per) - per  # where each piece's windows start in the list
                starts = np.repeat(offsets - first, per) + np.arange(int(per.sum()))
                parts.append(self.codes.lookup(digits, starts, n))
                rows.append(np.repeat(owners, per))
            ids = np.concatenate(parts)
        self._blocks.append(count_matrix(np.concatenate(rows), ids, len(words),
                                          len(self.vocabulary)))
        self._words = None

    def _features_by_word(self) -> sparse.csr_matrix:
        """(n_features, n_words): the words' counts, transposed (see :meth:`counts`)."""
        if self._words is None:
            words = sparse.csr_matrix(
                sparse.vstack(self._blocks, format="csr") if len(self._blocks) > 1
                else self._blocks[0] if self._blocks
                else sparse.csr_matrix((0, len(self.vocabulary))))
            self._blocks = [words]
            self._words = words.T.tocsr()
        return self._words

    def counts(self, texts: list[str]) -> sparse.csr_matrix:
        """The n-gram count matrix ``CountVectorizer.transform`` would give (float64, sorted).

        The analyzer lower-cases and then splits on white space; lower-casing neither makes
        nor removes white space, so the words of the text, each analysed on its own (once
        per distinct word, as written), give the document's n-grams."""
        split = [text.split() for text in texts]
        known = self.word_id
        new = [w for w in dict.fromkeys(w for words in split for w in words) if w not in known]
        if new:
            self._new_words(new)
        cols = [known[w] for words in split for w in words]
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), [len(words) for words in split])
        # the product taken transposed, (features x words) @ (words x texts), and turned back
        # to rows per text: the conversion leaves each row's columns sorted, where sorting
        # the rows of the product cost twice as much. The counts are whole numbers, so the
        # order they are summed in does not change them.
        occurrences = sparse.csr_matrix(
            (np.ones(len(cols)), (np.asarray(cols, dtype=np.int64), rows)),
            shape=(len(known), len(texts)))
        x = sparse.csr_matrix((self._features_by_word() @ occurrences).T)
        x.eliminate_zeros()
        x.sort_indices()
        return x

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        return self.tfidf.transform(self.counts(texts), copy=False)


class FastUnion:
    """``vectoriser.transform`` of a fitted FeatureUnion: its ``char_wb`` parts by word, its
    word parts by :class:`_WordGrams`."""

    def __init__(self, vectoriser: Any) -> None:
        self.vectoriser = vectoriser
        self.parts: list[Any] | None = None
        if isinstance(vectoriser, FeatureUnion) and not vectoriser.transformer_weights:
            parts = [t for _, t in vectoriser.transformer_list]
            if all(t not in (None, "drop", "passthrough") for t in parts):
                self.parts = [_CharWords(t) if _plain_char_wb(t)
                              else _WordGrams(t) if _plain_word(t) else t for t in parts]

    def transform(self, texts: list[str]) -> sparse.csr_matrix:
        """The same matrix as ``vectoriser.transform(texts)``."""
        if self.parts is None or not texts:
            return self.vectoriser.transform(texts)
        return sparse.hstack([p.transform(texts) for p in self.parts]).tocsr()
