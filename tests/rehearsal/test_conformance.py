"""The local GCP API's GET after create, field by field name, against real Google Cloud responses.

Each expected list below is written here by hand from a recorded exchange with real GCP in Config
Connector's test data (GoogleCloudPlatform/k8s-config-connector, ``pkg/test/resourcefixture/testdata/…/
_http.log``, at the commit named; the ``_http_mock.log`` files beside them are recordings of mocks and are not
used). The local API gets the same request the recording shows (names and projects ours), then the field
names of its GET must be exactly the recorded ones: a field GCP does not send is a field the provider may
read differently, and a field GCP sends that the fake leaves out is a rewrite a rehearsal would miss.

No real recording exists for Cloud Run v2 (Config Connector's ``runservice`` recordings were regenerated from
its mocks, commit c70576a5) nor for its IAM policy: those two are held to Google's REST reference instead, as
cited at their tests (every field name must be one the reference lists, and the output-only fields GCP fills
on every service must be there).
"""

from __future__ import annotations

from typing import Any

from rehearsal.localgcp import LocalGcp
from tests.rehearsal.localapi import PROJECT, ok, poll

KCC = "GoogleCloudPlatform/k8s-config-connector"
BASIC = "pkg/test/resourcefixture/testdata/basic"
P, R = PROJECT, "us-west1"
C = f"/compute/v1/projects/{P}/regions/{R}"

# --- the recordings ------------------------------------------------------------------------------------------

SUBNETWORK_SOURCE = (KCC, f"{BASIC}/compute/v1beta1/computesubnetwork/computesubnetwork/_http.log",
                     "1fbe54513465835c6561920a46dc8ace86c28bab")
SUBNETWORK_FIELDS = {"creationTimestamp", "fingerprint", "gatewayAddress", "id", "ipCidrRange", "kind", "logConfig",
                     "name", "network", "privateIpGoogleAccess", "privateIpv6GoogleAccess", "purpose", "region",
                     "selfLink", "stackType"}

ADDRESS_SOURCE = (KCC, f"{BASIC}/compute/v1beta1/computeaddress/regionalcomputeaddress/_http.log",
                  "befb8623664df54f3c317c4d714f6cae3fcc4f69")
ADDRESS_FIELDS = {"address", "addressType", "creationTimestamp", "description", "id", "kind", "labelFingerprint",
                  "labels", "name", "networkTier", "region", "selfLink", "status", "subnetwork"}

ROUTER_SOURCE = (KCC, f"{BASIC}/compute/v1beta1/computerouternat/computerouternatbasic/_http.log",
                 "f6e4638c9f0dece20b721030e723d595fb5f7efb")
ROUTER_FIELDS = {"creationTimestamp", "description", "encryptedInterconnectRouter", "id", "kind", "name", "network",
                 "region", "selfLink"}
NAT_FIELDS = {"autoNetworkTier", "effectiveTcpTimeWaitTimeoutSec", "enableEndpointIndependentMapping",
              "endpointTypes", "icmpIdleTimeoutSec", "name", "natIpAllocateOption", "sourceSubnetworkIpRangesToNat",
              "tcpEstablishedIdleTimeoutSec", "tcpTimeWaitTimeoutSec", "tcpTransitoryIdleTimeoutSec", "type",
              "udpIdleTimeoutSec"}
# Every compute operation of the same recordings: RUNNING as the write answers, DONE with endTime when polled.
OPERATION_FIELDS = {"id", "insertTime", "kind", "name", "operationType", "progress", "region", "selfLink",
                    "startTime", "status", "targetId", "targetLink", "user"}

CONNECTOR_SOURCE = (KCC, f"{BASIC}/vpcaccess/v1beta1/vpcaccessconnector/subnetconnector/_http.log",
                    "d821ac108e0cb229a1b07c596291e1f7bdd889a3")
