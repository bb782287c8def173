"""[adopt]: the import blocks a stack emits, their IDs (the provider's import formats at 6.50.0), and the
table's validation. The rehearsal of the adopting example (tests/integration/test_rehearsal.py) shows the real
provider importing them."""

from __future__ import annotations

import pytest

from tests.support.environments import config, one_problem
from tests.support.synth import ADDRESS, API, CONNECTOR, NAT, NAT_ADDRESS, ROUTER, RUN, SUBNET, resources, synth

P, R = "my-gcp-project", "asia-northeast3"


def imports(doc) -> dict[str, str]:
    """Resource type → the import IDs of that type, from the stack's ``import`` blocks."""
    found: dict[str, list[str]] = {}
    for block in doc.get("import", []):
        rtype, name = block["to"].split(".", 1)
        assert name in resources(doc, rtype), block
        found.setdefault(rtype, []).append(block["id"])
    return {k: sorted(v) for k, v in found.items()}


def test_a_file_without_adopt_imports_nothing():
    assert "import" not in synth(config())


def test_adopting_the_chain_imports_each_resource_by_the_providers_import_id():
    doc = synth(config(adopt={"chain": True}, egress={"static_ip_names": ["ip-a", "ip-b"]}))
    assert imports(doc) == {
        API: [f"{P}/compute.googleapis.com", f"{P}/vpcaccess.googleapis.com"],  # no workload adopted: run is created
        SUBNET: [f"projects/{P}/regions/{R}/subnetworks/cloud-run-subnet"],
        CONNECTOR: [f"projects/{P}/locations/{R}/connectors/cloud-run-connector"],
        ROUTER: [f"projects/{P}/regions/{R}/routers/cloud-run-router"],
        NAT: [f"projects/{P}/regions/{R}/routers/cloud-run-router/cloud-run-nat"],
        # The NAT's IPs (google_compute_router_nat_address) take the NAT's own import ID.
        NAT_ADDRESS: [f"projects/{P}/regions/{R}/routers/cloud-run-router/cloud-run-nat"],
        ADDRESS: [f"projects/{P}/regions/{R}/addresses/ip-a", f"projects/{P}/regions/{R}/addresses/ip-b"],
    }


def test_adopting_services_imports_only_those_services_and_the_api_they_show_is_on():
    # A project whose services ran before any chain: Cloud Run is on, Compute Engine and Serverless VPC Access may
    # not be, and importing an API that is off fails the plan. The stack enables those (a no-op if already on).
    services = [{"name": "api", "image": "asia.gcr.io/p/api:1"}, {"name": "web", "image": "asia.gcr.io/p/web:1"}]
    doc = synth(config(adopt={"services": ["web"]}, services=services))
    assert imports(doc) == {API: [f"{P}/run.googleapis.com"], RUN: [f"projects/{P}/locations/{R}/services/web"]}
    assert {r["service"] for r in resources(doc, API).values()} == {
        "compute.googleapis.com", "vpcaccess.googleapis.com", "run.googleapis.com"}


def test_adopting_the_chain_alone_imports_no_run_api_and_a_shared_vpc_chain_no_compute_api():
    assert imports(synth(config(adopt={"chain": True})))[API] == [
        f"{P}/compute.googleapis.com", f"{P}/vpcaccess.googleapis.com"]
    shared = synth(config(adopt={"chain": True},
                          network={"subnet_cidr": "10.124.0.0/28", "host_project": "host-project-1"}))
    # The network's resources are the host project's: nothing shows Compute Engine on in the service project.
    assert imports(shared)[API] == [f"{P}/vpcaccess.googleapis.com"]


