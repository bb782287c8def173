"""The ``[[services]]`` tables: the Cloud Run services whose egress goes through the chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..facts.gcp import (
    CLOUD_RUN_DELETION_PROTECTION,
    CLOUD_RUN_INGRESS,
    CPU_SOURCE,
    DEFAULT_MEMORY_MIB,
    DEFAULT_MILLI_CPU,
    ENV_SOURCE,
    MAX_ENV_VALUE_BYTES,
    MAX_ENV_VARS,
    MAX_LABELS,
    MAX_MEMORY_MIB,
    MEMORY_SOURCE,
    MIN_CPU_FOR_MEMORY,
    MIN_MEMORY_FOR_CPU,
    MIN_MEMORY_MIB,
    RESERVED_ENV_NAMES,
    RESERVED_ENV_PREFIX,
    memory_mib,
    milli_cpu,
)
from .names import CPU, ENV_NAME, IMAGE, INGRESS, LABEL_KEY, LABEL_VALUE, MEMORY, SERVICE_ACCOUNT, SERVICE_NAME
from .keys import service_path
from .reader import MISSING, Reader

__all__ = ["ServiceConfig", "parse_services"]

_SERVICE_KEYS = (
    "name", "image", "labels", "service_account", "ingress", "deletion_protection",
    "env", "min_instances", "max_instances", "cpu", "memory", "port", "allow_unauthenticated",
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
    min_instances: int | None = None
    max_instances: int | None = None
    cpu: str | None = None
    memory: str | None = None
    port: int | None = None
    allow_unauthenticated: bool = False



def parse_services(r: Reader, data: Mapping[str, Any]) -> tuple[ServiceConfig, ...]:
    """The ``[[services]]`` array; a service missing its name or image is reported and left out."""
    raw = data.get("services", [])
    if not isinstance(raw, list):
        r.problem("services", "an array of tables ([[services]])", raw)
        return ()
    services: list[ServiceConfig] = []
    seen: dict[str, str] = {}
    for i, item in enumerate(raw):
        path = service_path(item, i, seen)
        if not isinstance(item, dict):
            r.problem(path, "a table", item)
            continue
        r.table(item, path, _SERVICE_KEYS)
        name = r.get(item, path, "name", str, check=lambda v: bool(SERVICE_NAME.fullmatch(v)),
                     expected="a Cloud Run service name (lowercase letters, digits and hyphens, starting with "
                              "a letter, at most 49 characters)")
        if name is not None:
            if name in seen:
                r.problem(f"{path}.name", f"a name not used by {seen[name]}", name)
            seen.setdefault(name, path)
        image = r.get(item, path, "image", str, check=lambda v: bool(IMAGE.fullmatch(v)),
                      expected='a container image reference such as "asia.gcr.io/my-project/app:1.0.0"')
        _check_count(r, item, f"{path}.labels", "labels", MAX_LABELS, "labels (GCP's limit per resource)")
        labels = r.string_map(item, path, "labels", LABEL_KEY,
                              "a label key (lowercase letters, digits, - and _, starting with a letter, "
                              "at most 63 characters)", LABEL_VALUE,
                              "a label value (lowercase letters, digits, - and _, at most 63 characters)")
        env = r.string_map(item, path, "env", ENV_NAME, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
                           None, "a string")
        _check_env(r, item, path, env)
        service_account = r.get(item, path, "service_account", str, default=None,
                                check=lambda v: bool(SERVICE_ACCOUNT.fullmatch(v)),
                                expected="a service account e-mail (name@project.iam.gserviceaccount.com)")
        ingress = r.get(item, path, "ingress", str, default=CLOUD_RUN_INGRESS, check=lambda v: v in INGRESS,
                        expected=f"one of {', '.join(INGRESS)}")
        deletion_protection = r.get(item, path, "deletion_protection", bool, default=CLOUD_RUN_DELETION_PROTECTION)
        min_i = r.get(item, path, "min_instances", int, default=None, check=lambda v: 0 <= v <= 1000,
                      expected="an integer from 0 to 1000")
        max_i = r.get(item, path, "max_instances", int, default=None, check=lambda v: 1 <= v <= 1000,
                      expected="an integer from 1 to 1000")
        if min_i is not None and max_i is not None and max_i < min_i:
            r.problem(f"{path}.max_instances", f"an integer at least {path}.min_instances ({min_i})", max_i)
        cpu = r.get(item, path, "cpu", str, default=None,
                    check=lambda v: bool(CPU.fullmatch(v)) and milli_cpu(v) is not None,
                    expected='a CPU limit such as "1", "2" or "500m": a whole number from 1 to 8, or from 0.08 to 1 '
                             f"in steps of 0.01 ({CPU_SOURCE})")
        memory = r.get(item, path, "memory", str, default=None,
                       check=lambda v: bool(MEMORY.fullmatch(v)) and MIN_MEMORY_MIB <= memory_mib(v) <= MAX_MEMORY_MIB,
                       expected=f'a memory limit such as "512Mi" or "2Gi", from {MIN_MEMORY_MIB}Mi to '
                                f"{MAX_MEMORY_MIB // 1024}Gi ({MEMORY_SOURCE})")
        _check_cpu_and_memory(r, item, path, cpu, memory)
        port = r.get(item, path, "port", int, default=None, check=lambda v: 1 <= v <= 65535,
                     expected="an integer from 1 to 65535")
        allow_unauthenticated = r.get(item, path, "allow_unauthenticated", bool, default=False)
        if name is None or image is None:
            continue
        services.append(ServiceConfig(
            name=name, image=image, labels=labels, service_account=service_account, ingress=ingress,
            deletion_protection=deletion_protection, env=env, min_instances=min_i, max_instances=max_i,
            cpu=cpu, memory=memory, port=port, allow_unauthenticated=allow_unauthenticated,
        ))
    return tuple(services)


def _check_count(r: Reader, item: Mapping[str, Any], where: str, key: str, most: int, what: str) -> None:
    table = item.get(key)
    if isinstance(table, dict) and len(table) > most:
        r.shown(where, f"at most {most:,} {what}", f"{len(table):,}")


def _check_env(r: Reader, item: Mapping[str, Any], path: str, env: Mapping[str, str]) -> None:
    """What Cloud Run refuses in a container's environment: too many, reserved names, values too long."""
    _check_count(r, item, f"{path}.env", "env", MAX_ENV_VARS, f"environment variables ({ENV_SOURCE})")
    for name, value in env.items():
        where = f"{path}.env.{name}"
        if name in RESERVED_ENV_NAMES or name.startswith(RESERVED_ENV_PREFIX):
            r.shown(where, f"a name other than {', '.join(RESERVED_ENV_NAMES)} and {RESERVED_ENV_PREFIX}… (set by "
                    f"Cloud Run itself; {ENV_SOURCE})", f'the key "{name}"')
        size = len(value.encode("utf-8"))
        if size > MAX_ENV_VALUE_BYTES:
            r.shown(where, f"a value of at most {MAX_ENV_VALUE_BYTES:,} bytes of UTF-8 ({ENV_SOURCE})",
                    f"{size:,} bytes")


