"""The local GCP API's GET of a Cloud Run job and of a worker pool, field by field name, against real Google Cloud
responses, as tests/rehearsal/test_conformance.py does for the chain's other resources.

The expected lists are written here by hand from two exchanges with real GCP (``Server: ESF`` replies) in Config
Connector's test data (GoogleCloudPlatform/k8s-config-connector, ``pkg/test/resourcefixture/testdata/basic/…``,
at the commit named): a job created with a connector, and a minimal worker pool. The local API gets the same
request (names and projects ours); the field names of its GET, at the top and in the templates, must be exactly
the recorded ones.
"""

from __future__ import annotations

from rehearsal.localgcp import LocalGcp
from tests.rehearsal.localapi import PROJECT, ok, poll

KCC = "GoogleCloudPlatform/k8s-config-connector"
BASIC = "pkg/test/resourcefixture/testdata/basic"
P, R = PROJECT, "us-central1"
IMAGE = "us-docker.pkg.dev/cloudrun/container/hello"

JOB_SOURCE = (KCC, f"{BASIC}/run/v1beta1/runjob/jobwithvpcaccess/_http.log", "082f2305064c21dd484fac5fa4bc6ee5a546a6a9")
JOB_FIELDS = {"createTime", "creator", "etag", "generation", "lastModifier", "latestCreatedExecution", "launchStage",
              "name", "template", "terminalCondition", "uid", "updateTime"}
JOB_TEMPLATE_FIELDS = {"taskCount", "template"}
TASK_FIELDS = {"containers", "executionEnvironment", "maxRetries", "serviceAccount", "timeout", "vpcAccess"}

POOL_SOURCE = (KCC, f"{BASIC}/run/v1alpha1/runworkerpool/runworkerpool-minimal/_http.log",
               "0622f808ea518046def000653a7ed1b709f23e92")
POOL_FIELDS = {"createTime", "creator", "description", "etag", "generation", "instanceSplitStatuses", "instanceSplits",
               "labels", "lastModifier", "latestCreatedRevision", "latestReadyRevision", "launchStage", "name",
               "observedGeneration", "scaling", "template", "terminalCondition", "uid", "updateTime"}
POOL_TEMPLATE_FIELDS = {"containers", "serviceAccount"}


def test_a_jobs_fields_are_the_recorded_ones(gcp: LocalGcp):
    poll(gcp, ok(gcp, "POST", f"/compute/v1/projects/{P}/regions/{R}/subnetworks", {
        "name": "s", "ipCidrRange": "10.2.0.0/28", "network": f"projects/{P}/global/networks/net"}))
    poll(gcp, ok(gcp, "POST", f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors?connectorId=c1", {
        "machineType": "e2-micro", "minInstances": 2, "maxInstances": 3, "subnet": {"name": "s", "projectId": P}}),
        "/vpcaccess/v1/")
    poll(gcp, ok(gcp, "POST", f"/run/v2/projects/{P}/locations/{R}/jobs?jobId=job", {"template": {"template": {
        "containers": [{"image": IMAGE}],
        "vpcAccess": {"connector": f"projects/{P}/locations/{R}/connectors/c1", "egress": "ALL_TRAFFIC"}}}}),
        "/run/v2/")
    job = ok(gcp, "GET", f"/run/v2/projects/{P}/locations/{R}/jobs/job")
    assert set(job) == JOB_FIELDS, JOB_SOURCE
    assert (set(job["template"]), set(job["template"]["template"])) == (JOB_TEMPLATE_FIELDS, TASK_FIELDS), JOB_SOURCE


def test_a_worker_pools_fields_are_the_recorded_ones(gcp: LocalGcp):
    poll(gcp, ok(gcp, "POST", f"/run/v2/projects/{P}/locations/{R}/workerPools?workerPoolId=pool", {
        "description": "Minimal WorkerPool description", "labels": {"team": "sms"},
        "template": {"containers": [{"image": IMAGE}]}}), "/run/v2/")
    pool = ok(gcp, "GET", f"/run/v2/projects/{P}/locations/{R}/workerPools/pool")
    assert set(pool) == POOL_FIELDS, POOL_SOURCE
    assert set(pool["template"]) == POOL_TEMPLATE_FIELDS, POOL_SOURCE
    assert (pool["scaling"], pool["instanceSplits"], pool["instanceSplitStatuses"]) == (
        {"manualInstanceCount": 1}, [{"type": "INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST", "percent": 100}],
        [{"type": "INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST", "percent": 100}]), POOL_SOURCE
