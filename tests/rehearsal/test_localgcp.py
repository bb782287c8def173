"""The local GCP API pushes back where Google Cloud does: operations that run, revisions that fail, GCP's own
rewrites, brownfield neighbours. In-process, over HTTP, no provider needed."""

from __future__ import annotations

import pytest

from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.compute import LINK
from tests.rehearsal.localapi import PROJECT, call, ok, poll

P, R = PROJECT, "asia-northeast3"
C = f"/compute/v1/projects/{P}/regions/{R}"
RUN = f"/run/v2/projects/{P}/locations/{R}/services"
IMAGE = "asia.gcr.io/my-gcp-project/app:1.0.0"


def subnet(gcp: LocalGcp, name: str = "s", cidr: str = "10.124.0.0/28", network: str = "net") -> dict:
    return ok(gcp, "POST", f"{C}/subnetworks", {"name": name, "ipCidrRange": cidr,
                                               "network": f"projects/{P}/global/networks/{network}"})


def service(image: str = IMAGE, **container) -> dict:
    return {"template": {"containers": [{"image": image, **container}]}}


# --- long-running operations -----------------------------------------------------------------------------


def test_a_compute_write_answers_a_running_operation_that_is_done_at_the_first_poll(gcp):
    running = subnet(gcp)
    assert (running["status"], running["progress"]) == ("RUNNING", 0) and "endTime" not in running
    done = poll(gcp, running)
    assert (done["status"], done["progress"], done["name"]) == ("DONE", 100, running["name"])
    assert done["selfLink"] == f"{LINK}projects/{P}/regions/{R}/operations/{running['name']}"
    assert "endTime" in done and "error" not in done


def test_a_connector_is_creating_until_its_operation_is_polled(gcp):
    poll(gcp, subnet(gcp))
    op = ok(gcp, "POST", f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors?connectorId=c",
            {"subnet": {"name": "s"}, "maxInstances": 3})
    assert "done" not in op and op["name"].startswith(f"projects/{P}/locations/{R}/operations/")
    connector = f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors/c"
    assert ok(gcp, "GET", connector)["state"] == "CREATING"
    assert poll(gcp, op, "/vpcaccess/v1/")["done"] is True
    assert ok(gcp, "GET", connector)["state"] == "READY"


def test_a_service_usage_enable_is_done_at_the_first_poll(gcp):
    op = ok(gcp, "POST", f"/serviceusage/v1/projects/{P}/services/run.googleapis.com:enable", {})
    assert "done" not in op
    assert poll(gcp, op, "/serviceusage/v1/")["response"]["service"]["state"] == "ENABLED"


# --- Cloud Run revisions ---------------------------------------------------------------------------------


def test_a_first_deploy_with_a_missing_image_ends_its_operation_in_cloud_runs_error(gcp):
    gcp.run.images = {IMAGE}
    op = ok(gcp, "POST", f"{RUN}?serviceId=api", service("asia.gcr.io/my-gcp-project/app:typo"))
    done = poll(gcp, op, "/run/v2/")
    assert done["error"]["code"] == 9
    assert done["error"]["message"] == (
        f"Revision '{gcp.store[f'projects/{P}/locations/{R}/services/api']['latestCreatedRevision'].rsplit('/', 1)[1]}'"
        " is not ready and cannot serve traffic. Image 'asia.gcr.io/my-gcp-project/app:typo' not found.")
    got = ok(gcp, "GET", f"{RUN}/api")
    assert got["terminalCondition"]["state"] == "CONDITION_FAILED"
    assert got["terminalCondition"]["reason"] == "CONTAINER_MISSING"
    assert "latestReadyRevision" not in got and "trafficStatuses" not in got


