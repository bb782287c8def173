"""Validation of egress modes, the static-IP pool, NAT tuning and the capacity check: no synth needed."""

from __future__ import annotations

import pytest

from constructs_lib.config import ConfigError, load_environment
from tests.support.environments import config, one_problem
from tests.support.paths import FIXTURES

CAPACITY_FAILS = FIXTURES / "capacity-fails.toml"


def service(name: str = "api", max_instances: int | None = None) -> dict:
    s = {"name": name, "image": "nginx"}
    if max_instances is not None:
        s["max_instances"] = max_instances
    return s


DIRECT = {"mode": "direct"}


# --- egress modes ----------------------------------------------------------

def test_mode_defaults_to_connector():
    cfg = config()
    assert (cfg.egress_mode, cfg.has_connector) == ("connector", True)


def test_fails_when_mode_unknown():
    assert one_problem(egress={"mode": "vpc"}) == (
        "test.toml: egress.mode: expected one of 'connector', 'direct', got \"vpc\"")


def test_direct_mode_takes_a_subnet_sized_for_the_services():
    cfg = config(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/25"}, services=[service(max_instances=30)])
    assert (cfg.egress_mode, cfg.has_connector, cfg.network.subnet_cidr) == ("direct", False, "10.124.0.0/25")
    assert cfg.service_instances == 30


def test_fails_when_direct_subnet_is_a_28():
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/28"},
                       services=[service(max_instances=5)]) == (
        "test.toml: network.subnet_cidr: expected an IPv4 range of /26 or larger for Direct VPC egress (Cloud Run "
        "wants /26 or larger, and 2 addresses per instance in /28 blocks of 16: 2 × 5 max instances = 10 "
        "addresses, 1 blocks), got \"10.124.0.0/28\" (0 blocks of 16 after the 4 addresses GCP keeps in every "
        "subnet; a /28 is only for a connector)")


def test_fails_when_direct_subnet_too_small_for_the_services_max_instances():
    # 2 × (20 + 10) = 60 addresses = 4 blocks; a /26 keeps 3 whole blocks after GCP's 4 addresses.
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/26"},
                       services=[service("a", 20), service("b", 10)]) == (
        "test.toml: network.subnet_cidr: expected an IPv4 range of /25 or larger for Direct VPC egress (Cloud Run "
        "wants /26 or larger, and 2 addresses per instance in /28 blocks of 16: 2 × 30 max instances = 60 "
        "addresses, 4 blocks), got \"10.124.0.0/26\" (3 blocks of 16 after the 4 addresses GCP keeps in every "
        "subnet)")


def test_direct_subnet_counts_a_service_without_max_instances_as_100():
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/25"}, services=[service()]) == (
        "test.toml: network.subnet_cidr: expected an IPv4 range of /24 or larger for Direct VPC egress (Cloud Run "
        "wants /26 or larger, and 2 addresses per instance in /28 blocks of 16: 2 × 100 max instances = 200 "
        "addresses, 13 blocks; services without max_instances count as 100), got \"10.124.0.0/25\" (7 blocks of 16 "
        "after the 4 addresses GCP keeps in every subnet)")


def test_direct_subnet_of_26_holds_24_instances():
    assert config(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/26"},
                  services=[service(max_instances=24)]).network.subnet_cidr == "10.124.0.0/26"


def test_direct_subnet_must_be_26_or_larger_even_without_services():
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/27"}, services=[]) == (
        "test.toml: network.subnet_cidr: expected an IPv4 range of /26 or larger for Direct VPC egress (Cloud Run "
        "wants /26 or larger, and 2 addresses per instance in /28 blocks of 16: 2 × 0 max instances = 0 addresses, "
        "0 blocks), got \"10.124.0.0/27\" (1 blocks of 16 after the 4 addresses GCP keeps in every subnet)")


def test_fails_when_direct_range_malformed():
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.1/24"}) == (
        'test.toml: network.subnet_cidr: expected an IPv4 range with no host bits set, such as "10.124.0.0/24", '
        'got "10.124.0.1/24"')