CONNECTOR_FIELDS = {"machineType", "maxInstances", "maxThroughput", "minInstances", "minThroughput", "name", "state",
                    "subnet"}
# The same recording enables vpcaccess.googleapis.com through Service Usage v1.
SERVICE_FIELDS = {"name", "parent", "state"}
SERVICE_OPERATION_FIELDS = {"metadata", "name"}

ALERT_POLICY_SOURCE = (KCC, f"{BASIC}/monitoring/v1beta1/monitoringalertpolicy/monitoringalertpolicy/_http.log",
                       "f232016a37cd0aaa88b42344a1066b1a00457baa")
ALERT_POLICY_FIELDS = {"combiner", "conditions", "creationRecord", "displayName", "documentation", "enabled",
                       "mutationRecord", "name", "notificationChannels", "severity", "userLabels"}
ALERT_CONDITION_FIELDS = {"conditionThreshold", "displayName", "name"}

BUCKET_SOURCE = (KCC, f"{BASIC}/storage/v1beta1/storagebucket/storagebucketbasic/_http.log",
                 "bf16c5d1bf0915c7ded6fce7ad6cc54424ee706d")
BUCKET_FIELDS = {"etag", "iamConfiguration", "id", "kind", "labels", "lifecycle", "location", "locationType",
                 "metageneration", "name", "projectNumber", "rpo", "selfLink", "softDeletePolicy", "storageClass",
                 "timeCreated", "updated", "versioning"}

# Cloud Run Admin API v2, REST reference, resource projects.locations.services (Service), read 2026-12-02:
# https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services#Service
RUN_SERVICE_REFERENCE = {
    "name", "description", "uid", "generation", "labels", "annotations", "createTime", "updateTime", "deleteTime",
    "expireTime", "creator", "lastModifier", "client", "clientVersion", "ingress", "launchStage",
    "binaryAuthorization", "template", "traffic", "scaling", "invokerIamDisabled", "defaultUriDisabled", "urls",
    "customAudiences", "observedGeneration", "terminalCondition", "conditions", "latestReadyRevision",
    "latestCreatedRevision", "trafficStatuses", "uri", "satisfiesPzs", "threatDetectionEnabled", "buildConfig",
    "reconciling", "etag", "iapEnabled", "multiRegionSettings",
}
# Output only, and set on every service GCP has made (the same reference: "Output only" fields without a condition).
RUN_SERVICE_ALWAYS = {"name", "uid", "generation", "createTime", "updateTime", "creator", "lastModifier",
                      "observedGeneration", "terminalCondition", "conditions", "latestCreatedRevision", "uri", "urls",
                      "reconciling", "etag", "launchStage", "ingress", "traffic", "trafficStatuses",
                      "latestReadyRevision", "template"}
# IAM v1 Policy, https://cloud.google.com/iam/docs/reference/rest/v1/Policy (read 2026-12-02).
IAM_POLICY_REFERENCE = {"version", "bindings", "auditConfigs", "etag"}


def cited(source: tuple[str, str, str]) -> str:
    repo, path, commit = source
    return f"{repo} {path} @ {commit[:12]}"


def _subnet(gcp: LocalGcp, name: str = "s", cidr: str = "10.2.0.0/28") -> dict[str, Any]:
    # The recording's request: ipCidrRange, logConfig {enable: false}, name, network, region.
    op = ok(gcp, "POST", f"{C}/subnetworks", {"ipCidrRange": cidr, "logConfig": {"enable": False}, "name": name,
                                              "network": f"projects/{P}/global/networks/net",
                                              "region": f"projects/{P}/global/regions/{R}"})
    return op


def test_subnetwork_fields_are_the_recorded_ones(gcp):
    op = _subnet(gcp)
    assert set(op) == OPERATION_FIELDS, cited(SUBNETWORK_SOURCE)
    assert set(poll(gcp, op)) == OPERATION_FIELDS | {"endTime"}, cited(SUBNETWORK_SOURCE)
    assert set(ok(gcp, "GET", f"{C}/subnetworks/s")) == SUBNETWORK_FIELDS, cited(SUBNETWORK_SOURCE)


