"""``[alerts]``: alert policies on the chain's NAT (and connector) when it runs out of ports.

Synth tests assert the exact filters, triggers and channels (validation: tests/config/test_alerts.py);
the review report lists them; the local Monitoring API is driven over HTTP as the provider drives it. The rehearsal of
``examples/alerting.toml`` (apply, change, remove, against the local API) is in
tests/integration/test_rehearsal.py with the other scenarios.
"""

from __future__ import annotations

import json
import tomllib
import urllib.error
import urllib.request
from typing import Any

import pytest

from constructs_lib.facts.resources import ALERT_POLICY as POLICY
from constructs_lib.config import load_environment
from tests.support.environments import ALERT_CHANNEL, BASE, HOST_ALERT_CHANNEL, alerts, config, direct
from rehearsal.localgcp import LocalGcp
from tests.support.paths import FIXTURE_EXAMPLE, shipped
from tests.support.synth import API, resources, synth

NAT_FILTER = ('resource.type = "nat_gateway" AND resource.labels.region = "asia-northeast3" AND '
              'resource.labels.gateway_name = "cloud-run-nat" AND metric.type = ')
ALLOCATION_FILTER = NAT_FILTER + '"router.googleapis.com/nat/nat_allocation_failed"'
DROPPED_FILTER = (NAT_FILTER + '"router.googleapis.com/nat/dropped_sent_packets_count" AND '
                  'metric.labels.reason = "OUT_OF_RESOURCES"')
# The connector by region and name: a name is unique per project and region only.
CONNECTOR_FILTER = ('resource.type = "vpc_access_connector" AND resource.labels.location = "asia-northeast3" AND '
                    'resource.labels.connector_name = "cloud-run-connector" AND metric.type = ')
INSTANCES_FILTER = CONNECTOR_FILTER + '"vpcaccess.googleapis.com/connector/instances"'
CPU_FILTER = CONNECTOR_FILTER + '"vpcaccess.googleapis.com/connector/cpu/utilizations"'


# --- synth ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return synth(config(alerts=alerts(notification_channels=[ALERT_CHANNEL, "projects/my-gcp-project/notificationChannels/2"],
                                      dropped_packets_threshold=5, dropped_packets_duration_sec=120)))


def construct_ids(doc: dict[str, Any]) -> list[str]:
    """The policies' construct IDs below Alerts, from their logical names (``Alerts_<id>_<hash>``)."""
    return sorted(name.split("_")[1] for name in resources(doc, POLICY))


def policy(doc: dict[str, Any], construct: str) -> dict[str, Any]:
    (found,) = [r for name, r in resources(doc, POLICY).items() if name.startswith(f"Alerts_{construct}_")]
    return found


def condition(doc: dict[str, Any], construct: str) -> dict[str, Any]:
    (only_condition,) = policy(doc, construct)["conditions"]
    return only_condition["condition_threshold"]


def test_a_connector_chain_gets_four_policies_named_after_what_they_watch(doc):
    assert construct_ids(doc) == ["ConnectorCpu", "ConnectorInstances", "NatAllocationFailed", "NatOutOfPorts"]


def test_allocation_failures_of_this_nat_gateway(doc):
    assert condition(doc, "NatAllocationFailed") == {
        "filter": ALLOCATION_FILTER,
        "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_COUNT_TRUE"}],
        "comparison": "COMPARISON_GT", "threshold_value": 0, "duration": "0s",
    }


def test_packets_dropped_for_lack_of_ports_with_overridden_threshold_and_duration(doc):
    assert condition(doc, "NatOutOfPorts") == {
        "filter": DROPPED_FILTER,
        "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_SUM",
                          "cross_series_reducer": "REDUCE_SUM"}],
        "comparison": "COMPARISON_GT", "threshold_value": 5, "duration": "120s",
    }