def test_fails_when_direct_mode_has_no_subnet():
    assert one_problem(egress=DIRECT, network={}) == (
        'test.toml: network.subnet_cidr: expected an IPv4 range with no host bits set, such as "10.124.0.0/24", '
        'got nothing (the key is missing)')


# --- the move from the connector to direct egress ---------------------------

MOVE = {"subnet_cidr": "10.124.0.0/28", "direct_subnet_cidr": "10.124.64.0/24"}


def test_connector_mode_with_a_direct_subnet_prepares_the_move():
    cfg = config(network=MOVE, services=[service(max_instances=50)])
    assert (cfg.egress_mode, cfg.has_connector, cfg.network.direct_subnet_cidr) == (
        "connector", True, "10.124.64.0/24")
    assert cfg.direct_subnet_name == "cloud-run-direct-subnet"


def test_direct_mode_beside_the_connector_subnet_keeps_the_connector():
    cfg = config(egress=DIRECT, network=MOVE, services=[service(max_instances=50)])
    assert (cfg.egress_mode, cfg.has_connector) == ("direct", True)


def test_direct_mode_with_only_the_direct_subnet_has_no_connector():
    cfg = config(egress=DIRECT, network={"direct_subnet_cidr": "10.124.64.0/24"}, services=[service(max_instances=50)])
    assert (cfg.has_connector, cfg.network.subnet_cidr) == (False, None)


def test_fails_when_the_kept_connector_subnet_is_not_a_28():
    assert one_problem(egress=DIRECT, network={**MOVE, "subnet_cidr": "10.124.0.0/26"},
                       services=[service(max_instances=50)]) == (
        "test.toml: network.subnet_cidr: expected an IPv4 /28 range with no host bits set: beside "
        "network.direct_subnet_cidr it is the connector's subnet, kept while moving to direct egress (leave it "
        "out once the move is done), got \"10.124.0.0/26\"")


def test_fails_when_the_direct_subnet_is_too_small_during_the_move():
    # 2 × 50 = 100 addresses = 7 blocks; a /26 keeps 3.
    assert one_problem(network={**MOVE, "direct_subnet_cidr": "10.124.64.0/26"},
                       services=[service(max_instances=50)]) == (
        "test.toml: network.direct_subnet_cidr: expected an IPv4 range of /25 or larger for Direct VPC egress (Cloud "
        "Run wants /26 or larger, and 2 addresses per instance in /28 blocks of 16: 2 × 50 max instances = 100 "
        "addresses, 7 blocks), got \"10.124.64.0/26\" (3 blocks of 16 after the 4 addresses GCP keeps in every "
        "subnet)")


def test_fails_when_the_direct_subnet_overlaps_the_connector_subnet():
    assert one_problem(network={"subnet_cidr": "10.124.0.0/28", "direct_subnet_cidr": "10.124.0.0/24"},
                       services=[service(max_instances=50)]) == (
        "test.toml: network.direct_subnet_cidr: expected a range that does not overlap network.subnet_cidr "
        "(10.124.0.0/28), got \"10.124.0.0/24\"")


def test_fails_when_a_connector_table_has_no_connector():
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/24"}, connector={"min_instances": 3},
                       services=[service(max_instances=10)]) == (
        "test.toml: connector: expected no [connector] table in direct mode without a connector (only "
        "network.subnet_cidr beside network.direct_subnet_cidr keeps one, during a move), got a table")


# --- the static-IP pool -----------------------------------------------------

def test_existing_ips_join_the_created_ones():
    cfg = config(egress={"static_ip_count": 1, "existing_ips": ["partner-allowlisted-ip"]})
    assert cfg.pool_names == ("cloud-run-origin-ip", "partner-allowlisted-ip")
    assert cfg.active_ip_names == cfg.pool_names


def test_static_ip_count_may_be_zero_with_existing_ips():
    cfg = config(egress={"static_ip_count": 0, "existing_ips": ["partner-allowlisted-ip"]})
    assert (cfg.address_names, cfg.pool_names) == ((), ("partner-allowlisted-ip",))


def test_static_ip_count_zero_without_existing_ips_keeps_its_message():
    assert one_problem(egress={"static_ip_count": 0}) == (
        "test.toml: egress.static_ip_count: expected an integer from 1 to 50 (the NAT IPs one gateway can use), "
        "got 0")


