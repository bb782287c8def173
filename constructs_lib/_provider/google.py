"""The only place that imports the google provider's classes.

Loading the provider's package (``cdktf_cdktf_provider_google`` on the cdktf
engine, ``cdktn_provider_google`` on cdktn: engine.py) is the slow part of a
synth, so the rest of constructs_lib imports provider classes from here and
nowhere else. Both releases are pinned (16.12.1 and 18.0.0, each hashicorp/google
6.50.0) and have the same namespaces and class names, listed in ``NAMESPACES``.

``use_lazy_provider()`` runs before the first provider import: from then on
only the namespaces named below are loaded, in Python and in node, instead
of all ~1,470 (see lazy_provider.py). Adding a class is adding its name here.
"""

from importlib import import_module
from typing import Any

from .jsii_kernel import use_direct_kernel
from .lazy_provider import use_lazy_provider

use_lazy_provider()  # checks the pinned versions before anything loads jsii
# Before the first provider import starts the kernel (cdk.py usually did), and before any import of
# the provider's package, or the whole provider loads.
use_direct_kernel()

from .lazy_provider import PACKAGE  # noqa: E402  the engine's provider package (engine.py)

# Each namespace (the provider package's submodule) with the classes taken from it.
NAMESPACES = {
    "cloud_run_v2_job": (
        "CloudRunV2Job",
        "CloudRunV2JobTemplate",
        "CloudRunV2JobTemplateTemplate",
        "CloudRunV2JobTemplateTemplateContainers",
        "CloudRunV2JobTemplateTemplateContainersEnv",
        "CloudRunV2JobTemplateTemplateContainersEnvValueSource",
        "CloudRunV2JobTemplateTemplateContainersEnvValueSourceSecretKeyRef",
        "CloudRunV2JobTemplateTemplateContainersResources",
        "CloudRunV2JobTemplateTemplateVpcAccess",
        "CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces",
    ),
    "cloud_run_v2_service": (
        "CloudRunV2Service",
        "CloudRunV2ServiceTemplate",
        "CloudRunV2ServiceTemplateContainers",
        "CloudRunV2ServiceTemplateContainersEnv",
        "CloudRunV2ServiceTemplateContainersEnvValueSource",
        "CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef",
        "CloudRunV2ServiceTemplateContainersPorts",
        "CloudRunV2ServiceTemplateContainersResources",
        "CloudRunV2ServiceTemplateScaling",
        "CloudRunV2ServiceTemplateVpcAccess",
        "CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces",
    ),
    "cloud_run_v2_service_iam_member": (
        "CloudRunV2ServiceIamMember",
    ),
    "cloud_run_v2_worker_pool": (
        "CloudRunV2WorkerPool",
        "CloudRunV2WorkerPoolScaling",
        "CloudRunV2WorkerPoolTemplate",
        "CloudRunV2WorkerPoolTemplateContainers",
        "CloudRunV2WorkerPoolTemplateContainersEnv",
        "CloudRunV2WorkerPoolTemplateContainersEnvValueSource",
        "CloudRunV2WorkerPoolTemplateContainersEnvValueSourceSecretKeyRef",
        "CloudRunV2WorkerPoolTemplateContainersResources",
        "CloudRunV2WorkerPoolTemplateVpcAccess",
        "CloudRunV2WorkerPoolTemplateVpcAccessNetworkInterfaces",
    ),
    "compute_address": (
        "ComputeAddress",
    ),
    "compute_router": (
        "ComputeRouter",
    ),
    "compute_router_nat": (
        "ComputeRouterNat",
        "ComputeRouterNatLogConfig",
        "ComputeRouterNatRules",
        "ComputeRouterNatRulesAction",
        "ComputeRouterNatSubnetwork",
    ),
    "compute_router_nat_address": (
        "ComputeRouterNatAddress",
    ),
    "compute_subnetwork": (
        "ComputeSubnetwork",
        "ComputeSubnetworkLogConfig",
    ),
    "data_google_compute_address": (
        "DataGoogleComputeAddress",
    ),
    "monitoring_alert_policy": (
        "MonitoringAlertPolicy",
        "MonitoringAlertPolicyConditions",
        "MonitoringAlertPolicyConditionsConditionThreshold",
        "MonitoringAlertPolicyConditionsConditionThresholdAggregations",
        "MonitoringAlertPolicyDocumentation",
    ),
    "project_service": (
        "ProjectService",
    ),
    "provider": (
        "GoogleProvider",
    ),
    "secret_manager_secret_iam_member": (
        "SecretManagerSecretIamMember",
    ),
    "storage_bucket": (
        "StorageBucket",
        "StorageBucketLifecycleRule",
        "StorageBucketLifecycleRuleAction",
        "StorageBucketLifecycleRuleCondition",
        "StorageBucketVersioning",
    ),
    "vpc_access_connector": (
        "VpcAccessConnector",
        "VpcAccessConnectorSubnet",
    ),
}
for _namespace, _classes in NAMESPACES.items():
    _module = import_module(f"{PACKAGE}.{_namespace}")
    globals().update({name: getattr(_module, name) for name in _classes})

# The provider's source in a stack's `terraform.required_providers`: cdktf's 16.12.1 writes "google",
# cdktn's 18.0.0 "hashicorp/google", which Terraform reads as the same provider
# (registry.terraform.io/hashicorp/google). Both engines write the default engine's "google", so a stack's
# JSON is the same on both but for the engine's version (tests/integration/test_engines.py).
REQUIRED_PROVIDER_SOURCE = "google"
_StockGoogleProvider = import_module(f"{PACKAGE}.provider").GoogleProvider


class GoogleProvider(_StockGoogleProvider):  # type: ignore[misc, valid-type]
    """The engine's ``GoogleProvider``, naming its source in ``required_providers`` as the default engine does."""

    def to_terraform(self) -> Any:
        block = super().to_terraform()
        for requirement in block.get("terraform", {}).get("required_providers", {}).values():
            requirement["source"] = REQUIRED_PROVIDER_SOURCE
        return block
