"""The local GCP API serves Cloud Run jobs and Secret Manager secrets' IAM as the provider 6.50.0 uses them, and a
service whose secret it cannot read fails its revision as Cloud Run fails it. In-process, over HTTP."""

from __future__ import annotations

import pytest

from rehearsal.localgcp import LocalGcp
from tests.rehearsal.localapi import PROJECT, call, ok, poll

P, R = PROJECT, "asia-northeast3"
JOBS = f"/run/v2/projects/{P}/locations/{R}/jobs"
SERVICES = f"/run/v2/projects/{P}/locations/{R}/services"
SECRETS = f"/secretmanager/v1/projects/{P}/secrets"
IMAGE = "asia.gcr.io/my-gcp-project/settlement:1.0.0"
SA = "settlement@my-gcp-project.iam.gserviceaccount.com"
ACCESSOR = "roles/secretmanager.secretAccessor"


def create_job(gcp: LocalGcp, name: str, template: dict) -> tuple[dict, dict]:
    """The running operation of a job's create, and the finished one."""
    status, running = call(gcp, "POST", f"{JOBS}?jobId={name}", {"template": template})
    assert status == 200, running
    return running, poll(gcp, running, "/run/v2/")


def test_a_job_fills_what_gcp_fills_and_is_ready_once_its_operation_ends(gcp):
    running, done = create_job(gcp, "settlement", {"template": {"containers": [{"image": IMAGE}]}})
    assert "done" not in running and done["done"] is True and "error" not in done
    job = ok(gcp, "GET", f"{JOBS}/settlement")
    task = job["template"]["template"]
    number = gcp.project_number(P)
    assert (job["template"]["taskCount"], task["maxRetries"], task["timeout"], task["serviceAccount"]) == (
        1, 3, "600s", f"{number}-compute@developer.gserviceaccount.com")
    assert task["containers"][0]["resources"] == {"limits": {"cpu": "1000m", "memory": "512Mi"}}
    assert (job["terminalCondition"]["state"], job["latestCreatedExecution"]) == ("CONDITION_SUCCEEDED", {})
    assert "executionCount" not in job and "reconciling" not in job


def test_a_job_with_zero_retries_is_answered_without_max_retries(gcp):
    create_job(gcp, "once", {"template": {"containers": [{"image": IMAGE}], "maxRetries": 0}})
    assert "maxRetries" not in ok(gcp, "GET", f"{JOBS}/once")["template"]["template"]


