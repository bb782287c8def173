"""The examples of examples/ that docs/ explains: what each one synthesizes, and that they can share an estate."""

from __future__ import annotations

from constructs_lib.app import load_stacks
from constructs_lib.config import load_environment
from tests.support.paths import SHIPPED, shipped
from tests.support.synth import ADDRESS, CONNECTOR, NAT, NAT_ADDRESS, RUN, SUBNET, only, resources, synth


def stack(name: str) -> dict:
    return synth(load_environment(shipped(name)))


def test_the_shipped_files_validate_together_as_one_estate():
    # Each example is synthesized on its own (make synth checks a selected file against the other files of
    # its folder, so examples/ must hold together), and a user may copy several into environments/: none
    # collides with another or with environments/example.toml.
    assert sorted(c.stack for c in load_stacks(SHIPPED)) == sorted(p.stem for p in SHIPPED)


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
    assert sorted(only(doc, NAT_ADDRESS)["nat_ips"]) == sorted(
        self_link(doc, n) for n in ("direct-origin-ip-1", "direct-origin-ip-2"))
    assert (nat["enable_dynamic_port_allocation"], nat["min_ports_per_vm"], nat["max_ports_per_vm"]) == (
        True, 64, 4096)


def test_adopting_environment_creates_no_address_and_reads_the_allowlisted_one():
    doc = stack("adopt-existing-ip")
    assert ADDRESS not in doc["resource"]
    ((key, address),) = doc["data"][ADDRESS].items()
    file = load_environment(shipped("adopt-existing-ip"))
    assert (address["name"], address["project"], address["region"]) == (
        "partner-allowlisted-ip", file.network_project, file.region)
    assert only(doc, NAT_ADDRESS)["nat_ips"] == [f"${{data.{ADDRESS}.{key}.self_link}}"]
    assert doc["output"]["static_ips"]["value"] == {"partner-allowlisted-ip": f"${{data.{ADDRESS}.{key}.address}}"}


def test_draining_environment_keeps_the_old_address_reserved_but_out_of_nat_ips():
    doc = stack("drain-ip")
    assert sorted(a["name"] for a in resources(doc, ADDRESS).values()) == ["rotate-origin-ip", "rotate-origin-ip-2"]
    assert all(a["lifecycle"] == {"prevent_destroy": True, "create_before_destroy": True} for a in resources(doc, ADDRESS).values())
    nat = only(doc, NAT_ADDRESS)
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
