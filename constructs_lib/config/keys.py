"""How problem lines name keys: a service by its name, a near miss with the known key it is closest to.

The problem format is file, key, expected, given (``reader.Problem``); the key is a dotted path as the file
writes it, except that a service of ``[[services]]`` is named by its name (``services[production].image``),
which says which one at a glance, and by its position from 0 only when its name cannot name it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Sequence

from ..facts.gcp import closest
from ..facts.naming import RFC1035

__all__ = ["RFC1035", "did_you_mean", "dotted", "list_items", "service_path"]


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")  # TOML's bare keys


def dotted(path: str, key: object) -> str:
    """``path.key`` as TOML writes a dotted key: ``key`` bare when TOML allows it, else quoted
    (``env."my key"``), so a key holding ``.``, ``:`` or a quote names one key, never a path or a line of its own."""
    part = key if isinstance(key, str) and _BARE.fullmatch(key) else json.dumps(str(key), ensure_ascii=False)
    return f"{path}.{part}" if path else part


def service_path(item: Any, index: int, taken: Mapping[str, str] | None = None, *, table: str = "services") -> str:
    """How problem lines name a service: by its name (``services[production]``), or by its position from 0
    (``services[2]``) when its name is missing, is not an RFC 1035 name (so it may not print as written) or
    repeats one named before (``taken``). ``table`` names a job the same way (``jobs[settlement]``)."""
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and RFC1035.fullmatch(name) and name not in (taken or {}):
        return f"{table}[{name}]"
    return f"{table}[{index}]"


def did_you_mean(given: str, known: Sequence[str]) -> str:
    """``" (did you mean static_ip_count?)"`` for a key close to known ones (a typo, another case, ``-`` for
    ``_``), else ``""``."""
    fold = given.lower().replace("-", "_")
    close = [k for k in known if k.lower().replace("-", "_") == fold][:1] or closest(given, known, n=2, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def list_items(path: str, items: list[Any]) -> list[tuple[str, Any]]:
    """(key, item) of each item of a list at ``path``: ``services[<name>]`` for services, else ``path[i]``."""
    if path != "services":
        return [(f"{path}[{i}]", item) for i, item in enumerate(items)]
    taken: dict[str, str] = {}
    found = []
    for i, item in enumerate(items):
        found.append((service_path(item, i, taken), item))
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            taken.setdefault(item["name"], found[-1][0])
    return found
