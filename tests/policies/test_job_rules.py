"""The chain policies cover Cloud Run jobs as they cover services: EGRESS-001 (egress ALL_TRAFFIC, in a job's task
template), EGRESS-002 (the egress subnet under the NAT), and EGRESS-005 (no public job)."""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.facts.resources import JOB, JOB_IAM_MEMBER, WORKER_POOL
from constructs_lib.policies import Result
from tests.policies.test_rules import check
from tests.support.environments import config

JOB_PATH = "test/Chain/Job-settlement/Resource"


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    """A compliant stack with one job and no service, as the Aspect sees it."""
    from constructs_lib._provider.cdk import Testing
    from constructs_lib.stacks.egress_stack import EgressStack

    cfg = config(services=None, jobs=[{"name": "settlement", "image": "nginx"}])
    return EgressStack(Testing.app(), "test", config=cfg).to_terraform()


def task(doc: dict[str, Any]) -> dict[str, Any]:
    (found,) = doc["resource"][JOB].values()
    return found["template"]["template"]


def test_001_a_job_through_the_connector_with_all_traffic_is_compliant(baseline):
    assert check("EGRESS-001", baseline) == [
        Result(JOB_PATH, True, 'job "settlement" has egress = "ALL_TRAFFIC" (connector)')]


def test_001_a_job_with_private_ranges_only_fails(baseline):
    def change(doc):
        task(doc)["vpc_access"]["egress"] = "PRIVATE_RANGES_ONLY"
    assert check("EGRESS-001", baseline, change) == [Result(
        JOB_PATH, False, 'job "settlement" has egress = "PRIVATE_RANGES_ONLY": internet traffic skips the NAT and '
                         "its static IPs")]


def test_001_a_job_without_vpc_access_fails(baseline):
    def change(doc):
        del task(doc)["vpc_access"]
    assert check("EGRESS-001", baseline, change) == [Result(
        JOB_PATH, False, 'job "settlement" has no template.template.vpc_access: its requests leave from Google\'s '
                         "shared IPs, not the chain's")]


def test_002_a_job_on_a_subnet_no_nat_covers_fails(baseline):
    def change(doc):
        del task(doc)["vpc_access"]["connector"]
        task(doc)["vpc_access"]["network_interfaces"] = [{"network": "default", "subnetwork": "somewhere-else"}]
    results = check("EGRESS-002", baseline, change)
    assert [r for r in results if r.path == JOB_PATH] == [Result(
        JOB_PATH, False, 'job "settlement" egresses through subnet "somewhere-else", which no NAT in this stack '
                         "translates: its traffic would not leave from the static IPs")]


def test_002_a_job_with_direct_egress_from_the_chains_subnet_is_compliant(baseline):
    def change(doc):
        (subnet_key,) = doc["resource"]["google_compute_subnetwork"]
        del task(doc)["vpc_access"]["connector"]
        task(doc)["vpc_access"]["network_interfaces"] = [
            {"network": "default", "subnetwork": f"${{google_compute_subnetwork.{subnet_key}.name}}"}]
    assert [r for r in check("EGRESS-002", baseline, change) if r.path == JOB_PATH] == [Result(
        JOB_PATH, True, 'job "settlement": subnet "cloud-run-subnet" is translated by NAT "cloud-run-nat" '
                        "(MANUAL_ONLY, 1 IP)")]


def test_005_a_public_job_fails_whatever_the_environment_allows(baseline):
    def change(doc):
        (job_key,) = doc["resource"][JOB]
        doc["resource"][JOB_IAM_MEMBER] = {"Public": {
            "name": f"${{{JOB}.{job_key}.name}}", "role": "roles/run.invoker", "member": "allUsers",
            "//": {"metadata": {"path": "test/Public"}}}}
        doc["//"]["egress_policy"] = {"public_services": ["settlement"]}
    assert check("EGRESS-005", baseline, change) == [
        Result("test/Public", False, 'job "settlement": roles/run.invoker for allUsers')]


# Worker pools: EGRESS-001 reads their template.vpc_access, as a service's.

@pytest.fixture(scope="module")
def pool_baseline() -> dict[str, Any]:
    from constructs_lib._provider.cdk import Testing
    from constructs_lib.stacks.egress_stack import EgressStack

    cfg = config(services=None, egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/26"},
                 worker_pools=[{"name": "sms-sender", "image": "nginx", "instances": 2}])
    return EgressStack(Testing.app(), "test", config=cfg).to_terraform()


POOL_PATH = "test/Chain/WorkerPool-sms-sender/Resource"


def test_001_a_worker_pool_with_direct_egress_and_all_traffic_is_compliant(pool_baseline):
    assert check("EGRESS-001", pool_baseline) == [
        Result(POOL_PATH, True, 'worker pool "sms-sender" has egress = "ALL_TRAFFIC" (direct)')]


def test_001_a_worker_pool_without_vpc_access_fails(pool_baseline):
    def change(doc):
        (found,) = doc["resource"][WORKER_POOL].values()
        del found["template"]["vpc_access"]
    assert check("EGRESS-001", pool_baseline, change) == [Result(
        POOL_PATH, False, 'worker pool "sms-sender" has no template.vpc_access: its requests leave from Google\'s '
                          "shared IPs, not the chain's")]


def test_002_a_worker_pool_on_the_chains_subnet_is_covered_by_the_nat(pool_baseline):
    assert [r for r in check("EGRESS-002", pool_baseline) if r.path == POOL_PATH] == [Result(
        POOL_PATH, True, 'worker pool "sms-sender": subnet "cloud-run-subnet" is translated by NAT "cloud-run-nat" '
                         "(MANUAL_ONLY, 1 IP)")]