def _check_cpu_and_memory(r: Reader, item: Mapping[str, Any], path: str, cpu: str | None, memory: str | None) -> None:
    """Cloud Run's pairing of CPU and memory, with its defaults (1 CPU, 512 MiB) for the one left out."""
    if cpu is None and memory is None:
        return
    milli = milli_cpu(cpu) if cpu is not None else DEFAULT_MILLI_CPU
    mib = memory_mib(memory) if memory is not None else DEFAULT_MEMORY_MIB
    if ("cpu" in item and cpu is None) or ("memory" in item and memory is None):
        return  # already reported
    for above, needed in MIN_CPU_FOR_MEMORY:
        if mib > above and milli < needed:
            given = cpu if cpu is not None else MISSING
            r.problem(f"{path}.cpu", f"at least {needed / 1000:g} CPU for memory = \"{memory}\" (memory above "
                      f"{above}Mi needs {needed / 1000:g} CPU; {MEMORY_SOURCE}; 1 CPU when cpu is left out)", given)
            return
    for cpus, needed in MIN_MEMORY_FOR_CPU:
        if milli >= cpus and mib < needed:
            given = memory if memory is not None else MISSING
            r.problem(f"{path}.memory", f"at least {needed // 1024}Gi for cpu = \"{cpu}\" ({cpus // 1000} CPUs need "
                      f"{needed // 1024}Gi; {CPU_SOURCE}; 512Mi when memory is left out)", given)
            return

