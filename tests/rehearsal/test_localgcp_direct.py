"""Cloud Run keeps a workload's Direct VPC egress IPs in a subnet for 1–2 hours after the workload leaves it (moved to
another egress, or deleted): deleting the subnet meanwhile fails as deleting a subnet in use does
(``LocalGcp.hold_direct_ips``), until the two hours have passed (``release_direct_ips``)."""

from __future__ import annotations

import pytest

from tests.rehearsal.localapi import call, ok, poll
from tests.rehearsal.test_jobs_and_secrets_localgcp import IMAGE, JOBS, POOLS, SERVICES
from tests.rehearsal.test_localgcp import C, P, R, subnet

DIRECT = {"networkInterfaces": [{"subnetwork": "s"}], "egress": "ALL_TRAFFIC"}
KINDS = {  # collection, id parameter, body on the subnet or off it
    "service": (SERVICES, "serviceId", lambda vpc: {"template": {"containers": [{"image": IMAGE}], **vpc}}),
    "job": (JOBS, "jobId", lambda vpc: {"template": {"template": {"containers": [{"image": IMAGE}], **vpc}}}),
    "worker pool": (POOLS, "workerPoolId", lambda vpc: {"launchStage": "BETA", "template": {
        "containers": [{"image": IMAGE}], **vpc}}),
}


def delete_subnet(gcp) -> tuple[int, dict]:
    return call(gcp, "DELETE", f"{C}/subnetworks/s")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("leaves", ["deleted", "moved"])
def test_a_subnet_a_workload_left_is_in_use_until_cloud_run_releases_its_ips(gcp, kind, leaves):
    collection, id_param, body = KINDS[kind]
    poll(gcp, subnet(gcp))
    poll(gcp, ok(gcp, "POST", f"{collection}?{id_param}=w", body({"vpcAccess": DIRECT})), "/run/v2/")
    assert delete_subnet(gcp)[0] == 400  # in use now
    if leaves == "deleted":
        ok(gcp, "DELETE", f"{collection}/w")
    else:
        ok(gcp, "PATCH", f"{collection}/w", body({}))
    status, reply = delete_subnet(gcp)
    assert (status, reply["error"]["errors"][0]["reason"]) == (400, "resourceInUseByAnotherResource")
    assert reply["error"]["message"] == (
        f"The subnetwork resource 'projects/{P}/regions/{R}/subnetworks/s' is already being used by "
        f"'projects/{P}/locations/{R}/{collection.rsplit('/', 1)[-1]}/w (Direct VPC egress IPs Cloud Run keeps for "
        "1-2 hours after a workload leaves the subnet)'")
    gcp.release_direct_ips()  # two hours later
    assert delete_subnet(gcp)[0] == 200


def test_a_workload_that_stays_on_its_subnet_holds_nothing_once_it_is_gone_elsewhere(gcp):
    """A new revision on the same subnet leaves nothing behind; only the subnet it left is held."""
    collection, id_param, body = KINDS["service"]
    poll(gcp, subnet(gcp))
    poll(gcp, subnet(gcp, "t", "10.124.1.0/28"))
    poll(gcp, ok(gcp, "POST", f"{collection}?{id_param}=w", body({"vpcAccess": DIRECT})), "/run/v2/")
    ok(gcp, "PATCH", f"{collection}/w", body({"vpcAccess": DIRECT}))
    assert gcp.direct_ip_holds == {}
    ok(gcp, "PATCH", f"{collection}/w", body({"vpcAccess": {**DIRECT, "networkInterfaces": [{"subnetwork": "t"}]}}))
    assert set(gcp.direct_ip_holds) == {f"projects/{P}/regions/{R}/subnetworks/s"}
    assert call(gcp, "DELETE", f"{C}/subnetworks/t")[0] == 400  # the workload is on it


# --- a connector's /28 is its alone ----------------------------------------------------------------------------

CONNECTORS = f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors"


def connector(gcp, name: str) -> tuple[int, dict]:
    return call(gcp, "POST", f"{CONNECTORS}?connectorId={name}", {"subnet": {"name": "s"}, "maxInstances": 3})


def test_a_second_connector_on_a_connectors_subnet_is_refused(gcp):
    poll(gcp, subnet(gcp))
    assert connector(gcp, "first")[0] == 200
    status, reply = connector(gcp, "second")
    assert (status, reply["error"]["message"]) == (
        400, f"Subnet s is already used by projects/{P}/locations/{R}/connectors/first: a connector's subnet must be "
             "used by nothing else.")


@pytest.mark.parametrize("held", [False, True])
def test_a_connector_on_a_subnet_of_direct_vpc_egress_is_refused_also_while_cloud_run_holds_its_ips(gcp, held):
    collection, id_param, body = KINDS["service"]
    poll(gcp, subnet(gcp))
    poll(gcp, ok(gcp, "POST", f"{collection}?{id_param}=w", body({"vpcAccess": DIRECT})), "/run/v2/")
    if held:
        ok(gcp, "DELETE", f"{collection}/w")
    status, reply = connector(gcp, "c")
    assert status == 400 and reply["error"]["message"].startswith(
        f"Subnet s is already used by projects/{P}/locations/{R}/services/w"), reply
    gcp.release_direct_ips()
    assert connector(gcp, "c")[0] == (400 if not held else 200)


def test_direct_vpc_egress_on_a_connectors_subnet_is_refused(gcp):
    collection, id_param, body = KINDS["job"]
    poll(gcp, subnet(gcp))
    assert connector(gcp, "c")[0] == 200
    status, reply = call(gcp, "POST", f"{collection}?{id_param}=w", body({"vpcAccess": DIRECT}))
    assert (status, reply["error"]["message"]) == (
        400, f"Subnetwork 's' is used by the Serverless VPC Access connector projects/{P}/locations/{R}/connectors/c: "
             "Direct VPC egress needs a subnet no connector uses.")
