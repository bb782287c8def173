"""The example environments of environments/ that docs/ explains, and the capacity failure fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ADDRESS, CONNECTOR, NAT, RUN, SUBNET, only, resources, snapshot, synth
from constructs_lib.config import ConfigError, load_environment
from test_cli import run_main

ROOT = Path(__file__).resolve().parents[1]
CAPACITY_FAILS = ROOT / "tests" / "fixtures" / "capacity-fails.toml"


def stack(name: str) -> dict:
    return synth(load_environment(ROOT / "environments" / f"{name}.toml"))


def self_link(doc: dict, name: str) -> str:
    (key,) = [k for k, r in resources(doc, ADDRESS).items() if r["name"] == name]
    return f"${{{ADDRESS}.{key}.self_link}}"


def test_direct_environment_egresses_from_its_subnet_through_two_ips():
    doc = stack("direct")
    assert CONNECTOR not in doc["resource"]
    subnet = only(doc, SUBNET)
    assert (subnet["name"], subnet["ip_cidr_range"]) == ("direct-subnet", "10.124.16.0/24")
    (subnet_key,) = resources(doc, SUBNET)
    for service in resources(doc, RUN).values():
        assert service["template"]["vpc_access"] == {"egress": "ALL_TRAFFIC", "network_interfaces": [
            {"network": "default", "subnetwork": f"${{{SUBNET}.{subnet_key}.name}}"}]}
    assert {s["name"]: s["template"]["scaling"]["max_instance_count"] for s in resources(doc, RUN).values()} == {
        "payments-api": 40, "webhooks": 20}
    nat = only(doc, NAT)
    assert sorted(nat["nat_ips"]) == sorted(self_link(doc, n) for n in ("direct-origin-ip-1", "direct-origin-ip-2"))
    assert (nat["enable_dynamic_port_allocation"], nat["min_ports_per_vm"], nat["max_ports_per_vm"]) == (
        True, 64, 4096)


def test_adopting_environment_creates_no_address_and_reads_the_allowlisted_one():
    doc = stack("adopt-existing-ip")
    assert ADDRESS not in doc["resource"]
    ((key, address),) = doc["data"][ADDRESS].items()
    assert (address["name"], address["project"], address["region"]) == (
        "partner-allowlisted-ip", "my-gcp-project", "asia-northeast3")
    assert only(doc, NAT)["nat_ips"] == [f"${{data.{ADDRESS}.{key}.self_link}}"]
    assert doc["output"]["static_ips"]["value"] == {"partner-allowlisted-ip": f"${{data.{ADDRESS}.{key}.address}}"}


def test_draining_environment_keeps_the_old_address_reserved_but_out_of_nat_ips():
    doc = stack("drain-ip")
    assert sorted(a["name"] for a in resources(doc, ADDRESS).values()) == ["rotate-origin-ip", "rotate-origin-ip-2"]
    assert all(a["lifecycle"] == {"prevent_destroy": True, "create_before_destroy": True} for a in resources(doc, ADDRESS).values())
    nat = only(doc, NAT)
    assert nat["nat_ips"] == [self_link(doc, "rotate-origin-ip-2")]
    assert nat["drain_nat_ips"] == [self_link(doc, "rotate-origin-ip")]
    assert sorted(doc["output"]["draining_ips"]["value"]) == ["rotate-origin-ip"]
    assert sorted(doc["output"]["static_ips"]["value"]) == ["rotate-origin-ip-2"]


def test_migration_environment_keeps_the_connector_while_services_egress_directly():
    doc = stack("migrate-to-direct")
    subnets = {s["name"]: (k, s["ip_cidr_range"]) for k, s in resources(doc, SUBNET).items()}
    assert {n: r for n, (_, r) in subnets.items()} == {
        "migrate-subnet": "10.124.64.0/28", "migrate-direct-subnet": "10.124.80.0/24"}
    connector = only(doc, CONNECTOR)
    assert connector["subnet"]["name"] == f"${{{SUBNET}.{subnets['migrate-subnet'][0]}.name}}"
    assert only(doc, RUN)["template"]["vpc_access"]["network_interfaces"] == [
        {"network": "default", "subnetwork": f"${{{SUBNET}.{subnets['migrate-direct-subnet'][0]}.name}}"}]
    assert len(only(doc, NAT)["subnetwork"]) == 2


def test_capacity_fixture_fails_validation_with_the_figures():
    with pytest.raises(ConfigError) as err:
        load_environment(CAPACITY_FAILS)
    (problem,) = err.value.problems
    assert (problem.key, problem.given) == (
        "capacity.peak_connections_per_destination",
        "5,000; smallest change that holds it: nat.min_ports_per_vm = 512 (holds 5,120)")
    assert problem.expected == (
        "at most 640 concurrent connections to one destination IP:port, what the chain holds: min(10 connector VMs "
        "(connector.max_instances) × 64 ports (min_ports_per_vm), 1 NAT IP × 64,512 ports)")


def test_capacity_failure_stops_the_synth_without_traceback_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    (out / "stacks" / "old").mkdir(parents=True)
    (out / "stacks" / "old" / "cdk.tf.json").write_text("{}")
    before = snapshot(out)

    result = run_main(tmp_path, EGRESS_CONFIG=str(CAPACITY_FAILS), CDKTF_OUTDIR=str(out))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "error: 1 problem in the environment configuration:",
        f"  - {CAPACITY_FAILS}: capacity.peak_connections_per_destination: expected at most 640 concurrent "
        "connections to one destination IP:port, what the chain holds: min(10 connector VMs "
        "(connector.max_instances) × 64 ports (min_ports_per_vm), 1 NAT IP × 64,512 ports), got 5,000; smallest "
        "change that holds it: nat.min_ports_per_vm = 512 (holds 5,120)",
    ]
    assert snapshot(out) == before