def test_address_fields_are_the_recorded_ones(gcp):
    poll(gcp, _subnet(gcp))
    poll(gcp, ok(gcp, "POST", f"{C}/addresses", {
        "addressType": "INTERNAL", "description": "a test address", "labels": {"managed-by": "test"}, "name": "a",
        "region": f"projects/{P}/global/regions/{R}", "subnetwork": f"projects/{P}/regions/{R}/subnetworks/s"}))
    assert set(ok(gcp, "GET", f"{C}/addresses/a")) == ADDRESS_FIELDS, cited(ADDRESS_SOURCE)


def test_router_and_nat_fields_are_the_recorded_ones(gcp):
    poll(gcp, ok(gcp, "POST", f"{C}/routers", {"bgp": None, "description": "example router description",
                                               "name": "r", "network": f"projects/{P}/global/networks/net",
                                               "region": f"projects/{P}/global/regions/{R}"}))
    assert set(ok(gcp, "GET", f"{C}/routers/r")) == ROUTER_FIELDS, cited(ROUTER_SOURCE)
    poll(gcp, ok(gcp, "PATCH", f"{C}/routers/r", {"nats": [{
        "drainNatIps": [], "enableEndpointIndependentMapping": True, "icmpIdleTimeoutSec": 30, "logConfig": None,
        "name": "n", "natIpAllocateOption": "AUTO_ONLY", "natIps": [], "rules": [],
        "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES", "subnetworks": [],
        "tcpEstablishedIdleTimeoutSec": 1200, "tcpTimeWaitTimeoutSec": 120, "tcpTransitoryIdleTimeoutSec": 30,
        "udpIdleTimeoutSec": 30}]}))
    router = ok(gcp, "GET", f"{C}/routers/r")
    assert set(router) == ROUTER_FIELDS | {"nats"}, cited(ROUTER_SOURCE)
    (nat,) = router["nats"]
    assert set(nat) == NAT_FIELDS, cited(ROUTER_SOURCE)


