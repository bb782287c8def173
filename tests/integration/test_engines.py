"""The two engines, cdktf (the default) and cdktn (CDK Terrain, ``make ENGINE=cdktn``), give Terraform the same thing.

- Every shipped file (environments/*.toml, environments/bootstrap/*.toml, examples/*.toml) and every
  fixture of tests/fixtures/ is synthesized by each engine's own interpreter (``.venv/``, ``.venv-cdktn/``):
  the same files synthesize, the same files fail with the same words, and each ``cdk.tf.json`` is the same,
  byte for byte, but for the one key that names the engine, ``//.metadata.version`` (the engine's release,
  0.21.0 or 0.24.0). The files are compared with each other, never with tests/golden/.
- The example rehearses on the cdktn engine (``cdktn deploy`` with the real google provider against the
  local GCP API) with an empty second plan.
- A stack deployed by one engine and planned by the other, with the same state and the same provider
  binary, shows no change: the move to cdktn and the way back (docs/migration.md).
"""

from __future__ import annotations

import functools
import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from constructs_lib._provider.engine import CDKTF, CDKTN
from rehearsal.driver import ENGINES, MIRROR, PROVIDER_BINARY, Rehearsal, load_one
from rehearsal.rehearse import rehearse
from tests.support import background
from tests.support.background import Work
from tests.support.paths import EXAMPLE, FIXTURES, ROOT
from tests.support.processes import child_env

pytestmark = pytest.mark.integration

# What is compared: every file the project ships, and the tests' own fixtures.
SHIPPED_FILES = sorted([*(ROOT / "environments").glob("*.toml"), *(ROOT / "environments" / "bootstrap").glob("*.toml"),
                        *(ROOT / "examples").glob("*.toml")])
FIXTURE_FILES = sorted(FIXTURES.rglob("*.toml"))
FILES = [*SHIPPED_FILES, *FIXTURE_FILES]
# The only key whose value may differ between the engines' cdk.tf.json: the engine's release.
ENGINE_KEY = ("//", "metadata", "version")

# Each file synthesized on its own, as `EGRESS_CONFIG=<file> make synth` does, in one interpreter of the engine.
SYNTHESIZE_EACH = """
import io, json, sys
from pathlib import Path
from constructs_lib.app import run
out = Path(sys.argv[1])
results = {}
for index, file in enumerate(sys.argv[2:]):
    problems = io.StringIO()
    folder = out / f"{index:02d}"
    code = run(file, stderr=problems, outdir=str(folder))
    results[file] = {"code": code, "stderr": problems.getvalue(),
                     "stacks": {p.parent.name: p.read_text(encoding="utf-8")
                                for p in sorted(folder.glob("stacks/*/cdk.tf.json"))}}
(out / "results.json").write_text(json.dumps(results))
"""


