"""A copy of the project in a tmp folder, for the tests that run the real make targets in it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.paths import FIXTURE_ENVIRONMENTS, ROOT

COPIED = ("Makefile", "cdktf.json", "main.py", "Pipfile", "Pipfile.lock", "package.json", "package-lock.json", "rehearsal",
          ".checkov.yaml", "constructs_lib", "tools", "engines")  # engines/: the cdktn engine's pins
# Linked, each at its own path: `make distclean` in the copy then removes the link, never what it points to (a
# link to engines/ as a whole had it delete the project's own engines/cdktn/node_modules).
LINKED = (".venv", "node_modules", ".tools", ".venv-cdktn", "engines/cdktn/node_modules")  # the cdktn CLI


def project_copy(folder: Path) -> Path:
    """The project's sources copied (timestamps kept, so make's set-up steps stay done), its tools linked, and the
    tests' own environments/ (tests/fixtures/environments/: example, direct, bootstrap) in place of the user's."""
    shutil.copytree(FIXTURE_ENVIRONMENTS, folder / "environments")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.tfstate*",
                                                                                "node_modules"))
        else:
            shutil.copy2(source, folder / name)
    for name in LINKED:
        if not (ROOT / name).exists():
            pytest.fail(f"{ROOT / name} is missing: run the tests through `make test`")
        (folder / name).symlink_to(ROOT / name)
    return folder
