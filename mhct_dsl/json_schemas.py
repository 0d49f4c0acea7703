"""The JSON Schemas of the formats people exchange: the record (input), the allocation and the
review (output, one item per record: a result or an error in its place), and the diff
(docs/diff.md).

They live in ``mhct_dsl/schemas/*.schema.json`` (package data) and are printed by
``mhct schema NAME``; docs/api.md explains every key. Results may gain documented keys, so the
output schemas allow keys they do not list; a record may not (unknown input keys are errors).
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_NAMES = ("record", "allocation", "review", "diff")


def schema_text(name: str) -> str:
    """The schema ``name`` (one of `SCHEMA_NAMES`) as its JSON text."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; schemas are {', '.join(SCHEMA_NAMES)}")
    return (resources.files("mhct_dsl") / "schemas" / f"{name}.schema.json").read_text("utf-8")


def json_schema(name: str) -> dict[str, Any]:
    """The schema ``name`` as a dict."""
    schema: dict[str, Any] = json.loads(schema_text(name))
    return schema
