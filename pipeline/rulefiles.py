"""Reading a YAML file with errors that name it: shared by every stage that has rule files.

It sits below the stages (ingest reads ``layout.yaml`` and ``plan.yaml``, the NLP components
their pattern sets and lexicons), so no stage imports a later one just to read YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

Model = TypeVar("Model")


class StrictModel(BaseModel):
    """Base of a rule file's schema: a key the schema does not name is an error (a typo in a
    rule file must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, naming the file in any error."""
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise ValueError(f"rule file {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"rule file {path} is not valid YAML: {exc}") from exc


def validated(model: type[Model], data: Any, path: Path, where: str = "") -> Model:
    """``data`` read from ``path`` checked against ``model`` (a pydantic model, or a dataclass
    carrying ``__pydantic_config__``); one error naming the file and every bad key by its
    dotted path ("periods.1.regex: ..."; ``where`` prefixes a section), raised as ``ValueError``.
    An empty file or section (``None``) is an empty mapping."""
    try:
        return TypeAdapter(model).validate_python({} if data is None else data)
    except ValidationError as exc:
        prefix = f"{where}." if where else ""
        problems = "; ".join(f"{prefix}{'.'.join(str(k) for k in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ValueError(f"{path}: {problems}") from None
