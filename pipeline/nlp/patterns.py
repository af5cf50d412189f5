"""Load and validate the rule files under ``models/`` (lexicons and regex pattern sets).

Rules are data: the money, dates and figures components read their regexes and word lists
from YAML so they can be reviewed and changed without touching code. Everything is validated
when loaded, so a typo raises a ``ValueError`` naming the file and the entry instead of
silently never matching.

A pattern file has two sections::

    fragments:            # named regex pieces, referenced as {NAME} (upper case)
      NUM: '\\d+(?:\\.\\d+)?'
    patterns:             # tried in order; each needs id, kind, regex
      - {id: amount, kind: amount, regex: '{CUR}\\s?(?P<num>{NUM})'}

Code may add fragments built from a lexicon (e.g. ``MONTH`` from the month names) through the
``extra_fragments`` argument. Placeholders are ``{UPPER_CASE}`` so they never clash with regex
repetition braces such as ``{1,3}``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.config import LEXICONS_DIR, PATTERNS_DIR
from pipeline.rulefiles import StrictModel, read_yaml, validated

# The parse tree of a regex, for prefilters: CPython's private re._parser (3.11+). If a later
# Python moves it, prefilters switch off (every regex always runs) instead of failing.
try:
    import re._compiler as _sre_compiler
    import re._constants as _sre_c
    import re._parser as _sre_p
except ImportError:  # pragma: no cover - depends on the interpreter
    _sre_c = _sre_p = _sre_compiler = None

_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


@dataclass(frozen=True)
class Pattern:
    """One compiled rule: ``kind`` says which interpreter in the component reads its groups."""

    id: str
    kind: str
    regex: re.Pattern[str]
    priority: int = 0
    #: a regex every match of ``regex`` holds a match of (``None``: none); see :func:`gate_open`
    gate: re.Pattern[str] | None = None


def gate_open(pattern: Pattern, text: str) -> bool:
    """False only when ``pattern`` cannot match ``text``: its gate is not found in it.

    Why: a pattern that opens with optional groups and long word lists (number words, month
    names) is tried in full at every position, yet most texts hold no match; one search for
    a short part every match must hold (a connective before a month name, two date ends side
    by side) rules such a text out for a fraction of the cost. The pattern file states the
    gate by the pattern, so a rule and its gate are read and changed together."""
    return pattern.gate is None or pattern.gate.search(text) is not None


@cache
def load_lexicon(name: str, directory: Path = LEXICONS_DIR) -> dict[str, Any]:
    """The lexicon ``<directory>/<name>.yaml`` as a dict (cached; treat it as read-only)."""
    path = directory / f"{name}.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ValueError(f"lexicon {path} must be a mapping of table name to table")
    return data


def require_keys(data: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    """Raise if any of ``keys`` is missing from ``data``; says which and where."""
    missing = [k for k in keys if k not in data]
    if missing:
        raise ValueError(f"{where} is missing required entries {missing}")


def expand(template: str, fragments: dict[str, str], where: str) -> str:
    """Replace ``{NAME}`` placeholders (recursively, fragments may use fragments)."""
    seen = 0
    while _PLACEHOLDER.search(template):
        seen += 1
        if seen > 20:
            raise ValueError(f"{where}: fragment placeholders nest too deep (a cycle?)")

        def sub(m: re.Match[str]) -> str:
            key = m.group(1)
            if key not in fragments:
                raise ValueError(
                    f"{where}: unknown fragment {{{key}}}; known: {sorted(fragments)}")
            return f"(?:{fragments[key]})"

        template = _PLACEHOLDER.sub(sub, template)
    return template


def compile_regex(source: str, where: str, flags: int = 0) -> re.Pattern[str]:
    """Compile with the file/entry named in the error message, word lists factored
    (:func:`factor_alternations`: the same matches, found faster)."""
    factored = factor_alternations(source)
    if factored != source:
        try:
            regex = re.compile(factored, flags)
        except re.error:  # cannot happen for a valid source; compile it as written
            pass
        else:
            _WRITTEN[factored] = source
            return regex
    try:
        return re.compile(source, flags)
    except re.error as exc:
        raise ValueError(f"{where}: invalid regex ({exc}): {source[:200]!r}") from exc


# --- factored word lists: the same alternation, tried one first character at a time --------

#: Characters a branch of a factored alternation may hold, besides the token ``\s+``.
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_PLAIN = _ALNUM | frozenset(" -'")
_WS_TOKEN = r"\s+"
#: Factored source -> the source as written: prefilters read the written form, whose word
#: lists give longer needles ("delivered", not "livered" after a shared "de").
_WRITTEN: dict[str, str] = {}


def written_source(regex: re.Pattern[str]) -> str:
    """The source of ``regex`` as the rule file wrote it, before factoring."""
    return _WRITTEN.get(regex.pattern, regex.pattern)


def factor_alternations(source: str) -> str:
    """``source`` with each group of plain words (``(?:delivered|developed|saw)``) written as
    a tree of shared first characters (``(?:de(?:livered|veloped)|saw)``).

    Why: ``re`` tries an alternation's branches one by one at every position it reaches, so a
    list of two hundred verbs cost two hundred tests per word of text; factored, a position
    whose letter starts no branch fails at once. The matches are the same, groups included:
    only branches that cannot match at the same place change order (different first letters,
    compared case-folded since IGNORECASE equates them), the branches of one letter keep the
    order written, and nothing moves across a branch that can match an empty start (an empty
    one, or one opening with an optional letter). Only groups of plain words are touched:
    letters, digits, space, hyphen, apostrophe, ``\\s+`` and single optional characters.
    """
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        c = source[i]
        if c == "\\":
            out.append(source[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            j = i + 1 + (source[i + 1:i + 2] == "^")
            j += source[j:j + 1] == "]"  # a "]" first in a class is a literal
            out.append(source[i:j])
            i = j
            continue
        if source.startswith("(?:", i):
            j = source.find(")", i + 3)
            inner = source[i + 3:j] if j != -1 else ""
            if "|" in inner and "(" not in inner and "\\" not in inner.replace(_WS_TOKEN, ""):
                branches = [_tokens(b) for b in inner.split("|")]
                if all(b is not None for b in branches):
                    out.append("(?:" + "|".join(_alternatives(branches)) + ")")  # type: ignore[arg-type]
                    i = j + 1
                    continue
        out.append(c)
        i += 1
    return "".join(out)


def _tokens(branch: str) -> list[str] | None:
    """A branch as literal tokens: one character, ``\\s+``, or one character made optional
    (``s?``); None when it holds anything else (a class, an escape, a repeat...)."""
    out: list[str] = []
    i = 0
    while i < len(branch):
        if branch.startswith(_WS_TOKEN, i):
            out.append(_WS_TOKEN)
            i += len(_WS_TOKEN)
        elif branch[i] in _PLAIN:
            out.append(branch[i])
            i += 1
        elif branch[i] == "?" and out and len(out[-1]) == 1:
            out[-1] += "?"
            i += 1
        else:
            return None
    return out


def _alternatives(branches: list[list[str]]) -> list[str]:
    """The branches as regex alternatives, in order, those that share a first token merged."""
    if len(branches) == 1:
        return ["".join(branches[0])]
    # a branch that can match nothing at its start (empty, or opening with "s?") may match
    # where any other does: no branch moves across it
    barrier = [not b or b[0].endswith("?") for b in branches]
    firsts = {b[0] for b, stop in zip(branches, barrier, strict=True) if not stop}
    if len(firsts - _ALNUM) > 1:
        # " " and "\\s+" can match the same character: their order is kept as written
        return ["".join(b) for b in branches]
    out: list[str] = []
    segment: list[list[str]] = []
    for b, stop in zip(branches, barrier, strict=True):
        if stop:
            out += _merged(segment) + ["".join(b)]
            segment = []
        else:
            segment.append(b)
    return out + _merged(segment)


def _merged(branches: list[list[str]]) -> list[str]:
    """Branches none of which is a barrier, grouped by first token (case-folded), each
    group in the order written; a group whose first tokens differ in case stays unmerged."""
    groups: dict[str, list[list[str]]] = {}
    for b in branches:
        groups.setdefault(b[0].lower(), []).append(b)
    out: list[str] = []
    for members in groups.values():
        if len(members) == 1 or len({m[0] for m in members}) > 1:
            out += ["".join(m) for m in members]
            continue
        rest = _alternatives([m[1:] for m in members])
        out.append(members[0][0] + (rest[0] if len(rest) == 1 else "(?:" + "|".join(rest) + ")"))
    return out


class PatternSpec(StrictModel):
    """One entry of a pattern file's ``patterns`` list."""

    id: str
    kind: str
    regex: str
    priority: int = 0
    #: a regex every match of ``regex`` holds a match of: the pattern runs only where it is found
    gate: str | None = None


