"""Cloud Run Admin v2 jobs and their IAM policies, as the google provider 6.50.0 uses them
(services/cloudrunv2/resource_cloud_run_v2_job.go: POST ``…/jobs?jobId=`` at line 1030, GET, PATCH and DELETE
of ``…/jobs/{name}`` at 1092, 1271 and 1327, each write waited on as an operation).

GCP fills in what a job's template leaves out and the provider keeps as computed: the task count (1), the task
template's timeout (600 s), the default compute service account, the container's limits (1 CPU, 512 MiB, CPU
written in milli-CPUs as for a service); ``maxRetries`` takes 3 when left out and, being a proto3 number, is left
out of the answer when 0. The status is the job's own: ``terminalCondition`` Ready once the write's operation
ends, no execution (``executionCount`` 0). An image that does not exist fails the operation as Cloud Run fails
a service's revision (``run.py``). The job's ``vpcAccess`` is checked as a service's is (the connector, or the
subnet of Direct VPC egress, must exist).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from constructs_lib.facts.gcp import JOB_MAX_RETRIES, JOB_TASK_COUNT, JOB_TASK_TIMEOUT_SEC

from .run import Run, normalised_resources
from .run_resources import RunResources
from .server import JSON, Request, invalid

if TYPE_CHECKING:
    from . import LocalGcp

JOB_TYPE = "type.googleapis.com/google.cloud.run.v2.Job"
SERVER_FIELDS = ("uid", "generation", "observedGeneration", "etag", "createTime", "updateTime", "creator",
                 "lastModifier", "terminalCondition", "conditions", "executionCount", "latestCreatedExecution",
                 "reconciling", "name")
FAILED_PRECONDITION = 9


class Jobs(RunResources):
    """Cloud Run jobs (the routes and methods: ``run_resources.py``)."""

    kind, id_param, noun = "jobs", "jobId", "job"

    def __init__(self, gcp: LocalGcp, run: Run) -> None:
        super().__init__(gcp)
        self.run = run

    def _operation(self, req: Request, job: JSON, *, deploys: bool = True) -> JSON:
        name = f"projects/{req.params['project']}/locations/{req.params['location']}/operations/{self.gcp.uuid()}"

        def finish() -> JSON:
            error = self._judge(job) if deploys else None
            done: JSON = {"name": name, "metadata": {"@type": JOB_TYPE, **job}, "done": True}
            if error:
                done["error"] = {"code": FAILED_PRECONDITION, "message": error}
            else:
                done["response"] = {"@type": JOB_TYPE, **job}
            return done

        return self.gcp.operations.start(name, {"name": name, "metadata": {"@type": JOB_TYPE, **job}}, finish)

    def _judge(self, job: JSON) -> str | None:
        """The job is ready, or its image does not exist; the job's status says which. Returns the error."""
        now = self.gcp.timestamp()
        job["reconciling"] = False
        missing = [c["image"] for c in job["template"]["template"]["containers"]
                   if self.run.images is not None and c["image"] not in self.run.images]
        if missing:
            message = f"Image '{missing[0]}' not found."
            job["terminalCondition"] = {"type": "Ready", "state": "CONDITION_FAILED", "message": message,
                                        "lastTransitionTime": now, "reason": "CONTAINER_MISSING"}
            return message
        job["terminalCondition"] = {"type": "Ready", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": now}
        return None

    def _template(self, project: str, region: str, outer: JSON) -> JSON:
        outer = {"taskCount": JOB_TASK_COUNT, **outer}
        task = {"timeout": f"{JOB_TASK_TIMEOUT_SEC}s", **(outer.get("template") or {})}
        task.setdefault("maxRetries", JOB_MAX_RETRIES)
        if task["maxRetries"] == 0:
            del task["maxRetries"]  # proto3: a zero is not sent back
        task.setdefault("serviceAccount", f"{self.gcp.project_number(project)}-compute@developer.gserviceaccount.com")
        if "vpcAccess" in task:
            task["vpcAccess"] = dict(task["vpcAccess"])
            task["vpcAccess"].setdefault("egress", "PRIVATE_RANGES_ONLY")
            self.run._check_vpc_access(project, region, task["vpcAccess"])
        containers = []
        for container in task.get("containers") or []:
            container = dict(container)
            if not container.get("image"):
                raise invalid("spec.template.spec.template.spec.containers[0].image: Required")
            container["resources"] = normalised_resources(
                container.get("resources") or {"limits": {"cpu": "1000m", "memory": "512Mi"}})
            containers.append(container)
        if not containers:
            raise invalid("spec.template.spec.template.spec.containers: Required")
        task["containers"] = containers
        outer["template"] = task
        return outer

    def _store(self, req: Request, key: str, body: JSON, previous: JSON | None) -> JSON:
        project, region = req.params["project"], req.params["location"]
        spec = {k: v for k, v in body.items() if k not in SERVER_FIELDS and v is not None}
        spec["template"] = self._template(project, region, spec.get("template") or {})
        generation = int(previous["generation"]) + 1 if previous else 1
        digest = hashlib.sha256(f"{key}/{generation}".encode()).hexdigest()
        now = self.gcp.timestamp()
        job = {**spec, "name": key, "uid": (previous or {}).get("uid") or self.gcp.uuid(),
               "generation": str(generation), "observedGeneration": str(generation), "etag": f'"{digest[:20]}"',
               "createTime": (previous or {}).get("createTime") or now, "updateTime": now,
               "creator": "rehearsal@local", "lastModifier": "rehearsal@local",
               "launchStage": spec.get("launchStage", "GA"), "reconciling": True, "executionCount": 0,
               "terminalCondition": {"type": "Ready", "state": "CONDITION_RECONCILING", "lastTransitionTime": now}}
        self.gcp.store[key] = job
        return job
