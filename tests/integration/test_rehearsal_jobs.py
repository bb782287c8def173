"""Cloud Run jobs, worker pools and secrets rehearsed with the real google provider 6.50.0 against the local GCP
API: a job through the connector beside a service, jobs alone with Direct VPC egress, a worker pool (Direct VPC
egress only) beside a job, all reading secrets, and a job and a worker pool built by hand with gcloud, adopted.
Each file is planned (the plan is kept), applied, and planned again; and a file whose secret was never created
(a brownfield seed) is applied and fails.

Each rehearsal is background work started with the session (tests/support/background.py); each test asserts on
what they recorded.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.facts.resources import JOB, SECRET_IAM_MEMBER, WORKER_POOL
from rehearsal.brownfield import Seed
from rehearsal.driver import Plan, Rehearsal, load_one
from tests.support import background
from tests.support.background import Work
from tests.support.paths import FIXTURES
from tests.support.synth import API, RUN

pytestmark = pytest.mark.integration

FILES = {stem: FIXTURES / "jobs" / f"{stem}.toml" for stem in (
    "jobs-connector", "jobs-direct", "jobs-adopt", "worker-pools-direct", "worker-pools-adopt")}
P, R = "my-gcp-project", "asia-northeast3"
ACCESSOR = "roles/secretmanager.secretAccessor"


@dataclass
class Rehearsed:
    """One file: its first plan, the plan after the apply, and the local API's store after it."""

    first: Plan | None = None
    second: Plan | None = None
    store: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def rehearse_file(path: Path, workdir: Path, seed: Seed | None = None) -> Rehearsed:
    found = Rehearsed()
    with Rehearsal(workdir) as rehearsal:
        try:
            rehearsal.seed(load_one(path), seed)
            stack_dir = rehearsal.synth(path)
            rehearsal.init(stack_dir)
            found.first = rehearsal.plan(stack_dir)
            rehearsal.terraform(stack_dir, "apply", "-no-color", "-input=false", "rehearsal.tfplan")
            found.second = rehearsal.plan(stack_dir)
        except Exception as failure:  # noqa: BLE001 - reported by every test that reads this file
            found.error = f"{type(failure).__name__}: {failure}"
        found.store = dict(rehearsal.gcp.store)
    return found


RUNS = {**{stem: (path, None) for stem, path in FILES.items()},
        "secret-missing": (FILES["jobs-connector"], Seed(missing_secrets=("partner-api-key",)))}
# Each file's rehearsal is background work (tests/support/background.py), started with the session.
BACKGROUND = [Work(f"jobs:{stem}", functools.partial(rehearse_file, path, seed=seed), 30)
              for stem, (path, seed) in RUNS.items()]


@pytest.fixture(scope="module")
def rehearsed() -> dict[str, Rehearsed]:
    return {stem: background.result(f"jobs:{stem}") for stem in RUNS}


def done(rehearsed: dict[str, Rehearsed], stem: str) -> Rehearsed:
    found = rehearsed[stem]
    assert not found.error, found.error
    return found


def created(plan: Plan, rtype: str) -> list[dict[str, Any]]:
    return [c["change"]["after"] for c in plan.json["resource_changes"]
            if c["type"] == rtype and c["change"]["actions"] == ["create"]]


@pytest.mark.parametrize("stem", sorted(FILES))
def test_each_jobs_file_converges_with_an_empty_second_plan(rehearsed, stem):
    found = done(rehearsed, stem)
    assert not found.second.changes, found.second.describe()


def test_a_job_through_the_connector_is_deployed_with_all_traffic(rehearsed):
    store = done(rehearsed, "jobs-connector").store
    task = store[f"projects/{P}/locations/{R}/jobs/settlement"]["template"]["template"]
    assert task["vpcAccess"] == {"connector": f"projects/{P}/locations/{R}/connectors/batch-connector",
                                 "egress": "ALL_TRAFFIC"}
    assert (task["maxRetries"], task["timeout"]) == (1, "3600s")


def test_a_job_with_direct_vpc_egress_is_deployed_on_the_chains_subnet(rehearsed):
    store = done(rehearsed, "jobs-direct").store
    job = store[f"projects/{P}/locations/{R}/jobs/reconcile"]
    assert job["template"]["template"]["vpcAccess"]["networkInterfaces"] == [
        {"network": "default", "subnetwork": "nightly-subnet"}]
    assert (job["template"]["taskCount"], job["template"]["parallelism"]) == (10, 5)