def test_connector_fields_are_the_recorded_ones(gcp):
    poll(gcp, _subnet(gcp))
    poll(gcp, ok(gcp, "POST", f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors?connectorId=c", {
        "machineType": "e2-micro", "maxInstances": 3, "maxThroughput": 300, "minInstances": 2, "minThroughput": 200,
        "subnet": {"name": "s", "projectId": P}}), "/vpcaccess/v1/")
    connector = ok(gcp, "GET", f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors/c")
    assert set(connector) == CONNECTOR_FIELDS, cited(CONNECTOR_SOURCE)
    assert set(connector["subnet"]) == {"name", "projectId"}, cited(CONNECTOR_SOURCE)


def test_project_service_fields_are_the_recorded_ones(gcp):
    op = ok(gcp, "POST", f"/serviceusage/v1/projects/{P}/services/vpcaccess.googleapis.com:enable", {})
    assert set(op) == SERVICE_OPERATION_FIELDS, cited(CONNECTOR_SOURCE)
    done = poll(gcp, op, "/serviceusage/v1/")
    assert set(done) == {"done", "metadata", "name", "response"}, cited(CONNECTOR_SOURCE)
    assert set(done["response"]["service"]) == SERVICE_FIELDS, cited(CONNECTOR_SOURCE)
    listed = ok(gcp, "GET", f"/serviceusage/v1/projects/{P}/services?filter=state:ENABLED")
    assert [set(s) for s in listed["services"]] == [SERVICE_FIELDS] * len(listed["services"]), cited(CONNECTOR_SOURCE)
    assert "vpcaccess.googleapis.com" in {s["name"].rsplit("/", 1)[-1] for s in listed["services"]}


def test_alert_policy_fields_are_the_recorded_ones(gcp):
    channel = f"projects/{P}/notificationChannels/1"
    gcp.monitoring.add_notification_channel(channel)
    created = ok(gcp, "POST", f"/monitoring/v3/projects/{P}/alertPolicies", {
        "combiner": "OR", "displayName": "policy", "enabled": True, "severity": "WARNING",
        "userLabels": {"managed-by": "test"}, "notificationChannels": [channel],
        "documentation": {"content": "x", "mimeType": "text/markdown"},
        "conditions": [{"displayName": "c", "conditionThreshold": {
            "filter": 'metric.type="compute.googleapis.com/instance/cpu/utilization" AND resource.type="gce_instance"',
            "comparison": "COMPARISON_GT", "duration": "900s", "thresholdValue": 0.9, "trigger": {"count": 1},
            "aggregations": [{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_MAX"}]}}]})
    policy = ok(gcp, "GET", f"/monitoring/v3/{created['name']}")
    assert set(policy) == ALERT_POLICY_FIELDS, cited(ALERT_POLICY_SOURCE)
    assert set(policy["conditions"][0]) == ALERT_CONDITION_FIELDS, cited(ALERT_POLICY_SOURCE)
    assert set(policy["creationRecord"]) == {"mutateTime", "mutatedBy"}, cited(ALERT_POLICY_SOURCE)


def test_bucket_fields_are_the_recorded_ones(gcp):
    ok(gcp, "POST", f"/storage/v1/b?project={P}", {
        "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": False}}, "labels": {"label-one": "value-one"},
        "lifecycle": {"rule": [{"action": {"type": "Delete"}, "condition": {"age": 7}}]}, "location": "US",
        "name": "bucket-sample-1", "softDeletePolicy": {"retentionDurationSeconds": "604800"},
        "storageClass": "STANDARD", "versioning": {"enabled": False}})
    bucket = ok(gcp, "GET", "/storage/v1/b/bucket-sample-1")
    assert set(bucket) == BUCKET_FIELDS, cited(BUCKET_SOURCE)
    assert set(bucket["iamConfiguration"]) == {"bucketPolicyOnly", "publicAccessPrevention",
                                               "uniformBucketLevelAccess"}, cited(BUCKET_SOURCE)


def test_cloud_run_service_fields_are_the_rest_references(gcp):
    """No real recording: Google's REST reference for Service (see RUN_SERVICE_REFERENCE)."""
    poll(gcp, ok(gcp, "POST", f"/run/v2/projects/{P}/locations/{R}/services?serviceId=api", {
        "template": {"containers": [{"image": "nginx"}]}, "labels": {"goog-terraform-provisioned": "true"}}),
        "/run/v2/")
    service = ok(gcp, "GET", f"/run/v2/projects/{P}/locations/{R}/services/api")
    assert set(service) <= RUN_SERVICE_REFERENCE, set(service) - RUN_SERVICE_REFERENCE
    assert RUN_SERVICE_ALWAYS <= set(service), RUN_SERVICE_ALWAYS - set(service)


def test_cloud_run_iam_policy_fields_are_the_rest_references(gcp):
    """No real recording: IAM v1 Policy (see IAM_POLICY_REFERENCE)."""
    poll(gcp, ok(gcp, "POST", f"/run/v2/projects/{P}/locations/{R}/services?serviceId=api", {
        "template": {"containers": [{"image": "nginx"}]}}), "/run/v2/")
    name = f"/run/v2/projects/{P}/locations/{R}/services/api"
    ok(gcp, "POST", f"{name}:setIamPolicy", {"policy": {"bindings": [
        {"role": "roles/run.invoker", "members": ["allUsers"]}]}})
    policy = ok(gcp, "GET", f"{name}:getIamPolicy")
    assert set(policy) <= IAM_POLICY_REFERENCE and "etag" in policy
    assert set(policy["bindings"][0]) == {"role", "members"}
