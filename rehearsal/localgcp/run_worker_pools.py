"""Cloud Run Admin v2 worker pools, as the google provider 6.50.0 uses them
(services/cloudrunv2/resource_cloud_run_v2_worker_pool.go: POST ``…/workerPools?workerPoolId=`` at line 946, GET,
PATCH and DELETE of ``…/workerPools/{name}`` at 1008, 1226 and 1282, each write waited on as an operation).

GCP fills the template's default compute service account and the container's limits (as for a service and a
job); scaling and the launch stage are kept as sent. ``vpcAccess`` takes no connector (the API's WorkerPool has
``networkInterfaces`` only) and its subnet must exist. At the operation's end, an image that does not exist or a
secret the pool's account cannot read fails it, as a service's revision fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_lib.facts.naming import RFC1035

from .run import IMAGE_MISSING, Run
from .run_resources import RunResources
from .server import JSON, Request, invalid

if TYPE_CHECKING:
    from . import LocalGcp

SERVER_FIELDS = ("uid", "generation", "observedGeneration", "etag", "createTime", "updateTime", "creator",
                 "lastModifier", "terminalCondition", "conditions", "latestReadyRevision", "latestCreatedRevision",
                 "reconciling", "instanceSplitStatuses", "name")


class WorkerPools(RunResources):
    """Cloud Run worker pools (the routes and methods: ``run_resources.py``)."""

    kind, id_param, noun = "workerPools", "workerPoolId", "worker pool"
    reserved_env = ()  # no documented contract names for a worker pool: none refused
    id_pattern = RFC1035
    type_url = "type.googleapis.com/google.cloud.run.v2.WorkerPool"

    def __init__(self, gcp: LocalGcp, run: Run) -> None:
        super().__init__(gcp)
        self.run = run

    def _judge(self, pool: JSON) -> str | None:
        now, template = self.gcp.timestamp(), pool["template"]
        revision = pool["latestCreatedRevision"].rsplit("/", 1)[-1]
        pool.pop("reconciling", None)  # false: left out, as proto3 does
        missing = [c["image"] for c in template["containers"] if not self.run.exists(c["image"])]
        error = IMAGE_MISSING.format(image=missing[0]) if missing else self.gcp.secretmanager.unreadable(
            pool["name"].split("/")[1], template["serviceAccount"], template["containers"], revision)
        if error:
            pool["terminalCondition"] = {"type": "Ready", "state": "CONDITION_FAILED", "message": error,
                                         "lastTransitionTime": now}
            return error
        pool["latestReadyRevision"] = pool["latestCreatedRevision"]
        pool["instanceSplitStatuses"] = [dict(split) for split in pool["instanceSplits"]]
        pool["terminalCondition"] = {"type": "Ready", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": now}
        return None

    def _template(self, project: str, region: str, template: JSON) -> JSON:
        if (template.get("vpcAccess") or {}).get("connector"):
            raise invalid("worker_pool.template.vpc_access.connector: a worker pool takes Direct VPC egress "
                          "(network_interfaces) only")
        return self._filled(project, region, template, "worker_pool.template.containers")

    def _store(self, req: Request, key: str, body: JSON, previous: JSON | None) -> JSON:
        project, region = req.params["project"], req.params["location"]
        spec = {k: v for k, v in body.items() if k not in SERVER_FIELDS and v is not None}
        spec["template"] = self._template(project, region, spec.get("template") or {})
        # GCP's fills (Config Connector's recording runworkerpool-minimal/_http.log at 0622f808): one instance
        # when no scaling is sent, every instance on the latest revision.
        spec.setdefault("scaling", {"manualInstanceCount": 1})
        spec.setdefault("instanceSplits", [{"type": "INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST", "percent": 100}])
        status = self._status(key, spec, previous)
        status.update(observedGeneration=status["generation"], reconciling=True)
        revision = f"{key}/revisions/{key.rsplit('/', 1)[-1]}-{status['generation'].zfill(5)}-{status['etag'][1:4]}"
        pool = {**spec, **status, "latestCreatedRevision": revision}
        if previous and "latestReadyRevision" in previous:
            pool["latestReadyRevision"] = previous["latestReadyRevision"]
        self.gcp.store[key] = pool
        return pool
