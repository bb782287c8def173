"""Direct VPC egress, the move from the connector, the static-IP pool and NAT tuning in the synthesized JSON."""

from __future__ import annotations

import json

import pytest

from tests.support.environments import config
from tests.support.synth import ADDRESS, API, CONNECTOR, NAT, NAT_ADDRESS, ROUTER, RUN, SUBNET, only, resources, synth


SERVICES = [{"name": "api", "image": "nginx", "max_instances": 20},
            {"name": "worker", "image": "nginx", "max_instances": 30}]
DIRECT = dict(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.0.0/24"}, services=SERVICES)

# The four stages of the move from the connector to Direct VPC egress.
CONNECTOR_STAGE = dict(network={"subnet_cidr": "10.124.0.0/28"}, services=SERVICES)
PREPARE_STAGE = dict(network={"subnet_cidr": "10.124.0.0/28", "direct_subnet_cidr": "10.124.64.0/24"},
                     services=SERVICES)
SWITCH_STAGE = dict(PREPARE_STAGE, egress={"mode": "direct"})
FINAL_STAGE = dict(egress={"mode": "direct"}, network={"direct_subnet_cidr": "10.124.64.0/24"}, services=SERVICES)


def services(doc: dict) -> list[dict]:
    """The stack's services, which must be the two of SERVICES: a loop over none would check nothing."""
    found = list(resources(doc, RUN).values())
    assert sorted(s["name"] for s in found) == ["api", "worker"]
    return found


def key(doc: dict, rtype: str, name: str) -> str:
    """The logical name (Terraform address) of the resource of ``rtype`` whose ``name`` is ``name``."""
    (found,) = [k for k, r in resources(doc, rtype).items() if r["name"] == name]
    return found


def ref(doc: dict, rtype: str, name: str, attr: str) -> str:
    return f"${{{rtype}.{key(doc, rtype, name)}.{attr}}}"


def data_keys(doc: dict) -> dict[str, str]:
    return {d["name"]: k for k, d in doc.get("data", {}).get(ADDRESS, {}).items()}


def address_keys(doc: dict) -> dict[str, str]:
    """Address name → Terraform address, for created (resource) and adopted (data) addresses."""
    created = {r["name"]: f"{ADDRESS}.{k}" for k, r in resources(doc, ADDRESS).items()}
    adopted = {n: f"data.{ADDRESS}.{k}" for n, k in data_keys(doc).items()}
    return {**created, **adopted}


@pytest.fixture(scope="module")
def direct() -> dict:
    return synth(config(**DIRECT))


@pytest.fixture(scope="module")
def stages() -> dict[str, dict]:
    return {name: synth(config(**cfg)) for name, cfg in (
        ("connector", CONNECTOR_STAGE), ("prepare", PREPARE_STAGE), ("switch", SWITCH_STAGE), ("final", FINAL_STAGE))}


@pytest.fixture(scope="module")
def pool() -> dict:
    return synth(config(egress={"static_ip_names": ["new-ip", "old-ip"], "existing_ips": ["partner-ip"],
                                "draining_ips": ["old-ip"]}))


# --- Direct VPC egress --------------------------------------------------------

def test_direct_stack_has_no_connector(direct):
    counts = {rtype: len(found) for rtype, found in direct["resource"].items()}
    assert counts == {SUBNET: 1, ROUTER: 1, ADDRESS: 1, NAT: 1, NAT_ADDRESS: 1, RUN: 2, API: 2}
    assert "connector_id" not in direct["output"]


def test_direct_stack_enables_no_serverless_vpc_access_api(direct):
    assert sorted(a["service"] for a in resources(direct, API).values()) == [
        "compute.googleapis.com", "run.googleapis.com"]


def test_direct_subnet_is_the_chain_subnet_with_the_direct_range(direct):
    subnet = only(direct, SUBNET)
    assert {k: subnet[k] for k in ("name", "project", "region", "network", "ip_cidr_range")} == {
        "name": "cloud-run-subnet", "project": "my-gcp-project", "region": "asia-northeast3",
        "network": "default", "ip_cidr_range": "10.124.0.0/24"}
    assert key(direct, SUBNET, "cloud-run-subnet").startswith("Chain_Subnet_")


def test_direct_services_egress_all_traffic_from_the_subnet(direct):
    for service in services(direct):
        assert service["template"]["vpc_access"] == {
            "egress": "ALL_TRAFFIC",
            "network_interfaces": [{"network": "default",
                                    "subnetwork": ref(direct, SUBNET, "cloud-run-subnet", "name")}],
        }


def test_direct_services_keep_their_max_instances(direct):
    scaling = {s["name"]: s["template"]["scaling"] for s in resources(direct, RUN).values()}
    assert scaling == {"api": {"max_instance_count": 20}, "worker": {"max_instance_count": 30}}


def test_direct_nat_covers_the_direct_subnet(direct):
    assert only(direct, NAT)["subnetwork"] == [
        {"name": ref(direct, SUBNET, "cloud-run-subnet", "self_link"), "source_ip_ranges_to_nat": ["ALL_IP_RANGES"]}]


def test_direct_services_wait_for_the_nat(direct):
    nat = f"{NAT}.{next(iter(resources(direct, NAT)))}"
    for service in services(direct):
        assert nat in service["depends_on"]


def test_shared_vpc_direct_egress_names_the_host_network_and_subnet_in_full():
    doc = synth(config(**dict(DIRECT, network={"subnet_cidr": "10.124.0.0/24", "vpc": "shared-net",
                                               "host_project": "my-host-project"})))
    assert only(doc, SUBNET)["project"] == "my-host-project"
    for service in services(doc):
        assert service["project"] == "my-gcp-project"
        assert service["template"]["vpc_access"]["network_interfaces"] == [{
            "network": "projects/my-host-project/global/networks/shared-net",
            "subnetwork": ref(doc, SUBNET, "cloud-run-subnet", "id"),
        }]


# --- the move from the connector to direct egress ----------------------------------

def test_preparing_the_move_adds_the_direct_subnet_to_the_nat(stages):
    doc = stages["prepare"]
    assert sorted((s["name"], s["ip_cidr_range"]) for s in resources(doc, SUBNET).values()) == [
        ("cloud-run-direct-subnet", "10.124.64.0/24"), ("cloud-run-subnet", "10.124.0.0/28")]
    assert key(doc, SUBNET, "cloud-run-direct-subnet").startswith("Chain_DirectSubnet_")
    assert sorted(s["name"] for s in only(doc, NAT)["subnetwork"]) == sorted([
        ref(doc, SUBNET, "cloud-run-subnet", "self_link"), ref(doc, SUBNET, "cloud-run-direct-subnet", "self_link")])


def test_preparing_the_move_leaves_the_services_on_the_connector(stages):
    doc = stages["prepare"]
    connector = f"${{{CONNECTOR}.{next(iter(resources(doc, CONNECTOR)))}.id}}"
    for service in services(doc):
        assert service["template"]["vpc_access"] == {"connector": connector, "egress": "ALL_TRAFFIC"}


def test_switching_moves_the_services_to_the_direct_subnet_and_keeps_the_connector(stages):
    doc = stages["switch"]
    assert only(doc, CONNECTOR)["subnet"]["name"] == ref(doc, SUBNET, "cloud-run-subnet", "name")
    for service in services(doc):
        assert service["template"]["vpc_access"] == {
            "egress": "ALL_TRAFFIC",
            "network_interfaces": [{"network": "default",
                                    "subnetwork": ref(doc, SUBNET, "cloud-run-direct-subnet", "name")}],
        }
    assert len(only(doc, NAT)["subnetwork"]) == 2
    assert "connector_id" in doc["output"]


def test_after_the_move_only_the_direct_subnet_is_left(stages):
    doc = stages["final"]
    assert CONNECTOR not in doc["resource"]
    assert [s["name"] for s in resources(doc, SUBNET).values()] == ["cloud-run-direct-subnet"]
    assert only(doc, NAT)["subnetwork"] == [{"name": ref(doc, SUBNET, "cloud-run-direct-subnet", "self_link"),
                                             "source_ip_ranges_to_nat": ["ALL_IP_RANGES"]}]


def test_every_stage_of_the_move_keeps_the_same_addresses_router_and_nat(stages):
    # Same Terraform addresses and names: no new IP, nothing for the third party to allowlist.
    first = stages["connector"]
    for name, doc in stages.items():
        assert address_keys(doc) == address_keys(first) == {
            "cloud-run-origin-ip": f"{ADDRESS}.{key(first, ADDRESS, 'cloud-run-origin-ip')}"}, name
        assert sorted(resources(doc, ROUTER)) == sorted(resources(first, ROUTER)), name
        assert sorted(resources(doc, NAT)) == sorted(resources(first, NAT)), name
        assert sorted(resources(doc, NAT_ADDRESS)) == sorted(resources(first, NAT_ADDRESS)), name
        assert only(doc, NAT_ADDRESS)["nat_ips"] == only(first, NAT_ADDRESS)["nat_ips"], name


def test_the_connector_subnet_keeps_its_address_until_the_end_of_the_move(stages):
    subnet_key = key(stages["connector"], SUBNET, "cloud-run-subnet")
    for name in ("prepare", "switch"):
        assert key(stages[name], SUBNET, "cloud-run-subnet") == subnet_key, name
    assert sorted(resources(stages["switch"], CONNECTOR)) == sorted(resources(stages["connector"], CONNECTOR))


# --- the static-IP pool -------------------------------------------------------

def test_every_created_address_has_prevent_destroy_and_create_before_destroy(pool):
    for address in resources(pool, ADDRESS).values():
        assert address["lifecycle"] == {"prevent_destroy": True, "create_before_destroy": True}, address["name"]
    assert sorted(a["name"] for a in resources(pool, ADDRESS).values()) == ["new-ip", "old-ip"]


def test_existing_ips_are_read_by_name_in_the_nat_project_and_region():
    doc = synth(config(egress={"static_ip_count": 0, "existing_ips": ["partner-ip"]},
                       network={"subnet_cidr": "10.124.0.0/28", "host_project": "my-host-project"}))
    assert ADDRESS not in doc["resource"]
    (address,) = doc["data"][ADDRESS].values()
    assert address == {
        "name": "partner-ip", "project": "my-host-project", "region": "asia-northeast3",
        "lifecycle": {"postcondition": [{
            "condition": '${self.address_type == "EXTERNAL"}',
            "error_message": "existing_ips: partner-ip must be an EXTERNAL address to serve as a NAT IP.",
        }]},
    }
    assert only(doc, NAT_ADDRESS)["nat_ips"] == [f"${{data.{ADDRESS}.{data_keys(doc)['partner-ip']}.self_link}}"]
    assert only(doc, NAT)["initial_nat_ips"] == only(doc, NAT_ADDRESS)["nat_ips"]
    assert data_keys(doc)["partner-ip"].startswith("Chain_Addresses_Existing-partner-ip_")


def test_draining_address_goes_to_drain_nat_ips_and_never_also_to_nat_ips(pool):
    nat = only(pool, NAT_ADDRESS)
    assert nat["nat_ips"] == [ref(pool, ADDRESS, "new-ip", "self_link"),
                              f"${{data.{ADDRESS}.{data_keys(pool)['partner-ip']}.self_link}}"]
    assert nat["drain_nat_ips"] == [ref(pool, ADDRESS, "old-ip", "self_link")]
    assert not set(nat["nat_ips"]) & set(nat["drain_nat_ips"])


def test_no_drain_nat_ips_without_draining_addresses():
    doc = synth(config())
    assert "drain_nat_ips" not in only(doc, NAT_ADDRESS)  # left out: null and empty are one to the provider
    assert "drain_nat_ips" not in only(doc, NAT)
    assert "import" not in json.dumps(doc)


def test_while_addresses_drain_the_nat_address_is_imported_not_created(pool):
    """The provider refuses to create a NatAddress with drain_nat_ips; a draining NAT exists already."""
    holder = only(pool, NAT_ADDRESS)
    (imported,) = [i for i in pool["import"] if i["to"].startswith(NAT_ADDRESS)]
    assert imported == {"to": f"{NAT_ADDRESS}.{next(iter(resources(pool, NAT_ADDRESS)))}",
                        "id": "projects/my-gcp-project/regions/asia-northeast3/routers/cloud-run-router/cloud-run-nat"}
    assert holder["drain_nat_ips"]


def test_outputs_show_active_and_draining_addresses_apart(pool):
    assert pool["output"]["static_ips"]["value"] == {
        "new-ip": ref(pool, ADDRESS, "new-ip", "address"),
        "partner-ip": f"${{data.{ADDRESS}.{data_keys(pool)['partner-ip']}.address}}",
    }
    assert pool["output"]["draining_ips"]["value"] == {"old-ip": ref(pool, ADDRESS, "old-ip", "address")}


def test_adding_an_address_by_name_keeps_the_others():
    before = address_keys(synth(config(egress={"static_ip_names": ["cloud-run-origin-ip"]})))
    after = address_keys(synth(config(egress={"static_ip_names": ["cloud-run-origin-ip", "cloud-run-origin-ip-2"],
                                              "existing_ips": ["partner-ip"]})))
    assert sorted(after) == ["cloud-run-origin-ip", "cloud-run-origin-ip-2", "partner-ip"]
    assert after["cloud-run-origin-ip"] == before["cloud-run-origin-ip"]
    # static_ip_names with the single name static_ip_count = 1 creates is the same resource.
    assert before == address_keys(synth(config()))


def test_removing_an_address_keeps_the_others():
    before = address_keys(synth(config(egress={"static_ip_names": ["a-ip", "b-ip", "c-ip"], "existing_ips": ["p-ip"]})))
    after = address_keys(synth(config(egress={"static_ip_names": ["a-ip", "c-ip"]})))
    assert after == {"a-ip": before["a-ip"], "c-ip": before["c-ip"]}


def test_raising_a_count_of_two_adds_an_address_and_keeps_the_others():
    before = address_keys(synth(config(egress={"static_ip_count": 2})))
    after = address_keys(synth(config(egress={"static_ip_count": 3})))
    assert {n: after[n] for n in before} == before
    assert sorted(set(after) - set(before)) == ["cloud-run-origin-ip-3"]


def test_draining_an_address_keeps_its_terraform_address(pool):
    undrained = address_keys(synth(config(egress={"static_ip_names": ["new-ip", "old-ip"],
                                                  "existing_ips": ["partner-ip"]})))
    assert address_keys(pool) == undrained


# --- NAT tuning ----------------------------------------------------------------

def test_nat_tuning_is_passed_through():
    nat = only(synth(config(nat={
        "min_ports_per_vm": 64, "max_ports_per_vm": 4096, "dynamic_port_allocation": True,
        "endpoint_independent_mapping": False, "udp_idle_timeout_sec": 31, "icmp_idle_timeout_sec": 32,
        "tcp_established_idle_timeout_sec": 600, "tcp_transitory_idle_timeout_sec": 33,
        "tcp_time_wait_timeout_sec": 60, "log_filter": "ERRORS_ONLY"})), NAT)
    assert {k: nat[k] for k in (
        "min_ports_per_vm", "max_ports_per_vm", "enable_dynamic_port_allocation", "enable_endpoint_independent_mapping",
        "udp_idle_timeout_sec", "icmp_idle_timeout_sec", "tcp_established_idle_timeout_sec",
        "tcp_transitory_idle_timeout_sec", "tcp_time_wait_timeout_sec", "log_config")} == {
        "min_ports_per_vm": 64, "max_ports_per_vm": 4096, "enable_dynamic_port_allocation": True,
        "enable_endpoint_independent_mapping": False, "udp_idle_timeout_sec": 31, "icmp_idle_timeout_sec": 32,
        "tcp_established_idle_timeout_sec": 600, "tcp_transitory_idle_timeout_sec": 33,
        "tcp_time_wait_timeout_sec": 60, "log_config": {"enable": True, "filter": "ERRORS_ONLY"}}


def test_dynamic_port_allocation_false_is_sent_not_left_out():
    # Left out, the field would keep whatever the live NAT has: turning it off must be explicit.
    nat = only(synth(config(nat={"dynamic_port_allocation": False, "endpoint_independent_mapping": True})), NAT)
    assert (nat["enable_dynamic_port_allocation"], nat["enable_endpoint_independent_mapping"]) == (False, True)


def test_untuned_nat_writes_its_timeouts_and_leaves_every_other_setting_to_the_api():
    nat = only(synth(config()), NAT)
    assert sorted(nat) == ["icmp_idle_timeout_sec", "initial_nat_ips", "lifecycle", "name", "nat_ip_allocate_option",
                           "project", "region", "router", "source_subnetwork_ip_ranges_to_nat", "subnetwork",
                           "tcp_established_idle_timeout_sec", "tcp_time_wait_timeout_sec",
                           "tcp_transitory_idle_timeout_sec", "udp_idle_timeout_sec"]


# --- constructs used by hand ----------------------------------------------------

def test_a_service_takes_exactly_one_of_connector_and_subnet():
    from constructs_lib._provider.cdk import TerraformStack, Testing
    from constructs_lib.chain.cloud_run import CloudRunService, CloudRunServiceProps

    stack = TerraformStack(Testing.app(), "stack")
    props = CloudRunServiceProps(name="api", project="p-123456", region="asia-northeast3", image="nginx")
    with pytest.raises(ValueError, match="exactly one of connector_id"):
        CloudRunService(stack, "Service", props=props)


def test_draining_names_must_be_in_the_pool_of_the_props():
    from constructs_lib.chain.addresses import StaticAddressesProps

    with pytest.raises(ValueError, match="draining_names must be addresses of the pool"):
        StaticAddressesProps(names=("a-ip",), project="p-123456", region="asia-northeast3", draining_names=("b-ip",))
    with pytest.raises(ValueError, match="created, adopted or standing by, one of the three"):
        StaticAddressesProps(names=("a-ip",), project="p-123456", region="asia-northeast3", existing_names=("a-ip",))


# --- standby addresses ----------------------------------------------------------

STANDBY = {"static_ip_count": 1, "standby_ips": ["cloud-run-origin-ip-2"]}


def test_standby_address_is_created_and_protected_but_not_in_the_nat():
    doc = synth(config(egress=STANDBY))
    standby = [a for a in resources(doc, ADDRESS).values() if a["name"] == "cloud-run-origin-ip-2"]
    assert [a["lifecycle"] for a in standby] == [{"prevent_destroy": True, "create_before_destroy": True}]
    nat = only(doc, NAT_ADDRESS)
    assert nat["nat_ips"] == [ref(doc, ADDRESS, "cloud-run-origin-ip", "self_link")]
    assert "drain_nat_ips" not in nat
    assert doc["output"]["standby_ips"]["value"] == {
        "cloud-run-origin-ip-2": ref(doc, ADDRESS, "cloud-run-origin-ip-2", "address")}
    assert sorted(doc["output"]["static_ips"]["value"]) == ["cloud-run-origin-ip"]


def test_moving_a_standby_address_into_the_pool_keeps_every_terraform_address():
    standby = address_keys(synth(config(egress=STANDBY)))
    joined = synth(config(egress={"static_ip_names": ["cloud-run-origin-ip", "cloud-run-origin-ip-2"]}))
    assert address_keys(joined) == standby
    assert sorted(only(joined, NAT_ADDRESS)["nat_ips"]) == sorted(
        ref(joined, ADDRESS, n, "self_link") for n in ("cloud-run-origin-ip", "cloud-run-origin-ip-2"))