def test_static_ip_count_out_of_range_with_existing_ips():
    assert one_problem(egress={"static_ip_count": -1, "existing_ips": ["a-ip"]}) == (
        "test.toml: egress.static_ip_count: expected an integer from 0 to 50 (the NAT IPs one gateway can use; 0 "
        "only with egress.existing_ips), got -1")


def test_static_ip_names_name_the_created_addresses():
    cfg = config(egress={"static_ip_names": ["cloud-run-origin-ip", "cloud-run-origin-ip-2"]})
    assert (cfg.address_names, cfg.static_ip_count) == (("cloud-run-origin-ip", "cloud-run-origin-ip-2"), 2)


def test_fails_when_static_ip_names_and_count_are_both_given():
    assert one_problem(egress={"static_ip_count": 2, "static_ip_names": ["a-ip"]}) == (
        "test.toml: egress.static_ip_names: expected either egress.static_ip_count or egress.static_ip_names, "
        "not both, got a list of 1")


def test_fails_when_static_ip_names_is_empty_without_existing_ips():
    assert one_problem(egress={"static_ip_names": []}) == (
        "test.toml: egress.static_ip_names: expected at least one address name (or egress.existing_ips), "
        "got a list of 0")


def test_static_ip_names_may_be_empty_with_existing_ips():
    assert config(egress={"static_ip_names": [], "existing_ips": ["a-ip"]}).address_names == ()


def test_fails_when_an_address_name_is_invalid():
    assert one_problem(egress={"existing_ips": ["Partner_IP"]}) == (
        "test.toml: egress.existing_ips[0]: expected an address name (lowercase letters, digits and hyphens, "
        "starting with a letter, at most 63 characters), got \"Partner_IP\"")


def test_fails_when_an_address_list_is_not_a_list():
    assert one_problem(egress={"existing_ips": "partner-ip"}) == (
        "test.toml: egress.existing_ips: expected a list of address names, got \"partner-ip\"")


def test_fails_when_a_name_is_listed_twice():
    assert one_problem(egress={"existing_ips": ["a-ip", "b-ip", "a-ip"]}) == (
        "test.toml: egress.existing_ips[2]: expected a name not already at egress.existing_ips[0], got \"a-ip\"")


def test_fails_when_an_existing_ip_is_also_created():
    assert one_problem(egress={"static_ip_count": 2, "existing_ips": ["cloud-run-origin-ip-2"]}) == (
        "test.toml: egress.existing_ips[0]: expected an address this environment does not create (it creates "
        "cloud-run-origin-ip-1, cloud-run-origin-ip-2): an address is created or adopted, never both, "
        "got \"cloud-run-origin-ip-2\"")


def test_fails_when_the_pool_holds_more_than_50():
    assert one_problem(egress={"static_ip_count": 49, "existing_ips": ["a-ip", "b-ip"]}) == (
        "test.toml: egress.existing_ips: expected at most 50 addresses in the pool, the 49 created ones included "
        "(the NAT IPs one gateway can use), got 51 in all")


def test_a_pool_of_exactly_50_is_accepted_however_it_is_made():
    # The edge: 50 names created, or 49 created and 1 adopted, is what one gateway takes; 51 is refused above.
    names = [f"ip-{i}" for i in range(50)]
    assert len(config(egress={"static_ip_names": names}).pool_names) == 50
    assert len(config(egress={"static_ip_count": 49, "existing_ips": ["a-ip"]}).pool_names) == 50
    assert one_problem(egress={"static_ip_names": [*names, "ip-50"]}) == (
        "test.toml: egress.static_ip_names: expected at most 50 address names (the NAT IPs one gateway can use), "
        "got 51")


def test_draining_ips_leave_the_active_pool():
    cfg = config(egress={"static_ip_count": 2, "existing_ips": ["old-ip"], "draining_ips": ["old-ip"]})
    assert cfg.pool_names == ("cloud-run-origin-ip-1", "cloud-run-origin-ip-2", "old-ip")
    assert cfg.active_ip_names == ("cloud-run-origin-ip-1", "cloud-run-origin-ip-2")


