"""Cloud Monitoring alert policies on the chain (``ChainAlerts``): one policy per watched metric.

The policies themselves (metrics, filters, thresholds and the documentation that names the key to change) are
built from the environment by ``stacks.alert_policies``; this construct only makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .._provider.cdk import Construct, ITerraformDependable
from .._provider.google import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyDocumentation,
)
from ..facts.literal import terraform_literal

__all__ = ["AlertPolicyProps", "ChainAlerts", "ChainAlertsProps"]

# The NAT and connector metrics are sampled every 60 seconds.
ALIGNMENT_PERIOD = "60s"


@dataclass(frozen=True, kw_only=True)
class AlertPolicyProps:
    """One alert policy with one threshold condition.

    Attributes:
        display_name: the policy's name in Cloud Monitoring (the condition takes it too).
        project: the project holding the metric (and the policy, and its channels).
        filter: the Monitoring filter selecting the time series.
        per_series_aligner / cross_series_reducer: the aggregation over ALIGNMENT_PERIOD;
            no cross-series reduction when the reducer is None.
        comparison: COMPARISON_GT, COMPARISON_GE…
        threshold: the value compared against.
        duration_sec: how long the comparison must hold before the policy fires.
        documentation: Markdown sent with every notification.
        notification_channels: the channels notified.
    """

    display_name: str
    project: str
    filter: str
    per_series_aligner: str
    cross_series_reducer: str | None = None
    comparison: str = "COMPARISON_GT"
    threshold: float = 0
    duration_sec: int = 0
    documentation: str
    notification_channels: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ChainAlertsProps:
    """The chain's policies by construct ID (``NatAllocationFailed``, ``NatOutOfPorts``,
    ``ConnectorInstances``, ``ConnectorCpu``), in that order."""

    policies: tuple[tuple[str, AlertPolicyProps], ...]


class ChainAlerts(Construct):
    """Alert policies on the chain; children are named after what they watch (a contract, like every ID)."""

    def __init__(self, scope: Construct, id: str, *, props: ChainAlertsProps,
                 depends_on: Sequence[ITerraformDependable] = ()) -> None:
        super().__init__(scope, id)
        self.policies = {
            policy_id: MonitoringAlertPolicy(
                self,
                policy_id,
                project=p.project,
                display_name=terraform_literal(p.display_name),
                combiner="OR",
                conditions=[MonitoringAlertPolicyConditions(
                    display_name=terraform_literal(p.display_name),
                    condition_threshold=MonitoringAlertPolicyConditionsConditionThreshold(
                        filter=terraform_literal(p.filter),
                        comparison=p.comparison,
                        threshold_value=p.threshold,
                        duration=f"{p.duration_sec}s",
                        aggregations=[MonitoringAlertPolicyConditionsConditionThresholdAggregations(
                            alignment_period=ALIGNMENT_PERIOD,
                            per_series_aligner=p.per_series_aligner,
                            cross_series_reducer=p.cross_series_reducer,
                        )],
                    ),
                )],
                documentation=MonitoringAlertPolicyDocumentation(content=terraform_literal(p.documentation),
                                                                 mime_type="text/markdown"),
                notification_channels=list(p.notification_channels),
                depends_on=list(depends_on) or None,
            )
            for policy_id, p in props.policies
        }
