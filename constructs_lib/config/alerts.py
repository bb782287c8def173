"""The ``[alerts]`` table: Cloud Monitoring alert policies on the chain's NAT gateway and connector.

Parsed with the shared ``Reader`` (every problem collected, none raised here),
then checked against the rest of the file once the environment is built
(``rules.check_alerts``). Nothing here touches cdktf or the provider.

Defaults and their reasons (Cloud NAT "Logs and metrics",
https://cloud.google.com/nat/docs/monitoring; Cloud Monitoring metrics list,
``router.googleapis.com/nat/*`` and ``vpcaccess.googleapis.com/connector/*``):

- ``nat/nat_allocation_failed`` is a BOOL gauge sampled every 60 s: true means
  an endpoint got no NAT IP or port reservation at all, so every connection it
  opens fails. Alert on the first minute it is true (duration 0).
- ``nat/dropped_sent_packets_count`` (reason ``OUT_OF_RESOURCES``) is a DELTA
  count sampled every 60 s: each packet counted is a connection attempt that
  failed for lack of a port. Alert on more than 0 in a minute (duration 0): the
  failure the issue is about shows nowhere else.
- the connector at its ``max_instances`` for 5 minutes: it cannot scale
  further, so more traffic waits on the VMs it has.
- connector CPU above 80 % for 5 minutes: micro machine types run out of CPU
  credits under steady load (GCP-NOTES.md: e2-standard-4 for production).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from .reader import Reader

__all__ = ["ALERT_KEYS", "AlertsConfig", "NOTIFICATION_CHANNEL", "channel_project", "parse_alerts"]

# projects/<project id>/notificationChannels/<numeric id>, as Cloud Monitoring names a channel.
NOTIFICATION_CHANNEL = re.compile(
    r"projects/(?P<project>[a-z][-a-z0-9]{4,28}[a-z0-9]|[a-z0-9][-a-z0-9.]{0,61}[a-z0-9]:[a-z][-a-z0-9]{4,28}"
    r"[a-z0-9])/notificationChannels/(?P<id>[0-9]{1,20})")
# Cloud Monitoring takes a condition duration of up to a day; whole minutes, as the metrics are sampled per minute.
MAX_DURATION_SEC = 86_400
MAX_CHANNELS = 16  # Cloud Monitoring's limit of notification channels per alert policy (unconfirmed: kept low)

ALERT_KEYS = ("notification_channels", "allocation_failed_duration_sec", "dropped_packets_threshold",
              "dropped_packets_duration_sec", "connector_instances_threshold", "connector_instances_duration_sec",
              "connector_cpu_percent", "connector_cpu_duration_sec")

_DURATION_EXPECTED = f"a whole number of minutes in seconds, from 0 to {MAX_DURATION_SEC:,} (0, 60, 300 …)"
_CHANNEL_EXPECTED = "a notification channel name: projects/<project>/notificationChannels/<numeric id>"


@dataclass(frozen=True, kw_only=True)
class AlertsConfig:
    """Alert policies on the chain, present when the file has an ``[alerts]`` table.

    Attributes:
        notification_channels: where every policy notifies; each in the project of the
            policies it serves (the NAT's project, the connector's project).
        allocation_failed_duration_sec: how long nat_allocation_failed must be true; 0 (the first minute).
        dropped_packets_threshold: packets dropped for lack of ports per minute above which the
            alert fires; 0 (any drop).
        dropped_packets_duration_sec: how long the drops must last; 0 (the first minute).
        connector_instances_threshold: connector instances at or above which the alert fires;
            the connector's max_instances when None.
        connector_instances_duration_sec: 300.
        connector_cpu_percent: connector CPU utilization (percent, 99th percentile) above which
            the alert fires; 80.
        connector_cpu_duration_sec: 300.
        given: the keys the table sets, for the checks across tables.
    """

    notification_channels: tuple[str, ...]
    allocation_failed_duration_sec: int = 0
    dropped_packets_threshold: int = 0
    dropped_packets_duration_sec: int = 0
    connector_instances_threshold: int | None = None
    connector_instances_duration_sec: int = 300
    connector_cpu_percent: int = 80
    connector_cpu_duration_sec: int = 300
    given: tuple[str, ...] = ()

    def channels_in(self, project: str) -> tuple[str, ...]:
        """The channels that belong to ``project`` (an alert policy may notify only channels of its own project)."""
        return tuple(c for c in self.notification_channels if channel_project(c) == project)


def channel_project(channel: str) -> str:
    match = NOTIFICATION_CHANNEL.fullmatch(channel)
    return match.group("project") if match else ""


def _duration(r: Reader, data: Mapping[str, Any], key: str, default: int) -> int:
    value = r.get(data, "alerts", key, int, default=default,
                  check=lambda v: 0 <= v <= MAX_DURATION_SEC and v % 60 == 0, expected=_DURATION_EXPECTED)
    return default if value is None else value


def parse_alerts(r: Reader, data: Mapping[str, Any]) -> AlertsConfig | None:
    """The ``[alerts]`` table, or None when the file has none; problems go to ``r``."""
    if "alerts" not in data:
        return None
    if not isinstance(data["alerts"], dict):
        r.not_a_table("alerts", "a table ([alerts])", data["alerts"])
        return None
    table = data["alerts"]
    r.table(table, "alerts", ALERT_KEYS)
    raw = r.get(table, "alerts", "notification_channels", list, check=bool,
                expected=f"a non-empty list of notification channels ({_CHANNEL_EXPECTED})")
    channels = r.unique_strings(raw or [], "alerts.notification_channels", valid=NOTIFICATION_CHANNEL.fullmatch,
                                expected=_CHANNEL_EXPECTED, noun="channel")
    if len(channels) > MAX_CHANNELS:
        r.shown("alerts.notification_channels", f"at most {MAX_CHANNELS} channels", f"{len(channels)}")
    dropped = r.get(table, "alerts", "dropped_packets_threshold", int, default=0,
                    check=lambda v: 0 <= v <= 10**9, expected="packets dropped per minute, from 0 to 1,000,000,000")
    instances = r.get(table, "alerts", "connector_instances_threshold", int, default=None,
                      check=lambda v: 3 <= v <= 10, expected="a number of connector instances from 3 to 10")
    cpu = r.get(table, "alerts", "connector_cpu_percent", int, default=80, check=lambda v: 1 <= v <= 100,
                expected="a CPU utilization in percent, from 1 to 100")
    return AlertsConfig(
        notification_channels=channels,
        allocation_failed_duration_sec=_duration(r, table, "allocation_failed_duration_sec", 0),
        dropped_packets_threshold=0 if dropped is None else dropped,
        dropped_packets_duration_sec=_duration(r, table, "dropped_packets_duration_sec", 0),
        connector_instances_threshold=instances,
        connector_instances_duration_sec=_duration(r, table, "connector_instances_duration_sec", 300),
        connector_cpu_percent=80 if cpu is None else cpu,
        connector_cpu_duration_sec=_duration(r, table, "connector_cpu_duration_sec", 300),
        given=tuple(k for k in ALERT_KEYS if k in table),
    )