def test_a_created_address_can_drain():
    cfg = config(egress={"static_ip_names": ["new-ip", "old-ip"], "draining_ips": ["old-ip"]})
    assert (cfg.address_names, cfg.active_ip_names) == (("new-ip", "old-ip"), ("new-ip",))


def test_fails_when_a_draining_ip_was_never_in_the_pool():
    assert one_problem(egress={"existing_ips": ["new-ip"], "draining_ips": ["old-ip"]}) == (
        "test.toml: egress.draining_ips[0]: expected an address of the pool (cloud-run-origin-ip, new-ip): an "
        "address drains only after it has been in the NAT's pool, and stays declared there until it has drained, "
        "got \"old-ip\"")


def test_fails_when_every_address_drains():
    assert one_problem(egress={"draining_ips": ["cloud-run-origin-ip"]}) == (
        "test.toml: egress.draining_ips: expected at least one address of the pool left active (the NAT needs one "
        "to translate anything), got every address of the pool (cloud-run-origin-ip)")


# --- NAT tuning ---------------------------------------------------------------

def test_nat_tuning_keys_are_read():
    nat = config(nat={
        "min_ports_per_vm": 64, "max_ports_per_vm": 4096, "dynamic_port_allocation": True,
        "endpoint_independent_mapping": False, "udp_idle_timeout_sec": 31, "icmp_idle_timeout_sec": 32,
        "tcp_established_idle_timeout_sec": 600, "tcp_transitory_idle_timeout_sec": 33,
        "tcp_time_wait_timeout_sec": 60, "log_filter": "ALL",
    }).nat
    assert (nat.min_ports_per_vm, nat.max_ports_per_vm, nat.dynamic_port_allocation,
            nat.endpoint_independent_mapping) == (64, 4096, True, False)
    assert (nat.udp_idle_timeout_sec, nat.icmp_idle_timeout_sec, nat.tcp_established_idle_timeout_sec,
            nat.tcp_transitory_idle_timeout_sec, nat.tcp_time_wait_timeout_sec) == (31, 32, 600, 33, 60)


def test_nat_tuning_defaults_leave_everything_to_the_api():
    nat = config().nat
    assert (nat.max_ports_per_vm, nat.dynamic_port_allocation, nat.endpoint_independent_mapping,
            nat.udp_idle_timeout_sec, nat.tcp_time_wait_timeout_sec) == (None, None, None, None, None)


def test_fails_when_max_ports_without_dynamic_port_allocation():
    assert one_problem(nat={"max_ports_per_vm": 1024}) == (
        "test.toml: nat.max_ports_per_vm: expected nothing without nat.dynamic_port_allocation = true (Cloud NAT "
        "takes max_ports_per_vm only with dynamic port allocation), got 1024")


@pytest.mark.parametrize("low", [48, 16, 65536])
def test_fails_when_dynamic_min_ports_not_a_power_of_two_from_32(low):
    assert one_problem(nat={"dynamic_port_allocation": True, "min_ports_per_vm": low}) == (
        "test.toml: nat.min_ports_per_vm: expected a power of two from 32 to 32768 with "
        f"nat.dynamic_port_allocation = true, got {low}")


@pytest.mark.parametrize("low, high", [(32, None), (32, 64), (32768, 65536), (None, 65536)])
def test_dynamic_port_limits_at_their_edges_are_accepted(low, high):
    # The range's ends themselves: a comparison turned strict (32 or 32768 refused) passed every refusal test.
    keys = {"min_ports_per_vm": low, "max_ports_per_vm": high}
    # 10 connector VMs reserving 32,768 ports each need one address each (the capacity check).
    nat = config(egress={"static_ip_count": 10},
                 nat={"dynamic_port_allocation": True, **{k: v for k, v in keys.items() if v is not None}}).nat
    assert (nat.min_ports_per_vm, nat.max_ports_per_vm) == (low, high)


@pytest.mark.parametrize("high", [64, 100])
def test_fails_when_dynamic_max_ports_not_a_greater_power_of_two(high):
    assert one_problem(nat={"dynamic_port_allocation": True, "min_ports_per_vm": 64, "max_ports_per_vm": high}) == (
        "test.toml: nat.max_ports_per_vm: expected a power of two greater than nat.min_ports_per_vm (64), at most "
        f"65536, got {high}")