class NamedRegexSpec(StrictModel):
    """One entry of a pattern file's named-regex list (``exclude``)."""

    id: str
    regex: str
    #: a regex every match of ``regex`` holds a match of, as for a pattern
    gate: str | None = None


class PatternFile(StrictModel):
    """The shape of a pattern file (money, figures, dates): an unknown or mistyped key is an
    error naming the file and the key, not a rule silently ignored."""

    fragments: dict[str, str] | None
    patterns: list[PatternSpec]
    exclude: list[NamedRegexSpec] = []


def load_pattern_set(name: str, kinds: tuple[str, ...], extra_fragments: dict[str, str],
                     directory: Path = PATTERNS_DIR,
                     flags: int = 0) -> tuple[dict[str, re.Pattern[str]], list[Pattern]]:
    """Load ``<directory>/<name>.yaml``: compiled fragments and the ordered pattern list.

    ``kinds`` lists the pattern kinds the calling component can interpret; any other kind is
    an error. Returns the compiled named fragments (handy for small look-around checks in
    code) and the patterns.
    """
    path = directory / f"{name}.yaml"
    data = read_yaml(path)
    validated(PatternFile, data, path)
    fragments: dict[str, str] = dict(extra_fragments)
    for key, value in (data["fragments"] or {}).items():
        if not _PLACEHOLDER.fullmatch("{" + str(key) + "}"):
            raise ValueError(f"{path}: fragment name {key!r} must be UPPER_CASE")
        fragments[str(key)] = str(value)
    compiled_fragments = {
        key: compile_regex(expand(value, fragments, f"{path} fragment {key}"),
                           f"{path} fragment {key}", flags)
        for key, value in fragments.items()
    }
    patterns: list[Pattern] = []
    ids: set[str] = set()
    for entry in data["patterns"] or []:
        pid = str(entry["id"])  # shape checked by PatternFile
        where = f"{path} pattern {pid!r}"
        if pid in ids:
            raise ValueError(f"{where}: duplicate id")
        ids.add(pid)
        if entry["kind"] not in kinds:
            raise ValueError(f"{where}: kind {entry['kind']!r} is not one of {kinds}")
        regex = compile_regex(expand(str(entry["regex"]), fragments, where), where, flags)
        gate = _gate(entry, fragments, where, flags)
        patterns.append(Pattern(pid, str(entry["kind"]), first_char_guarded(regex),
                                int(entry.get("priority", 0)), gate))
    if not patterns:
        raise ValueError(f"{path} defines no patterns")
    return compiled_fragments, patterns


