"""The alert policies an environment's ``[alerts]`` asks for: when the chain runs out of NAT ports.

Port exhaustion is the failure users meet once the chain runs: connections to
one partner API fail and nothing shows in the Cloud Run logs, only in the NAT's
metrics. These policies watch those metrics, filtered to the chain's own NAT
gateway, and their documentation says which key of the environment file fixes
what they report, with the capacity figures of ``constructs_lib.facts.capacity``.

Metrics and monitored resources (Cloud NAT "Logs and metrics", NAT gateway
metrics, https://cloud.google.com/nat/docs/monitoring; Cloud Monitoring's
metrics list): ``router.googleapis.com/nat/nat_allocation_failed`` (GAUGE,
BOOL) and ``router.googleapis.com/nat/dropped_sent_packets_count`` (DELTA,
INT64, labels ``ip_protocol`` and ``reason`` = ``OUT_OF_RESOURCES`` |
``ENDPOINT_INDEPENDENCE_CONFLICT``) on ``nat_gateway``, whose labels are
``project_id``, ``region``, ``router_id`` and ``gateway_name``;
``vpcaccess.googleapis.com/connector/instances`` and
``vpcaccess.googleapis.com/connector/cpu/utilizations`` (a distribution of
0..1) on ``vpc_access_connector``, whose labels are ``resource_container`` (the project), ``location`` (the
connector's region) and ``connector_name`` (Cloud Monitoring's monitored resource list; every service-defined
monitored resource has a ``location`` label: the API reference of ``projects.monitoredResourceDescriptors``).

``router_id`` is the router's numeric id, which google_compute_router (provider
6.50.0) does not export, so the NAT filters name the gateway by ``region`` and
``gateway_name`` inside the policy's project; a NAT name is unique per router,
and the router ``{name}-router`` per region and project.
"""

from __future__ import annotations

from ..chain.alerts import AlertPolicyProps, ChainAlertsProps
from ..config import EnvironmentConfig
from ..facts.capacity import PORTS_PER_IP, chain_capacity, endpoints_served, reserved_ports_per_endpoint

__all__ = ["chain_alerts_props"]

NAT_ALLOCATION_FAILED = "router.googleapis.com/nat/nat_allocation_failed"
NAT_DROPPED_SENT_PACKETS = "router.googleapis.com/nat/dropped_sent_packets_count"
CONNECTOR_INSTANCES = "vpcaccess.googleapis.com/connector/instances"
CONNECTOR_CPU = "vpcaccess.googleapis.com/connector/cpu/utilizations"


def _nat_filter(config: EnvironmentConfig, metric: str) -> str:
    return (f'resource.type = "nat_gateway" AND resource.labels.region = "{config.region}" AND '
            f'resource.labels.gateway_name = "{config.nat_name}" AND metric.type = "{metric}"')


def _connector_filter(config: EnvironmentConfig, metric: str) -> str:
    # By region too: a connector name is unique per project and region only, and a policy filters the time series
    # of its whole project (two stacks with one `name` in two regions would each watch, and sum, both connectors).
    return (f'resource.type = "vpc_access_connector" AND resource.labels.location = "{config.region}" AND '
            f'resource.labels.connector_name = "{config.connector_name}" AND metric.type = "{metric}"')


def _minutes(seconds: int) -> str:
    return "the first minute" if seconds == 0 else f"{seconds // 60} minute{'s' if seconds != 60 else ''}"