def test_dynamic_max_ports_is_compared_with_the_default_min():
    assert one_problem(nat={"dynamic_port_allocation": True, "max_ports_per_vm": 32}) == (
        "test.toml: nat.max_ports_per_vm: expected a power of two greater than nat.min_ports_per_vm (32, its "
        "default with dynamic port allocation), at most 65536, got 32")


def test_fails_when_dynamic_port_allocation_and_endpoint_independent_mapping():
    assert one_problem(nat={"dynamic_port_allocation": True, "endpoint_independent_mapping": True}) == (
        "test.toml: nat.endpoint_independent_mapping: expected false or nothing with nat.dynamic_port_allocation = "
        "true (Cloud NAT: the two exclude each other), got true")


def test_endpoint_independent_mapping_alone_is_fine():
    assert config(nat={"endpoint_independent_mapping": True}).nat.endpoint_independent_mapping is True


@pytest.mark.parametrize("key", ["udp_idle_timeout_sec", "icmp_idle_timeout_sec", "tcp_established_idle_timeout_sec",
                                 "tcp_transitory_idle_timeout_sec", "tcp_time_wait_timeout_sec"])
def test_fails_when_a_timeout_is_not_a_positive_number_of_seconds(key):
    assert one_problem(nat={key: 0}) == f"test.toml: nat.{key}: expected a whole number of seconds, at least 1, got 0"


def test_fails_when_dynamic_port_allocation_is_not_a_bool():
    assert one_problem(nat={"dynamic_port_allocation": "yes"}) == (
        'test.toml: nat.dynamic_port_allocation: expected true or false, got "yes"')


# --- port reservations and the capacity check -------------------------------

def test_fails_when_not_every_endpoint_can_reserve_its_ports():
    # 100 instances × 1,024 ports; one IP serves 64,512 / 1,024 = 63 of them.
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/24"},
                       nat={"min_ports_per_vm": 1024}) == (
        "test.toml: nat.min_ports_per_vm: expected ports per VM that every endpoint can reserve: 100 Cloud Run "
        "instances (the services' max_instances summed) reserve 1,024 ports each, but 1 NAT IP serves only 1 × "
        "floor(64,512 / 1,024) = 63 of them (the others would get no NAT at all); at most 512 ports per VM, or 1 "
        "more NAT IP: egress.static_ip_names = [\"cloud-run-origin-ip\", \"cloud-run-origin-ip-2\"] (raising "
        "static_ip_count from 1 would rename cloud-run-origin-ip and release it), got 1024")


def test_the_fix_never_offers_more_nat_ips_than_a_gateway_takes():
    # 5,000 instances × 4,096 ports: 334 IPs, above Cloud NAT's 50; it offered egress.static_ip_count = 334.
    services = [{"name": f"s{i}", "image": "nginx", "max_instances": 1000} for i in range(5)]
    found = one_problem(egress={"mode": "direct", "static_ip_count": 2}, services=services,
                        network={"direct_subnet_cidr": "10.124.0.0/16"}, nat={"min_ports_per_vm": 4096})
    assert found.endswith(
        "= 30 of them (the others would get no NAT at all); not more NAT IPs alone (334 would be needed, above the 50 "
        "a Cloud NAT gateway takes), or at most 512 ports per VM and 38 more NAT IPs: egress.static_ip_count = 40, or "
        "fewer instances at once: lower the services' max_instances, got 4096")
    # The advice followed is accepted: 40 IPs of floor(64,512 / 512) = 126 endpoints each serve the 5,000.
    assert len(config(egress={"mode": "direct", "static_ip_count": 40}, services=services,
                      network={"direct_subnet_cidr": "10.124.0.0/16"},
                      nat={"min_ports_per_vm": 512}).active_ip_names) == 40


