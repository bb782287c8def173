"""The ``[[worker_pools]]`` tables: Cloud Run worker pools (always-on instances that pull their work, serve no
requests) whose egress goes through the chain.

At provider 6.50.0 a worker pool's ``template.vpc_access`` has ``egress`` and ``network_interfaces`` and no
``connector`` (services/cloudrunv2/resource_cloud_run_v2_worker_pool.go:387-430): a worker pool leaves from the
static IPs only by Direct VPC egress, so a file with worker pools must be in ``egress.mode = "direct"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..facts.gcp import CLOUD_RUN_DELETION_PROTECTION
from .container import CONTAINER_KEYS, entries
from .jobs import parse_strings
from .keys import RFC1035
from .reader import Reader
from .secrets import SecretRef

__all__ = ["WorkerPoolConfig", "check_worker_pool_egress", "parse_worker_pools"]

_POOL_KEYS = ("name", *CONTAINER_KEYS, "command", "args", "instances", "deletion_protection")
MAX_POOL_INSTANCES = 1000  # as a service's max_instances here


@dataclass(frozen=True, kw_only=True)
class WorkerPoolConfig:
    """One Cloud Run worker pool whose egress goes through the chain.

    Attributes:
        name: the worker pool's name.
        image, command, args, labels, service_account, env, secrets, cpu, memory: as for a job (``JobConfig``).
        instances: how many instances run (manual scaling); required: it is what the NAT must hold.
        deletion_protection: true when left out (the provider's default).
    """

    name: str
    image: str
    instances: int
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, SecretRef] = field(default_factory=dict)
    cpu: str | None = None
    memory: str | None = None
    deletion_protection: bool = CLOUD_RUN_DELETION_PROTECTION


def parse_worker_pools(r: Reader, data: Mapping[str, Any]) -> tuple[WorkerPoolConfig, ...]:
    """The ``[[worker_pools]]`` array; an entry missing its name, image or instances is reported and left out."""
    pools: list[WorkerPoolConfig] = []
    for item, path, name, container in entries(r, data, "worker_pools", _POOL_KEYS, RFC1035, "a Cloud Run worker "
                                               "pool name (lowercase letters, digits and hyphens, starting with a "
                                               "letter, at most 63 characters)"):
        command = parse_strings(r, item, path, "command")
        args = parse_strings(r, item, path, "args")
        instances = r.get(item, path, "instances", int, check=lambda v: 0 <= v <= MAX_POOL_INSTANCES,
                          expected=f"an integer from 0 to {MAX_POOL_INSTANCES} (the instances the pool runs, "
                                   "which the NAT must hold)")
        deletion_protection = r.get(item, path, "deletion_protection", bool, default=CLOUD_RUN_DELETION_PROTECTION)
        if name is None or container.image is None or instances is None:
            continue
        pools.append(WorkerPoolConfig(
            name=name, image=container.image, instances=instances, command=command, args=args,
            labels=container.labels, service_account=container.service_account, env=container.env,
            secrets=container.secrets, cpu=container.cpu, memory=container.memory,
            deletion_protection=deletion_protection,
        ))
    return tuple(pools)


def check_worker_pool_egress(r: Reader, egress_mode: str | None, pools: tuple[WorkerPoolConfig, ...]) -> None:
    """Worker pools only with Direct VPC egress: their vpc_access has no connector at provider 6.50.0."""
    if pools and egress_mode != "direct":
        r.shown("worker_pools", 'worker pools only with egress.mode = "direct" (a worker pool\'s vpc_access has no '
                "connector at google provider 6.50.0: it leaves from the static IPs only by Direct VPC egress)",
                f"{len(pools)} worker pool{'s' if len(pools) != 1 else ''} in connector mode")
