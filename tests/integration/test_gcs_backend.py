"""The GCS state backend with real Terraform against a real GCS-compatible server.

Each test starts its own fake-gcs-server (see real_terraform.py) with its
data in the test's tmp folder, and stops it and removes the data when the
test ends, passed or failed. Terraform gets each synthesized stack's own
``terraform.backend.gcs`` block unchanged, beside ``terraform_data``
resources, which are built into Terraform: nothing is downloaded, and
``STORAGE_EMULATOR_HOST`` exists only in Terraform's environment.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.support.paths import SHIPPED, shipped, stated_state
from tests.support.real_terraform import (GcsServer, Terraform, blocking_resource, state_resources, terraform_env,
                                          write_config)
from tests.support.synth import SynthesizedStack

pytestmark = pytest.mark.integration


def _gcs_stacks() -> list[str]:
    """The shipped files whose state is in GCS, as each file says (its [state] table, read from the file)."""
    return [p.stem for p in SHIPPED if stated_state(p)["backend"] == "gcs"]


def bucket_and_prefix(stack: str) -> tuple[str, str]:
    """The state bucket and prefix the shipped file states (docs/configuration.md's default prefix when it gives
    none): what the synthesized backend must say, read from the file, not from the app's model."""
    state = stated_state(shipped(stack))
    return str(state["bucket"]), str(state["prefix"])


GCS_STACKS = _gcs_stacks()
# Locking does not depend on the bucket or prefix: one environment shows it.
LOCK_STACK = GCS_STACKS[:1]
HOLDING = "holding-the-state-lock"