def test_connector_near_its_maximum_instances(doc):
    assert condition(doc, "ConnectorInstances") == {
        "filter": INSTANCES_FILTER,
        "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_MAX",
                          "cross_series_reducer": "REDUCE_SUM"}],
        "comparison": "COMPARISON_GE", "threshold_value": 10, "duration": "300s",
    }


def test_connector_cpu(doc):
    assert condition(doc, "ConnectorCpu") == {
        "filter": CPU_FILTER,
        "aggregations": [{"alignment_period": "60s", "per_series_aligner": "ALIGN_PERCENTILE_99"}],
        "comparison": "COMPARISON_GT", "threshold_value": 0.8, "duration": "300s",
    }


def test_every_policy_notifies_the_channels_in_its_project_and_waits_for_the_monitoring_api(doc):
    for r in resources(doc, POLICY).values():
        assert r["project"] == "my-gcp-project"
        assert r["combiner"] == "OR"
        assert r["notification_channels"] == [ALERT_CHANNEL, "projects/my-gcp-project/notificationChannels/2"]
        assert "google_project_service.Api-monitoring" in r["depends_on"]
        assert "enabled" not in r and "alert_strategy" not in r and "severity" not in r
    api = resources(doc, API)["Api-monitoring"]
    assert (api["service"], api["disable_on_destroy"]) == ("monitoring.googleapis.com", False)


def test_documentation_names_the_keys_that_fix_it_with_the_capacity_figures(doc):
    text = policy(doc, "NatOutOfPorts")["documentation"]
    assert text["mime_type"] == "text/markdown"
    content = text["content"]
    assert "dropped more than 5 sent packets a minute for lack of ports (reason OUT_OF_RESOURCES), for 2 minutes" in content
    assert "The chain holds 640 concurrent connections to one destination IP:port: min(10 endpoints × 64 ports, " \
           "1 NAT IP(s) × 64,512)" in content
    for key in ("`[nat] min_ports_per_vm`", "`[nat] dynamic_port_allocation = true`", "`[egress] static_ip_count`",
                "`[capacity] peak_connections_per_destination`", "Fix it in `test.toml`"):
        assert key in content, key
    allocation = policy(doc, "NatAllocationFailed")["documentation"]["content"]
    assert "Each endpoint reserves 64 ports of one NAT IP" in allocation
    assert "1 NAT IP(s) serve 1,008 endpoints, and the chain may run 10." in allocation
    assert '`[connector] machine_type = "e2-standard-4"`' in policy(doc, "ConnectorCpu")["documentation"]["content"]


def test_direct_egress_watches_only_the_nat():
    doc = synth(direct(alerts=alerts()))
    assert construct_ids(doc) == ["NatAllocationFailed", "NatOutOfPorts"]


def test_shared_vpc_puts_the_nat_policies_in_the_host_project():
    network = {"subnet_cidr": "10.124.0.0/28", "host_project": "host-project-1"}
    doc = synth(config(network=network, alerts=alerts(notification_channels=[ALERT_CHANNEL, HOST_ALERT_CHANNEL])))
    assert construct_ids(doc) == ["ConnectorCpu", "ConnectorInstances", "NatAllocationFailed", "NatOutOfPorts"]
    for nat_policy in ("NatAllocationFailed", "NatOutOfPorts"):
        written = policy(doc, nat_policy)
        assert (written["project"], written["notification_channels"]) == (network["host_project"],
                                                                          [HOST_ALERT_CHANNEL])
        assert condition(doc, nat_policy)["filter"].startswith(NAT_FILTER)
    for connector_policy in ("ConnectorInstances", "ConnectorCpu"):
        written = policy(doc, connector_policy)
        assert (written["project"], written["notification_channels"]) == (BASE["project"], [ALERT_CHANNEL])
        assert condition(doc, connector_policy)["filter"].startswith(CONNECTOR_FILTER)


def test_a_file_without_alerts_has_no_policy_and_no_monitoring_api():
    doc = synth(config())
    assert resources(doc, POLICY) == {}
    assert "Api-monitoring" not in resources(doc, API)