def test_the_fix_never_names_an_address_the_file_releases_or_forgets():
    # It offered cloud-run-origin-ip-2, which release_ips lets go of: following it gave the next problem.
    found = one_problem(egress={**DIRECT, "release_ips": ["cloud-run-origin-ip-2"]},
                        network={"subnet_cidr": "10.124.0.0/24"}, nat={"min_ports_per_vm": 1024})
    assert 'egress.static_ip_names = ["cloud-run-origin-ip", "cloud-run-origin-ip-3"] (raising' in found
    counted = one_problem(egress={"mode": "direct", "static_ip_count": 2, "forget_ips": ["cloud-run-origin-ip-3"]},
                          network={"subnet_cidr": "10.124.0.0/24"}, services=[service(max_instances=20)],
                          nat={"dynamic_port_allocation": True}, capacity={"peak_connections_per_destination": 150_000})
    assert counted.endswith('1 more NAT IP: egress.static_ip_names = ["cloud-run-origin-ip-1", "cloud-run-origin-ip-2", '
                            '"cloud-run-origin-ip-4"] (holds 193,536)'), counted


def test_a_connector_kept_during_the_move_also_reserves_ports():
    # 60 instances + 10 connector VMs = 70 reservations of 1,024; one IP serves 63.
    cfg = dict(egress=DIRECT, network=MOVE, services=[service(max_instances=60)], nat={"min_ports_per_vm": 1024})
    assert one_problem(**cfg) == (
        "test.toml: nat.min_ports_per_vm: expected ports per VM that every endpoint can reserve: 70 Cloud Run "
        "instances (the services' max_instances summed) reserve 1,024 ports each, but 1 NAT IP serves only 1 × "
        "floor(64,512 / 1,024) = 63 of them (the others would get no NAT at all); at most 512 ports per VM, or 1 "
        "more NAT IP: egress.static_ip_names = [\"cloud-run-origin-ip\", \"cloud-run-origin-ip-2\"] (raising "
        "static_ip_count from 1 would rename cloud-run-origin-ip and release it), got 1024")
    assert config(**{**cfg, "network": {"direct_subnet_cidr": "10.124.64.0/24"}}).reserving_endpoints == 60


def test_capacity_holds_a_peak_within_the_chain():
    # 4 connector VMs × 1,024 = 4,096 ≤ 2 IPs × 64,512.
    cfg = config(egress={"static_ip_count": 2}, connector={"min_instances": 2, "max_instances": 4},
                 nat={"min_ports_per_vm": 1024}, capacity={"peak_connections_per_destination": 4096})
    assert cfg.capacity.peak_connections_per_destination == 4096


def test_fails_when_the_peak_needs_more_ports_per_vm():
    assert one_problem(capacity={"peak_connections_per_destination": 5000}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 640 concurrent connections to one "
        "destination IP:port, what the chain holds: min(10 connector VMs (connector.max_instances) × 64 ports "
        "(min_ports_per_vm), 1 NAT IP × 64,512 ports), got 5,000; smallest change that holds it: "
        "nat.min_ports_per_vm = 512 (holds 5,120)")


def test_closed_connections_hold_their_port_for_the_nats_time_wait():
    # 10 connector VMs × 64 ports = 640: 400 open + 2 new per second × 120 s (the default TIME_WAIT) = 640 fit.
    config(capacity={"peak_connections_per_destination": 400, "new_connections_per_second": 2})
    assert one_problem(capacity={"peak_connections_per_destination": 400, "new_connections_per_second": 3}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 640 concurrent connections to one "
        "destination IP:port, what the chain holds: min(10 connector VMs (connector.max_instances) × 64 ports "
        "(min_ports_per_vm), 1 NAT IP × 64,512 ports), got 760 ports (400 open + 3 new per second × 120 s of "
        "TIME_WAIT, nat.tcp_time_wait_timeout_sec's default); smallest change that holds it: "
        "nat.min_ports_per_vm = 128 (holds 1,280)")
    # The NAT's own TIME_WAIT counts: Google's new 30 s holds the same rate with room to spare.
    config(capacity={"peak_connections_per_destination": 400, "new_connections_per_second": 3},
           nat={"tcp_time_wait_timeout_sec": 30})


