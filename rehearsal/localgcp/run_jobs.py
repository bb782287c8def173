"""Cloud Run Admin v2 jobs and their IAM policies, as the google provider 6.50.0 uses them
(services/cloudrunv2/resource_cloud_run_v2_job.go: POST ``…/jobs?jobId=`` at line 1030, GET, PATCH and DELETE
of ``…/jobs/{name}`` at 1092, 1271 and 1327, each write waited on as an operation).

GCP fills in what a job's template leaves out and the provider keeps as computed: the task count (1), the task
template's timeout (600 s), the default compute service account, the container's limits (1 CPU, 512 MiB, CPU
written in milli-CPUs as for a service); ``maxRetries`` takes 3 when left out and, being a proto3 number, is left
out of the answer when 0. The status is the job's own: ``terminalCondition`` Ready once the write's operation
ends, no execution yet (``latestCreatedExecution`` empty, ``executionCount`` 0 left out); no
``observedGeneration`` nor ``reconciling`` (a real recording of a job with VPC access in Config Connector's test
data, ``basic/run/v1beta1/runjob/jobwithvpcaccess/_http.log`` at 082f2305, has neither; the task template's
``executionEnvironment`` comes back EXECUTION_ENVIRONMENT_GEN2 there; tests/rehearsal/test_conformance_workloads.py).
An image that does not exist fails the operation as Cloud Run fails a service's revision (``run.py``). The job's ``vpcAccess`` is checked as a service's is (the connector, or the
subnet of Direct VPC egress, must exist).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_lib.facts.naming import RFC1035
from constructs_lib.facts.workloads import (JOB_MAX_RETRIES, JOB_TASK_COUNT, JOB_TASK_TIMEOUT_SEC,
                                            RESERVED_JOB_ENV_NAMES)

from .run import IMAGE_MISSING, Run
from .run_resources import RunResources
from .server import JSON, Request

if TYPE_CHECKING:
    from . import LocalGcp

SERVER_FIELDS = ("uid", "generation", "observedGeneration", "etag", "createTime", "updateTime", "creator",
                 "lastModifier", "terminalCondition", "conditions", "executionCount", "latestCreatedExecution",
                 "reconciling", "name")


class Jobs(RunResources):
    """Cloud Run jobs (the routes and methods: ``run_resources.py``)."""

    kind, id_param, noun = "jobs", "jobId", "job"
    reserved_env = RESERVED_JOB_ENV_NAMES
    id_pattern = RFC1035
    type_url = "type.googleapis.com/google.cloud.run.v2.Job"

    def __init__(self, gcp: LocalGcp, run: Run) -> None:
        super().__init__(gcp)
        self.run = run

    def _judge(self, job: JSON) -> str | None:
        """The job is ready, or its image does not exist; the job's status says which. Returns the error."""
        now = self.gcp.timestamp()
        missing = [c["image"] for c in job["template"]["template"]["containers"]
                   if not self.run.exists(c["image"])]
        if missing:
            message = IMAGE_MISSING.format(image=missing[0])
            job["terminalCondition"] = {"type": "Ready", "state": "CONDITION_FAILED", "message": message,
                                        "lastTransitionTime": now, "reason": "CONTAINER_MISSING"}
            return message
        job["terminalCondition"] = {"type": "Ready", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": now}
        return None

    def _template(self, project: str, region: str, outer: JSON) -> JSON:
        outer = {"taskCount": JOB_TASK_COUNT, **outer}
        task = {"timeout": f"{JOB_TASK_TIMEOUT_SEC}s", "executionEnvironment": "EXECUTION_ENVIRONMENT_GEN2",
                **(outer.get("template") or {})}
        task.setdefault("maxRetries", JOB_MAX_RETRIES)
        if task["maxRetries"] == 0:
            del task["maxRetries"]  # proto3: a zero is not sent back
        task = self._filled(project, region, task, "spec.template.spec.template.spec.containers")
        outer["template"] = task
        return outer

    def _store(self, req: Request, key: str, body: JSON, previous: JSON | None) -> JSON:
        project, region = req.params["project"], req.params["location"]
        spec = {k: v for k, v in body.items() if k not in SERVER_FIELDS and v is not None}
        spec["template"] = self._template(project, region, spec.get("template") or {})
        # No execution yet: latestCreatedExecution is empty, executionCount 0 is left out (proto3).
        job = {**spec, **self._status(key, spec, previous), "latestCreatedExecution": {}}
        self.gcp.store[key] = job
        return job
