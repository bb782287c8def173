"""A Cloud Run v2 job whose every task sends its outbound requests through the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..facts.gcp import CLOUD_RUN_DELETION_PROTECTION
from ..facts.workloads import JOB_MAX_RETRIES
from ..facts.literal import terraform_literal
from .._provider.cdk import Construct, ITerraformDependable, TerraformResourceLifecycle
from .._provider.google import (
    CloudRunV2Job,
    CloudRunV2JobTemplate,
    CloudRunV2JobTemplateTemplate,
    CloudRunV2JobTemplateTemplateContainers,
    CloudRunV2JobTemplateTemplateContainersEnv,
    CloudRunV2JobTemplateTemplateContainersEnvValueSource,
    CloudRunV2JobTemplateTemplateContainersEnvValueSourceSecretKeyRef,
    CloudRunV2JobTemplateTemplateContainersResources,
    CloudRunV2JobTemplateTemplateVpcAccess,
    CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces,
)
from .cloud_run import GCLOUD_WRITTEN_FIELDS, container_limits, one_egress, vpc_access_block
from .secrets import SecretEnv, secret_env_entries
from .subnetwork import Subnetwork

__all__ = ["CloudRunJob", "CloudRunJobProps", "WorkloadProps", "task_container"]


@dataclass(frozen=True, kw_only=True)
class WorkloadProps:
    """What a job and a worker pool take alike (``CloudRunJobProps``, ``CloudRunWorkerPoolProps`` add their own).

    Attributes:
        name: the job's or worker pool's name.
        project: the project it runs in.
        region: must be the connector's (or the subnet's) region.
        image: container image reference.
        command / args: the container's entrypoint and arguments; the image's ENTRYPOINT and CMD when empty.
        labels: labels on the resource; none when left out.
        service_account: its identity; the project's default compute account when None.
        env / secrets: as for a service (``CloudRunServiceProps``).
        cpu / memory: container limits, written as for a service (both, CPU in milli-CPUs) when one is given.
        deletion_protection: true when left out (the provider's default).
    """

    name: str
    project: str
    region: str
    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, SecretEnv] = field(default_factory=dict)
    cpu: str | None = None
    memory: str | None = None
    deletion_protection: bool = CLOUD_RUN_DELETION_PROTECTION


@dataclass(frozen=True, kw_only=True)
class CloudRunJobProps(WorkloadProps):
    """One Cloud Run job (the shared attributes: ``WorkloadProps``).

    Attributes:
        task_count: tasks per execution; the API's default (1) when None.
        parallelism: tasks at once; as many as quota allows when None.
        max_retries: retries per failed task; 3 (the provider's default) when left out.
        task_timeout_sec: one attempt's limit, written ``"<n>s"``; the API's default (600 s) when None.
    """

    task_count: int | None = None
    parallelism: int | None = None
    max_retries: int = JOB_MAX_RETRIES
    task_timeout_sec: int | None = None


def task_container(props: WorkloadProps, *, container: Callable[..., Any], env: Callable[..., Any],
                   value_source: Callable[..., Any], secret_key_ref: Callable[..., Any],
                   resources: Callable[..., Any]) -> Any:
    """The one container of a job's task or a worker pool, as the provider's classes of that resource: image,
    command and args, env and secrets, limits as Cloud Run keeps them; the user's strings stay text.

    """
    limits = container_limits(props.cpu, props.memory)
    return container(
        image=terraform_literal(props.image),
        command=[terraform_literal(c) for c in props.command] or None,
        args=[terraform_literal(a) for a in props.args] or None,
        env=secret_env_entries(props.env, props.secrets, env_class=env, value_source=value_source,
                               secret_key_ref=secret_key_ref),
        resources=resources(limits=limits) if limits else None,
    )


class CloudRunJob(Construct):
    """A ``google_cloud_run_v2_job`` (child ``Resource``) whose tasks egress through the chain with ALL_TRAFFIC.

    As with ``CloudRunService``: ``connector_id`` for the connector, ``subnet`` for Direct VPC egress; the
    job's ``vpc_access`` is in its task template (``template.template.vpc_access``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        connector_id: str | None = None,
        subnet: Subnetwork | None = None,
        props: CloudRunJobProps,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        """Attach the job to the chain.

        Raises:
            ValueError: unless exactly one of connector_id and subnet is given.
        """
        one_egress("CloudRunJob", connector_id, subnet)
        super().__init__(scope, id)
        self._props = props
        container = task_container(
            props, container=CloudRunV2JobTemplateTemplateContainers, env=CloudRunV2JobTemplateTemplateContainersEnv,
            value_source=CloudRunV2JobTemplateTemplateContainersEnvValueSource,
            secret_key_ref=CloudRunV2JobTemplateTemplateContainersEnvValueSourceSecretKeyRef,
            resources=CloudRunV2JobTemplateTemplateContainersResources)
        self.resource = CloudRunV2Job(
            self,
            "Resource",
            name=props.name,
            project=props.project,
            location=props.region,
            deletion_protection=props.deletion_protection,
            labels={terraform_literal(k): terraform_literal(v) for k, v in props.labels.items()} or None,
            template=CloudRunV2JobTemplate(
                task_count=props.task_count,
                parallelism=props.parallelism,
                template=CloudRunV2JobTemplateTemplate(
                    service_account=None if props.service_account is None else terraform_literal(
                        props.service_account),
                    containers=[container],
                    max_retries=props.max_retries,
                    timeout=None if props.task_timeout_sec is None else f"{props.task_timeout_sec}s",
                    vpc_access=vpc_access_block(connector_id, subnet, project=props.project,
                                                access=CloudRunV2JobTemplateTemplateVpcAccess,
                                                interface=CloudRunV2JobTemplateTemplateVpcAccessNetworkInterfaces),
                ),
            ),
            depends_on=list(depends_on) or None,
            # gcloud run jobs deploy records itself as the job's client, as for a service.
            lifecycle=TerraformResourceLifecycle(ignore_changes=list(GCLOUD_WRITTEN_FIELDS)),
        )

    @property
    def job_name(self) -> str:
        """The Cloud Run job's name, known at synth time."""
        return self._props.name
