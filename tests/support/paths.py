"""Where things are: the repository, the tests' own fixture files, and the files the project ships.

Tests that use an environment file as an input take one of tests/fixtures/; only tests whose
subject is the shipped files themselves (goldens, docs, the scan, the rehearsal of each file)
read environments/example.toml and examples/, and they name them here, explicitly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
# The tests' own estate: an environments/ folder of their own, never the one a user edits.
FIXTURE_ENVIRONMENTS = FIXTURES / "environments"
FIXTURE_EXAMPLE = FIXTURE_ENVIRONMENTS / "example.toml"
FIXTURE_BOOTSTRAP = FIXTURE_ENVIRONMENTS / "bootstrap" / "state-bucket.toml"

# The files the project ships: the quick start's example, the other examples, the bootstrap file.
EXAMPLE = ROOT / "environments" / "example.toml"
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
SHIPPED = [EXAMPLE, *EXAMPLES]
SHIPPED_BOOTSTRAP = ROOT / "environments" / "bootstrap" / "state-bucket.toml"


def shipped(stem: str) -> Path:
    """The shipped environment file of that stack name: environments/example.toml or examples/<stem>.toml."""
    (path,) = [p for p in SHIPPED if p.stem == stem]
    return path


def shipped_estate(folder: Path) -> Path:
    """``folder``/environments/ holding a copy of every shipped file (bootstrap/ too), as one estate: the app
    run there with EGRESS_CONFIG unset synthesizes every shipped stack at once. Returns ``folder``."""
    bootstrap = folder / "environments" / "bootstrap"
    bootstrap.mkdir(parents=True)
    for path in SHIPPED:
        shutil.copy2(path, folder / "environments" / path.name)
    shutil.copy2(SHIPPED_BOOTSTRAP, bootstrap / SHIPPED_BOOTSTRAP.name)
    return folder


def stated_state(path: Path) -> dict[str, object]:
    """The ``[state]`` a file states, read from the file itself (not from the app's model), with the defaults
    docs/configuration.md gives: backend gcs, prefix ``cloud-run-egress/<stack>``, hostname app.terraform.io. Tests
    compare what the app synthesized with this, so a wrong model cannot agree with itself."""
    import tomllib

    table = dict(tomllib.loads(path.read_text(encoding="utf-8")).get("state", {}))
    table.setdefault("backend", "gcs")
    if table["backend"] == "gcs":
        table["prefix"] = str(table.get("prefix", f"cloud-run-egress/{path.stem}")).rstrip("/")
    if table["backend"] == "cloud":
        table.setdefault("hostname", "app.terraform.io")
    return table
