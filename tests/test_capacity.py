"""The capacity arithmetic, on figures worked by hand."""

import pytest

from constructs_lib.capacity import chain_capacity


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