def test_a_later_bad_deploy_keeps_the_old_revision_serving_and_the_traffic_where_it_was(gcp):
    gcp.run.not_listening = {"asia.gcr.io/my-gcp-project/app:2.0.0"}
    poll(gcp, ok(gcp, "POST", f"{RUN}?serviceId=api", service()), "/run/v2/")
    good = ok(gcp, "GET", f"{RUN}/api")
    done = poll(gcp, ok(gcp, "PATCH", f"{RUN}/api", service("asia.gcr.io/my-gcp-project/app:2.0.0")), "/run/v2/")
    assert "PORT=8080" in done["error"]["message"] and "is not ready and cannot serve traffic" in done["error"]["message"]
    got = ok(gcp, "GET", f"{RUN}/api")
    assert got["latestReadyRevision"] == good["latestReadyRevision"] != got["latestCreatedRevision"]
    assert got["trafficStatuses"] == good["trafficStatuses"]
    assert got["template"]["containers"][0]["image"] == "asia.gcr.io/my-gcp-project/app:2.0.0"
    (configurations,) = [c for c in got["conditions"] if c["type"] == "ConfigurationsReady"]
    assert configurations["revisionReason"] == "HEALTH_CHECK_CONTAINER_ERROR"


@pytest.mark.parametrize("limits, kept", [
    ({"memory": "1Gi"}, {"cpu": "1000m", "memory": "1Gi"}),
    ({"cpu": "1"}, {"cpu": "1000m", "memory": "512Mi"}),
    ({"cpu": "0.5", "memory": "512Mi"}, {"cpu": "500m", "memory": "512Mi"}),
    ({"cpu": "2000m", "memory": "1Gi"}, {"cpu": "2000m", "memory": "1Gi"}),
])
def test_cloud_run_keeps_both_limits_and_writes_cpu_in_milli_cpus(gcp, limits, kept):
    body = service(resources={"limits": limits, "cpuIdle": True})
    body["template"]["maxInstanceRequestConcurrency"] = 1  # what below 1 CPU needs (the next test)
    poll(gcp, ok(gcp, "POST", f"{RUN}?serviceId=api", body), "/run/v2/")
    assert ok(gcp, "GET", f"{RUN}/api")["template"]["containers"][0]["resources"]["limits"] == kept


FRACTIONAL = "spec.template.spec.containers.resources.limits.cpu: Invalid value specified for cpu. Total cpu < 1 is "


@pytest.mark.parametrize("template, resources, refused", [
    ({}, {"cpuIdle": True}, "not supported with concurrency > 1."),
    ({"maxInstanceRequestConcurrency": 2}, {"cpuIdle": True}, "not supported with concurrency > 1."),
    ({"maxInstanceRequestConcurrency": 1}, {}, "not supported with CPU always allocated."),
    ({"maxInstanceRequestConcurrency": 1}, {"cpuIdle": False}, "not supported with CPU always allocated."),
    ({"maxInstanceRequestConcurrency": 1, "executionEnvironment": "EXECUTION_ENVIRONMENT_GEN2"}, {"cpuIdle": True},
     "not supported with gen2 execution environment."),
])
def test_a_service_below_1_cpu_without_what_cloud_run_requires_with_it_is_refused(gcp, template, resources, refused):
    body = service(resources={"limits": {"cpu": "500m", "memory": "512Mi"}, **resources})
    body["template"].update(template)
    status, reply = call(gcp, "POST", f"{RUN}?serviceId=api", body)
    assert (status, reply["error"]["message"]) == (400, FRACTIONAL + refused)
    assert call(gcp, "GET", f"{RUN}/api")[0] == 404


def test_a_service_below_1_cpu_with_what_cloud_run_requires_is_served(gcp):
    body = service(resources={"limits": {"cpu": "0.08", "memory": "256Mi"}, "cpuIdle": True})
    body["template"].update(maxInstanceRequestConcurrency=1, executionEnvironment="EXECUTION_ENVIRONMENT_GEN1")
    poll(gcp, ok(gcp, "POST", f"{RUN}?serviceId=api", body), "/run/v2/")
    assert ok(gcp, "GET", f"{RUN}/api")["template"]["containers"][0]["resources"]["limits"]["cpu"] == "80m"


# --- neighbours --------------------------------------------------------------------------------------------


