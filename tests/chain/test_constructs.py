"""Each construct's synthesized JSON: exact values and counts."""

from __future__ import annotations

import json

import pytest

from tests.support.environments import config
from tests.support.synth import ADDRESS, API, CONNECTOR, IAM_MEMBER, NAT, NAT_ADDRESS, ROUTER, RUN, SUBNET, only, \
    resources, synth



@pytest.fixture(scope="module")
def example() -> dict:
    return synth(config())


@pytest.fixture(scope="module")
def shared_vpc() -> dict:
    return synth(config(
        name="payments",
        network={"vpc": "shared-net", "subnet_cidr": "10.200.16.0/28", "host_project": "my-host-project"},
        egress={"static_ip_count": 3},
        connector={"machine_type": "e2-standard-4", "min_instances": 3, "max_instances": 5},
        nat={"min_ports_per_vm": 1024, "log_filter": "ALL"},
        services=[
            {"name": "api", "image": "nginx", "env": {"A": "1", "B": "2"}, "labels": {"team": "x"},
             "service_account": "api-runner@my-gcp-project.iam.gserviceaccount.com",
             "ingress": "INGRESS_TRAFFIC_INTERNAL_ONLY", "deletion_protection": False,
             "min_instances": 1, "max_instances": 7, "cpu": "2", "memory": "1Gi", "port": 9000},
            {"name": "worker", "image": "nginx"},
        ],
    ))


def ref(doc: dict, rtype: str, attr: str) -> str:
    (name,) = resources(doc, rtype)
    return f"${{{rtype}.{name}.{attr}}}"


def test_stack_has_exactly_the_chain_resources(example):
    counts = {rtype: len(found) for rtype, found in example["resource"].items()}
    assert counts == {SUBNET: 1, CONNECTOR: 1, ROUTER: 1, ADDRESS: 1, NAT: 1, NAT_ADDRESS: 1, RUN: 1, API: 3}


def test_provider_has_project_and_region(example):
    assert example["provider"]["google"] == [{"project": "my-gcp-project", "region": "asia-northeast3"}]
    assert example["terraform"]["required_providers"]["google"]["version"] == "6.50.0"


def test_gcs_backend_with_bucket_and_default_prefix(example):
    assert example["terraform"]["backend"] == {"gcs": {"bucket": "my-tfstate", "prefix": "cloud-run-egress/test"}}


def test_gcs_backend_with_explicit_prefix():
    doc = synth(config(state={"bucket": "my-tfstate", "prefix": "teams/a/"}))
    assert doc["terraform"]["backend"] == {"gcs": {"bucket": "my-tfstate", "prefix": "teams/a"}}


def test_local_backend_keeps_state_next_to_the_stack():
    doc = synth(config(state={"backend": "local"}))
    assert doc["terraform"]["backend"] == {"local": {"path": "terraform.test.tfstate"}}


def test_apis_are_enabled_and_never_disabled_on_destroy(example):
    apis = resources(example, API)
    assert sorted(a["service"] for a in apis.values()) == [
        "compute.googleapis.com", "run.googleapis.com", "vpcaccess.googleapis.com"]
    for api in apis.values():
        assert api["project"] == "my-gcp-project"
        assert api["disable_on_destroy"] is False
        assert api["disable_dependent_services"] is False


