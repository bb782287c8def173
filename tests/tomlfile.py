"""Writing an environment document back as a TOML file (the standard library only reads TOML).

Enough for environment files: top-level scalars and arrays, one level of
``[tables]``, ``[[services]]`` arrays of tables, inline tables for mappings
inside them (``labels``, ``env``).
"""

from __future__ import annotations

import json
import math
from typing import Any


def _string(value: str) -> str:
    # A JSON string is a valid TOML basic string for every character JSON escapes as \uXXXX or \n, \t, ...
    return json.dumps(value, ensure_ascii=False).replace("\\/", "/")


def _key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "-_" for c in key) and key.isascii() else _string(key)


def value(item: Any) -> str:
    """One TOML value."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        if not math.isfinite(item):
            raise ValueError(f"TOML has no {item}")
        return repr(item)
    if isinstance(item, str):
        return _string(item)
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(v) for v in item) + "]"
    if isinstance(item, dict):
        return "{" + ", ".join(f"{_key(k)} = {value(v)}" for k, v in item.items()) + "}"
    raise TypeError(f"no TOML form for {type(item).__name__}")


def dumps(doc: dict[str, Any]) -> str:
    """A TOML document: scalars first, then each ``[table]``, then each ``[[array of tables]]``."""
    tables = {k: v for k, v in doc.items() if isinstance(v, dict)}
    arrays = {k: v for k, v in doc.items() if isinstance(v, list) and v and all(isinstance(i, dict) for i in v)}
    lines = [f"{_key(k)} = {value(v)}" for k, v in doc.items() if k not in tables and k not in arrays]
    for name, table in tables.items():
        lines += ["", f"[{_key(name)}]", *(f"{_key(k)} = {value(v)}" for k, v in table.items())]
    for name, items in arrays.items():
        for item in items:
            lines += ["", f"[[{_key(name)}]]", *(f"{_key(k)} = {value(v)}" for k, v in item.items())]
    return "\n".join(lines) + "\n"
