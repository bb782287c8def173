"""Cloud Run jobs and secrets in the synthesized JSON: egress as the services', secret_key_ref, the accessor
bindings, the Secret Manager API and [adopt] jobs = [...]."""

from __future__ import annotations

import pytest

from constructs_lib.facts.resources import JOB, SECRET_IAM_MEMBER, WORKER_POOL
from tests.support.environments import config
from tests.support.synth import API, CONNECTOR, RUN, SUBNET, only, resources, synth

P, R = "my-gcp-project", "asia-northeast3"
SA = "settlement@my-gcp-project.iam.gserviceaccount.com"
API_SA = "partner-api@my-gcp-project.iam.gserviceaccount.com"
JOB_TABLE = {"name": "settlement", "image": "asia.gcr.io/my-gcp-project/settlement:1.0.0", "command": ["/settle"],
             "args": ["--bank", "${not-a-template}"], "task_count": 4, "parallelism": 2, "max_retries": 1,
             "task_timeout_sec": 3600, "cpu": "1", "service_account": SA, "env": {"BANK": "sftp"},
             "secrets": {"SFTP_PASSWORD": "sftp-password:2", "PARTNER_API_KEY": "partner-api-key:latest"}}
SERVICE = {"name": "api", "image": "asia.gcr.io/my-gcp-project/api:1.0.0", "service_account": API_SA,
           "secrets": {"PARTNER_API_KEY": "partner-api-key:latest"}}


@pytest.fixture(scope="module")
def connector() -> dict:
    return synth(config(services=[SERVICE], jobs=[JOB_TABLE, {"name": "sms", "image": "nginx"}]))


@pytest.fixture(scope="module")
def direct() -> dict:
    return synth(config(services=None, jobs=[JOB_TABLE], egress={"mode": "direct"},
                        network={"subnet_cidr": "10.124.16.0/26"}))


def job_named(doc: dict, name: str) -> dict:
    (found,) = [j for j in resources(doc, JOB).values() if j["name"] == name]
    return found


def test_a_job_egresses_through_the_connector_with_all_traffic(connector):
    task = job_named(connector, "settlement")["template"]["template"]
    (connector_key,) = resources(connector, CONNECTOR)
    assert task["vpc_access"] == {"connector": f"${{{CONNECTOR}.{connector_key}.id}}", "egress": "ALL_TRAFFIC"}


def test_a_job_with_direct_vpc_egress_leaves_from_the_chains_subnet(direct):
    task = job_named(direct, "settlement")["template"]["template"]
    (subnet_key,) = resources(direct, SUBNET)
    assert task["vpc_access"] == {"egress": "ALL_TRAFFIC", "network_interfaces": [
        {"network": "default", "subnetwork": f"${{{SUBNET}.{subnet_key}.name}}"}]}
    assert CONNECTOR not in direct["resource"] and RUN not in direct["resource"]


def test_a_job_writes_the_keys_that_fit_a_job(connector):
    settlement = job_named(connector, "settlement")
    task = settlement["template"]["template"]
    (container,) = task["containers"]
    assert (settlement["template"]["task_count"], settlement["template"]["parallelism"], task["max_retries"],
            task["timeout"], task["service_account"]) == (4, 2, 1, "3600s", SA)
    assert (container["command"], container["args"]) == (["/settle"], ["--bank", "$${not-a-template}"])
    assert container["resources"] == {"limits": {"cpu": "1000m", "memory": "512Mi"}}
    assert settlement["deletion_protection"] is True
    assert settlement["lifecycle"] == {"ignore_changes": ["client", "client_version"]}


def test_a_job_left_to_its_defaults_writes_three_retries_and_nothing_else(connector):
    sms = job_named(connector, "sms")
    (connector_key,) = resources(connector, CONNECTOR)
    assert sms["template"] == {"template": {"containers": [{"image": "nginx"}], "max_retries": 3, "vpc_access": {
        "connector": f"${{{CONNECTOR}.{connector_key}.id}}", "egress": "ALL_TRAFFIC"}}}