def test_a_rate_alone_is_checked_under_its_own_key_and_must_be_positive():
    # 6 new per second × 120 s = 720 ports > 640.
    assert one_problem(capacity={"new_connections_per_second": 6}, nat={"tcp_time_wait_timeout_sec": 120}) == (
        "test.toml: capacity.new_connections_per_second: expected at most 640 concurrent connections to one "
        "destination IP:port, what the chain holds: min(10 connector VMs (connector.max_instances) × 64 ports "
        "(min_ports_per_vm), 1 NAT IP × 64,512 ports), got 720 ports (6 new per second × 120 s of TIME_WAIT, "
        "nat.tcp_time_wait_timeout_sec); smallest change that holds it: nat.min_ports_per_vm = 128 (holds 1,280)")
    assert one_problem(capacity={"new_connections_per_second": 0}) == (
        "test.toml: capacity.new_connections_per_second: expected a positive integer (connections opened per "
        "second to one destination IP:port at the peak), got 0")


def test_fails_when_the_peak_needs_more_ips():
    # Dynamic allocation: 20 instances × 65,536 ports, but 2 IPs hold 129,024 toward one destination.
    assert one_problem(egress={"mode": "direct", "static_ip_count": 2}, network={"subnet_cidr": "10.124.0.0/24"},
                       services=[service(max_instances=20)], nat={"dynamic_port_allocation": True},
                       capacity={"peak_connections_per_destination": 150_000}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 129,024 concurrent connections to "
        "one destination IP:port, what the chain holds: min(20 Cloud Run instances (the services' max_instances "
        "summed) × 65,536 ports (max_ports_per_vm, with dynamic port allocation), 2 NAT IPs × 64,512 ports), got "
        "150,000; smallest change that holds it: 1 more NAT IP: egress.static_ip_count = 3 (holds 193,536)")


def test_more_ips_are_added_by_name_when_static_ip_names_are_used():
    # 3 VMs × 16,384 = 49,152; 140,000 needs 3 IPs and more ports than a static reservation gives.
    assert one_problem(egress={"static_ip_names": ["a-ip", "b-ip"]}, nat={"min_ports_per_vm": 16384},
                       connector={"min_instances": 2, "max_instances": 3},
                       capacity={"peak_connections_per_destination": 140_000}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 49,152 concurrent connections to "
        "one destination IP:port, what the chain holds: min(3 connector VMs (connector.max_instances) × 16,384 "
        "ports (min_ports_per_vm), 2 NAT IPs × 64,512 ports), got 140,000; smallest change that holds it: 1 more "
        'NAT IP: egress.static_ip_names = ["a-ip", "b-ip", "cloud-run-origin-ip-2"] and nat.dynamic_port_allocation '
        "= true and nat.max_ports_per_vm = 65536 (holds 193,536)")


def test_fails_in_direct_mode_naming_dynamic_port_allocation():
    # 100 instances (a service without max_instances) × 64 = 6,400.
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/24"},
                       capacity={"peak_connections_per_destination": 60_000}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 6,400 concurrent connections to one "
        "destination IP:port, what the chain holds: min(100 Cloud Run instances (the services' max_instances "
        "summed) × 64 ports (min_ports_per_vm), 1 NAT IP × 64,512 ports), got 60,000; smallest change that holds "
        "it: nat.dynamic_port_allocation = true and nat.max_ports_per_vm = 1024 (holds 64,512)")


def test_fix_turns_endpoint_independent_mapping_off_with_dynamic_allocation():
    assert one_problem(egress=DIRECT, network={"subnet_cidr": "10.124.0.0/24"},
                       nat={"endpoint_independent_mapping": True},
                       capacity={"peak_connections_per_destination": 60_000}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 6,400 concurrent connections to one "
        "destination IP:port, what the chain holds: min(100 Cloud Run instances (the services' max_instances "
        "summed) × 64 ports (min_ports_per_vm), 1 NAT IP × 64,512 ports), got 60,000; smallest change that holds "
        "it: nat.endpoint_independent_mapping = false (deployed on its own first) and nat.dynamic_port_allocation = "
        "true and nat.max_ports_per_vm = 1024 (holds 64,512)")


def test_fails_when_no_nat_setting_holds_the_peak():
    assert one_problem(capacity={"peak_connections_per_destination": 1_000_000}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 640 concurrent connections to one "
        "destination IP:port, what the chain holds: min(10 connector VMs (connector.max_instances) × 64 ports "
        "(min_ports_per_vm), 1 NAT IP × 64,512 ports), got 1,000,000; no NAT setting holds it: raise "
        "connector.max_instances (at most 10) or move to direct mode")


