"""The ``[[services]]`` tables: the Cloud Run services whose egress goes through the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..facts.gcp import CLOUD_RUN_DELETION_PROTECTION, CLOUD_RUN_INGRESS, CLOUD_RUN_MAX_INSTANCES
from .container import CONTAINER_KEYS, entries
from .names import INGRESS, SERVICE_NAME
from .reader import Reader
from .secrets import SecretRef

__all__ = ["ServiceConfig", "parse_services"]

_SERVICE_KEYS = (
    "name", *CONTAINER_KEYS, "ingress", "deletion_protection", "min_instances", "max_instances", "port",
    "allow_unauthenticated",
)


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """One Cloud Run service whose egress goes through the chain.

    Attributes:
        name: the Cloud Run service name.
        image: container image reference.
        labels: labels on the service.
        service_account: runtime service account e-mail; the project's default
            compute account when None.
        ingress: INGRESS_TRAFFIC_ALL (default), _INTERNAL_ONLY or _INTERNAL_LOAD_BALANCER.
        deletion_protection: when true (the provider's default) Terraform refuses to
            destroy the service until an apply sets it false.
        env: plain environment variables for the container.
        secrets: environment variables read from Secret Manager (name → secret and version); none when
            left out. Each needs ``service_account``, which gets roles/secretmanager.secretAccessor on the secret.
        min_instances: Cloud Run minimum instances; the API's default (0) when None.
        max_instances: Cloud Run maximum instances; the API's default (100) when None.
        cpu: container CPU limit (``"1"``, ``"2"``, ``"500m"``); the API's default when None.
        memory: container memory limit (``"512Mi"``); the API's default when None.
        port: container port receiving requests; the API's default (8080) when None.
        allow_unauthenticated: when true, anyone on the internet may invoke the service
            (roles/run.invoker for allUsers); false when left out.
    """

    name: str
    image: str
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None = None
    ingress: str = CLOUD_RUN_INGRESS
    deletion_protection: bool = CLOUD_RUN_DELETION_PROTECTION
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, SecretRef] = field(default_factory=dict)
    min_instances: int | None = None
    max_instances: int | None = None
    cpu: str | None = None
    memory: str | None = None
    port: int | None = None
    allow_unauthenticated: bool = False



def parse_services(r: Reader, data: Mapping[str, Any]) -> tuple[ServiceConfig, ...]:
    """The ``[[services]]`` array; a service missing its name or image is reported and left out."""
    services: list[ServiceConfig] = []
    for item, path, name, container in entries(r, data, "services", _SERVICE_KEYS, SERVICE_NAME, "a Cloud Run "
                                               "service name (lowercase letters, digits and hyphens, starting with "
                                               "a letter, at most 49 characters)", service=True):
        ingress = r.get(item, path, "ingress", str, default=CLOUD_RUN_INGRESS, check=lambda v: v in INGRESS,
                        expected=f"one of {', '.join(INGRESS)}")
        deletion_protection = r.get(item, path, "deletion_protection", bool, default=CLOUD_RUN_DELETION_PROTECTION)
        min_i = r.get(item, path, "min_instances", int, default=None, check=lambda v: 0 <= v <= 1000,
                      expected="an integer from 0 to 1000")
        max_i = r.get(item, path, "max_instances", int, default=None, check=lambda v: 1 <= v <= 1000,
                      expected="an integer from 1 to 1000")
        if min_i is not None and max_i is not None and max_i < min_i:
            r.problem(f"{path}.max_instances", f"an integer at least {path}.min_instances ({min_i})", max_i)
        elif min_i is not None and max_i is None and min_i > CLOUD_RUN_MAX_INSTANCES:
            # Cloud Run refuses a maximum below the minimum ("max_instance_count: must be greater or equal than
            # min_instance_count"), the default maximum included.
            r.shown(f"{path}.max_instances", f"an integer at least {path}.min_instances ({min_i})",
                    f"nothing (Cloud Run's default, {CLOUD_RUN_MAX_INSTANCES})")
        port = r.get(item, path, "port", int, default=None, check=lambda v: 1 <= v <= 65535,
                     expected="an integer from 1 to 65535")
        allow_unauthenticated = r.get(item, path, "allow_unauthenticated", bool, default=False)
        if name is None or container.image is None:
            continue
        services.append(ServiceConfig(
            name=name, image=container.image, labels=container.labels, service_account=container.service_account,
            ingress=ingress, deletion_protection=deletion_protection, env=container.env, secrets=container.secrets,
            min_instances=min_i, max_instances=max_i, cpu=container.cpu, memory=container.memory, port=port,
            allow_unauthenticated=allow_unauthenticated,
        ))
    return tuple(services)
