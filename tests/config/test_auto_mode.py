"""The auto-mode rule: on the project's default network the chain's ranges stay outside 10.128.0.0/9 (no synth)."""

from __future__ import annotations

import pytest

from constructs_lib.facts.gcp import AUTO_MODE_SUBNETS
from tests.support.environments import config, one_problem


def test_a_range_inside_the_regions_auto_mode_subnet_on_default_is_refused():
    assert one_problem(region="us-central1", network={"vpc": "default", "subnet_cidr": "10.128.0.0/28"}) == (
        'test.toml: network.subnet_cidr: expected a range outside 10.128.0.0/9, which the auto-mode network '
        '"default" keeps for its regional subnets (it overlaps us-central1\'s 10.128.0.0/20, the auto-mode subnet '
        'already there; Google Cloud VPC, "Auto mode IPv4 ranges" (read 2026-12-02)); if "default" is a '
        'custom-mode network, say so with network.auto_mode = false, got "10.128.0.0/28"')


# The one problem line of a range in the block an auto-mode network keeps.
AUTO_MODE = ('test.toml: network.subnet_cidr: expected a range outside 10.128.0.0/9, which the auto-mode network '
             '"{vpc}" keeps for its regional subnets ({why}; Google Cloud VPC, "Auto mode IPv4 ranges" (read '
             '2026-12-02)); if "{vpc}" is a custom-mode network, say so with network.auto_mode = false, got "{cidr}"')


def test_default_is_the_vpc_when_left_out_and_is_auto_mode():
    cfg = config(region="us-central1", network={"subnet_cidr": "10.124.0.0/28"})
    assert (cfg.network.vpc, cfg.network.auto_mode) == ("default", True)


def test_an_overlap_with_another_regions_subnet_is_refused_and_named():
    message = one_problem(network={"subnet_cidr": "10.132.0.16/28"})  # europe-west1's /20; BASE is in asia-northeast3
    assert message == AUTO_MODE.format(vpc="default", cidr="10.132.0.16/28", why=(
        "it overlaps europe-west1's 10.132.0.0/20, the auto-mode subnet already there"))


def test_a_range_of_the_block_no_region_holds_yet_is_refused_with_the_regions_own():
    message = one_problem(network={"subnet_cidr": "10.250.0.0/28"})
    assert message == AUTO_MODE.format(vpc="default", cidr="10.250.0.0/28", why=(
        "GCP takes the next regions' /20s from that block; asia-northeast3's own is 10.178.0.0/20"))


def test_a_direct_subnet_on_default_is_held_to_the_same_rule():
    message = one_problem(egress={"mode": "direct"}, network={"subnet_cidr": "10.178.0.0/24"})
    assert message == AUTO_MODE.format(vpc="default", cidr="10.178.0.0/24", why=(
        "it overlaps asia-northeast3's 10.178.0.0/20, the auto-mode subnet already there"))


def test_a_custom_mode_default_says_so_and_may_use_the_block():
    cfg = config(region="us-central1", network={"subnet_cidr": "10.128.0.0/28", "auto_mode": False})
    assert cfg.network.auto_mode is False


def test_another_network_is_custom_mode_unless_the_file_says_auto():
    assert config(network={"vpc": "shared-net", "subnet_cidr": "10.200.16.0/28"}).network.auto_mode is False
    message = one_problem(network={"vpc": "legacy-auto", "auto_mode": True, "subnet_cidr": "10.200.16.0/28"})
    assert message == AUTO_MODE.format(vpc="legacy-auto", cidr="10.200.16.0/28", why=(
        "GCP takes the next regions' /20s from that block; asia-northeast3's own is 10.178.0.0/20"))


@pytest.mark.parametrize("cidr", ["10.124.0.0/28", "10.127.255.240/28", "172.16.0.0/28", "192.168.0.0/28"])
def test_ranges_outside_the_block_are_accepted_on_default(cidr):
    assert config(region="us-central1", network={"subnet_cidr": cidr}).network.subnet_cidr == cidr


def test_every_regional_subnet_is_a_20_inside_the_block_and_none_overlap():
    nets = sorted(AUTO_MODE_SUBNETS.values())
    assert all(n.prefixlen == 20 and n.subnet_of(next(iter({nets[0].supernet(new_prefix=9)}))) for n in nets)
    assert all(not a.overlaps(b) for a, b in zip(nets, nets[1:]))


def test_fails_when_auto_mode_is_not_a_boolean():
    assert one_problem(network={"subnet_cidr": "10.124.0.0/28", "auto_mode": "no"}) == (
        'test.toml: network.auto_mode: expected true or false, got "no"')
