"""Subnets the local GCP API keeps as Compute does: an expansion in place (``expandIpCidrRange``, what the provider
sends when ``ip_cidr_range`` grows around the old range) must contain the old range and overlap no other subnet of
the network, as a new subnet must."""

from __future__ import annotations

from tests.rehearsal.localapi import call, ok, poll
from tests.rehearsal.test_localgcp import C, subnet


def expand(gcp, name: str, cidr: str) -> tuple[int, dict]:
    return call(gcp, "POST", f"{C}/subnetworks/{name}/expandIpCidrRange", {"ipCidrRange": cidr})


def test_an_expansion_is_done_in_place(gcp):
    poll(gcp, subnet(gcp, "s", "10.124.0.0/28"))
    status, operation = expand(gcp, "s", "10.124.0.0/26")
    assert status == 200, operation
    poll(gcp, operation)
    assert ok(gcp, "GET", f"{C}/subnetworks/s")["ipCidrRange"] == "10.124.0.0/26"


def test_an_expansion_over_a_neighbour_is_refused_as_a_new_subnet_would_be(gcp):
    poll(gcp, subnet(gcp, "s", "10.124.0.0/28"))
    poll(gcp, subnet(gcp, "neighbour", "10.124.0.32/28"))
    status, reply = expand(gcp, "s", "10.124.0.0/26")
    assert (status, reply["error"]["message"]) == (
        400, "Invalid IPCidrRange: 10.124.0.0/26 conflicts with existing subnetwork 'neighbour' in region "
             "'asia-northeast3'.")
    assert ok(gcp, "GET", f"{C}/subnetworks/s")["ipCidrRange"] == "10.124.0.0/28"


def test_an_expansion_that_does_not_contain_the_old_range_is_refused(gcp):
    poll(gcp, subnet(gcp, "s", "10.124.0.0/28"))
    status, reply = expand(gcp, "s", "10.125.0.0/24")
    assert (status, reply["error"]["message"]) == (400, "Invalid IPCidrRange: 10.125.0.0/24 does not contain "
                                                        "10.124.0.0/28")
