"""Brownfield seed files: read, checked (every problem at once), applied to the local GCP API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rehearsal.brownfield import SeedError, load_seed
from rehearsal.seeding import seed_gcp
from rehearsal.localgcp import LocalGcp
from tests.support.environments import config

SEED = '''
[network]
mode = "auto"

[[nat]]
router = "legacy-router"
name = "legacy-nat"
addresses = ["legacy-ip"]

[[vm]]
name = "bastion"
addresses = ["partner-ip"]

[quota]
static_addresses = 2

[images]
missing = ["asia.gcr.io/my-gcp-project/app:1.0.0"]
not_listening = ["asia.gcr.io/my-gcp-project/app:2.0.0"]

[addresses]
standard = ["partner-ip", "old-ip"]
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seed.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_seed_file_is_read_and_applied_to_the_networks_project_and_region(tmp_path):
    seed = load_seed(write(tmp_path, SEED))
    env = config(region="us-central1", network={"subnet_cidr": "10.124.0.0/28", "auto_mode": False})
    gcp = LocalGcp()
    said = seed_gcp(gcp, env, seed)
    p = "projects/my-gcp-project"
    assert gcp.store[f"{p}/global/networks/default"]["autoCreateSubnetworks"] is True
    assert gcp.store[f"{p}/regions/us-central1/subnetworks/default"]["ipCidrRange"] == "10.128.0.0/20"
    nat = gcp.store[f"{p}/regions/us-central1/routers/legacy-router"]["nats"][0]
    assert nat["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_IP_RANGES"
    assert gcp.store[f"{p}/regions/us-central1/addresses/partner-ip"]["status"] == "IN_USE"
    assert gcp.quotas[("my-gcp-project", "us-central1", "STATIC_ADDRESSES")] == 2
    assert gcp.run.images == set() and gcp.run.not_listening == {"asia.gcr.io/my-gcp-project/app:2.0.0"}
    assert said[0] == "network default: auto mode, 24 regional subnets (us-central1: 10.128.0.0/20)"
    # [addresses] standard: an address already there (the VM's) changes tier, a new one is reserved in it.
    assert [gcp.store[f"{p}/regions/us-central1/addresses/{n}"]["networkTier"]
            for n in ("partner-ip", "old-ip", "legacy-ip")] == ["STANDARD", "STANDARD", "PREMIUM"]
    assert said[-1] == "addresses of the STANDARD network tier: partner-ip, old-ip"
    assert len(said) == 7


def test_a_seed_nat_may_serve_every_subnets_primary_range_only(tmp_path):
    seed = load_seed(write(tmp_path, '[[nat]]\nrouter = "r"\nname = "primaries"\nranges = "primary"\n'))
    gcp = LocalGcp()
    said = seed_gcp(gcp, config(network={"subnet_cidr": "10.124.0.0/28"}), seed)
    nat = gcp.store["projects/my-gcp-project/regions/asia-northeast3/routers/r"]["nats"][0]
    assert nat["sourceSubnetworkIpRangesToNat"] == "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES"
    assert said[-1] == "router r with NAT primaries for ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES"
    path = write(tmp_path, '[[nat]]\nrouter = "r"\nname = "n"\nranges = "secondary"\n')
    with pytest.raises(SeedError) as err:
        load_seed(path)
    assert str(err.value) == f'{path}: nat[0].ranges: expected "all" or "primary", got "secondary"'


def test_a_seed_may_restrict_the_projects_sharing_to_its_domains(tmp_path):
    seed = load_seed(write(tmp_path, "[org_policy]\ndomain_restricted_sharing = true\n"))
    gcp = LocalGcp()
    said = seed_gcp(gcp, config(network={"subnet_cidr": "10.124.0.0/28"}), seed)
    assert gcp.org_policies == {"my-gcp-project": {"constraints/iam.allowedPolicyMemberDomains"}}
    assert said[-1] == ("organization policy on my-gcp-project: constraints/iam.allowedPolicyMemberDomains (domain "
                        "restricted sharing)")
    path = write(tmp_path, '[org_policy]\ndomain_restricted_sharing = "yes"\n')
    with pytest.raises(SeedError) as err:
        load_seed(path)
    assert str(err.value) == f'{path}: org_policy.domain_restricted_sharing: expected true or false, got "yes"'


def test_a_file_without_a_seed_gets_the_default_network_in_auto_mode_with_its_subnets():
    gcp = LocalGcp()
    seed_gcp(gcp, config(network={"subnet_cidr": "10.124.0.0/28"}))
    assert gcp.store["projects/my-gcp-project/regions/asia-northeast3/subnetworks/default"]["ipCidrRange"] == \
        "10.178.0.0/20"
    assert gcp.run.images == {"asia.gcr.io/my-gcp-project/app:1.0.0"}


def test_every_problem_of_a_seed_file_is_reported_at_once(tmp_path):
    path = write(tmp_path, '[network]\nmode = "legacy"\n[quota]\nstatic_addresses = -1\n[[vm]]\nname = "x"\n'
                           '[images]\nmissing = "one"\n[firewall]\nrules = 1\n')
    with pytest.raises(SeedError) as err:
        load_seed(path)
    lines = str(err.value).splitlines()
    assert lines == [
        f"{path}: firewall: expected one of addresses, images, nat, network, org_policy, quota, secrets, vm, got an "
        "unknown key",
        f"{path}: network.mode: expected \"auto\" or \"custom\", got \"legacy\"",
        f"{path}: vm[0].addresses: expected a list of non-empty strings, got nothing (the key is missing)",
        f"{path}: quota.static_addresses: expected a whole number from 0, got -1",
        f"{path}: images.missing: expected a list of non-empty strings, got \"one\"",
    ]


def test_a_seed_table_of_the_wrong_shape_is_one_problem_under_its_own_key(tmp_path):
    # [nat] where [[nat]] belongs was skipped in silence (its keys read as entries); [[quota]] read as a table.
    path = write(tmp_path, '[nat]\nrouter = "r"\nname = "n"\n[[quota]]\nstatic_addresses = 1\n'
                           '[[vm]]\nname = "a"\naddresses = ["x"]\n[[vm]]\nname = ""\naddresses = ["y"]\n')
    with pytest.raises(SeedError) as err:
        load_seed(path)
    assert str(err.value).splitlines() == [
        f"{path}: nat: expected [[nat]] tables, got a table",
        f"{path}: quota: expected a [quota] table, got a list of 1",
        f"{path}: vm[1].name: expected a name, got \"\"",
    ]


def test_a_seed_files_keys_and_values_are_printed_on_one_line_escaped(tmp_path):
    path = write(tmp_path, '"fire\\nwall\\u001b[31m" = 1\n"z\\nforged: vm[0].name: expected nothing" = 2\n'
                           '[[vm]]\nname = "a"\naddresses = ["x"]\n[network]\nmode = "x\\ny"\n'
                           f'[images]\nmissing = "{"m" * 5000}"\n')
    with pytest.raises(SeedError) as err:
        load_seed(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 4, lines
    assert lines[0].startswith(f"{path}: fire\\nwall\\x1b[31m: expected one of addresses, images,")
    assert lines[1].startswith(f"{path}: z\\nforged: vm[0].name: expected nothing: expected one of")
    assert lines[2] == f'{path}: network.mode: expected "auto" or "custom", got "x\\ny"'
    assert not any("\x1b" in line for line in lines)


def test_a_seed_file_that_is_not_toml_says_so(tmp_path):
    with pytest.raises(SeedError, match=r"\(file\): expected valid TOML, got Expected ']'"):
        load_seed(write(tmp_path, "[network\n"))


def test_a_seed_file_that_is_a_pipe_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "seed.toml")
    with pytest.raises(SeedError, match=r"seed\.toml: \(file\): expected a regular TOML file, got a named pipe"):
        load_seed(tmp_path / "seed.toml")