def test_a_subnet_overlapping_an_auto_mode_networks_regional_subnet_is_refused(gcp):
    gcp.compute.add_network(P, "default", auto_subnets={R: "10.178.0.0/20"})
    status, reply = call(gcp, "POST", f"{C}/subnetworks", {"name": "s", "ipCidrRange": "10.178.0.0/28",
                                                          "network": f"projects/{P}/global/networks/default"})
    assert status == 400
    assert reply["error"]["message"] == ("Invalid IPCidrRange: 10.178.0.0/28 conflicts with existing subnetwork "
                                         f"'default' in region '{R}'.")


def router(gcp: LocalGcp, name: str, *nats: dict) -> tuple[int, dict]:
    poll(gcp, ok(gcp, "POST", f"{C}/routers", {"name": name, "network": f"projects/{P}/global/networks/net"}))
    return call(gcp, "PATCH", f"{C}/routers/{name}", {"nats": list(nats)})


def nat(name: str, **fields) -> dict:
    return {"name": name, "natIpAllocateOption": "AUTO_ONLY", "sourceSubnetworkIpRangesToNat": "LIST_OF_SUBNETWORKS",
            "subnetworks": [{"name": f"projects/{P}/regions/{R}/subnetworks/s",
                             "sourceIpRangesToNat": ["ALL_IP_RANGES"]}], **fields}


def test_a_nat_for_all_subnetworks_leaves_no_room_for_another_in_the_region(gcp):
    poll(gcp, subnet(gcp))
    assert router(gcp, "legacy", {"name": "all", "natIpAllocateOption": "AUTO_ONLY",
                                  "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES"})[0] == 200
    status, reply = router(gcp, "chain", nat("chain-nat"))
    assert status == 400
    assert reply["error"]["message"] == ("Can not create new Nats since a Nat with option "
                                         "ALL_SUBNETWORKS_ALL_IP_RANGES exists.")


def test_an_address_a_vm_uses_cannot_become_a_nat_ip(gcp):
    poll(gcp, subnet(gcp))
    gcp.compute.add_address(P, R, "partner-ip")
    gcp.compute.use_address(f"projects/{P}/regions/{R}/addresses/partner-ip", f"{LINK}projects/{P}/zones/z/instances/vm")
    status, reply = router(gcp, "chain", nat("n", natIpAllocateOption="MANUAL_ONLY",
                                             natIps=[f"projects/{P}/regions/{R}/addresses/partner-ip"]))
    assert status == 400 and reply["error"]["errors"][0]["reason"] == "resourceInUseByAnotherResource"
    assert reply["error"]["message"] == (f"The address resource 'projects/{P}/regions/{R}/addresses/partner-ip' is "
                                         f"already being used by '{LINK}projects/{P}/zones/z/instances/vm'")


def test_dynamic_port_allocation_with_endpoint_independent_mapping_is_refused(gcp):
    poll(gcp, subnet(gcp))
    status, reply = router(gcp, "chain", nat("n", enableDynamicPortAllocation=True,
                                             enableEndpointIndependentMapping=True))
    assert status == 400 and "Endpoint Independent Mapping cannot be enabled" in reply["error"]["message"]


def test_the_static_addresses_quota_ends_the_insert_operation_in_gcps_error(gcp):
    gcp.quotas[(P, R, "STATIC_ADDRESSES")] = 1
    poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": "a"}))
    done = poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": "b"}))
    assert done["error"]["errors"] == [{"code": "QUOTA_EXCEEDED", "message":
                                        f"Quota 'STATIC_ADDRESSES' exceeded.  Limit: 1.0 in region {R}."}]
    assert f"projects/{P}/regions/{R}/addresses/b" not in gcp.store


def test_deleting_an_address_a_nat_uses_is_a_synchronous_400(gcp):
    poll(gcp, subnet(gcp))
    poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": "a"}))
    assert router(gcp, "chain", nat("n", natIpAllocateOption="MANUAL_ONLY",
                                    natIps=[f"projects/{P}/regions/{R}/addresses/a"]))[0] == 200
    status, reply = call(gcp, "DELETE", f"{C}/addresses/a")
    assert status == 400 and reply["error"]["errors"][0]["reason"] == "resourceInUseByAnotherResource"