def test_subnet_is_the_chain_range_in_the_network(example):
    assert only(example, SUBNET) == {
        "name": "cloud-run-subnet", "project": "my-gcp-project", "region": "asia-northeast3",
        "network": "default", "ip_cidr_range": "10.124.0.0/28",
        "private_ip_google_access": True,
        "log_config": {"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5},
        "depends_on": ["google_project_service.Api-compute", "google_project_service.Api-vpcaccess",
                       "google_project_service.Api-run"],
        "lifecycle": {"create_before_destroy": True},
    }


def test_connector_attaches_by_subnet_name_never_ip_range(example):
    connector = only(example, CONNECTOR)
    assert connector["subnet"] == {"name": ref(example, SUBNET, "name"), "project_id": "my-gcp-project"}
    assert "ip_cidr_range" not in connector and "network" not in connector
    assert (connector["name"], connector["project"], connector["region"]) == (
        "cloud-run-connector", "my-gcp-project", "asia-northeast3")
    assert (connector["machine_type"], connector["min_instances"], connector["max_instances"]) == ("e2-micro", 2, 10)


def test_router_is_in_the_network_and_region(example):
    router = only(example, ROUTER)
    assert {k: router[k] for k in ("name", "network", "project", "region")} == {
        "name": "cloud-run-router", "network": "default", "project": "my-gcp-project", "region": "asia-northeast3"}


def test_one_static_address_named_like_gcloud(example):
    address = only(example, ADDRESS)
    assert {k: address[k] for k in ("name", "project", "region", "address_type", "network_tier")} == {
        "name": "cloud-run-origin-ip", "project": "my-gcp-project", "region": "asia-northeast3",
        "address_type": "EXTERNAL", "network_tier": "PREMIUM"}


def test_nat_covers_only_the_chain_subnet_through_only_its_addresses(example):
    nat = only(example, NAT)
    assert nat["name"] == "cloud-run-nat"
    assert nat["router"] == ref(example, ROUTER, "name")
    assert nat["nat_ip_allocate_option"] == "MANUAL_ONLY"
    assert nat["initial_nat_ips"] == [ref(example, ADDRESS, "self_link")]
    assert "nat_ips" not in nat and "drain_nat_ips" not in nat
    assert nat["source_subnetwork_ip_ranges_to_nat"] == "LIST_OF_SUBNETWORKS"
    assert nat["subnetwork"] == [{"name": ref(example, SUBNET, "self_link"),
                                  "source_ip_ranges_to_nat": ["ALL_IP_RANGES"]}]
    assert "min_ports_per_vm" not in nat and "log_config" not in nat


def test_the_nat_ips_are_held_by_a_nat_address_beside_the_nat(example):
    """NatAddress holds nat_ips and drain_nat_ips, so that a deploy can empty the drain list; the NAT is
    created with initial_nat_ips and ignores later changes of it (ForceNew: it would replace the NAT)."""
    nat, holder = only(example, NAT), only(example, NAT_ADDRESS)
    (router,), (nat_key,) = resources(example, ROUTER), resources(example, NAT)
    # Google Cloud deletes a router's NATs with it: a router re-created re-creates the NAT, and a NAT re-created its
    # IP list (which PATCHes it). A bare reference (Terraform refuses ${…} there), to the id: it changes only when
    # the resource is re-created, never on an in-place update.
    assert nat["lifecycle"] == {"ignore_changes": ["initial_nat_ips"],
                                "replace_triggered_by": [f"{ROUTER}.{router}.id"]}
    assert holder["lifecycle"] == {"replace_triggered_by": [f"{NAT}.{nat_key}.id"]}
    assert holder["router_nat"] == ref(example, NAT, "name")
    assert holder["router"] == ref(example, ROUTER, "name")
    assert (holder["project"], holder["region"]) == ("my-gcp-project", "asia-northeast3")
    assert holder["nat_ips"] == [ref(example, ADDRESS, "self_link")]
    assert "drain_nat_ips" not in holder  # nothing drains: left out (null and empty are one to the provider)
    (key,) = resources(example, NAT_ADDRESS)
    assert key.startswith("Chain_RouterNat_NatAddress_")
    assert "import" not in json.dumps(holder)


def test_service_egresses_all_traffic_through_the_connector(example):
    service = only(example, RUN)
    assert service["template"]["vpc_access"] == {"connector": ref(example, CONNECTOR, "id"), "egress": "ALL_TRAFFIC"}
    assert (service["name"], service["project"], service["location"]) == (
        "production", "my-gcp-project", "asia-northeast3")
    assert service["template"]["containers"] == [{"image": "asia.gcr.io/my-gcp-project/app:1.0.0"}]
    assert service["deletion_protection"] is True
    assert service["ingress"] == "INGRESS_TRAFFIC_ALL"


def test_service_waits_for_the_nat_and_its_ips(example):
    nat_name, holder = next(iter(resources(example, NAT))), next(iter(resources(example, NAT_ADDRESS)))
    assert f"{NAT}.{nat_name}" in only(example, RUN)["depends_on"]
    assert f"{NAT_ADDRESS}.{holder}" in only(example, RUN)["depends_on"]


def test_outputs_hold_what_users_need(example):
    outputs = example["output"]
    assert sorted(outputs) == ["connector_id", "nat_name", "router_name", "service_urls", "static_ips"]
    assert outputs["static_ips"]["value"] == {"cloud-run-origin-ip": ref(example, ADDRESS, "address")}
    assert outputs["connector_id"]["value"] == ref(example, CONNECTOR, "id")
    assert outputs["router_name"]["value"] == ref(example, ROUTER, "name")
    assert outputs["nat_name"]["value"] == ref(example, NAT, "name")
    assert outputs["service_urls"]["value"] == {"production": ref(example, RUN, "uri")}


def test_no_services_still_builds_the_chain():
    doc = synth(config(services=[]))
    assert RUN not in doc["resource"]
    assert "service_urls" not in doc["output"]  # no empty map: the engines would write it differently


def test_shared_vpc_puts_network_resources_in_the_host_project(shared_vpc):
    for rtype in (SUBNET, ROUTER, NAT):
        assert only(shared_vpc, rtype)["project"] == "my-host-project", rtype
    for address in resources(shared_vpc, ADDRESS).values():
        assert address["project"] == "my-host-project"
    assert only(shared_vpc, SUBNET)["network"] == "shared-net"
    assert only(shared_vpc, ROUTER)["network"] == "shared-net"


def test_shared_vpc_connector_runs_in_the_service_project_on_the_host_subnet(shared_vpc):
    connector = only(shared_vpc, CONNECTOR)
    assert connector["project"] == "my-gcp-project"
    assert connector["subnet"]["project_id"] == "my-host-project"
    for service in resources(shared_vpc, RUN).values():
        assert service["project"] == "my-gcp-project"


def test_several_addresses_all_go_to_the_nat_pool(shared_vpc):
    addresses = resources(shared_vpc, ADDRESS)
    assert sorted(a["name"] for a in addresses.values()) == [
        "payments-origin-ip-1", "payments-origin-ip-2", "payments-origin-ip-3"]
    nat = only(shared_vpc, NAT_ADDRESS)
    assert nat["project"] == "my-host-project"
    assert sorted(nat["nat_ips"]) == sorted(f"${{{ADDRESS}.{k}.self_link}}" for k in addresses)
    assert sorted(shared_vpc["output"]["static_ips"]["value"]) == [
        "payments-origin-ip-1", "payments-origin-ip-2", "payments-origin-ip-3"]


def test_address_ids_are_keyed_by_name():
    names = sorted(resources(synth(config(egress={"static_ip_count": 2})), ADDRESS))
    assert [n.rsplit("_", 1)[0] for n in names] == [
        "Chain_Addresses_Address-cloud-run-origin-ip-1", "Chain_Addresses_Address-cloud-run-origin-ip-2"]


def test_connector_sizing_is_passed_through(shared_vpc):
    connector = only(shared_vpc, CONNECTOR)
    assert (connector["machine_type"], connector["min_instances"], connector["max_instances"]) == (
        "e2-standard-4", 3, 5)


def test_nat_ports_and_logging(shared_vpc):
    nat = only(shared_vpc, NAT)
    assert nat["min_ports_per_vm"] == 1024
    assert nat["log_config"] == {"enable": True, "filter": "ALL"}


@pytest.mark.parametrize("cpu, memory, limits", [
    (None, "1Gi", {"cpu": "1000m", "memory": "1Gi"}),
    ("1", None, {"cpu": "1000m", "memory": "512Mi"}),
    ("0.5", "512Mi", {"cpu": "500m", "memory": "512Mi"}),
    ("4000m", "2Gi", {"cpu": "4000m", "memory": "2Gi"}),
    (None, None, {}),
])
def test_limits_are_written_as_cloud_run_keeps_them(cpu, memory, limits):
    import json

    from constructs_lib._provider.cdk import TerraformStack, Testing
    from constructs_lib.chain.cloud_run import CloudRunService, CloudRunServiceProps

    props = CloudRunServiceProps(name="s", project="p", region="asia-northeast3", image="nginx", cpu=cpu,
                                 memory=memory)
    stack = TerraformStack(Testing.app(), "stack")
    CloudRunService(stack, "Service", connector_id="projects/p/locations/asia-northeast3/connectors/c", props=props)
    (service,) = json.loads(Testing.synth(stack))["resource"][RUN].values()
    assert service["template"]["containers"][0].get("resources", {}).get("limits", {}) == limits


def test_service_settings_are_passed_through(shared_vpc):
    services = {s["name"]: s for s in resources(shared_vpc, RUN).values()}
    assert sorted(services) == ["api", "worker"]
    api = services["api"]
    assert api["labels"] == {"team": "x"}
    assert api["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    assert api["deletion_protection"] is False
    template = api["template"]
    assert template["service_account"] == "api-runner@my-gcp-project.iam.gserviceaccount.com"
    assert template["scaling"] == {"min_instance_count": 1, "max_instance_count": 7}
    assert template["containers"] == [{
        "image": "nginx",
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        "resources": {"limits": {"cpu": "2000m", "memory": "1Gi"}},  # cpu = "2", as Cloud Run writes it back
        "ports": {"container_port": 9000},
    }]
    assert template["vpc_access"]["egress"] == "ALL_TRAFFIC"
    assert services["worker"]["template"]["vpc_access"]["egress"] == "ALL_TRAFFIC"
    assert "scaling" not in services["worker"]["template"]




def test_subnet_has_private_google_access_and_flow_logs_by_default(example):
    subnet = only(example, SUBNET)
    assert subnet["private_ip_google_access"] is True
    assert subnet["log_config"] == {"aggregation_interval": "INTERVAL_5_SEC", "flow_sampling": 0.5}


def test_subnet_without_flow_logs_has_no_log_config():
    subnet = only(synth(config(network={"subnet_cidr": "10.124.0.0/28", "flow_logs": False,
                                        "private_ip_google_access": False})), SUBNET)
    assert "log_config" not in subnet
    assert subnet["private_ip_google_access"] is False


def test_private_service_has_no_iam_binding(example):
    assert IAM_MEMBER not in example["resource"]


def test_public_service_grants_invoker_to_all_users():
    doc = synth(config(services=[{"name": "web", "image": "nginx", "allow_unauthenticated": True},
                                 {"name": "api", "image": "nginx"}]))
    services = {s["name"]: key for key, s in resources(doc, RUN).items()}
    assert only(doc, IAM_MEMBER) == {
        "name": f"${{{RUN}.{services['web']}.name}}", "project": "my-gcp-project", "location": "asia-northeast3",
        "role": "roles/run.invoker", "member": "allUsers"}



def test_dynamic_port_allocation_sends_endpoint_independent_mapping_off():
    """Optional+Computed in the provider: left out, an adopted NAT's EIM = true would be sent beside DPA, which GCP
    refuses (the local API too: tests/rehearsal/test_localgcp.py)."""
    nat = only(synth(config(nat={"dynamic_port_allocation": True})), NAT)
    assert (nat["enable_dynamic_port_allocation"], nat["enable_endpoint_independent_mapping"]) == (True, False)
    assert "enable_endpoint_independent_mapping" not in only(synth(config()), NAT)


def test_a_service_below_one_cpu_gets_what_cloud_run_requires_with_it():
    # Cloud Run, "Configure CPU limits for services": below 1 vCPU, maximum concurrency 1, request-based billing
    # and the first generation execution environment; without them the revision is refused at deploy.
    doc = synth(config(services=[{"name": "small", "image": "nginx", "cpu": "0.5"},
                                 {"name": "whole", "image": "nginx", "cpu": "1"}]))
    template = {s["name"]: s["template"] for s in doc["resource"]["google_cloud_run_v2_service"].values()}
    small, whole = template["small"], template["whole"]
    assert (small["max_instance_request_concurrency"], small["execution_environment"]) == (
        1, "EXECUTION_ENVIRONMENT_GEN1")
    assert small["containers"][0]["resources"] == {"cpu_idle": True, "limits": {"cpu": "500m", "memory": "512Mi"}}
    assert "max_instance_request_concurrency" not in whole and "execution_environment" not in whole
    assert whole["containers"][0]["resources"] == {"limits": {"cpu": "1000m", "memory": "512Mi"}}