def test_the_alerting_example_synthesizes_four_policies_with_its_own_names():
    # The expected values are the file's own, read with tomllib: the synthesized JSON is held to them.
    path = shipped("alerting")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    name, region, project = data["name"], data["region"], data["project"]
    doc = synth(load_environment(path))
    assert construct_ids(doc) == ["ConnectorCpu", "ConnectorInstances", "NatAllocationFailed", "NatOutOfPorts"]
    assert condition(doc, "NatAllocationFailed")["filter"] == (
        f'resource.type = "nat_gateway" AND resource.labels.region = "{region}" AND resource.labels.gateway_name '
        f'= "{name}-nat" AND metric.type = "router.googleapis.com/nat/nat_allocation_failed"')
    assert condition(doc, "ConnectorInstances")["filter"] == (
        f'resource.type = "vpc_access_connector" AND resource.labels.location = "{region}" AND '
        f'resource.labels.connector_name = "{name}-connector" AND metric.type = '
        '"vpcaccess.googleapis.com/connector/instances"')
    assert condition(doc, "ConnectorInstances")["threshold_value"] == data["alerts"]["connector_instances_threshold"]
    for written in resources(doc, POLICY).values():
        assert (written["project"], written["notification_channels"]) == (
            project, data["alerts"]["notification_channels"])


# --- the review report ---------------------------------------------------------------------------------


