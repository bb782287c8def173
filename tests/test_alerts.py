"""``[alerts]``: alert policies on the chain's NAT (and connector) when it runs out of ports.

Validation tests need no synth; synth tests assert the exact filters, triggers and channels;
the local Monitoring API is driven over HTTP as the provider drives it. The rehearsal of
``environments/alerting.toml`` (apply, change, remove, against the local API) is in
test_rehearsal.py with the other scenarios.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import API, ROOT, config, one_problem, problems, resources, synth
from constructs_lib.config.alerts import ALERT_KEYS
from constructs_lib.stacks.alert_policies import chain_alerts_props
from constructs_lib.config import ConfigError, load_environment
from localgcp import LocalGcp

POLICY = "google_monitoring_alert_policy"
CHANNEL = "projects/my-gcp-project/notificationChannels/1234567890"
HOST_CHANNEL = "projects/host-project-1/notificationChannels/555"
NAT_FILTER = ('resource.type = "nat_gateway" AND resource.labels.region = "asia-northeast3" AND '
              'resource.labels.gateway_name = "cloud-run-nat" AND metric.type = ')
ALLOCATION_FILTER = NAT_FILTER + '"router.googleapis.com/nat/nat_allocation_failed"'
DROPPED_FILTER = (NAT_FILTER + '"router.googleapis.com/nat/dropped_sent_packets_count" AND '
                  'metric.labels.reason = "OUT_OF_RESOURCES"')
INSTANCES_FILTER = ('resource.type = "vpc_access_connector" AND resource.labels.connector_name = '
                    '"cloud-run-connector" AND metric.type = "vpcaccess.googleapis.com/connector/instances"')
CPU_FILTER = ('resource.type = "vpc_access_connector" AND resource.labels.connector_name = "cloud-run-connector" '
              'AND metric.type = "vpcaccess.googleapis.com/connector/cpu/utilizations"')


def alerts(**keys: Any) -> dict[str, Any]:
    return {"notification_channels": [CHANNEL], **keys}


def direct(**changes: Any):
    return config(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/24"}, **changes)


# --- validation ----------------------------------------------------------------------------------------


def test_no_alerts_table_means_no_alerts():
    assert config().alerts is None


def test_defaults_of_the_alerts_table():
    a = config(alerts=alerts()).alerts
    assert a.notification_channels == (CHANNEL,)
    assert (a.allocation_failed_duration_sec, a.dropped_packets_threshold, a.dropped_packets_duration_sec) == (0, 0, 0)
    assert a.connector_instances_threshold is None
    assert (a.connector_instances_duration_sec, a.connector_cpu_percent, a.connector_cpu_duration_sec) == (300, 80, 300)


def test_alerts_need_at_least_one_channel():
    assert one_problem(alerts={"notification_channels": []}) == (
        "test.toml: alerts.notification_channels: expected a non-empty list of notification channels "
        "(a notification channel name: projects/<project>/notificationChannels/<numeric id>), got a list of 0")
    assert "alerts.notification_channels: expected a non-empty list" in one_problem(alerts={})


@pytest.mark.parametrize("channel", [
    "my-gcp-project/notificationChannels/1", "projects/my-gcp-project/notificationChannels/abc",
    "projects/my-gcp-project/notificationChannels/1/extra", "projects/P/notificationChannels/1",
    " projects/my-gcp-project/notificationChannels/1", "${file(\"/etc/passwd\")}", 42,
])
def test_fails_when_a_channel_is_not_a_channel_name(channel):
    found = one_problem(alerts={"notification_channels": [CHANNEL, channel]})
    assert found.startswith("test.toml: alerts.notification_channels[1]: expected a notification channel name: "
                            "projects/<project>/notificationChannels/<numeric id>, got "), found


def test_fails_when_a_channel_is_named_twice():
    assert one_problem(alerts={"notification_channels": [CHANNEL, CHANNEL]}) == (
        f'test.toml: alerts.notification_channels[1]: expected a channel not already at '
        f'alerts.notification_channels[0], got "{CHANNEL}"')


def test_fails_when_a_channel_is_in_another_project():
    assert one_problem(alerts={"notification_channels": [CHANNEL, HOST_CHANNEL]}) == (
        f"test.toml: alerts.notification_channels[1]: expected a channel of project my-gcp-project (an alert policy "
        f'notifies only channels of its own project), got "{HOST_CHANNEL}"')


def test_shared_vpc_needs_a_channel_in_each_project_of_the_policies():
    network = {"subnet_cidr": "10.124.0.0/28", "host_project": "host-project-1"}
    found = problems(network=network, alerts=alerts())
    assert found == ["test.toml: alerts.notification_channels: expected at least one channel of host-project-1, the "
                     "project of the NAT and of its alert policies, got none"]
    ok = config(network=network, alerts=alerts(notification_channels=[CHANNEL, HOST_CHANNEL])).alerts
    assert ok.channels_in("host-project-1") == (HOST_CHANNEL,) and ok.channels_in("my-gcp-project") == (CHANNEL,)


@pytest.mark.parametrize("key", ["allocation_failed_duration_sec", "dropped_packets_duration_sec",
                                 "connector_instances_duration_sec", "connector_cpu_duration_sec"])
@pytest.mark.parametrize("value", [-60, 30, 86_460, "5m", True])
def test_fails_when_a_duration_is_not_whole_minutes_up_to_a_day(key, value):
    found = one_problem(alerts=alerts(**{key: value}))
    assert found.startswith(f"test.toml: alerts.{key}: expected a whole number of minutes in seconds, from 0 to "
                            "86,400 (0, 60, 300 …), got "), found


def test_thresholds_have_ranges():
    found = problems(alerts=alerts(dropped_packets_threshold=-1, connector_cpu_percent=0,
                                   connector_instances_threshold=11))
    assert found == [
        "test.toml: alerts.dropped_packets_threshold: expected packets dropped per minute, from 0 to 1,000,000,000, "
        "got -1",
        "test.toml: alerts.connector_instances_threshold: expected a number of connector instances from 3 to 10, "
        "got 11",
        "test.toml: alerts.connector_cpu_percent: expected a CPU utilization in percent, from 1 to 100, got 0",
    ]


def test_connector_instances_threshold_lies_between_the_connectors_min_and_max():
    assert one_problem(connector={"min_instances": 4, "max_instances": 6},
                       alerts=alerts(connector_instances_threshold=7)) == (
        "test.toml: alerts.connector_instances_threshold: expected a number of instances above "
        "connector.min_instances (4) and at most connector.max_instances (6), got 7")
    assert "got 4" in one_problem(connector={"min_instances": 4, "max_instances": 6},
                                  alerts=alerts(connector_instances_threshold=4))


def test_no_connector_alert_settings_in_direct_mode():
    assert problems_of_direct(alerts=alerts(connector_cpu_percent=90)) == [
        'test.toml: alerts.connector_cpu_percent: expected no connector alert settings without a connector '
        '(egress.mode = "direct"), got a value']


def problems_of_direct(**changes: Any) -> list[str]:
    from constructs_lib.config import ConfigError

    with pytest.raises(ConfigError) as err:
        direct(**changes)
    return [str(p) for p in err.value.problems]


def test_alerts_that_is_not_a_table_is_one_problem():
    assert one_problem(alerts=["projects/my-gcp-project/notificationChannels/1"]) == (
        "test.toml: alerts: expected a table ([alerts]), got a list of 1")


TOML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | st.text(max_size=80)
    | st.sampled_from([CHANNEL, HOST_CHANNEL, "${x}", "#{TfToken[TOKEN.1]}"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from([*ALERT_KEYS, "other"]), TOML_VALUES, max_size=6), st.booleans())
def test_any_alerts_table_is_accepted_or_a_list_of_problems(table, direct_mode):
    table = {k: v for k, v in table.items() if v is not None}
    changes: dict[str, Any] = {"alerts": table}
    if direct_mode:
        changes.update(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/24"})
    try:
        cfg = config(**changes)
    except ConfigError as err:
        assert err.problems and all(p.key.startswith(("alerts", "(file)")) for p in err.problems), err
    else:
        assert cfg.alerts is not None and cfg.alerts.notification_channels


def test_fails_on_an_unknown_alerts_key():
    assert one_problem(alerts=alerts(port_usage_threshold=10)).startswith(
        "test.toml: alerts.port_usage_threshold: expected one of the known keys (notification_channels, ")


def test_every_alert_problem_is_reported_at_once():
    found = problems(alerts={"notification_channels": ["nope"], "dropped_packets_duration_sec": 1,
                             "connector_cpu_percent": 101})
    assert [p.split(": ")[1] for p in found] == ["alerts.notification_channels[0]", "alerts.connector_cpu_percent",
                                                 "alerts.dropped_packets_duration_sec"]


# --- synth ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return synth(config(alerts=alerts(notification_channels=[CHANNEL, "projects/my-gcp-project/notificationChannels/2"],
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
        assert r["notification_channels"] == [CHANNEL, "projects/my-gcp-project/notificationChannels/2"]
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
    cfg = config(network={"subnet_cidr": "10.124.0.0/28", "host_project": "host-project-1"},
                 alerts=alerts(notification_channels=[CHANNEL, HOST_CHANNEL]))
    by_id = dict(chain_alerts_props(cfg).policies)
    for nat_policy in ("NatAllocationFailed", "NatOutOfPorts"):
        assert (by_id[nat_policy].project, by_id[nat_policy].notification_channels) == ("host-project-1",
                                                                                          (HOST_CHANNEL,))
    for connector_policy in ("ConnectorInstances", "ConnectorCpu"):
        assert (by_id[connector_policy].project,
                by_id[connector_policy].notification_channels) == ("my-gcp-project", (CHANNEL,))


def test_a_file_without_alerts_has_no_policy_and_no_monitoring_api():
    doc = synth(config())
    assert resources(doc, POLICY) == {}
    assert "Api-monitoring" not in resources(doc, API)


def test_the_alerting_example_synthesizes_four_policies_with_its_own_names():
    cfg = load_environment(ROOT / "environments" / "alerting.toml")
    props = dict(chain_alerts_props(cfg).policies)
    assert list(props) == ["NatAllocationFailed", "NatOutOfPorts", "ConnectorInstances", "ConnectorCpu"]
    assert props["NatAllocationFailed"].filter == (
        'resource.type = "nat_gateway" AND resource.labels.region = "asia-northeast3" AND resource.labels.gateway_name '
        '= "alerting-nat" AND metric.type = "router.googleapis.com/nat/nat_allocation_failed"')
    assert props["ConnectorInstances"].threshold == 6


# --- the review report ---------------------------------------------------------------------------------


def test_the_review_report_lists_the_alerts(tmp_path):
    from constructs_lib.app import build_app
    from constructs_lib.report import write_reports

    build_app([load_environment(ROOT / "environments" / "alerting.toml")], outdir=str(tmp_path)).synth()
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

    build_app([load_environment(ROOT / "environments" / "example.toml")], outdir=str(tmp_path)).synth()
    (report,) = write_reports(tmp_path)
    assert "## Alerts" not in report.read_text()


# --- the local Monitoring API --------------------------------------------------------------------------


@pytest.fixture
def gcp():
    with LocalGcp() as local:
        local.add_project("my-gcp-project")
        local.monitoring.add_notification_channel(CHANNEL)
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
    "notificationChannels": [CHANNEL],
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
                      {**SENT, "notificationChannels": [CHANNEL, missing]})
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

