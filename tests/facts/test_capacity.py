"""The capacity arithmetic, on figures worked by hand."""

import pytest

from constructs_lib.facts.capacity import chain_capacity


def test_default_connector_is_limited_by_ports_per_vm():
    # 10 connector VMs × 64 ports; one IP has 64,512 ports.
    cap = chain_capacity(endpoints=10, ip_count=1)
    assert (cap.ports_per_endpoint, cap.pool_ports, cap.connections_per_destination) == (64, 64_512, 640)


def test_many_ports_per_vm_are_limited_by_the_pool():
    cap = chain_capacity(endpoints=10, ip_count=1, min_ports_per_vm=16_384)
    assert cap.connections_per_destination == 64_512


def test_dynamic_port_allocation_uses_max_ports():
    cap = chain_capacity(endpoints=4, ip_count=2, min_ports_per_vm=32, max_ports_per_vm=4096,
                         dynamic_port_allocation=True)
    assert (cap.ports_per_endpoint, cap.connections_per_destination) == (4096, 16_384)


def test_dynamic_port_allocation_default_max_is_65536():
    cap = chain_capacity(endpoints=3, ip_count=1, dynamic_port_allocation=True)
    assert (cap.ports_per_endpoint, cap.connections_per_destination) == (65_536, 64_512)


def test_no_ips_means_no_capacity():
    assert chain_capacity(endpoints=10, ip_count=0).connections_per_destination == 0


def test_negative_counts_are_rejected():
    with pytest.raises(ValueError, match="at least 0"):
        chain_capacity(endpoints=-1, ip_count=1)


# --- reservations and the smallest fix (figures worked by hand) ---

from constructs_lib.facts.capacity import (  # noqa: E402
    endpoints_served,
    next_power_of_two,
    reserved_ports_per_endpoint,
    smallest_fix,
)


@pytest.mark.parametrize("n, expected", [(1, 1), (32, 32), (33, 64), (500, 512), (1000, 1024), (65_536, 65_536)])
def test_next_power_of_two(n, expected):
    assert next_power_of_two(n) == expected


def test_reservation_is_rounded_up_to_a_power_of_two():
    assert reserved_ports_per_endpoint(min_ports_per_vm=1000) == 1024
    assert reserved_ports_per_endpoint() == 64
    assert reserved_ports_per_endpoint(dynamic_port_allocation=True) == 32


def test_one_ip_serves_64512_divided_by_the_reservation():
    # 64,512 / 1,024 = 63 endpoints per IP; 64,512 / 4,096 = 15.75, so 15 per IP.
    assert endpoints_served(ip_count=1, reserved_ports=1024) == 63
    assert endpoints_served(ip_count=2, reserved_ports=4096) == 30


def test_fix_for_too_few_ports_per_vm_is_more_ports():
    # 10 VMs × 64 = 640 < 5,000: 5,000 / 10 = 500, rounded up to 512.
    fix = smallest_fix(needed=5000, endpoints=10, ip_count=1)
    assert (fix.settings.ip_count, fix.settings.min_ports_per_vm, fix.settings.dynamic_port_allocation) == (
        1, 512, False)
    assert fix.capacity.connections_per_destination == 5120


def test_fix_for_a_full_pool_is_more_ips():
    # Dynamic allocation lets 10 endpoints use up to 65,536 ports each, but one IP
    # holds 64,512 toward a destination: 100,000 needs 2 IPs (129,024).
    fix = smallest_fix(needed=100_000, endpoints=10, ip_count=1, dynamic_port_allocation=True)
    assert (fix.settings.ip_count, fix.settings.max_ports_per_vm, fix.settings.dynamic_port_allocation) == (
        2, None, True)
    assert fix.capacity.connections_per_destination == 129_024


def test_fix_turns_on_dynamic_allocation_when_static_ports_cannot_be_reserved_for_everyone():
    # 100 instances × 1,024 static ports would need 2 IPs (63 per IP);
    # dynamic allocation reserves 32 each and grows to 1,024 when needed.
    fix = smallest_fix(needed=60_000, endpoints=100, ip_count=1)
    assert fix.settings == type(fix.settings)(ip_count=1, min_ports_per_vm=None, max_ports_per_vm=1024,
                                              dynamic_port_allocation=True)
    assert fix.capacity.connections_per_destination == 64_512


def test_fix_with_dynamic_allocation_on_raises_max_ports():
    fix = smallest_fix(needed=4000, endpoints=4, ip_count=1, min_ports_per_vm=32, max_ports_per_vm=256,
                       dynamic_port_allocation=True)
    assert (fix.settings.min_ports_per_vm, fix.settings.max_ports_per_vm) == (32, 1024)


def test_fix_turning_on_dynamic_allocation_turns_off_endpoint_independent_mapping():
    fix = smallest_fix(needed=60_000, endpoints=100, ip_count=1, endpoint_independent_mapping=True)
    assert fix.settings.dynamic_port_allocation is True
    assert fix.settings.endpoint_independent_mapping_off is True


def test_fix_needing_both_ips_and_ports_prefers_fewer_ips():
    # 10 × 64 = 640 and one IP: 100,000 needs 2 IPs and 10,000 → 16,384 ports per VM.
    # Static 16,384-port reservations fit 3 VMs per IP (4 IPs); dynamic allocation needs only 2.
    fix = smallest_fix(needed=100_000, endpoints=10, ip_count=1)
    assert (fix.settings.ip_count, fix.settings.min_ports_per_vm, fix.settings.max_ports_per_vm,
            fix.settings.dynamic_port_allocation) == (2, None, 16_384, True)


def test_no_fix_when_even_65536_ports_per_vm_are_too_few():
    # 3 connector VMs × 65,536 = 196,608 < 200,000: only more endpoints help.
    assert smallest_fix(needed=200_000, endpoints=3, ip_count=1) is None


def test_no_fix_beyond_the_ip_limit():
    assert smallest_fix(needed=64_512 * 3, endpoints=1000, ip_count=1, max_ip_count=2) is None
