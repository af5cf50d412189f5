"""The manifest: a small ``planmine.yaml`` beside the inputs that overrides what the rules decide.

The rules guess a document's type, period and organisation from its own words; an analyst who
knows better says so once, per file::

    documents:
      council-plan-2023-27.pdf:
        plan: true                      # the plan to link against (implies strategic_plan)
        period: 2023-27
      annual-review-2023-24.docx:
        doc_type: annual_report
        period: 2023/24                 # a financial year, "2024/25 Q3", or a span "2023-27"
        organisation: Westmarsh District Council
        reporting_start: 2023-09-01     # the window it covers, where it says one
        reporting_end: 2024-08-31

Keys of a file: ``doc_type`` (annual_report, strategic_plan, other), ``period``,
``organisation``, ``title``, ``plan`` (true for the plan), ``reporting_start``,
``reporting_end``. File names are paths relative to the input folder, as in the ``documents``
table. Unknown keys, unknown files and bad values are errors that name the file and the key,
raised before any file is processed (pydantic, ``extra="forbid"``).

The manifest is read where a document's metadata is decided (:func:`apply`, called by the
reader), so dates resolve against the manifest's period, and its bytes are part of the cache
key of ``planmine extract``, so editing it re-processes the files.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from pipeline.ingest.metadata import title_period
from pipeline.model import Document
from pipeline.periods import fy_bounds, fy_label, fy_span_bounds
from pipeline.rulefiles import parse_yaml

MANIFEST_NAME = "planmine.yaml"

_FY = re.compile(r"^(?P<y1>(?:19|20)\d\d)/(?P<y2>\d\d)(?:\s+Q(?P<q>[1-4]))?$")
_SPAN = re.compile(r"^(?P<y1>(?:19|20)\d\d)\s*[-–]\s*(?P<y2>(?:19|20)?\d\d)$")


class ManifestError(ValueError):
    """The manifest cannot be read or does not validate; the message is one line."""


def period_bounds(period: str) -> tuple[str, date, date]:
    """(label, start, end) of a period as written in a manifest.

    "2023/24" → the financial year 1 April 2023 to 31 March 2024; "2024/25 Q3" → 1 October to
    31 December 2024; "2023-27" or "2023-2027" → a plan span, 1 April 2023 to 31 March 2027.
    """
    text = " ".join(period.split())
    m = _FY.match(text)
    if m:
        y1 = int(m["y1"])
        if (y1 + 1) % 100 != int(m["y2"]):
            raise ValueError(f"{period!r} is not a financial year (expected e.g. 2023/24)")
        if m["q"]:
            found = title_period(f"{y1}/{m['y2']} Q{m['q']}")
            assert found is not None
            return found
        return (fy_label(y1), *fy_bounds(y1))
    m = _SPAN.match(text)
    if m:
        y1, y2 = int(m["y1"]), m["y2"]
        end = int(y2) if len(y2) == 4 else (y1 // 100) * 100 + int(y2)
        if end <= y1:
            raise ValueError(f"{period!r}: the span ends before it starts")
        return (f"{y1}-{end % 100:02d}", *fy_span_bounds(y1, end))
    raise ValueError(f"{period!r} is not a period (use 2023/24, 2024/25 Q3 or 2023-27)")


class FileEntry(BaseModel):
    """What the analyst states about one input file."""

    model_config = ConfigDict(extra="forbid")

    doc_type: Literal["annual_report", "strategic_plan", "other"] | None = None
    period: str | None = None
    organisation: str | None = None
    title: str | None = None
    plan: bool = False
    reporting_start: date | None = None
    reporting_end: date | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period_ok(cls, value: object) -> object:
        if value is not None:
            period_bounds(str(value))
        return value if value is None else str(value)

    @model_validator(mode="after")
    def _consistent(self) -> FileEntry:
        if self.plan and self.doc_type not in (None, "strategic_plan"):
            raise ValueError("plan: true needs doc_type strategic_plan (or none)")
        if (self.reporting_start is None) != (self.reporting_end is None):
            raise ValueError("give both reporting_start and reporting_end")
        if self.reporting_start and self.reporting_end and self.reporting_start > self.reporting_end:
            raise ValueError("reporting_start is after reporting_end")
        return self


class Manifest(BaseModel):
    """The whole ``planmine.yaml``."""

    model_config = ConfigDict(extra="forbid")

    documents: dict[str, FileEntry] = {}

    @model_validator(mode="after")
    def _one_plan(self) -> Manifest:
        plans = [name for name, e in self.documents.items() if e.plan]
        if len(plans) > 1:
            raise ValueError(f"more than one file has plan: true ({', '.join(plans)})")
        return self

    def entry(self, file: str) -> FileEntry | None:
        """The entry for a file as named in the documents table (relative path)."""
        return self.documents.get(Path(file).as_posix())

    def plan_file(self) -> str | None:
        """The file marked ``plan: true``, if any."""
        return next((name for name, e in self.documents.items() if e.plan), None)


def _where(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] == "documents":
        key = ".".join(parts[2:]) or "(entry)"
        return f"file {parts[1]!r}, key {key!r}"
    return f"key {'.'.join(parts)!r}" if parts else "top level"


def manifest_path(input_dir: Path) -> Path:
    """Where the manifest of an input folder (or of a single input file) lives."""
    input_dir = Path(input_dir)
    return (input_dir if input_dir.is_dir() else input_dir.parent) / MANIFEST_NAME


def load_manifest(path: Path, inputs: list[str] | None = None) -> Manifest | None:
    """The validated manifest at ``path`` (None when there is none).

    ``inputs``: the input files (relative paths); a manifest entry naming none of them is an
    error, so a typo does not silently leave a rule's guess in place.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {' '.join(str(exc).split())}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: the manifest is a mapping with a 'documents' key")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ManifestError(f"{path}: {_where(tuple(err['loc']))}: {msg}{more}") from exc
    if inputs is not None:
        known = {Path(f).as_posix() for f in inputs}
        for name in manifest.documents:
            if name not in known:
                raise ManifestError(f"{path}: file {name!r}: not among the inputs "
                                    f"(names are paths relative to {path.parent})")
    return manifest


@lru_cache(maxsize=8)
def _cached(path: str, stamp: tuple[int, int]) -> Manifest | None:  # noqa: ARG001 (cache key)
    return load_manifest(Path(path))


def manifest_for(root: Path | None) -> Manifest | None:
    """The manifest of an input folder, read once per version of the file."""
    if root is None:
        return None
    path = manifest_path(Path(root))
    try:
        st = path.stat()
    except OSError:
        return None
    return _cached(str(path), (st.st_mtime_ns, st.st_size))


def fingerprint(input_dir: Path) -> str:
    """A short hash of the manifest's bytes ('' without one): part of the extract cache key."""
    path = manifest_path(input_dir)
    if not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:8]


def apply(doc: Document, root: Path | None) -> None:
    """Override the rules' metadata of ``doc`` with its manifest entry, if it has one."""
    manifest = manifest_for(root)
    entry = manifest.entry(doc.file) if manifest else None
    if entry is None:
        return
    if entry.plan:
        doc.doc_type = "strategic_plan"
    if entry.doc_type:
        doc.doc_type = entry.doc_type
    if entry.period:
        doc.period_label, doc.period_start, doc.period_end = period_bounds(entry.period)
    if entry.organisation is not None:
        doc.organisation = entry.organisation
    if entry.title is not None:
        doc.title = entry.title
    if entry.reporting_start and entry.reporting_end:
        doc.reporting_start, doc.reporting_end = entry.reporting_start, entry.reporting_end