def test_draining_ips_do_not_count_toward_capacity():
    # 2 IPs, one draining: 10 VMs × 16,384 = 163,840, but 1 active IP holds 64,512... and reserves for 3 VMs only.
    assert one_problem(egress={"static_ip_count": 2, "draining_ips": ["cloud-run-origin-ip-1"]},
                       nat={"dynamic_port_allocation": True}, connector={"min_instances": 2, "max_instances": 3},
                       capacity={"peak_connections_per_destination": 100_000}) == (
        "test.toml: capacity.peak_connections_per_destination: expected at most 64,512 concurrent connections to "
        "one destination IP:port, what the chain holds: min(3 connector VMs (connector.max_instances) × 65,536 "
        "ports (max_ports_per_vm, with dynamic port allocation), 1 NAT IP × 64,512 ports), got 100,000; smallest "
        "change that holds it: 1 more NAT IP: egress.static_ip_count = 3 (holds 129,024)")


def test_fails_when_peak_not_positive():
    assert one_problem(capacity={"peak_connections_per_destination": 0}) == (
        "test.toml: capacity.peak_connections_per_destination: expected a positive integer (concurrent connections "
        "to one destination IP:port), got 0")


def test_fails_on_unknown_capacity_key():
    assert one_problem(capacity={"peak": 1}) == (
        "test.toml: capacity.peak: expected one of the known keys (peak_connections_per_destination, "
        "new_connections_per_second), got an unknown key")


# --- standby addresses: created, allowlisted, then moved into the pool -------------

def test_standby_ips_are_created_outside_the_pool():
    cfg = config(egress={"static_ip_count": 1, "standby_ips": ["cloud-run-origin-ip-2"]})
    assert (cfg.pool_names, cfg.standby_ips) == (("cloud-run-origin-ip",), ("cloud-run-origin-ip-2",))


def test_fails_when_a_standby_ip_is_also_in_the_pool():
    assert one_problem(egress={"static_ip_names": ["a-ip", "b-ip"], "standby_ips": ["b-ip"]}) == (
        "test.toml: egress.standby_ips[0]: expected an address outside the pool (standby addresses are created but "
        "not yet in the NAT: move one into the pool by taking it out of standby_ips), got \"b-ip\"")


def test_fails_when_a_standby_ip_drains():
    # A standby address was never in the NAT: Cloud NAT refuses to drain it.
    assert one_problem(egress={"standby_ips": ["new-ip"], "draining_ips": ["new-ip"]}) == (
        "test.toml: egress.draining_ips[0]: expected an address of the pool (cloud-run-origin-ip): an address "
        "drains only after it has been in the NAT's pool, and stays declared there until it has drained, got "
        '"new-ip"')


def test_more_ip_names_skip_standby_names():
    msg = one_problem(egress={"standby_ips": ["cloud-run-origin-ip-2"]}, nat={"dynamic_port_allocation": True},
                      connector={"min_instances": 2, "max_instances": 3},
                      capacity={"peak_connections_per_destination": 100_000})
    assert msg.startswith("test.toml: capacity.peak_connections_per_destination: expected at most 64,512 "), msg
    assert msg.endswith('got 100,000; smallest change that holds it: 1 more NAT IP: egress.static_ip_names = '
                        '["cloud-run-origin-ip", "cloud-run-origin-ip-3"] (raising static_ip_count from 1 would '
                        "rename cloud-run-origin-ip and release it) (holds 129,024)"), msg


# The capacity failure fixture (tests/fixtures/), which tests/integration/test_cli.py runs through main.py.
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


def test_an_adopted_nat_is_counted_with_the_longer_time_wait_unless_the_file_sets_it():
    from constructs_lib.config.capacity_check import time_wait_in_force

    assert time_wait_in_force(config(adopt={"chain": True})) == (
        120, "the adopted NAT's own value is not known at synth: the longer default")
    assert time_wait_in_force(config(adopt={"chain": True}, nat={"tcp_time_wait_timeout_sec": 30})) == (
        30, "nat.tcp_time_wait_timeout_sec")
