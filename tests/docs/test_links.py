"""Every link of README.md and docs/ to a file of the project, and to a section of one, leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.documents import DOCUMENTS, prose
from tests.support.paths import ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = prose(path)
    return {anchor(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.MULTILINE)}


def links() -> list[tuple[str, Path, str]]:
    found = []
    for path in DOCUMENTS:
        text = prose(path)
        for match in LINK.finditer(text):
            target = match.group(1)
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:: outside the project
            found.append((f"{path.relative_to(ROOT)}: {target}", path, target))
    return found


LINKS = links()


def test_the_documents_link_to_each_other():
    assert any("#" in target for _, _, target in LINKS)


@pytest.mark.parametrize("where, source, target", LINKS, ids=[link[0] for link in LINKS])
def test_every_link_leads_to_a_file_and_section(where, source, target):
    file, _, section = target.partition("#")
    destination = (source.parent / file).resolve() if file else source
    assert destination.exists(), where
    if section:
        assert section in anchors(destination), f"{where}: no heading with anchor #{section}"


def test_a_broken_anchor_is_seen():
    assert "no-such-section" not in anchors(ROOT / "docs" / "operations.md")
    assert anchor("Rehearsing a deploy: `make rehearse`") == "rehearsing-a-deploy-make-rehearse"
