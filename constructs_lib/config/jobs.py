"""The ``[[jobs]]`` tables: Cloud Run jobs whose egress goes through the chain, as the services' does.

A job runs tasks to completion (a nightly settlement file to a bank's SFTP, an SMS campaign) instead of serving
requests; its tasks leave from the same static IPs as the services: through the connector with
``egress = ALL_TRAFFIC``, or by Direct VPC egress on the chain's subnet, whichever ``egress.mode`` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..facts.workloads import (
    JOB_MAX_RETRIES, JOB_MAX_RETRIES_RANGE, JOB_MAX_TASK_TIMEOUT_SEC, JOB_MAX_TASKS, JOB_SOURCE, JOB_TASK_COUNT,
    RESERVED_JOB_ENV_NAMES,
)
from .container import CONTAINER_KEYS, WorkloadConfig, entries, workload_fields
from .keys import RFC1035
from .reader import Reader

__all__ = ["JobConfig", "parse_jobs"]

_JOB_KEYS = ("name", *CONTAINER_KEYS, "command", "args", "task_count", "parallelism", "max_retries",
             "task_timeout_sec", "deletion_protection")


@dataclass(frozen=True, kw_only=True)
class JobConfig(WorkloadConfig):
    """One Cloud Run job whose egress goes through the chain.

    Attributes:
        name, image, command, args, labels, service_account, env, secrets, cpu, memory, deletion_protection:
            see ``WorkloadConfig``.
        task_count: tasks per execution; the API's default (1) when None.
        parallelism: tasks running at once; as many as quota allows (up to ``task_count``) when None.
        max_retries: retries of a failed task, 0 to 10; 3 when left out (the API's and the provider's default).
        task_timeout_sec: how long one attempt of a task may run; the API's default (600 s) when None.
    """

    task_count: int | None = None
    parallelism: int | None = None
    max_retries: int = JOB_MAX_RETRIES
    task_timeout_sec: int | None = None

    @property
    def tasks_at_once(self) -> int:
        """The tasks of one execution that may run at the same time: parallelism, else every task."""
        return self.parallelism or self.task_count or JOB_TASK_COUNT


def parse_jobs(r: Reader, data: Mapping[str, Any]) -> tuple[JobConfig, ...]:
    """The ``[[jobs]]`` array; a job missing its name or image is reported and left out."""
    jobs: list[JobConfig] = []
    for item, path, name, container in entries(r, data, "jobs", _JOB_KEYS, RFC1035, "a Cloud Run job name (lowercase "
                                               "letters, digits and hyphens, starting with a letter, at most 63 "
                                               "characters)", reserved_env=RESERVED_JOB_ENV_NAMES):
        fields = workload_fields(r, item, path, container)
        tasks = r.get(item, path, "task_count", int, default=None, check=lambda v: 1 <= v <= JOB_MAX_TASKS,
                      expected=f"an integer from 1 to {JOB_MAX_TASKS:,} ({JOB_SOURCE})")
        parallelism = r.get(item, path, "parallelism", int, default=None, check=lambda v: v >= 1,
                            expected="an integer from 1 (leave it out for as many tasks at once as quota allows)")
        # Against the file's task_count only: a task_count refused above stands in as nothing, not as 1.
        given = tasks is not None or "task_count" not in item
        if given and parallelism is not None and parallelism > (tasks or JOB_TASK_COUNT):
            shown = f"{path}.task_count ({tasks})" if tasks else f"{path}.task_count (1 when left out)"
            r.problem(f"{path}.parallelism", f"an integer at most {shown}", parallelism)
        low, high = JOB_MAX_RETRIES_RANGE
        max_retries = r.get(item, path, "max_retries", int, default=JOB_MAX_RETRIES, check=lambda v: low <= v <= high,
                            expected=f"an integer from {low} to {high} (Cloud Run, \"Set max retries\")")
        timeout = r.get(item, path, "task_timeout_sec", int, default=None,
                        check=lambda v: 1 <= v <= JOB_MAX_TASK_TIMEOUT_SEC,
                        expected=f"a number of seconds from 1 to {JOB_MAX_TASK_TIMEOUT_SEC:,} (168 hours; "
                                 f"{JOB_SOURCE})")
        if name is None or container.image is None:
            continue
        jobs.append(JobConfig(
            name=name, **fields, task_count=tasks, parallelism=parallelism, task_timeout_sec=timeout,
            max_retries=max_retries if max_retries is not None else JOB_MAX_RETRIES,
        ))
    return tuple(jobs)