def test_a_connector_a_service_uses_can_be_deleted_as_on_gcp(gcp):
    poll(gcp, subnet(gcp))
    connector = f"projects/{P}/locations/{R}/connectors/c"
    poll(gcp, ok(gcp, "POST", f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors?connectorId=c",
                 {"subnet": {"name": "s"}, "maxInstances": 3}), "/vpcaccess/v1/")
    body = service()
    body["template"]["vpcAccess"] = {"connector": connector, "egress": "ALL_TRAFFIC"}
    poll(gcp, ok(gcp, "POST", f"{RUN}?serviceId=api", body), "/run/v2/")
    poll(gcp, ok(gcp, "DELETE", f"/vpcaccess/v1/{connector}"), "/vpcaccess/v1/")
    assert connector not in gcp.store


def test_an_address_another_nat_uses_cannot_become_a_nat_ip(gcp):
    poll(gcp, subnet(gcp))
    poll(gcp, subnet(gcp, "other", "10.124.1.0/28"))
    poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": "shared"}))
    ip = f"projects/{P}/regions/{R}/addresses/shared"
    other = {**nat("legacy", natIpAllocateOption="MANUAL_ONLY", natIps=[ip]),
             "subnetworks": [{"name": f"projects/{P}/regions/{R}/subnetworks/other",
                              "sourceIpRangesToNat": ["ALL_IP_RANGES"]}]}
    assert router(gcp, "legacy", other)[0] == 200
    status, reply = router(gcp, "chain", nat("n", natIpAllocateOption="MANUAL_ONLY", natIps=[ip]))
    assert status == 400 and reply["error"]["errors"][0]["reason"] == "resourceInUseByAnotherResource"
    assert reply["error"]["message"].endswith(f"is already being used by '{LINK}projects/{P}/regions/{R}/routers/legacy'")


def test_a_subnet_already_in_another_nat_is_refused(gcp):
    poll(gcp, subnet(gcp))
    assert router(gcp, "legacy", nat("legacy"))[0] == 200
    status, reply = router(gcp, "chain", nat("n"))
    assert status == 400
    assert reply["error"]["message"] == f"Subnetwork 'projects/{P}/regions/{R}/subnetworks/s' is already used by nat 'legacy'."


@pytest.mark.parametrize("location, kind", [("us", "multi-region"), ("NAM4", "dual-region"),
                                            ("asia-northeast3", "region")])
def test_a_bucket_takes_a_region_a_dual_region_or_a_multi_region(gcp, location, kind):
    ok(gcp, "POST", f"/storage/v1/b?project={PROJECT}", {"name": "state-bucket-1", "location": location})
    bucket = ok(gcp, "GET", "/storage/v1/b/state-bucket-1")
    assert (bucket["location"], bucket["locationType"]) == (location.upper(), kind)


@pytest.mark.parametrize("name", ["goog-state", "my-google-state", "my-g00gle-state", "state..bucket", "10.1.2.3",
                                  "-state", "a" * 64, "a" * 64 + ".b", ".".join(["a" * 63] * 4)])
def test_a_bucket_name_cloud_storage_refuses_is_a_400_and_creates_nothing(gcp, name):
    # The same rule as validation's (GCS_BUCKET and bucket_name_problem): a dotted name may be 222 characters long.
    status, reply = call(gcp, "POST", f"/storage/v1/b?project={PROJECT}", {"name": name, "location": "US"})
    assert (status, reply["error"]["message"]) == (400, f"Invalid bucket name: '{name}'")
    assert not [k for k in gcp.store if k.startswith("buckets/")]


