"""The ``[[worker_pools]]`` tables: Cloud Run worker pools (always-on instances that pull their work, serve no
requests) whose egress goes through the chain.

At provider 6.50.0 a worker pool's ``template.vpc_access`` has ``egress`` and ``network_interfaces`` and no
``connector`` (services/cloudrunv2/resource_cloud_run_v2_worker_pool.go:387-430): a worker pool leaves from the
static IPs only by Direct VPC egress, so a file with worker pools must be in ``egress.mode = "direct"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .container import CONTAINER_KEYS, WorkloadConfig, entries, workload_fields
from .keys import RFC1035
from .reader import Reader

__all__ = ["WorkerPoolConfig", "check_worker_pool_egress", "parse_worker_pools"]

_POOL_KEYS = ("name", *CONTAINER_KEYS, "command", "args", "instances", "deletion_protection")
MAX_POOL_INSTANCES = 1000  # as a service's max_instances here


@dataclass(frozen=True, kw_only=True)
class WorkerPoolConfig(WorkloadConfig):
    """One Cloud Run worker pool whose egress goes through the chain.

    Attributes:
        name, image, command, args, labels, service_account, env, secrets, cpu, memory, deletion_protection:
            see ``WorkloadConfig``.
        instances: how many instances run (manual scaling); required: it is what the NAT must hold.
    """

    instances: int


def parse_worker_pools(r: Reader, data: Mapping[str, Any]) -> tuple[WorkerPoolConfig, ...]:
    """The ``[[worker_pools]]`` array; an entry missing its name, image or instances is reported and left out."""
    pools: list[WorkerPoolConfig] = []
    for item, path, name, container in entries(r, data, "worker_pools", _POOL_KEYS, RFC1035, "a Cloud Run worker "
                                               "pool name (lowercase letters, digits and hyphens, starting with a "
                                               "letter, at most 63 characters)"):
        fields = workload_fields(r, item, path, container)
        instances = r.get(item, path, "instances", int, check=lambda v: 0 <= v <= MAX_POOL_INSTANCES,
                          expected=f"an integer from 0 to {MAX_POOL_INSTANCES} (the instances the pool runs, "
                                   "which the NAT must hold)")
        if name is None or container.image is None or instances is None:
            continue
        pools.append(WorkerPoolConfig(name=name, **fields, instances=instances))
    return tuple(pools)


def check_worker_pool_egress(r: Reader, egress_mode: str | None, pools: tuple[WorkerPoolConfig, ...]) -> None:
    """Worker pools only with Direct VPC egress: their vpc_access has no connector at provider 6.50.0. Nothing is
    said when the mode itself has a problem (which mode the file means is unknown)."""
    if pools and egress_mode != "direct" and not r.has_problem("egress.mode"):
        r.shown("worker_pools", 'worker pools only with egress.mode = "direct" (a worker pool\'s vpc_access has no '
                "connector at google provider 6.50.0: it leaves from the static IPs only by Direct VPC egress)",
                f"{len(pools)} worker pool{'s' if len(pools) != 1 else ''} in connector mode")