def _gate(entry: dict[str, Any], fragments: dict[str, str], where: str,
          flags: int) -> re.Pattern[str] | None:
    """The compiled ``gate`` of a pattern file entry (None when it has none)."""
    if entry.get("gate") is None:
        return None
    return first_char_guarded(compile_regex(expand(str(entry["gate"]), fragments, where),
                                            f"{where} gate", flags))


def alternation(words: list[str] | tuple[str, ...] | Any) -> str:
    """A regex alternation of literal words, longest first so prefixes never win early."""
    items = sorted({str(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items)


def load_named_regexes(name: str, section: str, extra_fragments: dict[str, str],
                       directory: Path = PATTERNS_DIR, flags: int = 0) -> list[Pattern]:
    """A list section of ``id``/``regex`` entries (e.g. ``exclude``) from a pattern file.

    Uses the file's fragments like :func:`load_pattern_set`; the kind is the section name.
    """
    path = directory / f"{name}.yaml"
    data = read_yaml(path)
    validated(PatternFile, data, path)  # the shape of every section, entries included
    require_keys(data, (section,), str(path))
    fragments = dict(extra_fragments)
    fragments.update({str(k): str(v) for k, v in (data["fragments"] or {}).items()})
    out: list[Pattern] = []
    for entry in data[section] or []:
        where = f"{path} {section} {entry['id']!r}"
        regex = compile_regex(expand(str(entry["regex"]), fragments, where), where, flags)
        out.append(Pattern(str(entry["id"]), section, first_char_guarded(regex),
                           gate=_gate(entry, fragments, where, flags)))
    return out


#: File name of a component's rules inside its folder of a saved pipeline (``nlp.to_disk``).
SAVED_RULES = "rules.yaml"


def save_rules(source: Path, folder: str | Path) -> None:
    """Copy a component's rule file into its folder of a saved pipeline: the pipeline then
    carries the rules, not a path that exists only on the machine that saved it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SAVED_RULES).write_bytes(Path(source).read_bytes())


def saved_rules(folder: str | Path) -> Path | None:
    """The rule file a saved pipeline carries for a component, if any."""
    path = Path(folder) / SAVED_RULES
    return path if path.is_file() else None


class RuleFileComponent:
    """A component configured by one rule file: ``nlp.to_disk`` writes the file itself beside
    the pipeline and ``from_disk`` reads it back, so a saved pipeline carries its rules
    instead of a path on one machine. Subclasses give the file's validating loader."""

    rules: Any

    @staticmethod
    def load_rules(path: Path) -> Any:
        raise NotImplementedError

    def use_rules(self, path: Path) -> None:
        self.rules_path = Path(path)
        self.rules = self.load_rules(self.rules_path)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        save_rules(self.rules_path, path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> RuleFileComponent:
        saved = saved_rules(path)
        if saved is not None:
            self.use_rules(saved)
        return self


# --- prefilters: skip a regex on text it cannot match ---------------------------------------

#: Stands for "any character ``\d`` matches" in a needle set.
DIGIT = "\\d"
_DIGIT_RE = re.compile(r"\d")
#: Characters outside ASCII that IGNORECASE matching can equate with an ASCII letter (Kelvin
#: sign, long s, dotless/dotted i...): on a text holding one, lower-case needles can miss.
_FOLDS_TO_ASCII = re.compile("[" + "".join(
    re.escape(chr(c)) for c in range(0x80, 0x10000)
    if any(x.isascii() for x in (chr(c).lower() + chr(c).upper() + chr(c).casefold()))
    or chr(c) in "\u0131\u017f\u0130\u212a\u212b") + "]")


def _is_digit_set(items: list) -> bool:
    """An ``IN`` node whose every member is a digit (``\\d``, ``[0-9]``, literal digits)."""
    if not items:
        return False
    for op, av in items:
        if op is _sre_c.CATEGORY and av is _sre_c.CATEGORY_DIGIT:
            continue
        if op is _sre_c.RANGE and 48 <= av[0] <= av[1] <= 57:
            continue
        if op is _sre_c.LITERAL and 48 <= av <= 57:
            continue
        return False
    return True


def _best(sets: list[frozenset[str]]) -> frozenset[str] | None:
    """The most selective needle set: longest shortest needle, then fewest needles."""
    if not sets:
        return None
    return max(sets, key=_selectivity)


def _selectivity(needles: frozenset[str]) -> tuple[int, int]:
    """How rarely a needle set is met, as a sort key (higher: rarer)."""
    return min(1 if n == DIGIT else len(n) for n in needles), -len(needles)


@dataclass(frozen=True)
class _Need:
    """What every match of a regex, or of a part of one, holds: a needle of each of ``sets``,
    and for each alternation in ``alts`` everything one of its branches needs."""

    sets: tuple[frozenset[str], ...] = ()
    alts: tuple[tuple[_Need, ...], ...] = ()

    def flat(self) -> list[frozenset[str]]:
        """The needs as needle sets alone: an alternation is one set, the union of its
        branches' most selective sets (a weaker need than any one branch's, never wrong)."""
        return [*self.sets, *(u for u in map(_union_of_branches, self.alts) if u)]

    def ways(self) -> list[list[frozenset[str]]]:
        """The needs as alternatives, each a list of needle sets all of which a match meets
        (one of the ways always holds). An alternation is read branch by branch (each
        branch's :meth:`flat` sets) while the ways stay at most :data:`MAX_WAYS`, beyond that
        as one union set; alternations inside a branch are always read as unions."""
        ways = [list(self.sets)]
        for alt in self.alts:
            options = [branch.flat() for branch in alt]
            if len(ways) * len(options) <= MAX_WAYS:
                ways = [w + o for w in ways for o in options]
                continue
            union = _union_of_branches(alt)
            if union:
                ways = [w + [union] for w in ways]
        return ways


#: Most alternatives a regex's prefilter reads (see :meth:`_Need.ways`).
MAX_WAYS = 8


def _union_of_branches(alt: tuple[_Need, ...]) -> frozenset[str]:
    """One needle set every match through the alternation ``alt`` meets (empty: none)."""
    parts = [_best(branch.flat()) for branch in alt]
    return frozenset().union(*parts) if all(p is not None for p in parts) else frozenset()  # type: ignore[arg-type]


def _required(seq: Any, fold: bool) -> _Need:
    """What every match of the parsed sequence ``seq`` holds. Sound, not complete: only
    literals, alternations, groups, repeats of at least one and positive look-arounds are
    read; everything else (classes, anchors, negative look-arounds) is skipped over, which can
    only make the need weaker, never wrong. An alternation needs what one of its branches
    needs, which branch not known (nothing when a branch needs nothing). A positive
    look-ahead or look-behind that holds means the text holds what it reads (next to the
    match, not in it): a needle of the text all the same, and the only one a branch written
    as look-aheads alone (``^(?=.*\bwill\b)...``) has."""
    sets: list[frozenset[str]] = []
    alts: list[tuple[_Need, ...]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            sets.append(frozenset(["".join(run)]))
            run.clear()

    def add(need: _Need) -> None:
        sets.extend(need.sets)
        alts.extend(need.alts)

    for op, av in seq:
        if op is _sre_c.LITERAL:
            ch = chr(av)
            run.append(ch.lower() if fold else ch)
            continue
        close_run()
        if op is _sre_c.SUBPATTERN:
            add(_required(av[-1], fold))
        elif op is _sre_c.BRANCH:
            branches = tuple(_required(branch, fold) for branch in av[1])
            if all(b.sets or b.alts for b in branches):
                alts.append(branches)
        elif op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, _sre_c.POSSESSIVE_REPEAT) and av[0] >= 1:
            add(_required(av[2], fold))
        elif op is _sre_c.IN and _is_digit_set(av):
            sets.append(frozenset([DIGIT]))
        elif op is _sre_c.ATOMIC_GROUP:
            add(_required(av, fold))
        elif op is _sre_c.ASSERT:  # (direction, sequence): positive, either direction
            add(_required(av[1], fold))
    close_run()
    return _Need(tuple(s for s in sets if s), tuple(alts))


#: One required needle set as a prefilter tests it: its words (sorted), whether a digit meets it.
NeedleSet = tuple[tuple[str, ...], bool]


def _needle_set(needles: frozenset[str]) -> NeedleSet:
    return tuple(sorted(n for n in needles if n != DIGIT)), DIGIT in needles


def _ordered(sets: Iterable[frozenset[str]]) -> tuple[NeedleSet, ...]:
    """Needle sets the rarest first (most texts fail on it), in the same order in every
    process, each as :class:`NeedleSet`."""
    return tuple(_needle_set(g) for g in sorted(set(sets), key=lambda g: (_selectivity(g),
                                                                         sorted(g)),
                                                reverse=True))


class Prefilter:
    """The needles a regex needs: it is searched only on text holding one needle of each of
    its required sets (``groups``) and meeting every set of one of its ``ways``;
    ``needles`` is the most selective set alone."""

    __slots__ = ("needles", "groups", "ways")

    def __init__(self, needles: frozenset[str] | None,
                 groups: list[frozenset[str]] | None = None,
                 ways: list[list[frozenset[str]]] | None = None) -> None:
        self.needles = needles
        #: the sets every match meets (an alternation as the union of its branches')
        self.groups = _ordered(groups or ([needles] if needles else []))
        #: the alternatives when an alternation is read branch by branch (None: there is
        #: one way, ``groups`` alone): one of them holds, each only what is not in ``groups``
        self.ways: tuple[tuple[NeedleSet, ...], ...] | None = None
        if ways is not None and len(ways) > 1:
            self.ways = tuple(tuple(g for g in _ordered(way) if g not in self.groups)
                              for way in ways)

    @classmethod
    def of(cls, regex: re.Pattern[str]) -> Prefilter:
        # needles and text are compared in lower case even for a case-sensitive regex: a
        # scoped ``(?i:...)`` inside it would otherwise be missed, and lower-casing both
        # sides keeps every real occurrence (it only costs a little selectivity)
        try:
            if _sre_p is None:
                raise ImportError("re._parser is not available")
            need = _required(_sre_p.parse(written_source(regex), regex.flags), True)
        except Exception:  # an unreadable parse tree: no prefilter, the regex always runs
            need = _Need()
        groups = need.flat()
        return cls(_best(groups), groups, need.ways())

    def may_match(self, view: TextView) -> bool:
        """False only when the regex cannot match ``view``'s text."""
        if not view.foldable:
            return True
        hay = view.lower

        def met(sets: tuple[NeedleSet, ...]) -> bool:
            return all((digit and view.has_digit) or any(w in hay for w in words)
                       for words, digit in sets)

        return met(self.groups) and (self.ways is None or any(map(met, self.ways)))


#: Needles this short are looked for one by one, not by the automaton (see PrefilterSet).
SHORT_NEEDLE = 2


class PrefilterSet:
    """The prefilters of an ordered list of regexes, read together: one pass of an
    Aho-Corasick automaton finds every needle of every regex present in a text, and each
    regex is then judged by bit tests instead of a substring search per needle.

    Why: the claim cues are a hundred regexes per sentence and the mention patterns thirty
    per text; testing each one's needles one by one cost more than many of the searches it
    saved. The answers are exactly :meth:`Prefilter.may_match`'s: every distinct required set
    has a bit; a needle found sets the bits of the sets it is in (a digit those of the sets a
    digit meets), and a regex may match when all the bits of its groups are set, and all
    those of one of its ways. The ways are tested only for the few regexes whose groups
    passed: testing every way of every regex cost more than the searches it saved."""

    def __init__(self, regexes: Iterable[re.Pattern[str]]) -> None:
        import ahocorasick

        self.filters = [prefilter(r) for r in regexes]
        set_bits: dict[NeedleSet, int] = {}

        def bits(sets: tuple[NeedleSet, ...]) -> int:
            need = 0
            for g in sets:
                need |= set_bits.setdefault(g, 1 << len(set_bits))
            return need

        #: per regex, (the bits of its groups, its index); 0 bits: it always runs
        self._needs = [(bits(f.groups), i) for i, f in enumerate(self.filters)]
        #: the bits of each way, for the regexes with ways, by index
        self._ways = {i: tuple(map(bits, f.ways)) for i, f in enumerate(self.filters)
                      if f.ways is not None}
        #: every bit: ``self._all ^ met`` are the sets not met (``~met``, a negative number,
        #: costs more in each ``&``)
        self._all = (1 << len(set_bits)) - 1
        word_bits: dict[str, int] = {}
        self._digit_bits = 0
        for (words, digit), bit in set_bits.items():
            for w in words:
                word_bits[w] = word_bits.get(w, 0) | bit
            if digit:
                self._digit_bits |= bit
        #: the needles of at most SHORT_NEEDLE characters, tested with ``in``: "e" or "to"
        #: occurs dozens of times in a text and the automaton reports every occurrence, which
        #: cost more than one substring test each; the bits they set are the same
        self._short: tuple[tuple[str, int], ...] = tuple(
            (w, word_bits[w]) for w in sorted(word_bits) if len(w) <= SHORT_NEEDLE)
        self._automaton: Any = None
        long_words = sorted(w for w in word_bits if len(w) > SHORT_NEEDLE)
        if long_words:
            automaton = ahocorasick.Automaton()
            for w in long_words:
                automaton.add_word(w, word_bits[w])
            automaton.make_automaton()
            self._automaton = automaton

    def passing(self, view: TextView) -> list[int]:
        """The indices, in order, of the regexes that may match ``view``'s text."""
        if not view.foldable:
            return list(range(len(self.filters)))
        met = self._digit_bits if view.has_digit else 0
        hay = view.lower
        for w, bits in self._short:
            if w in hay:
                met |= bits
        if self._automaton is not None:
            for bits in {v for _, v in self._automaton.iter(hay)}:
                met |= bits
        # a regex may match when none of the bits of its groups is missing
        missing = self._all ^ met
        passing = [i for need, i in self._needs if not need & missing]
        ways = self._ways
        if not ways:
            return passing
        # and a way holds when none of its bits is missing: ``missing & way`` is 0 (read in
        # C by map and min, not by a generator per regex)
        return [i for i in passing if i not in ways or not min(map(missing.__and__, ways[i]))]


class PrefilterGroup:
    """Several lists of regexes run on the same texts (the money, dates and figures patterns
    on each Doc's text), their prefilters read together: one :class:`PrefilterSet` over all
    of them, read once per text whichever list asks first; each list gets its own answers.

    Why: the three components built a text view and ran an automaton over the whole text
    each; the needles of all three in one automaton cost little more than one of them."""

    def __init__(self) -> None:
        self._regexes: list[re.Pattern[str]] = []
        self._set = PrefilterSet(())
        #: the last text read and its passing indices (one tuple: read and replaced whole)
        self._last: tuple[str | None, list[int]] = (None, [])

    def add(self, regexes: Iterable[re.Pattern[str]]) -> PrefilterPart:
        """A new list of regexes in the group, and what answers for it. The set over every
        list is built again at once (when the components are loaded, as each list's own set
        was; the regexes' prefilters are derived once, the automaton is quick to build)."""
        start = len(self._regexes)
        self._regexes.extend(regexes)
        self._set = PrefilterSet(self._regexes)
        self._last = (None, [])
        return PrefilterPart(self, start, len(self._regexes) - start)

    def passing(self, text: str) -> list[int]:
        """The indices, in order, of the group's regexes that may match ``text``."""
        last = self._last
        if last[0] is None or last[0] != text:
            last = self._last = (text, self._set.passing(TextView(text)))
        return last[1]


class PrefilterPart:
    """One list of regexes of a :class:`PrefilterGroup`."""

    __slots__ = ("group", "start", "size")

    def __init__(self, group: PrefilterGroup, start: int, size: int) -> None:
        self.group, self.start, self.size = group, start, size

    def passing(self, text: str) -> list[int]:
        """The indices, in order, of this list's regexes that may match ``text``: the
        answers of a :class:`PrefilterSet` over this list alone."""
        found = self.group.passing(text)
        lo = bisect.bisect_left(found, self.start)
        hi = bisect.bisect_left(found, self.start + self.size, lo)
        return [i - self.start for i in found[lo:hi]]


class TextView:
    """One text with what prefilters ask of it, computed once: lower case, digits, folds."""

    __slots__ = ("text", "_lower", "_digit", "_foldable")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None
        self._digit: bool | None = None
        self._foldable: bool | None = None

    @property
    def lower(self) -> str:
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    @property
    def has_digit(self) -> bool:
        if self._digit is None:
            self._digit = _DIGIT_RE.search(self.text) is not None
        return self._digit

    @property
    def foldable(self) -> bool:
        """Whether lower-casing the text is a safe stand-in for IGNORECASE matching."""
        if self._foldable is None:
            self._foldable = self.text.isascii() or not _FOLDS_TO_ASCII.search(self.text)
        return self._foldable


# --- first-character guards: skip the positions where a regex cannot start -----------------

class _NoGuard(Exception):
    """The regex starts with something a character class cannot describe."""


_CATEGORY_CLASS = {} if _sre_c is None else {
    _sre_c.CATEGORY_DIGIT: r"\d", _sre_c.CATEGORY_SPACE: r"\s"}


#: How many leading characters a start guard names, each by a class (see
#: :func:`first_char_guarded`).
GUARD_CHARS = 3

#: Character-class items (``None``: the characters cannot be told).
_Items = list[str] | None


@dataclass(frozen=True)
class _Lead:
    """How the matches of a piece of a regex begin: ``classes[p]``, the character-class items
    the character at position ``p`` (of the first :data:`GUARD_CHARS`) is one of, in the
    matches longer than ``p``; ``short``, the lengths under :data:`GUARD_CHARS` a match can
    have (a superset where a character cannot be told)."""

    classes: tuple[_Items, ...]
    short: frozenset[int]


def _union(a: _Items, b: _Items) -> _Items:
    return None if a is None or b is None else a + b


#: The empty match (of a zero-width item, ``\\b``, ``^`` or a look-around, or of nothing).
_EMPTY = _Lead(([],) * GUARD_CHARS, frozenset({0}))  # (lists never changed in place)


def _then(a: _Lead, b: _Lead) -> _Lead:
    """The lead of a match of ``a`` followed by one of ``b``."""
    classes = list(a.classes)
    for length in a.short:  # b's characters start where a match of a can end
        for p in range(length, GUARD_CHARS):
            classes[p] = _union(classes[p], b.classes[p - length])
    return _Lead(tuple(classes), frozenset(la + lb for la in a.short for lb in b.short
                                           if la + lb < GUARD_CHARS))


def _lead(seq: Any) -> _Lead:
    """The :class:`_Lead` of a sequence of parse-tree items, read only while a match so far
    can be shorter than :data:`GUARD_CHARS`. An item whose characters cannot be described
    raises :class:`_NoGuard` where it may give the first character; further on, every
    position from where it may start is unknown (and the lengths so far stand for the
    rest: more items only lengthen a match)."""
    lead = _EMPTY
    for op, av in seq:
        if not lead.short:
            break  # GUARD_CHARS characters are consumed: what follows starts later
        try:
            item = _lead_of(op, av)
        except _NoGuard:
            if 0 in lead.short:
                raise
            start = min(lead.short)
            return _Lead(tuple(c if p < start else None for p, c in enumerate(lead.classes)),
                         lead.short)
        lead = _then(lead, item)
    return lead


def _lead_of(op: Any, av: Any) -> _Lead:
    if op is _sre_c.LITERAL:
        return _Lead(([re.escape(chr(av))], *([],) * (GUARD_CHARS - 1)), frozenset({1}))
    if op is _sre_c.IN:
        items = []
        for o, a in av:
            if o is _sre_c.LITERAL:
                items.append(re.escape(chr(a)))
            elif o is _sre_c.RANGE and a[1] - a[0] <= 10:
                items.append(f"{re.escape(chr(a[0]))}-{re.escape(chr(a[1]))}")
            elif o is _sre_c.CATEGORY and a in _CATEGORY_CLASS:
                items.append(_CATEGORY_CLASS[a])
            else:  # a negated set, a wide range or \w: it filters out too little to pay
                raise _NoGuard
        return _Lead((items, *([],) * (GUARD_CHARS - 1)), frozenset({1}))
    if op is _sre_c.SUBPATTERN:
        return _lead(av[-1])
    if op is _sre_c.ATOMIC_GROUP:
        return _lead(av)
    if op is _sre_c.BRANCH:
        branches = [_lead(branch) for branch in av[1]]
        classes = branches[0].classes
        for b in branches[1:]:
            classes = tuple(map(_union, classes, b.classes))
        return _Lead(classes, frozenset().union(*(b.short for b in branches)))
    if op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, _sre_c.POSSESSIVE_REPEAT):
        low, high, sub = av
        one = _lead(sub)
        optional = _Lead(one.classes, one.short | {0})
        # the copies that can start inside the first GUARD_CHARS characters: at most that
        # many of them are not empty, and empty ones add nothing
        lead = _EMPTY
        for i in range(min(high, GUARD_CHARS)):
            lead = _then(lead, one if i < low else optional)
        return lead
    if op in (_sre_c.AT, _sre_c.ASSERT, _sre_c.ASSERT_NOT):
        return _EMPTY  # the match starts with what follows
    raise _NoGuard  # any character, a back-reference...


def _boundary_after_lookarounds(seq: Any, behind: bool = False) -> bool | None:
    """True when every match of ``seq`` starts at a word boundary that the regex tests only
    after one or more look-arounds (``(?<!\\bis\\s)\\b...``), before consuming anything;
    False when it does not; None when ``seq`` is only zero-width items without one."""
    for op, av in seq:
        if op is _sre_c.AT and av is _sre_c.AT_BOUNDARY:
            return behind
        if op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT):
            behind = True
            continue
        if op is _sre_c.AT:
            continue  # zero width: the match has not moved
        if op is _sre_c.SUBPATTERN or op is _sre_c.ATOMIC_GROUP:
            inner = _boundary_after_lookarounds(av[-1] if op is _sre_c.SUBPATTERN else av,
                                                behind)
            if inner is None:
                behind = behind or _has_lookaround(av[-1] if op is _sre_c.SUBPATTERN else av)
                continue
            return inner
        return False
    return None


def _has_lookaround(seq: Any) -> bool:
    return any(op in (_sre_c.ASSERT, _sre_c.ASSERT_NOT) for op, _ in seq)


def _scanned_fast(tree: Any) -> bool:
    """Whether ``re`` itself skips the positions where the parsed regex cannot start: it
    opens with a literal, or with a class of characters case cannot change (``\\d``, ``£``),
    which ``re`` looks for in C before trying the regex. A look-ahead guard in front would
    hide that from it and make the search slower, not faster."""
    try:
        flags = tree.state.flags
        return bool(_sre_compiler._get_literal_prefix(tree, flags)[0]
                    or _sre_compiler._get_charset_prefix(tree, flags))
    except Exception:  # a private helper of another shape: guard as before
        return False


def first_char_guarded(regex: re.Pattern[str]) -> re.Pattern[str]:
    """``regex`` behind a look-ahead for the characters a match can start with, or ``regex``
    itself when they cannot be told (or are too many to help).

    Why: ``re`` tries a pattern that opens with optional groups, look-behinds or long word
    alternations (number words, month names) in full at every position of the text. The
    look-ahead ``(?=(?i:[...]))`` turns most positions away in one step. It changes no match:
    every match starts with a character of the class (case-insensitive, so a superset), and
    it adds no group. Measured over a third of the corpus's body texts, the shipped patterns
    and cues took 10 s guarded against 17 s unguarded, with the same matches.

    The look-ahead names the second and third characters as well (``(?=(?i:[...][...]))``),
    as many of the first :data:`GUARD_CHARS` as every match has and can be told: one letter
    of the first class stands at half the positions of English text, a letter pair or three
    of month names or "the end of" at far fewer. Over the corpus's texts the dates' range,
    month and month-with-short-year patterns searched in 0.12, 0.058 and 0.023 s with the
    first class alone, 0.10, 0.033, 0.012 s with two; the shipped patterns and cues together
    0.86 s with one class, 0.74 s with two; the mention patterns 0.69 -> 0.65 s with three.
    """
    if _sre_p is None:
        return regex
    try:
        tree = _sre_p.parse(regex.pattern, regex.flags)
    except Exception:  # a parse tree of another shape: no guard
        return regex
    if _scanned_fast(tree):
        return regex
    try:
        lead = _lead(tree)
    except Exception:  # _NoGuard: no first-character class
        lead = _EMPTY
    classes: list[str] = []
    # the characters every match has (as long as the shortest), while they can be told
    for items in lead.classes[:min(lead.short, default=GUARD_CHARS)]:
        if not items:
            break
        classes.append("[" + "".join(dict.fromkeys(items)) + "]")
    guard = "(?=(?i:" + "".join(classes) + "))" if classes else ""
    # the regex tests a word boundary where it starts, but only after look-behinds (which
    # run at every position): testing it first turns the inside of words away at once
    if _boundary_after_lookarounds(tree):
        guard += r"\b"
    if not guard:
        return regex
    source = guard + "(?:" + regex.pattern + ")"
    try:
        guarded = re.compile(source, regex.flags)
    except re.error:  # e.g. global inline flags, which must open the pattern
        return regex
    if regex.pattern in _WRITTEN:
        _WRITTEN[source] = guard + "(?:" + _WRITTEN[regex.pattern] + ")"
    return guarded


@cache
def prefilter(regex: re.Pattern[str]) -> Prefilter:
    """The :class:`Prefilter` of a compiled regex, derived once per regex."""
    return Prefilter.of(regex)


def may_match(regex: re.Pattern[str], view: TextView) -> bool:
    """False only when ``regex`` cannot match the text of ``view`` (its needles are absent)."""
    return prefilter(regex).may_match(view)
