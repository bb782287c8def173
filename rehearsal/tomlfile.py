"""Writing an environment document back as a TOML file (the standard library only reads TOML).

Top-level scalars, then one ``[table]`` per mapping, then ``[[services]]``;
mappings inside them as inline tables. Every key and string is a basic string
with control characters and DEL escaped, so any document the property tests
generate, valid or not, is written as TOML that reads back to the same data.
"""

from __future__ import annotations

import math
from typing import Any


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def value(item: Any) -> str:
    """One TOML value."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        assert math.isfinite(item)
        return repr(item)
    if isinstance(item, str):
        return _string(item)
    if isinstance(item, list):
        return "[" + ", ".join(value(v) for v in item) + "]"
    return "{" + ", ".join(f"{_string(k)} = {value(v)}" for k, v in item.items()) + "}"


def dumps(doc: dict[str, Any]) -> str:
    """A TOML file for a generated document: scalars, then [tables], then [[services]]."""
    lines = [f"{_string(k)} = {value(v)}" for k, v in doc.items() if not isinstance(v, dict) and k != "services"]
    for key, table in doc.items():
        if isinstance(table, dict):
            lines += [f"[{_string(key)}]", *(f"{_string(k)} = {value(v)}" for k, v in table.items())]
    services_value = doc.get("services", [])
    if isinstance(services_value, list) and all(isinstance(s, dict) for s in services_value):
        for service in services_value:
            lines += ["[[services]]", *(f"{_string(k)} = {value(v)}" for k, v in service.items())]
    elif "services" in doc:
        lines.insert(0, f"services = {value(services_value)}")
    return "\n".join(lines) + "\n"