def test_secrets_become_secret_key_refs_after_the_plain_env(connector):
    (container,) = job_named(connector, "settlement")["template"]["template"]["containers"]
    assert container["env"] == [
        {"name": "BANK", "value": "sftp"},
        {"name": "SFTP_PASSWORD", "value_source": {"secret_key_ref": {"secret": "sftp-password", "version": "2"}}},
        {"name": "PARTNER_API_KEY", "value_source": {"secret_key_ref": {"secret": "partner-api-key",
                                                                         "version": "latest"}}},
    ]
    (service_container,) = only(connector, RUN)["template"]["containers"]
    assert service_container["env"] == [{"name": "PARTNER_API_KEY", "value_source": {
        "secret_key_ref": {"secret": "partner-api-key", "version": "latest"}}}]


def test_each_secret_and_service_account_pair_gets_one_accessor_binding(connector):
    bindings = sorted((b["secret_id"], b["member"], b["role"], b["project"])
                      for b in resources(connector, SECRET_IAM_MEMBER).values())
    accessor = "roles/secretmanager.secretAccessor"
    assert bindings == [("partner-api-key", f"serviceAccount:{API_SA}", accessor, P),
                        ("partner-api-key", f"serviceAccount:{SA}", accessor, P),
                        ("sftp-password", f"serviceAccount:{SA}", accessor, P)]


def test_two_workloads_with_one_account_share_the_binding():
    shared = dict(JOB_TABLE, name="other")
    doc = synth(config(jobs=[JOB_TABLE, shared]))
    assert len(resources(doc, SECRET_IAM_MEMBER)) == 2


def test_the_workloads_wait_for_their_accessor_bindings(connector):
    keys = {f"{SECRET_IAM_MEMBER}.{k}" for k in resources(connector, SECRET_IAM_MEMBER)}
    assert keys <= set(job_named(connector, "settlement")["depends_on"])
    assert keys <= set(only(connector, RUN)["depends_on"])


def test_secrets_enable_the_secret_manager_api(connector):
    services = sorted(a["service"] for a in resources(connector, API).values())
    assert "secretmanager.googleapis.com" in services
    assert "secretmanager.googleapis.com" not in [a["service"] for a in resources(synth(config()), API).values()]


def test_adopting_a_job_imports_it_by_the_providers_import_id():
    doc = synth(config(jobs=[JOB_TABLE], adopt={"jobs": ["settlement"]}))
    ids = {block["id"] for block in doc["import"] if block["to"].startswith(JOB)}
    assert ids == {f"projects/{P}/locations/{R}/jobs/settlement"}


# -- worker pools -------------------------------------------------------------------------------------------------

POOL = {"name": "sms-sender", "image": "asia.gcr.io/my-gcp-project/sms:1.0.0", "instances": 3,
        "service_account": SA, "secrets": {"TOKEN": "sms-token:latest"}}


@pytest.fixture(scope="module")
def pools() -> dict:
    return synth(config(services=None, worker_pools=[POOL], egress={"mode": "direct"},
                        network={"subnet_cidr": "10.124.16.0/26"}, adopt={"worker_pools": ["sms-sender"]}))


def test_a_worker_pool_leaves_by_direct_vpc_egress_with_manual_instances(pools):
    (pool,) = resources(pools, WORKER_POOL).values()
    (subnet_key,) = resources(pools, SUBNET)
    assert pool["template"]["vpc_access"] == {"egress": "ALL_TRAFFIC", "network_interfaces": [
        {"network": "default", "subnetwork": f"${{{SUBNET}.{subnet_key}.name}}"}]}
    assert pool["scaling"] == {"scaling_mode": "MANUAL", "manual_instance_count": 3}
    assert (pool["launch_stage"], pool["lifecycle"]) == ("BETA", {"ignore_changes": [
        "client", "client_version", "launch_stage"]})
    assert pool["template"]["containers"][0]["env"] == [
        {"name": "TOKEN", "value_source": {"secret_key_ref": {"secret": "sms-token", "version": "latest"}}}]
    assert [b["secret_id"] for b in resources(pools, SECRET_IAM_MEMBER).values()] == ["sms-token"]


def test_adopting_a_worker_pool_imports_it_by_the_providers_import_id(pools):
    ids = {block["id"] for block in pools["import"] if block["to"].startswith(WORKER_POOL)}
    assert ids == {f"projects/{P}/locations/{R}/workerPools/sms-sender"}