def chain_alerts_props(config: EnvironmentConfig) -> ChainAlertsProps:
    """The policies an environment's ``[alerts]`` asks for, with documentation tied to its keys.

    Raises:
        ValueError: the environment has no ``[alerts]`` table.
    """
    alerts = config.alerts
    if alerts is None:
        raise ValueError(f"{config.source} has no [alerts] table")
    file = f"{config.stack}.toml"
    nat = config.nat
    dynamic = bool(nat.dynamic_port_allocation)
    ips = len(config.active_ip_names)
    cap = chain_capacity(endpoints=config.nat_endpoints, ip_count=ips, min_ports_per_vm=nat.min_ports_per_vm,
                         max_ports_per_vm=nat.max_ports_per_vm, dynamic_port_allocation=dynamic)
    reserved = reserved_ports_per_endpoint(min_ports_per_vm=nat.min_ports_per_vm, dynamic_port_allocation=dynamic)
    served = endpoints_served(ip_count=ips, reserved_ports=reserved)
    where = f"`{config.nat_name}` (router `{config.router_name}`, {config.region}, project {config.network_project})"
    check = ("`make synth` checks that every endpoint gets its reservation (docs/configuration.md, \"NAT capacity\"); with "
             "`[capacity] peak_connections_per_destination` set to the peak it also proposes the smallest change "
             "that holds it.")
    nat_channels = alerts.channels_in(config.network_project)
    policies: list[tuple[str, AlertPolicyProps]] = [
        ("NatAllocationFailed", AlertPolicyProps(
            display_name=f"{config.stack}: NAT {config.nat_name} allocation failed",
            project=config.network_project,
            filter=_nat_filter(config, NAT_ALLOCATION_FAILED),
            per_series_aligner="ALIGN_COUNT_TRUE",
            duration_sec=alerts.allocation_failed_duration_sec,
            documentation=(
                f"Cloud NAT {where} could not give an endpoint (a connector VM or a Cloud Run instance of stack "
                f"`{config.stack}`) its NAT IP and ports: that endpoint has no outbound connection at all, and "
                "nothing shows in the Cloud Run logs.\n\n"
                f"Each endpoint reserves {reserved} ports of one NAT IP (`[nat] min_ports_per_vm`, rounded up to a "
                f"power of two): {ips} NAT IP(s) serve {served:,} endpoints, and the chain may run "
                f"{config.reserving_endpoints:,}.\n\n"
                f"Fix it in `{file}`:\n"
                "- more IPs: `[egress] static_ip_count` (or one more name in `static_ip_names`; have it allowlisted "
                "first with `standby_ips`);\n"
                "- fewer ports reserved per endpoint: a lower `[nat] min_ports_per_vm`, or "
                "`[nat] dynamic_port_allocation = true` (32 reserved, growing up to `max_ports_per_vm`).\n\n" + check),
            notification_channels=nat_channels)),
        ("NatOutOfPorts", AlertPolicyProps(
            display_name=f"{config.stack}: NAT {config.nat_name} dropping packets for lack of ports",
            project=config.network_project,
            filter=_nat_filter(config, NAT_DROPPED_SENT_PACKETS) + ' AND metric.labels.reason = "OUT_OF_RESOURCES"',
            per_series_aligner="ALIGN_SUM",
            cross_series_reducer="REDUCE_SUM",
            threshold=alerts.dropped_packets_threshold,
            duration_sec=alerts.dropped_packets_duration_sec,
            documentation=(
                f"Cloud NAT {where} dropped more than {alerts.dropped_packets_threshold:,} sent packets a minute "
                f"for lack of ports (reason OUT_OF_RESOURCES), for {_minutes(alerts.dropped_packets_duration_sec)}: "
                f"connections from stack `{config.stack}` to one destination (a partner API) fail, and nothing "
                "shows in the Cloud Run logs.\n\n"
                f"The chain holds {cap.connections_per_destination:,} concurrent connections to one destination "
                f"IP:port: min({cap.endpoints:,} endpoints × {cap.ports_per_endpoint:,} ports, {ips} NAT IP(s) × "
                f"{PORTS_PER_IP:,}). A connection closed within `tcp_time_wait_timeout_sec` still holds its port.\n\n"
                f"Fix it in `{file}`:\n"
                "- more ports per VM: `[nat] min_ports_per_vm`;\n"
                "- dynamic port allocation: `[nat] dynamic_port_allocation = true` with `max_ports_per_vm`;\n"
                "- more IPs: `[egress] static_ip_count` (each is one more entry on the partner's allowlist).\n\n"
                + check + " Pooling connections to the partner (keep-alive) needs no change at all."),
            notification_channels=nat_channels)),
    ]
    if config.has_connector:
        connector_channels = alerts.channels_in(config.project)
        instances = alerts.connector_instances_threshold or config.connector.max_instances
        policies += [
            ("ConnectorInstances", AlertPolicyProps(
                display_name=f"{config.stack}: connector {config.connector_name} near its maximum instances",
                project=config.project,
                filter=_connector_filter(config, CONNECTOR_INSTANCES),
                per_series_aligner="ALIGN_MAX",
                cross_series_reducer="REDUCE_SUM",
                comparison="COMPARISON_GE",
                threshold=instances,
                duration_sec=alerts.connector_instances_duration_sec,
                documentation=(
                    f"Serverless VPC Access connector `{config.connector_name}` ({config.region}, project "
                    f"{config.project}) has run {instances} or more instances for "
                    f"{_minutes(alerts.connector_instances_duration_sec)}; its `[connector] max_instances` is "
                    f"{config.connector.max_instances}. At the maximum it cannot grow: more traffic "
                    "waits on the VMs it has.\n\n"
                    f"Fix it in `{file}`: a higher `[connector] max_instances` (at most 10), "
                    '`[connector] machine_type = "e2-standard-4"`, or Direct VPC egress (`[egress] mode = "direct"`, '
                    "docs/operations.md, \"Moving from the connector\"). Each connector VM holds a NAT port reservation: "
                    + check),
                notification_channels=connector_channels)),
            ("ConnectorCpu", AlertPolicyProps(
                display_name=f"{config.stack}: connector {config.connector_name} CPU high",
                project=config.project,
                filter=_connector_filter(config, CONNECTOR_CPU),
                per_series_aligner="ALIGN_PERCENTILE_99",
                threshold=alerts.connector_cpu_percent / 100,
                duration_sec=alerts.connector_cpu_duration_sec,
                documentation=(
                    f"Serverless VPC Access connector `{config.connector_name}` ({config.connector.machine_type}) "
                    f"has run above {alerts.connector_cpu_percent}% CPU (99th percentile of its VMs) for "
                    f"{_minutes(alerts.connector_cpu_duration_sec)}. Micro machine types run out of CPU credits "
                    "under steady load and then slow every connection through them.\n\n"
                    f"Fix it in `{file}`: `[connector] machine_type = \"e2-standard-4\"`, a higher "
                    "`[connector] max_instances`, or Direct VPC egress (`[egress] mode = \"direct\"`), which has no "
                    "connector VMs."),
                notification_channels=connector_channels)),
        ]
    return ChainAlertsProps(policies=tuple(policies))
