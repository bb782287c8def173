"""What Google Cloud refuses in a request whatever validation checked (rehearsal/localgcp/names.py): a rehearsal fails
there too if validation ever lets one through. In-process, over HTTP, no provider needed."""

from __future__ import annotations

import pytest

from tests.rehearsal.localapi import call, ok, poll
from tests.rehearsal.test_jobs_and_secrets_localgcp import IMAGE, JOBS, POOLS, SERVICES
from tests.rehearsal.test_localgcp import C, P, R, nat, router, subnet

REGEX = "(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)"


@pytest.mark.parametrize("collection, body", [
    ("subnetworks", {"ipCidrRange": "10.124.0.0/28", "network": "projects/my-gcp-project/global/networks/net"}),
    ("addresses", {}), ("routers", {"network": "projects/my-gcp-project/global/networks/net"})])
@pytest.mark.parametrize("name", ["Bad_Name", "-x", "x-", "a" * 64, "1ip"])
def test_a_compute_name_out_of_rfc_1035_is_refused(gcp, collection, body, name):
    status, reply = call(gcp, "POST", f"{C}/{collection}", {"name": name, **body})
    assert (status, reply["error"]["message"]) == (
        400, f"Invalid value for field 'resource.name': '{name}'. Must be a match of regex '{REGEX}'")
    assert reply["error"]["errors"][0]["reason"] == "invalid"


def test_a_nat_name_out_of_rfc_1035_is_refused(gcp):
    poll(gcp, subnet(gcp))
    status, reply = router(gcp, "chain", nat("Chain_Nat"))
    assert (status, reply["error"]["message"]) == (
        400, f"Invalid value for field 'resource.nats[0].name': 'Chain_Nat'. Must be a match of regex '{REGEX}'")


@pytest.mark.parametrize("fields, refused", [
    ({"enableDynamicPortAllocation": True, "minPortsPerVm": 33}, "minPortsPerVm': '33'. With Dynamic Port Allocation"),
    ({"enableDynamicPortAllocation": True, "minPortsPerVm": 16}, "minPortsPerVm': '16'. With Dynamic Port Allocation"),
    ({"enableDynamicPortAllocation": True, "minPortsPerVm": 64, "maxPortsPerVm": 64}, "maxPortsPerVm': '64'."),
    ({"enableDynamicPortAllocation": True, "maxPortsPerVm": 131072}, "maxPortsPerVm': '131072'."),
    ({"maxPortsPerVm": 4096}, "maxPortsPerVm': '4096'. It can be set only when Dynamic Port Allocation"),
    ({"minPortsPerVm": 1}, "minPortsPerVm': '1'. It must be between 2 and 65536."),
])
def test_a_nats_ports_out_of_cloud_nats_rules_are_refused(gcp, fields, refused):
    poll(gcp, subnet(gcp))
    status, reply = router(gcp, "chain", nat("n", **fields))
    assert status == 400 and reply["error"]["message"].startswith(
        f"Invalid value for field 'resource.nats[0].{refused}"), reply


@pytest.mark.parametrize("fields", [{"minPortsPerVm": 100}, {"enableDynamicPortAllocation": True},
                                    {"enableDynamicPortAllocation": True, "minPortsPerVm": 32, "maxPortsPerVm": 65536}])
def test_a_nats_ports_within_cloud_nats_rules_are_taken(gcp, fields):
    poll(gcp, subnet(gcp))
    assert router(gcp, "chain", nat("n", **fields))[0] == 200


@pytest.mark.parametrize("collection, id_param, body, name", [
    (SERVICES, "serviceId", {"template": {"containers": [{"image": IMAGE}]}}, "s" * 50),
    (SERVICES, "serviceId", {"template": {"containers": [{"image": IMAGE}]}}, "Api"),
    (JOBS, "jobId", {"template": {"template": {"containers": [{"image": IMAGE}]}}}, "j" * 64),
    (POOLS, "workerPoolId", {"launchStage": "BETA", "template": {"containers": [{"image": IMAGE}]}}, "pool-"),
])
def test_a_workload_id_out_of_its_pattern_is_refused(gcp, collection, id_param, body, name):
    status, reply = call(gcp, "POST", f"{collection}?{id_param}={name}", body)
    assert status == 400 and reply["error"]["message"].startswith(f"{id_param}: '{name}' is not a valid name")


@pytest.mark.parametrize("name", ["", "A=B", "X_GOOGLE_TOKEN"])
def test_an_env_name_cloud_run_never_takes_is_refused(gcp, name):
    status, reply = call(gcp, "POST", f"{SERVICES}?serviceId=api", {"template": {"containers": [
        {"image": IMAGE, "env": [{"name": name, "value": "1"}]}]}})
    assert (status, reply["error"]["message"]) == (
        400, f"spec.template.containers[0].env: invalid environment variable name {name!r}: it must not be empty, "
             "contain '=' or start with 'X_GOOGLE_'.")


@pytest.mark.parametrize("labels, refused", [
    ({"Team": "x"}, "labels: invalid label key 'Team'"), ({"1team": "x"}, "labels: invalid label key '1team'"),
    ({"team": "X"}, "labels: invalid value 'X' of label 'team'"), ({"t" * 64: "x"}, "labels: invalid label key"),
    ({"team": "a.b"}, "labels: invalid value 'a.b' of label 'team'"),
])
def test_a_label_out_of_googles_rules_is_refused(gcp, labels, refused):
    status, reply = call(gcp, "POST", f"{SERVICES}?serviceId=api", {
        "template": {"containers": [{"image": IMAGE}]}, "labels": labels})
    assert status == 400 and reply["error"]["message"].startswith(refused), reply


def test_labels_of_any_script_and_empty_values_are_taken_as_google_takes_them(gcp):
    labels = {"équipe": "paiements", "team": "", "cost-center_1": "a-b_c"}
    assert call(gcp, "POST", f"{SERVICES}?serviceId=api", {
        "template": {"containers": [{"image": IMAGE}]}, "labels": labels})[0] == 200


def test_an_auto_only_nat_with_nat_ips_is_refused(gcp):
    poll(gcp, subnet(gcp))
    poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": "a"}))
    status, reply = router(gcp, "chain", nat("n", natIps=[f"projects/{P}/regions/{R}/addresses/a"]))
    assert (status, reply["error"]["message"]) == (
        400, "Invalid value for field 'resource.nats[0].natIps': NAT IPs cannot be specified when natIpAllocateOption "
             "is AUTO_ONLY.")