def test_with_a_shared_vpc_network_resources_are_imported_from_the_host_project():
    doc = synth(config(adopt={"chain": True},
                       network={"subnet_cidr": "10.124.0.0/28", "host_project": "host-project-1"}))
    found = imports(doc)
    assert found[SUBNET] == [f"projects/host-project-1/regions/{R}/subnetworks/cloud-run-subnet"]
    assert found[ROUTER] == [f"projects/host-project-1/regions/{R}/routers/cloud-run-router"]
    assert found[NAT] == found[NAT_ADDRESS] == [
        f"projects/host-project-1/regions/{R}/routers/cloud-run-router/cloud-run-nat"]
    assert found[ADDRESS] == [f"projects/host-project-1/regions/{R}/addresses/cloud-run-origin-ip"]
    # The connector runs in the service project.
    assert found[CONNECTOR] == [f"projects/{P}/locations/{R}/connectors/cloud-run-connector"]
    assert found[API][0].startswith(f"{P}/")


def test_direct_mode_imports_the_subnet_and_no_connector_or_vpc_access_api():
    doc = synth(config(adopt={"chain": True}, egress={"mode": "direct"},
                       network={"subnet_cidr": "10.124.16.0/24"}))
    found = imports(doc)
    assert CONNECTOR not in found
    assert f"{P}/vpcaccess.googleapis.com" not in found[API]
    assert found[SUBNET] == [f"projects/{P}/regions/{R}/subnetworks/cloud-run-subnet"]


def test_adopted_addresses_are_never_the_existing_ips_read_by_data_source():
    doc = synth(config(adopt={"chain": True}, egress={"static_ip_count": 0, "existing_ips": ["partner-ip"]}))
    assert ADDRESS not in imports(doc)


def test_a_service_ignores_the_client_fields_gcloud_writes():
    (service,) = resources(synth(config()), RUN).values()
    assert service["lifecycle"] == {"ignore_changes": ["client", "client_version"]}


@pytest.mark.parametrize("adopt, key, expected, given", [
    ({"chain": "yes"}, "adopt.chain", "true or false", '"yes"'),
    ({"services": "production"}, "adopt.services", "a list of service names from [[services]]", '"production"'),
    ({"services": ["nope"]}, "adopt.services[0]", "the name of a [[services]] entry of this file (production)",
     '"nope"'),
    ({"services": ["production", "production"]}, "adopt.services[1]", "a name not already at adopt.services[0]",
     '"production"'),
    ({"everything": True}, "adopt.everything", "one of the known keys (chain, services, jobs, worker_pools)",
     "an unknown key"),
])
def test_adopt_rejects(adopt, key, expected, given):
    # Each rule's key and given alone would pass under another rule's words: what is expected tells them apart.
    assert one_problem(adopt=adopt) == f"test.toml: {key}: expected {expected}, got {given}"


def test_adopting_a_file_with_alerts_enables_the_monitoring_api_instead_of_importing_it():
    doc = synth(config(adopt={"chain": True},
                       alerts={"notification_channels": [f"projects/{P}/notificationChannels/1"]}))
    assert f"{P}/monitoring.googleapis.com" not in imports(doc)[API]
    assert "monitoring.googleapis.com" in {r["service"] for r in resources(doc, API).values()}


def test_each_resource_is_imported_once_when_the_chain_is_adopted_while_an_address_drains():
    # RouterNat imports its NatAddress itself while addresses drain; [adopt] chain = true must not add a second
    # block for it (Terraform refuses two import blocks for one resource).
    doc = synth(config(adopt={"chain": True}, egress={"static_ip_names": ["ip-a", "ip-b"], "draining_ips": ["ip-a"]}))
    targets = [block["to"] for block in doc["import"]]
    assert len(targets) == len(set(targets))
    assert imports(doc)[NAT_ADDRESS] == [f"projects/{P}/regions/{R}/routers/cloud-run-router/cloud-run-nat"]


def test_import_blocks_come_in_the_order_of_the_construct_tree():
    doc = synth(config(adopt={"chain": True, "services": ["production"]}))  # each of the three APIs shown on
    types = [block["to"].split(".")[0] for block in doc["import"]]
    assert types == [API, API, API, SUBNET, CONNECTOR, ADDRESS, ROUTER, NAT, NAT_ADDRESS, RUN]