@pytest.fixture
def gcs(tmp_path: Path) -> Iterator[GcsServer]:
    server = GcsServer(tmp_path / "gcs-data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def gcs_stack(synthesized_shipped: dict[str, SynthesizedStack], stack: str) -> SynthesizedStack:
    found = synthesized_shipped[stack]
    if stated_state(shipped(stack))["backend"] != "gcs":
        pytest.fail(f"{stack} does not use the gcs backend")
    return found


def workdir(tmp_path: Path, name: str, gcs: GcsServer, stack: SynthesizedStack,
            resources: dict[str, dict[str, Any]]) -> Terraform:
    """A Terraform working directory: the stack's gcs block, unchanged, and these resources."""
    backend = stack.doc["terraform"]["backend"]
    write_config(tmp_path / name, terraform={"backend": backend}, resources=resources)
    if not (gcs.root / backend["gcs"]["bucket"]).is_dir():
        gcs.create_bucket(backend["gcs"]["bucket"])
    return Terraform(tmp_path / name, terraform_env(tmp_path / "home", STORAGE_EMULATOR_HOST=gcs.url))


def apply(tf: Terraform) -> None:
    tf.check("init", "-input=false", "-no-color")
    tf.check("apply", "-auto-approve", "-input=false", "-no-color")


@pytest.mark.parametrize("stack", [p.stem for p in SHIPPED])
def test_synthesized_stack_never_mentions_the_emulator(stack, synthesized_shipped):
    text = (synthesized_shipped[stack].directory / "cdk.tf.json").read_text()
    for word in ("127.0.0.1", "localhost", "STORAGE_EMULATOR_HOST", "emulator", "custom_endpoint"):
        assert word not in text, f"{stack}'s cdk.tf.json mentions {word}"


@pytest.mark.parametrize("stack", GCS_STACKS)
def test_gcs_block_is_exactly_the_configured_bucket_and_prefix(stack, synthesized_shipped):
    found = gcs_stack(synthesized_shipped, stack)
    assert found.doc["terraform"]["backend"] == {
        "gcs": dict(zip(("bucket", "prefix"), bucket_and_prefix(stack)))}


@pytest.mark.parametrize("stack", GCS_STACKS)
def test_apply_writes_the_state_at_prefix_default_tfstate(stack, synthesized_shipped, gcs, tmp_path):
    found = gcs_stack(synthesized_shipped, stack)
    apply(workdir(tmp_path, "work", gcs, found, {"marker": {"input": stack}}))

    bucket, prefix = bucket_and_prefix(stack)
    assert sorted(gcs.objects(bucket)) == [f"{prefix}/default.tfstate"]
    assert state_resources(gcs.state(bucket, f"{prefix}/default.tfstate")) == {"terraform_data.marker": stack}


@pytest.mark.parametrize("stack", GCS_STACKS)
def test_workspace_state_is_at_prefix_workspace_tfstate(stack, synthesized_shipped, gcs, tmp_path):
    found = gcs_stack(synthesized_shipped, stack)
    tf = workdir(tmp_path, "work", gcs, found, {"marker": {"input": "staging"}})
    tf.check("init", "-input=false", "-no-color")
    tf.check("workspace", "new", "-no-color", "staging")
    tf.check("apply", "-auto-approve", "-input=false", "-no-color")

    bucket, prefix = bucket_and_prefix(stack)
    assert sorted(gcs.objects(bucket)) == [f"{prefix}/default.tfstate", f"{prefix}/staging.tfstate"]
    assert state_resources(gcs.state(bucket, f"{prefix}/staging.tfstate")) == {"terraform_data.marker": "staging"}
    assert state_resources(gcs.state(bucket, f"{prefix}/default.tfstate")) == {}


def test_shipped_files_never_share_a_state_object(synthesized_shipped, gcs, tmp_path):
    # Every shipped file against one server, as if they were one estate: if two shared an object, the
    # later apply would replace the earlier file's marker in it.
    for stack in GCS_STACKS:
        apply(workdir(tmp_path, stack, gcs, gcs_stack(synthesized_shipped, stack),
                      {"marker": {"input": stack}}))

    for stack in GCS_STACKS:
        bucket, prefix = bucket_and_prefix(stack)
        assert state_resources(gcs.state(bucket, f"{prefix}/default.tfstate")) == {
            "terraform_data.marker": stack}, f"{stack}'s state object holds another environment's resources"


def lock_id(output: str) -> str:
    """The lock ID in Terraform's "Error acquiring the state lock" message."""
    match = re.search(r"^\s*ID:\s*(\S+)", output, re.MULTILINE)
    assert match, f"no lock ID in:\n{output}"
    return match.group(1)


@pytest.mark.parametrize("stack", LOCK_STACK)
def test_second_apply_is_refused_while_the_first_holds_the_lock(stack, synthesized_shipped, gcs, tmp_path):
    found = gcs_stack(synthesized_shipped, stack)
    first = workdir(tmp_path, "first", gcs, found, {"marker": {"input": "first"}, "hold": blocking_resource(HOLDING)})
    second = workdir(tmp_path, "second", gcs, found, {"marker": {"input": "second"}})
    first.check("init", "-input=false", "-no-color")
    second.check("init", "-input=false", "-no-color")

    running = first.start("apply", "-auto-approve", "-input=false", "-no-color")
    try:
        running.wait_for_line(HOLDING)
        refused = second.run("apply", "-auto-approve", "-input=false", "-no-color", "-lock-timeout=0s")
        lock = gcs.objects(bucket_and_prefix(stack)[0])[f"{bucket_and_prefix(stack)[1]}/default.tflock"]
    finally:
        running.kill()

    assert refused.returncode == 1
    assert "Error acquiring the state lock" in refused.stderr
    # The gcs backend's lock ID is the lock object's generation.
    assert lock_id(refused.stderr) == lock["generation"]


@pytest.fixture
def killed_apply(stack, synthesized_shipped, gcs, tmp_path) -> tuple[Terraform, SynthesizedStack, dict[str, str]]:
    """Two resources applied, then an apply of a third killed (SIGKILL) while it holds the lock.

    Returns the working directory, the stack and the resources applied before the kill.
    """
    found = gcs_stack(synthesized_shipped, stack)
    before = {"first": {"input": "applied-first"}, "second": {"input": "applied-second"}}
    apply(workdir(tmp_path, "work", gcs, found, before))

    tf = workdir(tmp_path, "work", gcs, found, {**before, "hold": blocking_resource(HOLDING)})
    running = tf.start("apply", "-auto-approve", "-input=false", "-no-color")
    try:
        running.wait_for_line(HOLDING)
    finally:
        running.kill()
    return tf, found, {f"terraform_data.{name}": value["input"] for name, value in before.items()}


@pytest.mark.parametrize("stack", LOCK_STACK)
def test_killed_apply_leaves_a_lock_that_force_unlock_clears(stack, killed_apply, gcs):
    tf, found, _ = killed_apply
    bucket, prefix = bucket_and_prefix(stack)
    lock_name = f"{prefix}/default.tflock"
    lock = gcs.objects(bucket).get(lock_name)
    assert lock is not None, "the killed apply left no lock"

    tf.check("force-unlock", "-force", "-no-color", lock["generation"])

    assert lock_name not in gcs.objects(bucket)
    tf.check("plan", "-input=false", "-no-color", "-lock-timeout=0s")


@pytest.mark.parametrize("stack", LOCK_STACK)
def test_state_after_a_killed_apply_and_force_unlock_holds_every_resource_applied_before(stack, killed_apply, gcs):
    tf, found, before = killed_apply
    lock = gcs.objects(bucket_and_prefix(stack)[0])[f"{bucket_and_prefix(stack)[1]}/default.tflock"]
    tf.check("force-unlock", "-force", "-no-color", lock["generation"])

    pulled = state_resources(json.loads(tf.check("state", "pull")))

    assert before.items() <= pulled.items()
