"""What two environment files may not share: a state object, a resource name, an address range in one VPC.

Checked across every file before anything is written, and against the
neighbouring files when one file is selected (``EGRESS_CONFIG``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.app import load_stacks, run
from constructs_lib.config import ConfigError
from tests.support.environments import environment
from tests.support.processes import snapshot
from rehearsal.tomlfile import dumps as to_toml


def write(folder: Path, stem: str, **changes: Any) -> Path:
    path = folder / f"{stem}.toml"
    path.write_text(to_toml(environment(**changes)), encoding="utf-8")
    return path


def cross_problems(*paths: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_stacks(list(paths))
    return [str(p) for p in err.value.problems]


def test_fails_when_two_files_share_a_bucket_and_prefix(tmp_path):
    a = write(tmp_path, "a", state={"bucket": "my-tfstate", "prefix": "shared"}, name="alpha")
    b = write(tmp_path, "b", state={"bucket": "my-tfstate", "prefix": "shared/"}, name="beta",
              network={"subnet_cidr": "10.124.0.16/28"}, services=[])
    assert cross_problems(a, b) == [
        f"{b}: state.prefix: expected a state object not used by {a} (two stacks in one state plan to destroy "
        'each other\'s resources), got "gs://my-tfstate/shared"',
        # Reported on both files: whichever is deployed alone is stopped.
        f"{a}: state.prefix: expected a state object not used by {b} (two stacks in one state plan to destroy "
        'each other\'s resources), got "gs://my-tfstate/shared"']


def test_two_files_in_one_bucket_with_their_default_prefixes_are_accepted(tmp_path):
    a = write(tmp_path, "a", name="alpha")
    b = write(tmp_path, "b", name="beta", network={"subnet_cidr": "10.124.0.16/28"}, services=[])
    assert [c.state.prefix for c in load_stacks([a, b])] == ["cloud-run-egress/a", "cloud-run-egress/b"]


def test_fails_when_two_files_share_a_terraform_cloud_workspace(tmp_path):
    cloud = {"backend": "cloud", "organization": "my-org", "workspace": "egress"}
    a = write(tmp_path, "a", state=cloud, name="alpha")
    b = write(tmp_path, "b", state=cloud, name="beta", network={"subnet_cidr": "10.124.0.16/28"}, services=[])
    assert cross_problems(a, b) == [
        f"{b}: state.workspace: expected a state object not used by {a} (two stacks in one state plan to destroy "
        'each other\'s resources), got "app.terraform.io/my-org/egress"',
        f"{a}: state.workspace: expected a state object not used by {b} (two stacks in one state plan to destroy "
        'each other\'s resources), got "app.terraform.io/my-org/egress"']


def test_fails_when_two_files_build_the_same_chain_in_one_project_and_region(tmp_path):
    a = write(tmp_path, "a")
    b = write(tmp_path, "b", network={"subnet_cidr": "10.124.0.16/28"}, services=[])
    assert cross_problems(a, b) == [
        f"{b}: name: expected resource names not built by {a} (two stacks would build the same resources), got "
        "subnet cloud-run-subnet in my-gcp-project asia-northeast3; connector cloud-run-connector in my-gcp-project "
        "asia-northeast3; router cloud-run-router in my-gcp-project asia-northeast3; NAT cloud-run-nat in "
        "my-gcp-project asia-northeast3; address cloud-run-origin-ip in my-gcp-project asia-northeast3",
        f"{a}: name: expected resource names not built by {b} (two stacks would build the same resources), got "
        "subnet cloud-run-subnet in my-gcp-project asia-northeast3; connector cloud-run-connector in my-gcp-project "
        "asia-northeast3; router cloud-run-router in my-gcp-project asia-northeast3; NAT cloud-run-nat in "
        "my-gcp-project asia-northeast3; address cloud-run-origin-ip in my-gcp-project asia-northeast3"]


def test_the_same_name_in_another_region_or_project_is_accepted(tmp_path):
    a = write(tmp_path, "a")
    # Subnet ranges may not overlap anywhere in one VPC network, whatever their regions.
    b = write(tmp_path, "b", region="europe-west1", network={"subnet_cidr": "10.124.0.16/28"})
    c = write(tmp_path, "c", project="other-project")
    assert len(load_stacks([a, b, c])) == 3


def test_fails_when_two_files_name_the_same_address(tmp_path):
    a = write(tmp_path, "a", name="alpha", egress={"static_ip_names": ["partner-ip"]})
    b = write(tmp_path, "b", name="beta", egress={"static_ip_names": ["partner-ip"]},
              network={"subnet_cidr": "10.124.0.16/28"}, services=[])
    assert cross_problems(a, b) == [
        f"{b}: egress.static_ip_names: expected resource names not built by {a} (two stacks would build the same "
        "resources), got address partner-ip in my-gcp-project asia-northeast3",
        f"{a}: egress.static_ip_names: expected resource names not built by {b} (two stacks would build the same "
        "resources), got address partner-ip in my-gcp-project asia-northeast3"]


def test_fails_when_two_files_deploy_the_same_service(tmp_path):
    a = write(tmp_path, "a", name="alpha")
    b = write(tmp_path, "b", name="beta", network={"subnet_cidr": "10.124.0.16/28"})
    assert cross_problems(a, b) == [
        f"{b}: services[production].name: expected resource names not built by {a} (two stacks would build the "
        "same resources), got Cloud Run service production in my-gcp-project asia-northeast3",
        f"{a}: services[production].name: expected resource names not built by {b} (two stacks would build the "
        "same resources), got Cloud Run service production in my-gcp-project asia-northeast3"]


def test_fails_when_two_chains_in_one_vpc_have_overlapping_subnets(tmp_path):
    a = write(tmp_path, "a", name="alpha", egress={"mode": "direct"}, network={"subnet_cidr": "10.124.0.0/22"})
    b = write(tmp_path, "b", name="beta", network={"subnet_cidr": "10.124.1.0/28"}, services=[])
    assert cross_problems(a, b) == [
        f'{b}: network.subnet_cidr: expected a range that does not overlap network.subnet_cidr of {a} '
        '(10.124.0.0/22, same VPC my-gcp-project/default), got "10.124.1.0/28"',
        f'{a}: network.subnet_cidr: expected a range that does not overlap network.subnet_cidr of {b} '
        '(10.124.1.0/28, same VPC my-gcp-project/default), got "10.124.0.0/22"']


def test_overlapping_ranges_in_different_vpcs_are_accepted(tmp_path):
    a = write(tmp_path, "a", name="alpha")
    b = write(tmp_path, "b", name="beta", network={"subnet_cidr": "10.124.0.0/28", "vpc": "other"}, services=[])
    c = write(tmp_path, "c", name="gamma", network={"subnet_cidr": "10.124.0.0/28", "host_project": "host-project"},
              services=[])
    assert len(load_stacks([a, b, c])) == 3


def test_a_selected_file_is_checked_against_its_neighbours_and_nothing_is_written(tmp_path):
    envs = tmp_path / "environments"
    envs.mkdir()
    a = write(envs, "a")
    b = write(envs, "b", network={"subnet_cidr": "10.124.0.16/28"}, services=[])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep").write_text("x")
    before = snapshot(out)
    stderr = io.StringIO()
    assert run(str(a), stderr=stderr, outdir=str(out)) == 1
    assert stderr.getvalue().splitlines()[1].startswith(f"  - {a}: name: expected resource names not built by {b}")
    assert snapshot(out) == before


def test_a_broken_neighbour_does_not_stop_the_selected_file(tmp_path):
    envs = tmp_path / "environments"
    envs.mkdir()
    a = write(envs, "a", state={"backend": "local"}, services=[])
    (envs / "broken.toml").write_text("project = ")
    stderr = io.StringIO()
    assert run(str(a), stderr=stderr, outdir=str(tmp_path / "out")) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir()) == ["a"]
    assert (tmp_path / "out" / "stacks" / "a" / "cdk.tf.json").is_file()
    # What it would build is unknown, so the selected file is not checked against it: said, not skipped in silence.
    assert stderr.getvalue().splitlines()[0].startswith(
        f"warning: {envs / 'broken.toml'}: not checked for collisions with {a} ")


def test_a_neighbour_with_a_problem_of_its_own_is_named_as_not_checked(tmp_path):
    # The same chain as the selected file's: a collision once its typo is fixed, and not one problem line now.
    a = write(tmp_path, "a", state={"backend": "local"}, services=[])
    b = write(tmp_path, "b", state={"backend": "local"}, services=[], unknown_key=1)
    stderr = io.StringIO()
    assert run(str(a), stderr=stderr, outdir=str(tmp_path / "out")) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir()) == ["a"]
    assert (tmp_path / "out" / "stacks" / "a" / "cdk.tf.json").is_file()
    assert stderr.getvalue().splitlines()[0] == (
        f"warning: {b}: not checked for collisions with {a} (resource names, subnet ranges, state, addresses, "
        f"buckets): it has problems of its own (EGRESS_CONFIG={b} make synth lists them); fix it before deploying "
        "either file")
    (tmp_path / "b.toml").write_text((tmp_path / "b.toml").read_text().replace("\"unknown_key\" = 1\n", ""))
    stderr = io.StringIO()
    assert run(str(a), stderr=stderr, outdir=str(tmp_path / "out")) == 1
    assert f"expected resource names not built by {b}" in stderr.getvalue()


JOB = {"name": "settlement", "image": "asia.gcr.io/my-gcp-project/settlement:1.0.0",
       "service_account": "settlement@my-gcp-project.iam.gserviceaccount.com",
       "secrets": {"SFTP_PASSWORD": "sftp-password:latest"}}


def test_fails_when_two_files_deploy_the_same_job_or_grant_the_same_accessor_binding(tmp_path):
    a = write(tmp_path, "a", name="alpha", jobs=[JOB])
    b = write(tmp_path, "b", name="beta", network={"subnet_cidr": "10.124.0.16/28"}, services=[], jobs=[JOB])
    problems = cross_problems(a, b)
    for here, there in ((b, a), (a, b)):
        assert (f"{here}: jobs[settlement].name: expected resource names not built by {there} (two stacks would "
                "build the same resources), got Cloud Run job settlement in my-gcp-project asia-northeast3") in problems
        assert (f"{here}: jobs[settlement].secrets: expected resource names not built by {there} (two stacks would "
                "build the same resources), got Secret Manager accessor binding sftp-password for "
                "settlement@my-gcp-project.iam.gserviceaccount.com in my-gcp-project") in problems
    assert len(problems) == 4


def test_the_same_job_name_in_another_region_is_accepted(tmp_path):
    a = write(tmp_path, "a", name="alpha", jobs=[{k: v for k, v in JOB.items() if k != "secrets"}])
    b = write(tmp_path, "b", name="beta", region="asia-northeast1", services=[],
              network={"subnet_cidr": "10.124.0.16/28"},
              jobs=[{k: v for k, v in JOB.items() if k != "secrets"}])
    assert [c.stack for c in load_stacks([a, b])] == ["a", "b"]


def chains(tmp_path: Path, count: int, **changes: Any) -> list[Path]:
    """``count`` valid files, each a chain of its own (name, subnet, state prefix), in one network and region."""
    return [write(tmp_path, f"env{i}", name=f"env{i}", network={"subnet_cidr": f"10.124.{i}.0/28"}, services=[],
                  **changes) for i in range(count)]


def test_fails_when_one_network_and_region_holds_more_chains_than_cloud_routers(tmp_path):
    """Five Cloud Routers per network and region, whatever the quota (facts/nat.py): a sixth chain's router would be
    refused at apply; each file says so, naming the others."""
    paths = chains(tmp_path, 6)
    found = cross_problems(*paths)
    assert len(found) == 6
    others = ", ".join(str(p) for p in paths[1:])
    assert found[0] == (
        f"{paths[0]}: region: expected a region and network.vpc with at most 5 chains, each chain having its own "
        'Cloud Router (Cloud Router, "Quotas and limits": five per network and region, whatever the quota); another '
        f"region or network, or fewer files, got 6 chains in network default of my-gcp-project, asia-northeast3: this "
        f"file's and those of {others}")


def test_five_chains_in_one_network_and_region_and_a_sixth_elsewhere_are_accepted(tmp_path):
    paths = chains(tmp_path, 5)
    paths.append(write(tmp_path, "west", name="west", region="us-central1", services=[],
                       network={"subnet_cidr": "10.124.9.0/28", "auto_mode": False}))
    assert len(load_stacks(paths)) == 6