def test_a_dotted_bucket_name_up_to_222_characters_is_created(gcp):
    name = ".".join(["a" * 63] * 3) + ".bb"  # 63 × 3 + 2 dots + 3 = 194
    ok(gcp, "POST", f"/storage/v1/b?project={PROJECT}", {"name": name, "location": "US"})
    assert ok(gcp, "GET", f"/storage/v1/b/{name}")["name"] == name


@pytest.mark.parametrize("location", ["nowhere", "EUROPE-WEST", "US-CENTRAL1-A", 3])
def test_a_bucket_in_a_location_cloud_storage_does_not_have_is_a_400(gcp, location):
    status, reply = call(gcp, "POST", f"/storage/v1/b?project={PROJECT}", {"name": "state-bucket-1",
                                                                         "location": location})
    assert (status, reply["error"]["message"]) == (400, "The specified location constraint is not valid.")
    assert call(gcp, "GET", "/storage/v1/b/state-bucket-1")[0] == 404


def test_a_nats_ips_of_two_network_tiers_are_refused_in_its_own_ips_and_in_a_rule(gcp):
    """Cloud NAT's "NAT rules specifications": one tier in a rule, the default rule (natIps, drainNatIps) included."""
    poll(gcp, subnet(gcp))
    for name in ("a", "b", "c"):
        poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": name}))
    gcp.store[f"projects/{P}/regions/{R}/addresses/b"]["networkTier"] = "STANDARD"
    link = f"{LINK}projects/{P}/regions/{R}/addresses/"
    poll(gcp, ok(gcp, "POST", f"{C}/routers", {"name": "r", "network": f"projects/{P}/global/networks/net"}))

    def patch(**fields):
        return call(gcp, "PATCH", f"{C}/routers/r", {"nats": [nat("n", natIpAllocateOption="MANUAL_ONLY", **fields)]})

    status, reply = patch(natIps=[link + "a", link + "b"])
    assert (status, reply["error"]["message"]) == (400, (
        "Invalid value for field 'resource.nats[0].natIps': IPs of the PREMIUM and STANDARD network tiers in one "
        "rule. All IP addresses of a rule, the default rule included, must belong to the same network tier."))
    rule = {"ruleNumber": 100, "match": "inIpRange(destination.ip, '198.51.100.0/24')",
            "action": {"sourceNatActiveIps": [link + "b", link + "c"]}}
    status, reply = patch(natIps=[link + "a"], rules=[rule])
    assert status == 400 and reply["error"]["message"].startswith(
        "Invalid value for field 'resource.nats[0].rules[0].action.sourceNatActiveIps': IPs of the PREMIUM and "
        "STANDARD network tiers in one rule.")
    # A rule of STANDARD addresses beside a default rule of PREMIUM ones: one tier in each.
    status, reply = patch(natIps=[link + "a", link + "c"],
                          rules=[{**rule, "action": {"sourceNatActiveIps": [link + "b"]}}])
    assert status == 200, reply


def test_a_sixth_router_in_a_network_and_region_is_refused(gcp):
    """Five Cloud Routers per network and region, whatever the quota (facts/nat.py); another network or region
    has its own five, and a taken name is still a 409 first."""
    for i in range(5):
        poll(gcp, ok(gcp, "POST", f"{C}/routers", {"name": f"r{i}", "network": f"projects/{P}/global/networks/net"}))
    status, reply = call(gcp, "POST", f"{C}/routers", {"name": "r5", "network": f"projects/{P}/global/networks/net"})
    assert (status, reply["error"]["errors"][0]["reason"]) == (403, "limitExceeded")
    assert reply["error"]["message"] == (f"Exceeded limit 'ROUTERS_PER_NETWORK_PER_REGION' on resource "
                                         f"'{LINK}projects/{P}/global/networks/net'. Limit: 5.0")
    assert call(gcp, "POST", f"{C}/routers", {"name": "r0", "network": f"projects/{P}/global/networks/net"})[0] == 409
    gcp.compute.add_network(P, "other")
    poll(gcp, ok(gcp, "POST", f"{C}/routers", {"name": "r5", "network": f"projects/{P}/global/networks/other"}))
