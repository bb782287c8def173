"""The documents a reader is shown (README.md and docs/*.md) and their fenced blocks, found one way for every test."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCED = re.compile(r"^```([a-z ]*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    """One fenced block.

    Attributes:
        where: ``name:line``, the line of its opening fence.
        lang: what follows the opening fence (``toml``, ``toml fragment``, ``python`` …).
        body: the text between the fences.
        joined: whether only blank lines separate it from the block before it.
    """

    where: str
    lang: str
    body: str
    joined: bool


def fenced_blocks(text: str, name: str) -> list[Block]:
    """The fenced blocks of a Markdown text, in order."""
    found: list[Block] = []
    end = None
    for match in FENCED.finditer(text):
        joined = end is not None and not text[end:match.start()].strip()
        found.append(Block(f"{name}:{text.count(chr(10), 0, match.start()) + 1}", match.group(1), match.group(2),
                           joined))
        end = match.end()
    return found


def document_blocks() -> list[Block]:
    """Every fenced block of README.md and docs/."""
    return [b for path in DOCUMENTS for b in fenced_blocks(path.read_text(encoding="utf-8"),
                                                         str(path.relative_to(ROOT)))]


def prose(path: Path) -> str:
    """A document without its fenced blocks: what Markdown renders as text, links and headings."""
    return FENCED.sub("", path.read_text(encoding="utf-8"))
