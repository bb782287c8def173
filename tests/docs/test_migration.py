"""docs/migration.md is run: its ```sh blocks, in order, in one shell, as a user moving a deployed stack to cdktn.

They run in a copy of the project (tests/support/project.py) whose production stack (the example with values
of its own) the default engine deployed first, against the rehearsals' local GCP API and GCS server standing in for the cloud (the provider and the
backend are pointed at them, as ``make rehearse`` does), with the provider lock file that deploy wrote. Every block must succeed, and a ```text block right
after a ```sh block holds lines that block's output must contain.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rehearsal.driver import Rehearsal, load_one, readable
from rehearsal.pace import prepare
from tests.support import background
from tests.support.background import Work
from tests.support.documents import fenced_blocks
from tests.support.paths import ROOT
from tests.support.project import project_copy

pytestmark = pytest.mark.integration

MIGRATION = ROOT / "docs" / "migration.md"
BLOCKS = fenced_blocks(MIGRATION.read_text(encoding="utf-8"), "docs/migration.md")
COMMANDS = [b for b in BLOCKS if b.lang == "sh"]
# Each ```sh block with the ```text block right after it, if any.
EXPECTED = {id(block): after.body for block, after in zip(BLOCKS, BLOCKS[1:])
            if block.lang == "sh" and after.lang == "text" and after.joined}
MARK = "@@ docs/migration.md block {} @@"


def script(blocks) -> str:
    """The blocks as one bash script, each announced by a mark line, stopping at the first failure."""
    lines = ["set -euo pipefail"]
    for index, block in enumerate(blocks):
        lines += [f"echo '{MARK.format(index)}'", block.body]
    return "\n".join(lines) + "\n"


def outputs(text: str, count: int) -> list[str]:
    """The output of each block, split at the mark lines."""
    parts = re.split(r"^@@ docs/migration\.md block (\d+) @@$", text, flags=re.MULTILINE)
    found = {int(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}
    return [found.get(index, "") for index in range(count)]


def test_the_migration_shows_commands_and_what_they_print():
    assert len(COMMANDS) >= 5
    assert sum(1 for b in COMMANDS if id(b) in EXPECTED) >= 4
    assert all("ENGINE=cdktn" in b.body or "unset ENGINE" in b.body for b in COMMANDS)


def test_the_output_of_each_block_is_found_by_its_mark():
    text = "@@ docs/migration.md block 0 @@\nfirst\n@@ docs/migration.md block 1 @@\nsecond\n"
    assert outputs(text, 3) == ["\nfirst\n", "\nsecond\n", ""]


def run_the_guide(tmp_path: Path) -> tuple[int, str]:
    """Every ```sh block in one shell, on a deployed stack: the exit code and the readable output."""
    project = project_copy(tmp_path / "project")
    # A user's environment: the example with a project and bucket of its own (make diff and make deploy refuse the
    # shipped example's placeholders).
    production = project / "environments" / "production.toml"
    example = (project / "environments" / "example.toml").read_text(encoding="utf-8")
    production.write_text(example.replace("my-gcp-project", "acme-prod-123"), encoding="utf-8")
    with Rehearsal(tmp_path / "cloud") as cloud:
        cloud.seed(load_one(production))
        cloud.deploy(production)  # the stack as it runs today: deployed by the default engine
        # ... and its provider lock file, which a user's cdktf.out/stacks/<stack>/ keeps from that deploy (here the
        # Terraform registry, which `terraform init` asks when there is none, cannot be reached). The folder gets
        # the rehearsal's override too, as every stack planned against the local API does (rehearsal/pace.py).
        lock = prepare(project / "cdktf.out" / "stacks" / "production") / ".terraform.lock.hcl"
        shutil.copy2(cloud.outdir / "stacks" / "production" / ".terraform.lock.hcl", lock)
        env = cloud.env()
        del env["CDKTF_OUTDIR"]  # the project's own cdktf.out/, as for a user
        env.pop("ENGINE", None)
        env.update(TMPDIR=str(tmp_path), CI="true")
        result = subprocess.run(["bash", "-c", script(COMMANDS)], cwd=project, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800)
    return result.returncode, readable(result.stdout)


# The guide's run is background work, started with the session (tests/support/background.py).
BACKGROUND = [Work("migration-guide", run_the_guide, 135)]


def test_every_command_of_the_migration_runs_on_a_deployed_stack():
    code, text = background.result("migration-guide")
    assert code == 0, text[-6000:]
    for block, output in zip(COMMANDS, outputs(text, len(COMMANDS))):
        for line in EXPECTED.get(id(block), "").splitlines():
            assert line in output, f"{block.where}: {line!r} is not in its output:\n{output[-3000:]}"