def synthesize_each(engine: str, out: Path) -> dict[str, Any]:
    python, _ = ENGINES[engine]
    assert python.is_file(), f"{python} is missing: `make test` sets up both engines (make engine-cdktn)"
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([str(python), "-c", SYNTHESIZE_EACH, str(out), *map(str, FILES)], cwd=ROOT,
                            env=child_env(), capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, f"{engine}:\n{result.stderr[-3000:]}"
    return json.loads((out / "results.json").read_text())


def rehearse_on(engine: str) -> tuple[int, str, str]:
    """``make rehearse`` of the example on one engine: its exit code, its output and its errors."""
    out, err = io.StringIO(), io.StringIO()
    code = rehearse(EXAMPLE, engine=engine, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# The mirror's google provider package, and where `terraform init` links it in a stack's folder.
MIRRORED = PROVIDER_BINARY.parent
PACKAGE = Path(".terraform", "providers") / MIRRORED.relative_to(MIRROR)


def links(path: Path) -> list[Path]:
    """``path``, then each path its chain of symbolic links leads to, in turn, up to what is not a link."""
    chain = [path]
    while chain[-1].is_symlink() and len(chain) < 10:
        chain.append(chain[-1].parent / os.readlink(chain[-1]))
    return chain


def deploy_then_plan(workdir: Path, deployed_by: str, planned_by: str) -> dict[str, Any]:
    """The example deployed by one engine, then synthesized by the other into the same folder and planned against
    the same state with the same provider; what the test asserts on."""
    with Rehearsal(workdir, deployed_by) as rehearsal:
        rehearsal.seed(load_one(EXAMPLE))
        rehearsal.deploy(EXAMPLE)
        stack_dir = rehearsal.stack_dir(EXAMPLE.stem)
        linked = links(stack_dir / PACKAGE)  # as the CLI's init left it, before any init of the test's own
        state = rehearsal.terraform(stack_dir, "state", "list").stdout.split()
        rehearsal.synth(EXAMPLE, engine=planned_by)
        rehearsal.init(stack_dir)
        plan = rehearsal.plan(stack_dir)
        return {"version": json.loads((stack_dir / "cdk.tf.json").read_text())["//"]["metadata"]["version"],
                "plan": plan, "state": state, "workdir": workdir, "linked": linked,
                "state_after": rehearsal.terraform(stack_dir, "state", "list").stdout.split()}


CROSSINGS = [(CDKTF.name, CDKTN.name), (CDKTN.name, CDKTF.name)]


# Everything this module shows, as background work started with the session (tests/support/background.py): each
# engine's synth of every file, the cdktn rehearsal, and both crossings.
BACKGROUND = [*(Work(f"engines:synth-{engine}", functools.partial(synthesize_each, engine), 10)
                for engine in (CDKTF.name, CDKTN.name)),
              Work("engines:rehearsal", lambda folder: rehearse_on(CDKTN.name), 35),
              *(Work(f"engines:{deployed_by}-then-{planned_by}",
                     functools.partial(deploy_then_plan, deployed_by=deployed_by, planned_by=planned_by), 45)
                for deployed_by, planned_by in CROSSINGS)]


@pytest.fixture(scope="module")
def synthesized() -> dict[str, dict[str, Any]]:
    """engine → file → its exit code, its problems and each stack's cdk.tf.json."""
    return {engine: background.result(f"engines:synth-{engine}") for engine in (CDKTF.name, CDKTN.name)}


def differences(left: Any, right: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The paths of the leaves (and of keys or list items present on one side only) where two documents differ."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                yield (*path, key)
            else:
                yield from differences(left[key], right[key], (*path, key))
    elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for index, (a, b) in enumerate(zip(left, right)):
            yield from differences(a, b, (*path, str(index)))
    elif left != right or type(left) is not type(right):
        yield path


def test_the_comparison_covers_every_shipped_file_and_fixture():
    names = {str(p.relative_to(ROOT)) for p in FILES}
    assert {"environments/example.toml", "environments/bootstrap/state-bucket.toml", "examples/direct.toml",
            "tests/fixtures/environments/example.toml", "tests/fixtures/capacity-fails.toml"} <= names
    assert len(SHIPPED_FILES) >= 9


def test_every_shipped_file_synthesizes_on_both_engines(synthesized):
    for engine, results in synthesized.items():
        failed = {file: r["stderr"] for file, r in results.items() if r["code"] and Path(file) in SHIPPED_FILES}
        assert failed == {}, engine


def test_the_same_files_fail_with_the_same_problems_on_both_engines(synthesized):
    default, cdktn = synthesized[CDKTF.name], synthesized[CDKTN.name]
    assert {f: (r["code"], r["stderr"]) for f, r in cdktn.items()} == \
        {f: (r["code"], r["stderr"]) for f, r in default.items()}
    assert default[str(FIXTURES / "capacity-fails.toml")]["code"] == 1  # a fixture that must fail, and does


@pytest.mark.parametrize("file", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_each_stack_is_the_same_json_but_the_engine_version(synthesized, file):
    default, cdktn = synthesized[CDKTF.name][str(file)], synthesized[CDKTN.name][str(file)]
    assert sorted(cdktn["stacks"]) == sorted(default["stacks"])
    if default["code"]:
        assert default["stacks"] == {}, "a file that fails writes nothing"
        return
    assert default["stacks"], file
    for stack, text in default["stacks"].items():
        other = cdktn["stacks"][stack]
        left, right = json.loads(text), json.loads(other)
        assert list(differences(left, right)) == [ENGINE_KEY], stack
        assert (left["//"]["metadata"]["version"], right["//"]["metadata"]["version"]) == \
            (CDKTF.core_version, CDKTN.core_version)
        # Byte for byte once that one value is the same: key order, indentation and escapes too.
        marker = f'"version": "{CDKTN.core_version}"'
        assert other.count(marker) >= 1
        assert other.replace(marker, f'"version": "{CDKTF.core_version}"', 1) == text, stack


def test_a_difference_anywhere_else_is_seen():
    doc = {"//": {"metadata": {"version": "0.21.0"}}, "resource": {"google_compute_address": {"a": {"name": "x"}}}}
    changed = json.loads(json.dumps(doc))
    changed["resource"]["google_compute_address"]["a"]["name"] = "y"
    changed["terraform"] = {"required_providers": {"google": {"source": "hashicorp/google"}}}
    assert list(differences(doc, changed)) == [("resource", "google_compute_address", "a", "name"), ("terraform",)]
    assert list(differences({"a": [1, 2]}, {"a": [1, 2, 3]})) == [("a",)]
    assert list(differences({"a": 1}, {"a": True})) == [("a",)]


def test_the_example_rehearses_on_the_cdktn_engine_with_an_empty_second_plan():
    code, out, err = background.result("engines:rehearsal")

    assert code == 0, err
    assert "the cdktn engine" in out
    assert "rehearsal: cdktn deploy example" in out
    assert "rehearsal: second plan: no changes" in out
    assert "static_ips = {" in out


@pytest.mark.parametrize("deployed_by, planned_by", CROSSINGS, ids=["cdktf-then-cdktn", "cdktn-then-cdktf"])
def test_a_stack_deployed_by_one_engine_plans_no_change_on_the_other(deployed_by, planned_by):
    seen = background.result(f"engines:{deployed_by}-then-{planned_by}")

    assert seen["version"] == {CDKTF.name: CDKTF.core_version, CDKTN.name: CDKTN.core_version}[planned_by]
    assert seen["plan"].changes == [], seen["plan"].describe()
    assert seen["state_after"] == seen["state"]
    assert len(seen["state"]) >= 7, seen["state"]


@pytest.mark.parametrize("deployed_by, planned_by", CROSSINGS, ids=["cdktf-then-cdktn", "cdktn-then-cdktf"])
def test_each_cli_links_the_provider_through_the_rehearsals_own_folder_to_the_mirror(deployed_by, planned_by):
    """Never through the user's ~/.terraform.d/plugin-cache, where the CLIs point Terraform unless told not to: every
    rehearsal on the machine would share it, and each init rewrites it (rehearsal/driver.py, Rehearsal.env)."""
    seen = background.result(f"engines:{deployed_by}-then-{planned_by}")
    *hops, package = seen["linked"]

    assert hops, f"{package} is not a link"
    assert [hop for hop in hops if not hop.is_relative_to(seen["workdir"])] == [], deployed_by
    assert package.resolve() == MIRRORED.resolve(), deployed_by
