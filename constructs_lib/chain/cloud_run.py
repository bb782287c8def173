"""A Cloud Run v2 service whose every outbound request goes through the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ..facts.gcp import (
    CLOUD_RUN_DEFAULT_CPU,
    CLOUD_RUN_DEFAULT_MEMORY,
    CLOUD_RUN_DELETION_PROTECTION,
    CLOUD_RUN_INGRESS,
    FRACTIONAL_CPU_CONCURRENCY,
    FRACTIONAL_CPU_EXECUTION_ENVIRONMENT,
    canonical_cpu,
    milli_cpu,
)
from .._provider.cdk import Construct, ITerraformDependable, TerraformResourceLifecycle
from .._provider.google import (
    CloudRunV2Service,
    CloudRunV2ServiceTemplate,
    CloudRunV2ServiceTemplateContainers,
    CloudRunV2ServiceTemplateContainersEnv,
    CloudRunV2ServiceTemplateContainersEnvValueSource,
    CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef,
    CloudRunV2ServiceTemplateContainersPorts,
    CloudRunV2ServiceTemplateContainersResources,
    CloudRunV2ServiceTemplateScaling,
    CloudRunV2ServiceTemplateVpcAccess,
    CloudRunV2ServiceIamMember,
    CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces,
)
from ..facts.literal import terraform_literal
from .secrets import SecretEnv, secret_env_entries
from .subnetwork import Subnetwork

# Fields of a service that gcloud writes and Terraform should leave alone.
GCLOUD_WRITTEN_FIELDS = ("client", "client_version")

ALL_TRAFFIC = "ALL_TRAFFIC"
INVOKER_ROLE = "roles/run.invoker"
ALL_USERS = "allUsers"


@dataclass(frozen=True, kw_only=True)
class CloudRunServiceProps:
    """One Cloud Run service.

    Attributes:
        name: the service name.
        project: the project the service runs in.
        region: must be the connector's region.
        image: container image reference.
        labels: labels on the service; none when left out.
        service_account: runtime identity; the project's default compute account when None.
        ingress: INGRESS_TRAFFIC_ALL when left out.
        deletion_protection: true when left out (the provider's default): destroy
            fails until an apply sets it false.
        env: plain environment variables; each value reaches the container exactly as given
            (``${`` and ``%{`` are escaped for Terraform).
        secrets: environment variables read from Secret Manager (``value_source.secret_key_ref``); none when
            left out. The accessor binding is the chain's (``SecretAccess``), not the service's.
        min_instances / max_instances: template scaling; the API's defaults when None.
        cpu / memory: container limits; the API's defaults when both are None. When one is
            given, both are written, as Cloud Run keeps them: the other at the API's default
            (1 CPU, 512Mi) and CPU in milli-CPUs ("1" is written "1000m"), so that a second
            plan shows no change (``limits``).
        port: container port; the API's default (8080) when None.
        allow_unauthenticated: when true, a ``PublicInvoker`` child grants
            roles/run.invoker to allUsers (anyone on the internet may call the
            service); false when left out. The chain policies reject an allUsers
            binding that the environment did not allow.
    """

    name: str
    project: str
    region: str
    image: str
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None = None
    ingress: str = CLOUD_RUN_INGRESS
    deletion_protection: bool = CLOUD_RUN_DELETION_PROTECTION
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, SecretEnv] = field(default_factory=dict)
    min_instances: int | None = None
    max_instances: int | None = None
    cpu: str | None = None
    memory: str | None = None
    port: int | None = None
    allow_unauthenticated: bool = False


class CloudRunService(Construct):
    """A ``google_cloud_run_v2_service`` attached to a connector with egress ALL_TRAFFIC.

    Without ``egress = ALL_TRAFFIC`` the API uses PRIVATE_RANGES_ONLY and
    internet traffic skips the NAT, so the service would not leave from the
    static IPs: this construct never leaves it out.

    With ``subnet`` instead of ``connector_id`` the service uses Direct VPC
    egress: ``network_interfaces { network, subnetwork }`` on that subnet.
    Names in the service's own project; full resource paths when the subnet
    is in another (Shared VPC host) project, as Cloud Run requires there.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        connector_id: str | None = None,
        subnet: Subnetwork | None = None,
        props: CloudRunServiceProps,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        """Attach the service to the chain.

        Args:
            connector_id: the connector to egress through (connector mode).
            subnet: the subnet to egress from directly (Direct VPC egress).

        Raises:
            ValueError: unless exactly one of connector_id and subnet is given.
        """
        one_egress("CloudRunService", connector_id, subnet)
        super().__init__(scope, id)
        self._props = props
        resources = None
        limits = self.limits
        # Below 1 CPU, what Cloud Run requires with it (facts/gcp.py): one request at a time, CPU only while it runs.
        fractional = bool(limits) and (milli_cpu(limits["cpu"]) or 1000) < 1000
        if limits:
            resources = CloudRunV2ServiceTemplateContainersResources(limits=limits, cpu_idle=True if fractional else None)
        # The user's strings, as Terraform literals: "${" and "%{" in a value stay text.
        container = CloudRunV2ServiceTemplateContainers(
            image=terraform_literal(props.image),
            env=secret_env_entries(props.env, props.secrets, env_class=CloudRunV2ServiceTemplateContainersEnv,
                                   value_source=CloudRunV2ServiceTemplateContainersEnvValueSource,
                                   secret_key_ref=CloudRunV2ServiceTemplateContainersEnvValueSourceSecretKeyRef),
            resources=resources,
            ports=CloudRunV2ServiceTemplateContainersPorts(container_port=props.port) if props.port else None,
        )
        scaling = None
        if props.min_instances is not None or props.max_instances is not None:
            scaling = CloudRunV2ServiceTemplateScaling(
                min_instance_count=props.min_instances, max_instance_count=props.max_instances
            )
        self.resource = CloudRunV2Service(
            self,
            "Resource",
            name=props.name,
            project=props.project,
            location=props.region,
            ingress=props.ingress,
            deletion_protection=props.deletion_protection,
            labels={terraform_literal(k): terraform_literal(v) for k, v in props.labels.items()} or None,
            template=CloudRunV2ServiceTemplate(
                service_account=None if props.service_account is None else terraform_literal(props.service_account),
                containers=[container],
                scaling=scaling,
                max_instance_request_concurrency=FRACTIONAL_CPU_CONCURRENCY if fractional else None,
                execution_environment=FRACTIONAL_CPU_EXECUTION_ENVIRONMENT if fractional else None,
                vpc_access=vpc_access_block(connector_id, subnet, project=props.project,
                                            access=CloudRunV2ServiceTemplateVpcAccess,
                                            interface=CloudRunV2ServiceTemplateVpcAccessNetworkInterfaces),
            ),
            depends_on=list(depends_on) or None,
            # gcloud run deploy records itself as the service's client ("gcloud", its version): a service
            # deployed or adopted from gcloud would otherwise show an update back to no client on every plan.
            lifecycle=TerraformResourceLifecycle(ignore_changes=list(GCLOUD_WRITTEN_FIELDS)),
        )
        self.public_invoker = None
        if props.allow_unauthenticated:
            self.public_invoker = CloudRunV2ServiceIamMember(
                self,
                "PublicInvoker",
                project=props.project,
                location=props.region,
                name=self.resource.name,
                role=INVOKER_ROLE,
                member=ALL_USERS,
            )

    @property
    def limits(self) -> dict[str, str]:
        """The container's limits as written: empty (the API's defaults), or both, as Cloud Run keeps them.

        Cloud Run v2 adds the CPU limit when only memory is sent (and memory when only CPU is) and
        writes CPU in milli-CPUs; the provider 6.50.0 compares the map as it is, so anything else
        is a change on every plan.
        """
        return container_limits(self._props.cpu, self._props.memory)

    @property
    def service_name(self) -> str:
        """The Cloud Run service's name, known at synth time."""
        return self._props.name

    @property
    def uri(self) -> str:
        """The service's https URL, known after apply."""
        return self.resource.uri


def one_egress(construct: str, connector_id: str | None, subnet: Subnetwork | None) -> None:
    """Raises ValueError unless exactly one of ``connector_id`` (connector) and ``subnet`` (Direct VPC egress) is
    given to ``construct``."""
    if (connector_id is None) == (subnet is None):
        raise ValueError(f"{construct} takes exactly one of connector_id (connector) and subnet (Direct VPC "
                         f"egress), got connector_id={connector_id!r} and subnet={subnet!r}")


def container_limits(cpu: str | None, memory: str | None) -> dict[str, str]:
    """A container's limits as Cloud Run keeps them: empty (the API's defaults), or both, CPU in milli-CPUs."""
    if cpu is None and memory is None:
        return {}
    return {"cpu": canonical_cpu(cpu or CLOUD_RUN_DEFAULT_CPU), "memory": memory or CLOUD_RUN_DEFAULT_MEMORY}


def vpc_access_block(connector_id: str | None, subnet: Subnetwork | None, *, project: str,
                     access: Callable[..., Any], interface: Callable[..., Any]) -> Any:
    """Every outbound request through the connector, or straight out of the subnet (Direct VPC egress), as the
    provider's ``vpc_access`` class of a service or a job (``access``, ``interface``)."""
    if subnet is None:
        return access(connector=connector_id, egress=ALL_TRAFFIC)
    if subnet.project == project:
        found = interface(network=subnet.network, subnetwork=subnet.resource.name)
    else:
        found = interface(network=f"projects/{subnet.project}/global/networks/{subnet.network}",
                          subnetwork=subnet.resource.id)
    return access(network_interfaces=[found], egress=ALL_TRAFFIC)
