"""Markdown that shows a string from the JSON exactly: escaped text, code spans, table cells."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Iterable, Sequence


__all__ = ["cell", "code", "show", "table", "text", "visible"]


# Every string the report prints from the JSON (names, ranges, images, settings, descriptions) may hold anything
# a user or a hand-written override put there: it is escaped, so that it shows as text and never as Markdown,
# HTML or Mermaid (a "\n## Policy results" in a state prefix must not make a section of its own).
# Markdown characters that start inline markup, and "_" unless inside a word (where it never emphasises).
_MARKDOWN = re.compile(r"[\\`*\[\]<>&~#!]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def visible(text: str) -> str:
    """Line breaks and other control characters as ``\\uXXXX``: a value stays on its line."""
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch
                   for ch in text)


def text(value: object) -> str:
    """A string from the JSON as Markdown text that shows exactly that string."""
    return _MARKDOWN.sub(lambda m: "\\" + m.group(0), visible(str(value)))


def code(value: object) -> str:
    """A string from the JSON as a Markdown code span, whatever backticks it holds."""
    text = visible(str(value))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(value: object) -> str:
    """Markdown made safe for a table cell: a "|" ends no cell (GFM reads "\\|" as "|", in code spans too)."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "—"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines
