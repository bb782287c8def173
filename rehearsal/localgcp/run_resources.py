"""What Cloud Run Admin v2 does alike for a service and a job: the routes, create with ``<kind>Id``, get, patch,
delete (each write answering an operation) and the resource's IAM policy. ``run.py`` (services) and
``run_jobs.py`` (jobs) say what is stored (``_store``) and what the operation does at its end (``_operation``)."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from constructs_lib.config.names import MEMORY, SERVICE_NAME
from constructs_lib.facts.gcp import (CLOUD_RUN_DEFAULT_CPU, CLOUD_RUN_DEFAULT_MEMORY, MAX_LABELS,
                                     MIN_WORKLOAD_MEMORY_MIB, RESERVED_ENV_NAMES, memory_mib, milli_cpu)
from constructs_lib.facts.workloads import foreign_image_host

from . import iam
from .names import refuse_env_names, refuse_label_formats, refuse_workload_id
from .server import ApiError, JSON, Request, invalid

if TYPE_CHECKING:
    from . import LocalGcp

BASE = "/run/v2/"
FAILED_PRECONDITION = 9
# A container's resources when the request gives none: what Cloud Run shows (GCP-API-FACTS §3).
DEFAULT_RESOURCES = {"limits": {"cpu": "1000m", "memory": "512Mi"}}


class RunResources:
    """One kind of Cloud Run resource under ``projects/{project}/locations/{location}/<kind>``."""

    kind = "services"   # the collection in the path
    id_param = "serviceId"   # the create's query parameter naming the new resource
    noun = "service"   # in the 404's message
    type_url = "type.googleapis.com/google.cloud.run.v2.Service"   # the operation's metadata and response
    # Env names the kind's container contract sets: refused in a template.
    reserved_env: tuple[str, ...] = RESERVED_ENV_NAMES
    # The names the kind takes (a service's: at most 49 characters).
    id_pattern: re.Pattern[str] = SERVICE_NAME

    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        collection = BASE + "projects/{project}/locations/{location}/" + self.kind
        r = gcp.router.add
        r("POST", collection, self.create)
        r("GET", collection + "/{name}", self.get)
        r("PATCH", collection + "/{name}", self.patch)
        r("DELETE", collection + "/{name}", self.delete)
        r("GET", collection + "/{name}:getIamPolicy", self.get_iam_policy)
        r("POST", collection + "/{name}:getIamPolicy", self.get_iam_policy)
        r("POST", collection + "/{name}:setIamPolicy", self.set_iam_policy)

    def _store(self, req: Request, key: str, body: JSON, previous: JSON | None) -> JSON:
        raise NotImplementedError

    def _judge(self, found: JSON) -> str | None:
        """What the write's operation does at its end: the error it fails with, or None."""
        raise NotImplementedError

    def _operation(self, req: Request, found: JSON, *, deploys: bool = True) -> JSON:
        """A running operation; at its first poll the write is judged (``_judge``), unless it made nothing new
        (a delete)."""
        name = f"projects/{req.params['project']}/locations/{req.params['location']}/operations/{self.gcp.uuid()}"
        snapshot = {"@type": self.type_url, **found}

        def finish() -> JSON:
            error = self._judge(found) if deploys else None
            done: JSON = {"name": name, "metadata": {"@type": self.type_url, **found}, "done": True}
            if error:
                done["error"] = {"code": FAILED_PRECONDITION, "message": error}
            else:
                done["response"] = {"@type": self.type_url, **found}
            return done

        return self.gcp.operations.start(name, {"name": name, "metadata": snapshot}, finish)

    def _filled(self, project: str, region: str, template: JSON, where: str) -> JSON:
        """A job's task template or a worker pool's template as GCP keeps it: the default compute account, the
        VPC access checked (``Run._check_vpc_access``), both limits of each container (``where`` names the
        containers in the errors)."""
        template = dict(template)
        number = self.gcp.project_number(project)
        template.setdefault("serviceAccount", f"{number}-compute@developer.gserviceaccount.com")
        if "vpcAccess" in template:
            template["vpcAccess"] = dict(template["vpcAccess"])
            template["vpcAccess"].setdefault("egress", "PRIVATE_RANGES_ONLY")
            self.gcp.run._check_vpc_access(project, region, template["vpcAccess"])
        containers = []
        for container in template.get("containers") or []:
            container = dict(container)
            refuse_container(container, self.reserved_env, f"{where}[0]")
            container["resources"] = normalised_resources(container.get("resources") or DEFAULT_RESOURCES,
                                                          where=f"{where}[0].resources", service=False)
            containers.append(container)
        if not containers:
            raise invalid(f"{where}: Required")
        template["containers"] = containers
        return template

    def _status(self, key: str, spec: JSON, previous: JSON | None) -> JSON:
        """What a job or a worker pool holds beside its spec: ids, generation, times, Ready reconciling (a worker
        pool also says ``reconciling`` until its operation ends; a job does not: Config Connector's recordings,
        run_jobs.py and run_worker_pools.py)."""
        generation = int(previous["generation"]) + 1 if previous else 1
        digest = hashlib.sha256(f"{key}/{generation}".encode()).hexdigest()
        now = self.gcp.timestamp()
        return {"name": key, "uid": (previous or {}).get("uid") or self.gcp.uuid(), "generation": str(generation),
                "etag": f'"{digest[:20]}"',
                "createTime": (previous or {}).get("createTime") or now, "updateTime": now,
                "creator": "rehearsal@local", "lastModifier": "rehearsal@local",
                "launchStage": spec.get("launchStage", "GA"),
                "terminalCondition": {"type": "Ready", "state": "CONDITION_RECONCILING", "lastTransitionTime": now}}

    def _key(self, req: Request, name: str | None = None) -> str:
        self.gcp.require_project(req.params["project"])
        return f"projects/{req.params['project']}/locations/{req.params['location']}/{self.kind}/" + (
            name if name is not None else req.params["name"])

    def _existing(self, key: str) -> JSON:
        found = self.gcp.store.get(key)
        if found is None:
            raise ApiError(404, f'{self.noun} "{key}" not found', status="NOT_FOUND")
        return found

    def create(self, req: Request) -> JSON:
        name = req.query.get(self.id_param, "")
        key = self._key(req, name)
        if key in self.gcp.store:
            raise ApiError(409, f"Resource '{name}' already exists.", status="ALREADY_EXISTS")
        refuse_workload_id(name, self.id_pattern, self.id_param)
        refuse_labels(req.body)
        return self._operation(req, self._store(req, key, req.body, None))

    def get(self, req: Request) -> JSON:
        return self._existing(self._key(req))

    def patch(self, req: Request) -> JSON:
        key = self._key(req)
        previous = self._existing(key)
        refuse_labels(req.body)
        operation = self._operation(req, self._store(req, key, req.body, previous))
        self.gcp.hold_direct_ips(key, self.gcp.direct_subnets(key, previous)
                                 - self.gcp.direct_subnets(key, self.gcp.store[key]))
        return operation

    def delete(self, req: Request) -> JSON:
        key = self._key(req)
        found = self._existing(key)
        self.gcp.hold_direct_ips(key, self.gcp.direct_subnets(key, found))
        del self.gcp.store[key]
        self.gcp.store.pop(key + ":iamPolicy", None)
        return self._operation(req, found, deploys=False)

    def get_iam_policy(self, req: Request) -> JSON:
        key = self._key(req)
        self._existing(key)
        return iam.get_policy(self.gcp, key)

    def set_iam_policy(self, req: Request) -> JSON:
        key = self._key(req)
        self._existing(key)
        return iam.set_policy(self.gcp, key, req.body)


def refuse_labels(body: JSON) -> None:
    """GCP keeps at most ``MAX_LABELS`` labels on a resource (the provider's goog-terraform-provisioned among them
    on a create). The message is this API's, not a recorded one."""
    labels = body.get("labels") or {}
    if len(labels) > MAX_LABELS:
        raise invalid(f"labels: a resource can have at most {MAX_LABELS} labels, got {len(labels)}.")
    refuse_label_formats(labels)


def refuse_container(container: JSON, reserved: tuple[str, ...], where: str) -> None:
    """Cloud Run's 400s for a container (``where``: its path): no image, an image of a registry Cloud Run does not
    deploy from (``foreign_image_host``), an env name the workload's container contract sets (``reserved``)."""
    image = container.get("image")
    if not image:
        raise invalid(f"{where}.image: Required")
    if (host := foreign_image_host(str(image))) is not None:
        raise invalid(f"{where}.image: Expected an image path like [host/]repo-path[:tag and/or @digest], where host "
                      f"is one of [region.]gcr.io, [region-]docker.pkg.dev, docker.io or ghcr.io but obtained "
                      f"{image} (host {host}). To deploy container images from other public or private registries, "
                      "set up an Artifact Registry remote repository.")
    refuse_env_names(container, where)
    for variable in container.get("env") or []:
        if variable.get("name") in reserved:
            raise invalid(f"{where}.env: The following reserved env names were provided: {variable['name']}. These "
                          "values are automatically set by the system.")


def normalised_resources(resources: JSON, *, where: str = "spec.template.containers[0].resources",
                         service: bool = True) -> JSON:
    """What Cloud Run keeps of a container's resources: both limits, CPU in milli-CPUs. A CPU it does not offer
    is refused (below 1 CPU only a ``service``'s), and a job's or a worker pool's memory below their
    second-generation floor (Cloud Run's "Invalid value specified for ..." 400s)."""
    resources = dict(resources)
    limits = dict(resources.get("limits") or {})
    if limits:
        limits.setdefault("cpu", CLOUD_RUN_DEFAULT_CPU)
        limits.setdefault("memory", CLOUD_RUN_DEFAULT_MEMORY)
        milli = milli_cpu(str(limits["cpu"]), fractional=service)
        if milli is None:
            below = "" if service else " A job or a worker pool needs at least 1 CPU."
            raise invalid(f"{where}.limits.cpu: Invalid value specified for cpu: {limits['cpu']!r}.{below}")
        memory = str(limits["memory"])
        if not service and MEMORY.fullmatch(memory) and memory_mib(memory) < MIN_WORKLOAD_MEMORY_MIB:
            raise invalid(f"{where}.limits.memory: Invalid value specified for memory with gen2 execution "
                          f"environment. For {milli / 1000:g} CPU, memory must be at least "
                          f"{MIN_WORKLOAD_MEMORY_MIB}Mi.")
        limits["cpu"] = f"{milli}m"
        resources["limits"] = limits
    return resources