def test_a_job_on_a_connector_that_does_not_exist_is_refused(gcp):
    status, reply = call(gcp, "POST", f"{JOBS}?jobId=j", {"template": {"template": {
        "containers": [{"image": IMAGE}], "vpcAccess": {"connector": f"projects/{P}/locations/{R}/connectors/c",
                                                        "egress": "ALL_TRAFFIC"}}}})
    assert (status, reply["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert "VPC connector" in reply["error"]["message"]


def test_a_job_whose_image_does_not_exist_fails_its_operation(gcp):
    gcp.run.images = {"something-else"}
    _, done = create_job(gcp, "settlement", {"template": {"containers": [{"image": IMAGE}]}})
    assert done["error"] == {"code": 9, "message": f"Image '{IMAGE}' not found."}


def test_a_second_create_of_a_job_is_already_exists_and_a_delete_removes_it(gcp):
    create_job(gcp, "settlement", {"template": {"containers": [{"image": IMAGE}]}})
    status, reply = call(gcp, "POST", f"{JOBS}?jobId=settlement", {"template": {"template": {
        "containers": [{"image": IMAGE}]}}})
    assert (status, reply["error"]["status"]) == (409, "ALREADY_EXISTS")
    poll(gcp, ok(gcp, "DELETE", f"{JOBS}/settlement"), "/run/v2/")
    assert call(gcp, "GET", f"{JOBS}/settlement")[0] == 404


def test_a_secrets_iam_policy_is_read_and_set_with_its_etag(gcp):
    gcp.secretmanager.add_secret(P, "sftp-password")
    empty = ok(gcp, "GET", f"{SECRETS}/sftp-password:getIamPolicy")
    binding = {"role": ACCESSOR, "members": [f"serviceAccount:{SA}"]}
    stored = ok(gcp, "POST", f"{SECRETS}/sftp-password:setIamPolicy",
                {"policy": {"etag": empty["etag"], "bindings": [binding]}})
    assert ok(gcp, "GET", f"{SECRETS}/sftp-password:getIamPolicy")["bindings"] == [binding]
    status, reply = call(gcp, "POST", f"{SECRETS}/sftp-password:setIamPolicy",
                         {"policy": {"etag": empty["etag"], "bindings": []}})
    assert (status, reply["error"]["status"]) == (409, "ABORTED") and stored["etag"] != empty["etag"]


def test_the_iam_policy_of_a_secret_that_does_not_exist_is_not_found(gcp):
    status, reply = call(gcp, "GET", f"{SECRETS}/nothing:getIamPolicy")
    assert (status, reply["error"]["status"]) == (404, "NOT_FOUND")
    assert reply["error"]["message"] == (f"Secret [projects/{gcp.project_number(P)}/secrets/nothing] not found or "
                                         "has no versions.")


def deploy_reading(gcp: LocalGcp, secret: str) -> dict:
    """A service reading ``secret`` as SA; its finished operation."""
    env = [{"name": "SFTP_PASSWORD", "valueSource": {"secretKeyRef": {"secret": secret, "version": "latest"}}}]
    status, running = call(gcp, "POST", f"{SERVICES}?serviceId=api", {"template": {
        "serviceAccount": SA, "containers": [{"image": IMAGE, "env": env}]}})
    assert status == 200, running
    return poll(gcp, running, "/run/v2/")


def test_a_service_whose_secret_does_not_exist_fails_its_revision(gcp):
    done = deploy_reading(gcp, "sftp-password")
    assert done["error"]["code"] == 9
    assert done["error"]["message"].endswith(f"Secret projects/{gcp.project_number(P)}/secrets/sftp-password/"
                                             "versions/latest was not found")


def test_a_service_whose_account_may_not_read_the_secret_fails_its_revision(gcp):
    gcp.secretmanager.add_secret(P, "sftp-password")
    message = deploy_reading(gcp, "sftp-password")["error"]["message"]
    assert f"Permission denied on secret: projects/{gcp.project_number(P)}/secrets/sftp-password/versions/latest " \
           f"for Revision service account {SA}" in message


def test_a_service_whose_account_is_an_accessor_of_the_secret_serves(gcp):
    gcp.secretmanager.add_secret(P, "sftp-password")
    ok(gcp, "POST", f"{SECRETS}/sftp-password:setIamPolicy",
       {"policy": {"bindings": [{"role": ACCESSOR, "members": [f"serviceAccount:{SA}"]}]}})
    done = deploy_reading(gcp, "sftp-password")
    assert "error" not in done, done


# --- worker pools --------------------------------------------------------------------------------------------------

POOLS = f"/run/v2/projects/{P}/locations/{R}/workerPools"


def test_a_worker_pool_on_a_subnet_is_ready_once_its_operation_ends(gcp):
    poll(gcp, ok(gcp, "POST", f"/compute/v1/projects/{P}/regions/{R}/subnetworks", {
        "name": "s", "ipCidrRange": "10.124.0.0/26", "network": f"projects/{P}/global/networks/net"}))
    status, running = call(gcp, "POST", f"{POOLS}?workerPoolId=pool", {
        "launchStage": "BETA", "scaling": {"scalingMode": "MANUAL", "manualInstanceCount": 2},
        "template": {"containers": [{"image": IMAGE}], "vpcAccess": {
            "networkInterfaces": [{"subnetwork": "s"}], "egress": "ALL_TRAFFIC"}}})
    assert status == 200, running
    assert "error" not in poll(gcp, running, "/run/v2/")
    pool = ok(gcp, "GET", f"{POOLS}/pool")
    assert (pool["terminalCondition"]["state"], pool["scaling"], pool["launchStage"]) == (
        "CONDITION_SUCCEEDED", {"scalingMode": "MANUAL", "manualInstanceCount": 2}, "BETA")
    assert pool["template"]["vpcAccess"]["networkInterfaces"] == [{"subnetwork": "s", "network": "net"}]


def test_a_worker_pool_takes_no_connector(gcp):
    status, reply = call(gcp, "POST", f"{POOLS}?workerPoolId=pool", {"template": {
        "containers": [{"image": IMAGE}], "vpcAccess": {"connector": "c", "egress": "ALL_TRAFFIC"}}})
    assert (status, reply["error"]["status"]) == (400, "INVALID_ARGUMENT")


# --- the rehearsal's seeding -------------------------------------------------------------------------------------


def test_the_rehearsal_seeds_every_secret_a_file_reads_unless_a_seed_says_it_is_missing(tmp_path):
    from rehearsal.brownfield import load_seed
    from rehearsal.seeding import seed_gcp
    from tests.support.environments import config

    env = config(services=[{"name": "api", "image": IMAGE, "service_account": SA,
                            "secrets": {"A": "partner-api-key:latest", "B": "sftp-password:3"}}])
    seeded = LocalGcp()
    seed_gcp(seeded, env)
    assert {k: v["versions"] for k, v in seeded.store.items() if "/secrets/" in k} == {
        f"projects/{P}/secrets/partner-api-key": 1, f"projects/{P}/secrets/sftp-password": 3}
    seed = tmp_path / "seed.toml"
    seed.write_text('[secrets]\nmissing = ["sftp-password"]\n', encoding="utf-8")
    brownfield = LocalGcp()
    said = seed_gcp(brownfield, env, load_seed(seed))
    assert [k for k in brownfield.store if "/secrets/" in k] == [f"projects/{P}/secrets/partner-api-key"]
    assert said == ["secrets that do not exist: sftp-password"]


def test_an_adopted_job_of_a_direct_egress_file_is_built_on_the_chains_subnet():
    from rehearsal.seeding import seed_gcp
    from tests.support.environments import config

    env = config(services=None, egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/26"},
                 jobs=[{"name": "settlement", "image": IMAGE}], adopt={"chain": True, "jobs": ["settlement"]})
    gcp = LocalGcp()
    said = seed_gcp(gcp, env)
    job = gcp.store[f"projects/{P}/locations/{R}/jobs/settlement"]
    assert job["template"]["template"]["vpcAccess"] == {
        "networkInterfaces": [{"network": "default", "subnetwork": "cloud-run-subnet"}], "egress": "ALL_TRAFFIC"}
    assert said[-1] == f"gcloud run jobs create settlement --image={IMAGE} --subnet=cloud-run-subnet"


@pytest.mark.parametrize("limits, field", [
    ({"cpu": "500m", "memory": "512Mi"}, "cpu"), ({"cpu": "0.08"}, "cpu"), ({"cpu": "3"}, "cpu"),
    ({"cpu": "1", "memory": "256Mi"}, "memory"),
])
def test_a_job_below_1_cpu_or_512_mib_or_with_a_cpu_off_the_table_is_refused(gcp, limits, field):
    # Cloud Run, "Configure CPU limits" for jobs: at least 1 CPU, 1, 2, 4, 6 or 8; memory at least 512 MiB (gen2).
    status, reply = call(gcp, "POST", f"{JOBS}?jobId=j", {"template": {"template": {
        "containers": [{"image": IMAGE, "resources": {"limits": limits}}]}}})
    assert (status, reply["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert reply["error"]["message"].startswith(
        f"spec.template.spec.template.spec.containers[0].resources.limits.{field}: Invalid value specified for {field}")
    assert f"projects/{P}/locations/{R}/jobs/j" not in gcp.store


@pytest.mark.parametrize("cpu", ["3", "5000m", "7"])
def test_a_service_with_a_cpu_off_cloud_runs_table_is_refused(gcp, cpu):
    status, reply = call(gcp, "POST", f"{SERVICES}?serviceId=api", {"template": {"containers": [
        {"image": IMAGE, "resources": {"limits": {"cpu": cpu, "memory": "4Gi"}}}]}})
    assert (status, reply["error"]["message"]) == (
        400, f"spec.template.containers[0].resources.limits.cpu: Invalid value specified for cpu: {cpu!r}.")


@pytest.mark.parametrize("name", ["CLOUD_RUN_TASK_INDEX", "CLOUD_RUN_JOB", "PORT"])
def test_a_job_setting_an_env_name_its_contract_reserves_is_refused(gcp, name):
    status, reply = call(gcp, "POST", f"{JOBS}?jobId=j", {"template": {"template": {
        "containers": [{"image": IMAGE, "env": [{"name": name, "value": "1"}]}]}}})
    assert (status, reply["error"]["message"]) == (
        400, f"spec.template.spec.template.spec.containers[0].env: The following reserved env names were provided: "
             f"{name}. These values are automatically set by the system.")


# Cloud Run deploys from Artifact Registry, Docker Hub and GitHub Container Registry only (facts/workloads.py,
# IMAGE_HOST): an image of another registry is a synchronous 400 for a service, a job and a worker pool alike, and
# nothing is stored; an image of each of those registries is taken as it is.
FOREIGN = ["quay.io/acme/app:1", "localhost:5000/app:latest", "registry.example.com:65535/app:1",
           "index.docker.io/library/nginx", "us-python.pkg.dev/p/r/app"]
WORKLOADS = {
    "service": (SERVICES, "serviceId", lambda c: {"template": {"containers": [c]}},
                lambda w: w["template"]["containers"][0], "spec.template.containers[0]"),
    "job": (JOBS, "jobId", lambda c: {"template": {"template": {"containers": [c]}}},
            lambda w: w["template"]["template"]["containers"][0], "spec.template.spec.template.spec.containers[0]"),
    "worker pool": (POOLS, "workerPoolId", lambda c: {"launchStage": "BETA", "template": {"containers": [c]}},
                    lambda w: w["template"]["containers"][0], "worker_pool.template.containers[0]"),
}


@pytest.mark.parametrize("kind", WORKLOADS)
@pytest.mark.parametrize("image", FOREIGN)
def test_an_image_of_a_registry_cloud_run_does_not_deploy_from_is_refused(gcp, kind, image):
    collection, id_param, body, _, where = WORKLOADS[kind]
    status, reply = call(gcp, "POST", f"{collection}?{id_param}=w", body({"image": image}))
    assert (status, reply["error"]["status"]) == (400, "INVALID_ARGUMENT")
    assert reply["error"]["message"].startswith(
        f"{where}.image: Expected an image path like [host/]repo-path[:tag and/or @digest], where host is one of "
        f"[region.]gcr.io, [region-]docker.pkg.dev, docker.io or ghcr.io but obtained {image} (host ")
    assert call(gcp, "GET", f"{collection}/w")[0] == 404


@pytest.mark.parametrize("kind", WORKLOADS)
@pytest.mark.parametrize("image", ["nginx", "acme/app:1", "docker.io/library/nginx:1.27", "ghcr.io/acme/app:1",
                                   "gcr.io/p/app", "us-docker.pkg.dev/cloudrun/container/hello"])
def test_an_image_of_a_registry_cloud_run_deploys_from_is_taken(gcp, kind, image):
    collection, id_param, body, container, _ = WORKLOADS[kind]
    status, reply = call(gcp, "POST", f"{collection}?{id_param}=w", body({"image": image}))
    assert status == 200, reply
    assert container(ok(gcp, "GET", f"{collection}/w"))["image"] == image


@pytest.mark.parametrize("kind", WORKLOADS)
@pytest.mark.parametrize("image", ["us-docker.pkg.dev/my-gcp-project/app:1", "gcr.io/app", "ghcr.io/app:1"])
def test_an_image_path_its_registry_cannot_hold_is_not_found_as_a_missing_image(gcp, kind, image):
    """Every image exists in a rehearsal (``images`` None) but one at a path its registry cannot hold (an Artifact
    Registry image outside a repository): Cloud Run takes the write and fails the revision (the job) on it."""
    collection, id_param, body, _, _ = WORKLOADS[kind]
    status, running = call(gcp, "POST", f"{collection}?{id_param}=w", body({"image": image}))
    assert status == 200, running
    done = poll(gcp, running, "/run/v2/")
    assert done["error"]["code"] == 9 and done["error"]["message"].endswith(f"Image '{image}' not found.")
    assert ok(gcp, "GET", f"{collection}/w")["terminalCondition"]["state"] == "CONDITION_FAILED"


@pytest.mark.parametrize("kind", WORKLOADS)
def test_more_labels_than_gcp_keeps_on_a_resource_are_refused_on_create_and_on_update(gcp, kind):
    """64 labels a resource (facts/gcp.py, MAX_LABELS), the provider's goog-terraform-provisioned among them."""
    collection, id_param, body, _, _ = WORKLOADS[kind]
    labels = {f"l{i}": "x" for i in range(63)}
    created = {**body({"image": IMAGE}), "labels": {**labels, "goog-terraform-provisioned": "true"}}
    assert call(gcp, "POST", f"{collection}?{id_param}=w", created)[0] == 200
    over = {**body({"image": IMAGE}), "labels": {**labels, "goog-terraform-provisioned": "true", "one-more": "x"}}
    for method, url in (("PATCH", f"{collection}/w"), ("POST", f"{collection}?{id_param}=v")):
        status, reply = call(gcp, method, url, over)
        assert (status, reply["error"]["message"]) == (
            400, "labels: a resource can have at most 64 labels, got 65."), method
    assert len(ok(gcp, "GET", f"{collection}/w")["labels"]) == 64
    assert call(gcp, "GET", f"{collection}/v")[0] == 404


@pytest.mark.parametrize("scaling, update", [({"minInstanceCount": 101}, False),
                                             ({"minInstanceCount": 5, "maxInstanceCount": 4}, False),
                                             ({"minInstanceCount": 101}, True)])
def test_a_service_whose_minimum_is_above_its_maximum_is_refused(gcp, scaling, update):
    """goblet/goblet#287: Cloud Run's answer to a minimum above the maximum, the default maximum (100) included."""
    def service(scaling: dict) -> dict:
        return {"template": {"containers": [{"image": IMAGE}], "scaling": scaling}}

    if update:
        assert call(gcp, "POST", f"{SERVICES}?serviceId=api", service({}))[0] == 200
    method, url = ("PATCH", f"{SERVICES}/api") if update else ("POST", f"{SERVICES}?serviceId=api")
    status, reply = call(gcp, method, url, service(scaling))
    request = "UpdateServiceRequest" if update else "CreateServiceRequest"
    assert (status, reply["error"]["message"]) == (
        400, f"Violation in {request}.service.template.scaling.max_instance_count: must be greater or equal than "
             "min_instance_count.")
    assert call(gcp, "POST", f"{SERVICES}?serviceId=ok", service({"minInstanceCount": 100}))[0] == 200


@pytest.mark.parametrize("member", ["allUsers", "allAuthenticatedUsers"])
def test_a_public_member_is_refused_where_the_organization_restricts_sharing_to_its_domains(gcp, member):
    """constraints/iam.allowedPolicyMemberDomains (rehearsal/localgcp/iam.py): 400 FAILED_PRECONDITION, as users meet
    it; a member of the project's own domain is still taken, and so is anyone without the constraint."""
    assert call(gcp, "POST", f"{SERVICES}?serviceId=api", {"template": {"containers": [{"image": IMAGE}]}})[0] == 200
    public = {"policy": {"bindings": [{"role": "roles/run.invoker", "members": [member]}]}}
    assert call(gcp, "POST", f"{SERVICES}/api:setIamPolicy", public)[0] == 200
    gcp.org_policies[P] = {"constraints/iam.allowedPolicyMemberDomains"}
    status, reply = call(gcp, "POST", f"{SERVICES}/api:setIamPolicy", public)
    assert (status, reply["error"]["status"], reply["error"]["message"]) == (
        400, "FAILED_PRECONDITION", "One or more users named in the policy do not belong to a permitted customer, "
                                    "perhaps due to an organization policy.")
    assert reply["error"]["details"][0]["violations"] == [{
        "type": "constraints/iam.allowedPolicyMemberDomains", "subject": f"orgpolicy:projects/{P}?configvalue={member}",
        "description": f"User {member} is not in permitted organization."}]
    account = f"serviceAccount:a@{P}.iam.gserviceaccount.com"
    own = {"policy": {"bindings": [{"role": "roles/run.invoker", "members": [account]}]}}
    assert call(gcp, "POST", f"{SERVICES}/api:setIamPolicy", own)[0] == 200
