"""What a Cloud Run service and a Cloud Run job share: one container (image, env, secrets, cpu and memory), its
service account and labels, read and checked the same way for ``[[services]]`` and ``[[jobs]]``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from ..facts.gcp import (
    ATTRIBUTION_LABEL,
    CLOUD_RUN_DELETION_PROTECTION,
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
    MIN_WORKLOAD_MEMORY_MIB,
    RESERVED_ENV_NAMES,
    cpu_expected,
    memory_mib,
    milli_cpu,
)
from ..facts.workloads import IMAGE_HOSTS_EXPECTED, foreign_image_host, image_shape_missing
from .names import CPU, ENV_NAME, LABEL_KEY, LABEL_VALUE, MAX_LABEL_CHARS, MEMORY, SERVICE_ACCOUNT, is_image
from .keys import dotted, service_path
from .reader import MISSING, Reader
from .secrets import SecretRef, parse_secrets, reserved_env_expected

__all__ = ["CONTAINER_KEYS", "ContainerConfig", "WorkloadConfig", "entries", "parse_container", "parse_name",
           "workload_fields"]

CONTAINER_KEYS = ("image", "labels", "service_account", "env", "secrets", "cpu", "memory")


@dataclass(frozen=True, kw_only=True)
class ContainerConfig:
    """The keys a service and a job share; see ``ServiceConfig`` and ``JobConfig`` for each."""

    image: str | None
    labels: Mapping[str, str] = field(default_factory=dict)
    service_account: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, SecretRef] = field(default_factory=dict)
    cpu: str | None = None
    memory: str | None = None


@dataclass(frozen=True, kw_only=True)
class WorkloadConfig(ContainerConfig):
    """What a job and a worker pool hold alike (``JobConfig``, ``WorkerPoolConfig`` add their own).

    Attributes:
        name: the job's or worker pool's name.
        image: container image reference.
        command / args: the container's entrypoint and its arguments; the image's ENTRYPOINT and CMD when empty.
        labels, service_account, env, secrets, cpu, memory: as for a service (``ServiceConfig``).
        deletion_protection: true when left out (the provider's default).
    """

    name: str
    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    deletion_protection: bool = CLOUD_RUN_DELETION_PROTECTION


def workload_fields(r: Reader, item: Mapping[str, Any], path: str, container: ContainerConfig) -> dict[str, Any]:
    """The ``WorkloadConfig`` fields of a ``[[jobs]]`` or ``[[worker_pools]]`` entry but its name: its container
    keys, and ``command``, ``args`` and ``deletion_protection`` read here."""
    return dict(vars(container), command=parse_strings(r, item, path, "command"),
                args=parse_strings(r, item, path, "args"),
                deletion_protection=r.get(item, path, "deletion_protection", bool,
                                          default=CLOUD_RUN_DELETION_PROTECTION))


def parse_strings(r: Reader, item: Mapping[str, Any], path: str, key: str) -> tuple[str, ...]:
    """A list of strings (``command``, ``args``); () when left out or when an item is not a string."""
    raw = r.get(item, path, key, list, default=[], expected="a list of strings")
    bad = [i for i, v in enumerate(raw) if not isinstance(v, str)]
    for i in bad:
        r.problem(f"{path}.{key}[{i}]", "a string", raw[i])
    return () if bad else tuple(raw)


def entries(r: Reader, data: Mapping[str, Any], table: str, keys: tuple[str, ...], rule: re.Pattern[str],
            name_expected: str, *, service: bool = False, reserved_env: tuple[str, ...] = RESERVED_ENV_NAMES
            ) -> Iterator[tuple[Mapping[str, Any], str, str | None, ContainerConfig]]:
    """Each table of ``[[<table>]]`` (services, jobs, worker pools): (the table, its key path such as
    ``jobs[settlement]``, its name or None, its container keys), its unknown keys, name and container keys
    checked; a problem for an array that is not one, and for an entry that is not a table (then left out)."""
    raw = data.get(table, [])
    if not isinstance(raw, list):
        r.not_a_table(table, f"an array of tables ([[{table}]])", raw)
        return
    seen: dict[str, str] = {}
    for i, item in enumerate(raw):
        path = service_path(item, i, seen, table=table)
        if not isinstance(item, dict):
            r.not_a_table(path, "a table", item)
            continue
        r.table(item, path, keys)
        name = parse_name(r, item, path, rule, name_expected, seen)
        yield item, path, name, parse_container(r, item, path, service=service, reserved_env=reserved_env)


def parse_name(r: Reader, item: Mapping[str, Any], path: str, rule: re.Pattern[str], expected: str,
               seen: dict[str, str]) -> str | None:
    """A service's or job's ``name``: valid by ``rule``, and not used by an earlier entry of ``seen``
    (name → the key path that used it), to which it is added."""
    name = r.get(item, path, "name", str, check=lambda v: bool(rule.fullmatch(v)), expected=expected)
    if name is not None:
        if name in seen:
            r.problem(f"{path}.name", f"a name not used by {seen[name]}", name)
        seen.setdefault(name, path)
    return name


def parse_container(r: Reader, item: Mapping[str, Any], path: str, *, service: bool,
                    reserved_env: tuple[str, ...] = RESERVED_ENV_NAMES) -> ContainerConfig:
    """The shared keys of one ``[[services]]``, ``[[jobs]]`` or ``[[worker_pools]]`` entry, every problem recorded
    on ``r``; ``service`` for a service, whose CPU may be below 1 and memory down to 128Mi; ``reserved_env``: the
    names its container contract sets (a job's are more)."""
    image = r.get(item, path, "image", str, check=is_image,
                  expected='a container image reference such as "asia.gcr.io/my-project/app:1.0.0"')
    if image is not None and foreign_image_host(image) is not None:
        r.problem(f"{path}.image", IMAGE_HOSTS_EXPECTED, image)
    elif image is not None and (shape := image_shape_missing(image)) is not None:
        r.problem(f"{path}.image", f"an image path of its registry's shape, {shape} (no image exists at a shorter "
                  "path: Cloud Run would fail the revision with \"Image not found\")", image)
    _check_labels_count(r, item, f"{path}.labels")
    labels = r.string_map(item, path, "labels", LABEL_KEY,
                          "a label key (lowercase letters, digits, - and _, starting with a letter, "
                          f"at most {MAX_LABEL_CHARS} characters)", LABEL_VALUE,
                          f"a label value (lowercase letters, digits, - and _, at most {MAX_LABEL_CHARS} characters)")
    env = r.string_map(item, path, "env", ENV_NAME, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)",
                       None, "a string")
    _check_env(r, item, path, env, reserved_env)
    service_account = r.get(item, path, "service_account", str, default=None,
                            check=lambda v: bool(SERVICE_ACCOUNT.fullmatch(v)),
                            expected="a service account e-mail (name@project.iam.gserviceaccount.com)")
    secrets = parse_secrets(r, item, path, env, service_account, reserved_env)
    if isinstance(item.get("env"), dict) and isinstance(item.get("secrets"), dict) and \
            len(item["env"]) <= MAX_ENV_VARS < len(item["env"]) + len(item["secrets"]):
        r.shown(f"{path}.secrets", f"at most {MAX_ENV_VARS:,} environment variables, env and secrets together "
                f"({ENV_SOURCE})", f"{len(item['env']) + len(item['secrets']):,}")
    cpu = r.get(item, path, "cpu", str, default=None,
                check=lambda v: bool(CPU.fullmatch(v)) and milli_cpu(v, fractional=service) is not None,
                expected=cpu_expected(fractional=service))
    least, whose = (MIN_MEMORY_MIB, "") if service else (MIN_WORKLOAD_MEMORY_MIB, " for jobs and worker pools")
    memory = r.get(item, path, "memory", str, default=None,
                   check=lambda v: bool(MEMORY.fullmatch(v)) and least <= memory_mib(v) <= MAX_MEMORY_MIB,
                   expected=f'a memory limit such as "512Mi" or "2Gi", from {least}Mi to '
                            f"{MAX_MEMORY_MIB // 1024}Gi ({MEMORY_SOURCE}{whose})")
    _check_cpu_and_memory(r, item, path, cpu, memory)
    return ContainerConfig(image=image, labels=labels, service_account=service_account, env=env, secrets=secrets,
                           cpu=cpu, memory=memory)


def _check_count(r: Reader, item: Mapping[str, Any], where: str, key: str, most: int, what: str) -> None:
    table = item.get(key)
    if isinstance(table, dict) and len(table) > most:
        r.shown(where, f"at most {most:,} {what}", f"{len(table):,}")


def _check_labels_count(r: Reader, item: Mapping[str, Any], where: str) -> None:
    """GCP keeps at most ``MAX_LABELS`` on a resource, and the provider adds ``ATTRIBUTION_LABEL`` to each it
    creates: the file's labels and that one must fit."""
    table = item.get("labels")
    if isinstance(table, dict) and len(table) + (ATTRIBUTION_LABEL not in table) > MAX_LABELS:
        r.shown(where, f"at most {MAX_LABELS - 1} labels (GCP's limit per resource is {MAX_LABELS}, and the "
                f"provider adds {ATTRIBUTION_LABEL} to each resource it creates)", f"{len(table):,}")


def _check_env(r: Reader, item: Mapping[str, Any], path: str, env: Mapping[str, str],
               reserved: tuple[str, ...]) -> None:
    """What Cloud Run refuses in a container's environment: too many, reserved names, values too long."""
    _check_count(r, item, f"{path}.env", "env", MAX_ENV_VARS, f"environment variables ({ENV_SOURCE})")
    for name, value in env.items():
        where = dotted(f"{path}.env", name)
        if (expected := reserved_env_expected(name, reserved)) is not None:
            r.shown(where, expected, f'the key "{name}"')
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
