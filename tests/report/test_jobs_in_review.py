"""REVIEW.md of stacks with Cloud Run jobs, worker pools and secrets: each with its egress and tasks or instances,
the accessor bindings, their tasks at once or instances in the capacity section, and the jobs in the diagram with
their edges into the chain."""

from __future__ import annotations

import re
import tomllib

import pytest

from constructs_lib.app import build_app
from constructs_lib.config import load_environment
from constructs_lib.report import write_reports
from tests.support.paths import FIXTURES

JOBS = FIXTURES / "jobs"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("jobs-report")
    stacks = ("jobs-connector", "jobs-direct", "worker-pools-direct")
    build_app([load_environment(JOBS / f"{stack}.toml") for stack in stacks], outdir=str(out)).synth()
    write_reports(out)
    return {stack: (out / "stacks" / stack / "REVIEW.md").read_text() for stack in stacks}


def section(report: str, title: str) -> list[str]:
    lines = report.splitlines()
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line]


def settings(report: str) -> dict[tuple[str, str], str]:
    """(type, name) → the settings cell of each row of the Resources table."""
    table = [line for line in section(report, "Resources") if line.startswith("| ")][1:]
    cells = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table]
    return {(c[0], c[1]): c[4] for c in cells}


def test_each_job_is_listed_with_its_egress_tasks_retries_and_timeout(reports):
    found = settings(reports["jobs-connector"])
    assert found[("`google_cloud_run_v2_job`", "settlement")] == (
        "egress ALL_TRAFFIC; connector batch-connector; tasks 4; at once 2; max_retries 1; task timeout 3600s; "
        "deletion_protection true; image asia.gcr.io/my-gcp-project/settlement:1.0.0")
    assert found[("`google_cloud_run_v2_job`", "sms-campaign")].startswith(
        "egress ALL_TRAFFIC; connector batch-connector; tasks 1; at once 1 (every task; no parallelism); "
        "max_retries 3; task timeout 600s (API default)")


def test_each_accessor_binding_is_listed_with_its_secret_and_member(reports):
    found = settings(reports["jobs-connector"])
    assert found[("`google_secret_manager_secret_iam_member`", "sftp-password")] == (
        "secret sftp-password; roles/secretmanager.secretAccessor; member "
        "serviceAccount:settlement@my-gcp-project.iam.gserviceaccount.com")


def test_with_direct_egress_the_capacity_counts_the_jobs_parallelism(reports):
    capacity = section(reports["jobs-direct"], "Capacity")
    assert "- `nightly-nat` endpoints: job reconcile (direct VPC egress): parallelism 5" in capacity
    (row,) = [line for line in capacity if line.startswith("| `nightly-nat`")]
    assert row.split(" | ")[1] == "5"


def diagram_edges(report: str) -> set[tuple[str, str, str]]:
    """(from, arrow label, to) of each edge of the Diagram section, nodes by their label (their IDs are positions)."""
    lines = section(report, "Diagram")
    labels = dict(re.findall(r'^  (\w+)[\[(]+"(.*?)"[\])]+$', "\n".join(lines), re.MULTILINE))
    edges = re.findall(r'^  (\w+) -\.?->(?:\|"(.*?)"\|)? (\w+)$', "\n".join(lines), re.MULTILINE)
    assert len(edges) == sum("->" in line for line in lines), lines  # every edge read, none skipped
    return {(labels[source], arrow, labels[target]) for source, arrow, target in edges}


def stated(stack: str) -> dict:
    return tomllib.loads((JOBS / f"{stack}.toml").read_text(encoding="utf-8"))


def test_the_diagram_shows_the_jobs(reports):
    # Each job of the file, by name, and its edge into the chain's connector ({name}-connector).
    data = stated("jobs-connector")
    assert data["jobs"]
    edges = diagram_edges(reports["jobs-connector"])
    for job in data["jobs"]:
        assert (f"Cloud Run job {job['name']}", "egress ALL_TRAFFIC", f"connector {data['name']}-connector") in edges, (
            job["name"], edges)


def test_the_diagram_shows_direct_jobs_on_the_chain_subnet(reports):
    data = stated("jobs-direct")
    assert data["jobs"]
    edges = diagram_edges(reports["jobs-direct"])
    subnet = f"subnet {data['name']}-subnet<br/>{data['network']['subnet_cidr']}"
    for job in data["jobs"]:
        assert (f"Cloud Run job {job['name']}", "direct VPC egress, ALL_TRAFFIC", subnet) in edges, (job["name"], edges)


def test_a_worker_pool_is_listed_and_its_instances_are_nat_endpoints(reports):
    report = reports["worker-pools-direct"]
    assert settings(report)[("`google_cloud_run_v2_worker_pool`", "sms-sender")] == (
        "egress ALL_TRAFFIC; direct VPC egress, subnet pull-subnet; instances 3; deletion_protection true; "
        "image asia.gcr.io/my-gcp-project/sms-sender:1.0.0")
    capacity = section(report, "Capacity")
    assert ("- `pull-nat` endpoints: job sms-report (direct VPC egress): task_count (no parallelism) 1; worker pool "
            "sms-sender (direct VPC egress): instances 3") in capacity
