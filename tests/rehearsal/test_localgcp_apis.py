"""A call into a project that has not enabled its API is GCP's 403 SERVICE_DISABLED (rehearsal/localgcp/apis.py):
a stack that calls an API before its google_project_service fails its first deploy into a fresh project, and so
does its rehearsal."""

from __future__ import annotations

import pytest

from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.apis import GATED_APIS
from tests.rehearsal.localapi import call, ok, poll

FRESH = "fresh-project"
CALLS = {  # one call of each gated API, into FRESH
    "compute.googleapis.com": ("POST", f"/compute/v1/projects/{FRESH}/regions/us-central1/addresses", {"name": "a"}),
    "vpcaccess.googleapis.com": ("GET", f"/vpcaccess/v1/projects/{FRESH}/locations/us-central1/connectors/c", None),
    "run.googleapis.com": ("POST", f"/run/v2/projects/{FRESH}/locations/us-central1/services?serviceId=s",
                           {"template": {"containers": [{"image": "nginx"}]}}),
    "monitoring.googleapis.com": ("GET", f"/monitoring/v3/projects/{FRESH}/alertPolicies/1", None),
    "secretmanager.googleapis.com": ("GET", f"/secretmanager/v1/projects/{FRESH}/secrets/s:getIamPolicy", None),
    "storage.googleapis.com": ("POST", f"/storage/v1/b?project={FRESH}", {"name": "fresh-bucket"}),
}


@pytest.fixture
def fresh():
    with LocalGcp() as local:
        local.add_project(FRESH)
        yield local


def test_every_gated_api_has_a_call_here():
    assert set(CALLS) == set(GATED_APIS)


@pytest.mark.parametrize("service", GATED_APIS)
def test_a_call_into_a_project_that_has_not_enabled_the_api_is_gcps_403(fresh, service):
    method, path, body = CALLS[service]
    status, reply = call(fresh, method, path, body)
    error = reply["error"]
    number = fresh.projects[FRESH]
    assert (status, error["status"]) == (403, "PERMISSION_DENIED")
    assert error["message"].endswith(
        f"API has not been used in project {number} before or it is disabled. Enable it by visiting "
        f"https://console.developers.google.com/apis/api/{service}/overview?project={number} then retry. If you "
        "enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.")
    (info,) = error["details"]
    assert (info["reason"], info["metadata"]["service"], info["metadata"]["consumer"]) == (
        "SERVICE_DISABLED", service, f"projects/{number}")
    # Compute lists it in errors[] as well, as its other errors.
    assert ("errors" in error) == (service == "compute.googleapis.com")
    if service == "compute.googleapis.com":
        assert error["errors"][0]["reason"] == "accessNotConfigured"
    assert fresh.store == {}


def test_once_enabled_the_same_call_is_served(fresh):
    method, path, body = CALLS["compute.googleapis.com"]
    poll(fresh, ok(fresh, "POST", f"/serviceusage/v1/projects/{FRESH}/services/compute.googleapis.com:enable", {}),
         "/serviceusage/v1/")
    assert call(fresh, method, path, body)[0] == 200
    assert call(fresh, *CALLS["run.googleapis.com"])[0] == 403  # only the one enabled


def test_a_project_the_caller_cannot_see_is_still_the_projects_403(fresh):
    status, reply = call(fresh, "GET", "/compute/v1/projects/nobodys/regions/us-central1/addresses/a")
    assert (status, reply["error"]["message"]) == (403, "Permission denied on resource project nobodys.")


def test_what_a_seed_builds_enables_its_api():
    """A network, an address, a secret or a notification channel could not exist in a project without its API."""
    with LocalGcp() as local:
        for project in ("net-host", "app", "watch"):
            local.add_project(project)
        local.compute.add_network("net-host", "shared")
        local.secretmanager.add_secret("app", "token")
        local.monitoring.add_notification_channel("projects/watch/notificationChannels/1")
        assert local.enabled_services == {"net-host": {"compute.googleapis.com"},
                                          "app": {"secretmanager.googleapis.com"},
                                          "watch": {"monitoring.googleapis.com"}}
        local.add_project("addresses")
        local.compute.add_address("addresses", "us-central1", "kept")
        assert local.enabled_services["addresses"] == {"compute.googleapis.com"}
