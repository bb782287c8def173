"""A Cloud Run v2 worker pool whose every instance sends its outbound requests through the chain.

A worker pool's ``vpc_access`` has no connector at provider 6.50.0 (resource_cloud_run_v2_worker_pool.go:387-430):
it takes the chain's subnet alone, Direct VPC egress.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..facts.workloads import WORKER_POOL_LAUNCH_STAGE
from ..facts.literal import terraform_literal
from .._provider.cdk import Construct, ITerraformDependable, TerraformResourceLifecycle
from .._provider.google import (
    CloudRunV2WorkerPool,
    CloudRunV2WorkerPoolScaling,
    CloudRunV2WorkerPoolTemplate,
    CloudRunV2WorkerPoolTemplateContainers,
    CloudRunV2WorkerPoolTemplateContainersEnv,
    CloudRunV2WorkerPoolTemplateContainersEnvValueSource,
    CloudRunV2WorkerPoolTemplateContainersEnvValueSourceSecretKeyRef,
    CloudRunV2WorkerPoolTemplateContainersResources,
    CloudRunV2WorkerPoolTemplateVpcAccess,
    CloudRunV2WorkerPoolTemplateVpcAccessNetworkInterfaces,
)
from .cloud_run import GCLOUD_WRITTEN_FIELDS, vpc_access_block
from .cloud_run_job import WorkloadProps, task_container
from .subnetwork import Subnetwork

__all__ = ["CloudRunWorkerPool", "CloudRunWorkerPoolProps"]

# Manual scaling, written: the provider 6.50.0 keeps scaling_mode plain Optional inside a computed block.
MANUAL = "MANUAL"


@dataclass(frozen=True, kw_only=True)
class CloudRunWorkerPoolProps(WorkloadProps):
    """One Cloud Run worker pool (the shared attributes: ``WorkloadProps``).

    Attributes:
        instances: the instances it runs (``scaling { scaling_mode = "MANUAL", manual_instance_count }``).
    """

    instances: int


class CloudRunWorkerPool(Construct):
    """A ``google_cloud_run_v2_worker_pool`` (child ``Resource``) with Direct VPC egress on ``subnet``,
    egress ALL_TRAFFIC, created with launch_stage BETA (left alone afterwards: GCP reports the stage the pool
    uses, which may be GA)."""

    def __init__(self, scope: Construct, id: str, *, subnet: Subnetwork, props: CloudRunWorkerPoolProps,
                 depends_on: Sequence[ITerraformDependable] = ()) -> None:
        super().__init__(scope, id)
        self._props = props
        container = task_container(
            props, container=CloudRunV2WorkerPoolTemplateContainers, env=CloudRunV2WorkerPoolTemplateContainersEnv,
            value_source=CloudRunV2WorkerPoolTemplateContainersEnvValueSource,
            secret_key_ref=CloudRunV2WorkerPoolTemplateContainersEnvValueSourceSecretKeyRef,
            resources=CloudRunV2WorkerPoolTemplateContainersResources)
        self.resource = CloudRunV2WorkerPool(
            self,
            "Resource",
            name=props.name,
            project=props.project,
            location=props.region,
            launch_stage=WORKER_POOL_LAUNCH_STAGE,
            deletion_protection=props.deletion_protection,
            labels={terraform_literal(k): terraform_literal(v) for k, v in props.labels.items()} or None,
            scaling=CloudRunV2WorkerPoolScaling(scaling_mode=MANUAL, manual_instance_count=props.instances),
            template=CloudRunV2WorkerPoolTemplate(
                service_account=None if props.service_account is None else terraform_literal(
                    props.service_account),
                containers=[container],
                vpc_access=vpc_access_block(None, subnet, project=props.project,
                                            access=CloudRunV2WorkerPoolTemplateVpcAccess,
                                            interface=CloudRunV2WorkerPoolTemplateVpcAccessNetworkInterfaces),
            ),
            depends_on=list(depends_on) or None,
            lifecycle=TerraformResourceLifecycle(ignore_changes=[*GCLOUD_WRITTEN_FIELDS, "launch_stage"]),
        )

    @property
    def worker_pool_name(self) -> str:
        return self._props.name
