"""The only place that imports the google provider's classes.

Loading ``cdktf_cdktf_provider_google`` is the slow part of a synth, so the
rest of constructs_lib imports provider classes from here and nowhere else.
The prebuilt provider is pinned at 16.12.1 (hashicorp/google 6.50.0) and
archived, so these names will not drift.

``use_lazy_provider()`` runs before the first provider import: from then on
only the namespaces imported below are loaded, in Python and in node, instead
of all ~1,470 (see lazy_provider.py). Adding a class is still one import here.
"""

from .jsii_kernel import use_direct_kernel
from .lazy_provider import use_lazy_provider

use_lazy_provider()  # checks the pinned versions before anything loads jsii
# Before the first provider import starts the kernel (cdk.py usually did), and before any import of
# cdktf_cdktf_provider_google, or the whole provider loads.
use_direct_kernel()

from cdktf_cdktf_provider_google.cloud_run_v2_service import (
    CloudRunV2Service,
    CloudRunV2ServiceTemplate,
    CloudRunV2ServiceTemplateContainers,
    CloudRunV2ServiceTemplateContainersEnv,
    CloudRunV2ServiceTemplateContainersPorts,
    CloudRunV2ServiceTemplateContainersResources,
    CloudRunV2ServiceTemplateScaling,
    CloudRunV2ServiceTemplateVpcAccess,
    CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces,
)
from cdktf_cdktf_provider_google.cloud_run_v2_service_iam_member import CloudRunV2ServiceIamMember
from cdktf_cdktf_provider_google.compute_address import ComputeAddress
from cdktf_cdktf_provider_google.compute_router import ComputeRouter
from cdktf_cdktf_provider_google.compute_router_nat import (
    ComputeRouterNat,
    ComputeRouterNatLogConfig,
    ComputeRouterNatSubnetwork,
)
from cdktf_cdktf_provider_google.compute_router_nat_address import ComputeRouterNatAddress
from cdktf_cdktf_provider_google.compute_subnetwork import ComputeSubnetwork, ComputeSubnetworkLogConfig
from cdktf_cdktf_provider_google.data_google_compute_address import DataGoogleComputeAddress
from cdktf_cdktf_provider_google.monitoring_alert_policy import (
    MonitoringAlertPolicy,
    MonitoringAlertPolicyConditions,
    MonitoringAlertPolicyConditionsConditionThreshold,
    MonitoringAlertPolicyConditionsConditionThresholdAggregations,
    MonitoringAlertPolicyDocumentation,
)
from cdktf_cdktf_provider_google.project_service import ProjectService
from cdktf_cdktf_provider_google.provider import GoogleProvider
from cdktf_cdktf_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketVersioning,
)
from cdktf_cdktf_provider_google.vpc_access_connector import VpcAccessConnector, VpcAccessConnectorSubnet

__all__ = [
    "CloudRunV2Service",
    "CloudRunV2ServiceTemplate",
    "CloudRunV2ServiceTemplateContainers",
    "CloudRunV2ServiceTemplateContainersEnv",
    "CloudRunV2ServiceTemplateContainersPorts",
    "CloudRunV2ServiceTemplateContainersResources",
    "CloudRunV2ServiceTemplateScaling",
    "CloudRunV2ServiceTemplateVpcAccess",
    "CloudRunV2ServiceIamMember",
    "CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces",
    "ComputeAddress",
    "ComputeRouter",
    "ComputeRouterNat",
    "ComputeRouterNatAddress",
    "ComputeRouterNatLogConfig",
    "ComputeRouterNatSubnetwork",
    "ComputeSubnetwork",
    "ComputeSubnetworkLogConfig",
    "DataGoogleComputeAddress",
    "GoogleProvider",
    "MonitoringAlertPolicy",
    "MonitoringAlertPolicyConditions",
    "MonitoringAlertPolicyConditionsConditionThreshold",
    "MonitoringAlertPolicyConditionsConditionThresholdAggregations",
    "MonitoringAlertPolicyDocumentation",
    "ProjectService",
    "StorageBucket",
    "StorageBucketLifecycleRule",
    "StorageBucketLifecycleRuleAction",
    "StorageBucketLifecycleRuleCondition",
    "StorageBucketVersioning",
    "VpcAccessConnector",
    "VpcAccessConnectorSubnet",
]
