"""Every TOML block of README.md and docs/ is run: the documentation cannot drift from the code.

A block marked ```toml is a whole file: an environment (validated and synthesized) or a
bootstrap file (validated). A block marked ```toml fragment
shows part of a file: it must still be valid TOML, and adding the keys of the smallest valid
environment to it must give a valid file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from constructs_lib.config.bootstrap import parse_bootstrap
from constructs_lib.config import parse_environment
from tests.support.environments import BASE
from tests.support.paths import ROOT
from tests.support.synth import synth

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```toml( fragment)?\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, bool, str]]:
    found = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", bool(match.group(1)), match.group(2)))
    return found


BLOCKS = blocks()


def test_the_documents_hold_toml_blocks():
    assert len([b for b in BLOCKS if not b[1]]) >= 3, BLOCKS


@pytest.mark.parametrize("where, fragment, text", BLOCKS, ids=[b[0] for b in BLOCKS])
def test_every_toml_block_is_valid(where, fragment, text):
    data = tomllib.loads(text)
    if "bootstrap" in data:
        assert not fragment, where
        parse_bootstrap(data, stack="documented", source=where)
        return
    if fragment:
        data = {**BASE, **data}
    config = parse_environment(data, stack="documented", source=where)
    if not fragment:
        doc = synth(config)
        assert doc["resource"]["google_compute_router_nat"], where