def test_the_review_report_lists_the_alerts(tmp_path):
    from constructs_lib.app import build_app
    from constructs_lib.report import write_reports

    build_app([load_environment(shipped("alerting"))], outdir=str(tmp_path)).synth()
    (report,) = write_reports(tmp_path)
    text = report.read_text()
    section = text.split("## Alerts", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| alerting")]
    assert len(rows) == 4
    assert any("ALIGN_SUM over 60s, REDUCE_SUM \\> 0 for 0s" in row
               and 'metric.labels.reason = "OUT_OF_RESOURCES"' in row and "`alerting/Alerts/NatOutOfPorts`" in row
               for row in rows), rows
    assert any("ALIGN_MAX over 60s, REDUCE_SUM ≥ 6 for 300s" in row for row in rows), rows


def test_the_review_report_of_a_file_without_alerts_has_no_alerts_section(tmp_path):
    from constructs_lib.app import build_app
    from constructs_lib.report import write_reports

    build_app([load_environment(FIXTURE_EXAMPLE)], outdir=str(tmp_path)).synth()
    (report,) = write_reports(tmp_path)
    assert "## Alerts" not in report.read_text()


# --- the local Monitoring API --------------------------------------------------------------------------


@pytest.fixture
def gcp():
    with LocalGcp() as local:
        local.add_project("my-gcp-project")
        local.monitoring.add_notification_channel(ALERT_CHANNEL)
        yield local


def call(gcp: LocalGcp, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(gcp.provider_env()["GOOGLE_MONITORING_CUSTOM_ENDPOINT"] + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# What the provider sends for one of our policies (resource_monitoring_alert_policy.go, expand*).
SENT = {
    "displayName": "test: NAT cloud-run-nat allocation failed", "combiner": "OR", "enabled": True,
    "conditions": [{"displayName": "test: NAT cloud-run-nat allocation failed", "conditionThreshold": {
        "filter": ALLOCATION_FILTER, "comparison": "COMPARISON_GT", "duration": "0s",
        "aggregations": [{"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_COUNT_TRUE"}]}}],
    "notificationChannels": [ALERT_CHANNEL],
    "documentation": {"content": "what it means", "mimeType": "text/markdown"},
}


def test_create_answers_the_policy_with_what_the_server_fills_in(gcp):
    code, created = call(gcp, "POST", "v3/projects/my-gcp-project/alertPolicies", SENT)
    assert code == 200
    name = created.pop("name")
    assert name.startswith("projects/my-gcp-project/alertPolicies/") and name.rsplit("/", 1)[1].isdigit()
    (cond,) = created.pop("conditions")
    assert cond.pop("name").startswith(f"{name}/conditions/")
    assert cond == SENT["conditions"][0]
    record = {"mutateTime": "2026-01-01T00:00:00.000-08:00", "mutatedBy": "local-rehearsal@example.com"}
    assert created.pop("creationRecord") == record and created.pop("mutationRecord") == record
    assert created == {k: v for k, v in SENT.items() if k != "conditions"}
    assert call(gcp, "GET", f"v3/{name}") == (200, gcp.store[name])


def test_enabled_is_true_when_left_out(gcp):
    sent = {k: v for k, v in SENT.items() if k != "enabled"}
    assert call(gcp, "POST", "v3/projects/my-gcp-project/alertPolicies", sent)[1]["enabled"] is True


def test_a_policy_naming_a_channel_that_does_not_exist_is_refused(gcp):
    missing = "projects/my-gcp-project/notificationChannels/999"
    code, body = call(gcp, "POST", "v3/projects/my-gcp-project/alertPolicies",
                      {**SENT, "notificationChannels": [ALERT_CHANNEL, missing]})
    assert code == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    assert f'notification_channels[1] had an invalid value of "{missing}"' in body["error"]["message"]
    assert gcp.monitoring.policies() == {}


def test_an_unknown_project_is_refused_with_403(gcp):
    assert call(gcp, "POST", "v3/projects/nobody-project/alertPolicies", SENT)[0] == 403


def test_patch_applies_only_the_fields_of_the_update_mask(gcp):
    name = call(gcp, "POST", "v3/projects/my-gcp-project/alertPolicies", SENT)[1]["name"]
    condition_name = gcp.store[name]["conditions"][0]["name"]
    changed = {**SENT, "displayName": "renamed", "documentation": {"content": "new", "mimeType": "text/markdown"},
               "conditions": [{**SENT["conditions"][0], "name": condition_name}]}
    code, patched = call(gcp, "PATCH", f"v3/{name}?updateMask=displayName", changed)
    assert code == 200
    assert patched["displayName"] == "renamed"
    assert patched["documentation"] == SENT["documentation"]
    assert patched["conditions"][0]["name"] == condition_name
    assert call(gcp, "PATCH", f"v3/{name}?updateMask=name", changed)[0] == 400


def test_get_and_delete_of_a_missing_policy_answer_404(gcp):
    name = call(gcp, "POST", "v3/projects/my-gcp-project/alertPolicies", SENT)[1]["name"]
    assert call(gcp, "DELETE", f"v3/{name}") == (200, {})
    for method in ("GET", "DELETE"):
        code, body = call(gcp, method, f"v3/{name}")
        assert code == 404 and body["error"]["status"] == "NOT_FOUND", (method, body)
    assert gcp.internal_errors == []


def test_two_stacks_with_one_name_in_two_regions_watch_their_own_connector_and_nat():
    filters = {}
    for region in ("asia-northeast3", "europe-west1"):
        doc = synth(config(region=region, alerts=alerts(notification_channels=[ALERT_CHANNEL])))
        filters[region] = {policy_id: condition(doc, policy_id)["filter"] for policy_id in construct_ids(doc)}
    assert filters["asia-northeast3"].keys() == filters["europe-west1"].keys() == {
        "NatAllocationFailed", "NatOutOfPorts", "ConnectorInstances", "ConnectorCpu"}
    for region, other in (("asia-northeast3", "europe-west1"), ("europe-west1", "asia-northeast3")):
        for policy_id, text in filters[region].items():
            # One name in both files (none given: cloud-run), so only the region tells the two stacks apart.
            label, named, name = (("region", "gateway_name", "cloud-run-nat") if policy_id.startswith("Nat") else
                                  ("location", "connector_name", "cloud-run-connector"))
            assert f'resource.labels.{label} = "{region}"' in text and other not in text, (policy_id, text)
            assert f'resource.labels.{named} = "{name}"' in text, (policy_id, text)
