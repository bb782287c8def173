"""One rejection test per rule the suite had none (or only a weak one) for, each checking the whole message: what
key, what was expected, what was given."""

from __future__ import annotations

import pytest

from tests.support.environments import one_problem

IMAGE = "asia.gcr.io/my-gcp-project/app:1.0.0"
ADDRESS_NAME = ("an address name (lowercase letters, digits and hyphens, starting with a letter, at most 63 "
                "characters)")


def service(**keys):
    return [{"name": "production", "image": IMAGE, **keys}]


def test_more_than_16_notification_channels_are_refused():
    channels = [f"projects/my-gcp-project/notificationChannels/{i}" for i in range(17)]
    assert one_problem(alerts={"notification_channels": channels}) == (
        "test.toml: alerts.notification_channels: expected at most 16 channels, got 17")


def test_shared_vpc_needs_a_channel_in_the_connectors_project():
    assert one_problem(network={"subnet_cidr": "10.124.0.0/28", "host_project": "host-project"},
                       alerts={"notification_channels": ["projects/host-project/notificationChannels/1"]}) == (
        "test.toml: alerts.notification_channels: expected at least one channel of my-gcp-project, the project of "
        "the connector and of its alert policies, got none")


def test_a_services_entry_that_is_not_a_table_is_refused():
    assert one_problem(services=["production"]) == 'test.toml: services[0]: expected a table, got "production"'


@pytest.mark.parametrize("port", [0, 65536])
def test_a_service_port_outside_1_to_65535_is_refused(port):
    assert one_problem(services=service(port=port)) == (
        f"test.toml: services[production].port: expected an integer from 1 to 65535, got {port}")


def test_max_ports_per_vm_above_65536_is_refused():
    assert one_problem(nat={"max_ports_per_vm": 65537}) == (
        "test.toml: nat.max_ports_per_vm: expected an integer from 2 to 65536, got 65537")


def test_max_ports_per_vm_that_is_not_a_power_of_two_is_refused():
    assert one_problem(nat={"dynamic_port_allocation": True, "max_ports_per_vm": 100}) == (
        "test.toml: nat.max_ports_per_vm: expected a power of two greater than nat.min_ports_per_vm (32, its "
        "default with dynamic port allocation), at most 65536, got 100")


def test_min_ports_per_vm_above_65536_is_refused():
    assert one_problem(nat={"min_ports_per_vm": 65537}) == (
        "test.toml: nat.min_ports_per_vm: expected an integer from 2 to 65536, got 65537")


def test_static_ip_count_with_existing_ips_is_still_at_most_50():
    assert one_problem(egress={"static_ip_count": 51, "existing_ips": ["partner-ip"]}) == (
        "test.toml: egress.static_ip_count: expected an integer from 0 to 50 (the NAT IPs one gateway can use; 0 "
        "only with egress.existing_ips), got 51")


@pytest.mark.parametrize("changes, key, given", [
    ({"services": service(deletion_protection="yes")}, "services[production].deletion_protection", '"yes"'),
    ({"network": {"subnet_cidr": "10.124.0.0/28", "flow_logs": "yes"}}, "network.flow_logs", '"yes"'),
    ({"nat": {"endpoint_independent_mapping": 1}}, "nat.endpoint_independent_mapping", "1"),
])
def test_a_flag_that_is_not_true_or_false_is_refused(changes, key, given):
    assert one_problem(**changes) == f"test.toml: {key}: expected true or false, got {given}"


@pytest.mark.parametrize("key", ["static_ip_names", "standby_ips", "draining_ips"])
def test_an_address_name_that_is_not_an_rfc_1035_name_is_refused_once(key):
    assert one_problem(egress={key: ["Bad_Name"]}) == (
        f'test.toml: egress.{key}[0]: expected {ADDRESS_NAME}, got "Bad_Name"')


@pytest.mark.parametrize("value", ["Payments!", "UPPER", "a" * 64])
def test_a_label_value_outside_the_pattern_is_refused(value):
    assert one_problem(services=service(labels={"team": value})) == (
        "test.toml: services[production].labels.team: expected a label value (lowercase letters, digits, - and _, "
        f'at most 63 characters), got "{value}"')