@pytest.mark.parametrize("stem", ["jobs-connector", "jobs-direct"])
def test_the_plan_grants_the_accessor_binding_and_enables_secret_manager(rehearsed, stem):
    first = done(rehearsed, stem).first
    bindings = sorted((b["secret_id"], b["member"], b["role"]) for b in created(first, SECRET_IAM_MEMBER))
    expected = {
        "jobs-connector": [
            ("partner-api-key", "serviceAccount:partner-api@my-gcp-project.iam.gserviceaccount.com", ACCESSOR),
            ("partner-api-key", "serviceAccount:settlement@my-gcp-project.iam.gserviceaccount.com", ACCESSOR),
            ("sftp-password", "serviceAccount:settlement@my-gcp-project.iam.gserviceaccount.com", ACCESSOR)],
        "jobs-direct": [
            ("bank-password", "serviceAccount:reconcile@my-gcp-project.iam.gserviceaccount.com", ACCESSOR)],
    }[stem]
    assert bindings == expected
    assert "secretmanager.googleapis.com" in [a["service"] for a in created(first, API)]


def test_the_service_and_the_job_read_their_secrets_and_the_service_serves(rehearsed):
    store = done(rehearsed, "jobs-connector").store
    policy = store[f"projects/{P}/secrets/sftp-password:iamPolicy"]
    assert policy["bindings"] == [{"role": ACCESSOR, "members": [
        "serviceAccount:settlement@my-gcp-project.iam.gserviceaccount.com"]}]
    service = store[f"projects/{P}/locations/{R}/services/partner-api"]
    assert service["terminalCondition"]["state"] == "CONDITION_SUCCEEDED"
    (env,) = service["template"]["containers"][0]["env"]
    assert env == {"name": "PARTNER_API_KEY",
                   "valueSource": {"secretKeyRef": {"secret": "partner-api-key", "version": "latest"}}}
    (container,) = store[f"projects/{P}/locations/{R}/jobs/settlement"]["template"]["template"]["containers"]
    assert {e["name"] for e in container["env"]} == {"BANK_HOST", "SFTP_PASSWORD", "PARTNER_API_KEY"}


def test_a_hand_built_job_is_imported_not_created_and_nothing_changes(rehearsed):
    first = done(rehearsed, "jobs-adopt").first
    jobs = [c for c in first.json["resource_changes"] if c["type"] == JOB]
    assert [(c["change"]["actions"], c["change"].get("importing", {}).get("id")) for c in jobs] == [
        (["no-op"], f"projects/{P}/locations/{R}/jobs/my-job")]
    assert not [c for c in first.json["resource_changes"] if c["type"] in (JOB, RUN)
                and "create" in c["change"]["actions"]]


def test_a_worker_pool_is_deployed_with_direct_vpc_egress_and_reads_its_secret(rehearsed):
    found = done(rehearsed, "worker-pools-direct")
    pool = found.store[f"projects/{P}/locations/{R}/workerPools/sms-sender"]
    assert pool["template"]["vpcAccess"]["networkInterfaces"] == [{"network": "default", "subnetwork": "pull-subnet"}]
    assert (pool["scaling"]["manualInstanceCount"], pool["terminalCondition"]["state"]) == (3, "CONDITION_SUCCEEDED")
    bindings = [(b["secret_id"], b["member"]) for b in created(found.first, SECRET_IAM_MEMBER)]
    assert bindings == [("sms-gateway-token", "serviceAccount:sms-sender@my-gcp-project.iam.gserviceaccount.com")]


def test_a_hand_built_worker_pool_is_imported_not_created_and_nothing_changes(rehearsed):
    first = done(rehearsed, "worker-pools-adopt").first
    pools = [c for c in first.json["resource_changes"] if c["type"] == WORKER_POOL]
    assert [(c["change"]["actions"], c["change"].get("importing", {}).get("id")) for c in pools] == [
        (["no-op"], f"projects/{P}/locations/{R}/workerPools/my-pool")]


def test_a_secret_that_was_never_created_stops_the_deploy_at_its_accessor_binding(rehearsed):
    found = rehearsed["secret-missing"]
    assert "Error retrieving IAM policy for secretmanager secret" in found.error, found.error
    assert "partner-api-key] not found or has no versions." in found.error
    assert f"projects/{P}/locations/{R}/services/partner-api" not in found.store
