"""Cloud Run Admin v2 services and their IAM policies, as the google provider 6.50.0 uses them
(GCP-API-FACTS §3).

GCP fills in a service's template (concurrency, timeout, the default compute
service account, scaling, the container's port, resources and startup probe)
and its status (uid, generation, revisions, conditions, ``uri``). Only what GCP
really fills is filled: a field the provider does not treat as computed, set
here but not in the stack, would be a diff that real GCP never shows. GCP's
rewrites are made too: a CPU limit added when only memory is given (memory when
only CPU is), CPU written in milli-CPUs ("1" → "1000m").

Every write answers a running operation; at its first poll (operations.py) the
new revision is judged as Cloud Run judges it: an image that does not exist, or
a container that never listens on its port, fails the revision, and the
operation ends with the error Cloud Run writes (``Revision '…' is not ready and
cannot serve traffic. …``, code 9 FAILED_PRECONDITION; the Ready condition's
``reason`` from the v2 REST reference's ``Condition``: CONTAINER_MISSING for the
image, REVISION_FAILED beside ``revisionReason`` HEALTH_CHECK_CONTAINER_ERROR for
the port; the wording of the port case is the Cloud Run troubleshooting page's
"Container failed to start"). The service keeps the new spec, the old revision
keeps serving, and the traffic stays where it was. Which images exist is the
rehearsal's to say (``images``: every image a rehearsed file names, by
default); ``not_listening`` names images whose container fails its startup probe.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from constructs_lib.facts.gcp import CLOUD_RUN_MAX_INSTANCES, milli_cpu
from constructs_lib.facts.workloads import image_shape_missing

from .run_resources import BASE, RunResources, normalised_resources, refuse_container
from .server import JSON, Request, invalid

if TYPE_CHECKING:
    from . import LocalGcp

TEMPLATE_DEFAULTS: JSON = {"maxInstanceRequestConcurrency": 80, "timeout": "300s"}
DEFAULT_PORT = 8080
# Not a default of GCP's: a field the server computes, never what the request carries.
SERVER_FIELDS = ("uid", "generation", "observedGeneration", "etag", "createTime", "updateTime", "creator",
                 "lastModifier", "terminalCondition", "conditions", "latestReadyRevision", "latestCreatedRevision",
                 "uri", "urls", "reconciling", "trafficStatuses", "name")
ENCODED_REGION = {"us-central1": "uc", "europe-west1": "ew", "asia-northeast3": "du", "asia-northeast1": "an"}
NOT_SERVING = "Revision '{revision}' is not ready and cannot serve traffic."
IMAGE_MISSING = "Image '{image}' not found."
NOT_LISTENING = ("The user-provided container failed to start and listen on the port defined provided by the "
                 "PORT={port} environment variable within the allocated timeout. Container failed to start. "
                 "Failed to start and then listen on the port defined by the PORT environment variable.")


class Run(RunResources):
    """Cloud Run services (the routes and methods: ``run_resources.py``)."""

    def __init__(self, gcp: LocalGcp) -> None:
        super().__init__(gcp)
        # Images that exist (None: every image does); images whose container never listens on its port.
        self.images: set[str] | None = None
        self.not_listening: set[str] = set()
        # Every revision made, by service key: (revision name, images, ready).
        self.revisions: dict[str, list[tuple[str, tuple[str, ...], bool]]] = {}
        gcp.router.add("GET", BASE + "projects/{project}/locations/{location}/operations/{name}", self.get_operation)

    def exists(self, image: str) -> bool:
        """Whether an image exists: one of ``images`` (every image when None), at a path its registry can hold
        (``image_shape_missing``: no Artifact Registry image outside a repository)."""
        return (self.images is None or image in self.images) and image_shape_missing(image) is None

    def _failure(self, service: JSON) -> tuple[str, str, str | None] | None:
        """(reason, message, revision reason) of the revision's failure, or None when it serves."""
        revision = service["latestCreatedRevision"].rsplit("/", 1)[-1]
        for container in service["template"]["containers"]:
            image = container["image"]
            if not self.exists(image):
                return "CONTAINER_MISSING", (NOT_SERVING.format(revision=revision) + " "
                                             + IMAGE_MISSING.format(image=image)), None
            if image in self.not_listening:
                port = container["ports"][0].get("containerPort", DEFAULT_PORT)
                return "REVISION_FAILED", (NOT_SERVING.format(revision=revision) + " "
                                           + NOT_LISTENING.format(port=port)), "HEALTH_CHECK_CONTAINER_ERROR"
        template = service["template"]
        secret = self.gcp.secretmanager.unreadable(service["name"].split("/")[1], template["serviceAccount"],
                                                   template["containers"], revision)
        if secret is not None:
            return "REVISION_FAILED", NOT_SERVING.format(revision=revision) + " " + secret, None
        return None

    def _judge(self, service: JSON) -> str | None:
        """The new revision serves or fails; the service's status says which. Returns the error, if any."""
        key, now = service["name"], self.gcp.timestamp()
        images = tuple(c["image"] for c in service["template"]["containers"])
        failure = self._failure(service)
        revision = service["latestCreatedRevision"]
        self.revisions.setdefault(key, []).append((revision, images, failure is None))
        service["reconciling"] = False
        if failure is None:
            service["latestReadyRevision"] = revision
            service["terminalCondition"] = {"type": "Ready", "state": "CONDITION_SUCCEEDED", "lastTransitionTime": now}
            service["conditions"] = [{"type": t, "state": "CONDITION_SUCCEEDED", "lastTransitionTime": now}
                                     for t in ("RoutesReady", "ConfigurationsReady")]
            service["trafficStatuses"] = [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]
            return None
        reason, message, revision_reason = failure
        condition = {"type": "Ready", "state": "CONDITION_FAILED", "message": message, "lastTransitionTime": now,
                     "reason": reason}
        service["terminalCondition"] = condition
        configurations = {**condition, "type": "ConfigurationsReady"}
        if revision_reason:
            configurations["revisionReason"] = revision_reason
        routes = {"type": "RoutesReady", "state": "CONDITION_SUCCEEDED" if service.get("latestReadyRevision")
                  else "CONDITION_FAILED", "lastTransitionTime": now}
        service["conditions"] = [routes, configurations]
        # The traffic stays where it was: on the last ready revision, or nowhere on a first deploy.
        if not service.get("latestReadyRevision"):
            service.pop("trafficStatuses", None)
        return message

    def serving(self, key: str) -> str | None:
        """The revision that serves the service's traffic now (the last ready one), or None."""
        return self.gcp.store.get(key, {}).get("latestReadyRevision")

    def get_operation(self, req: Request) -> JSON:
        return self.gcp.operation(
            f"projects/{req.params['project']}/locations/{req.params['location']}/operations/{req.params['name']}")

    # --- what GCP makes of a request ------------------------------------------------------------------

    def _check_vpc_access(self, project: str, region: str, vpc: JSON) -> None:
        """The connector, or the network and subnet of Direct VPC egress, must exist (the revision fails otherwise)."""
        connector = vpc.get("connector")
        interfaces = vpc.get("networkInterfaces") or []
        if connector and interfaces:
            raise invalid("vpc_access: connector and network_interfaces are mutually exclusive")
        if connector:
            key = connector if connector.startswith("projects/") else (
                f"projects/{project}/locations/{region}/connectors/{connector}")
            if key not in self.gcp.store:
                raise invalid(f"VPC connector {connector} does not exist, or Cloud Run does not have permission "
                               "to use it.")
        for interface in interfaces:
            subnet = interface.get("subnetwork", "")
            key = subnet if subnet.startswith("projects/") else f"projects/{project}/regions/{region}/subnetworks/{subnet}"
            found = self.gcp.store.get(key)
            if found is None:
                raise invalid(f"Subnetwork '{subnet}' not found in project '{project}' (resolved as {key}).")
            network = interface.get("network")
            if network and network.rsplit("/", 1)[-1] != found["network"].rsplit("/", 1)[-1]:
                raise invalid(f"Subnetwork '{subnet}' is not in network '{network}'.")
            connectors = [user for user in self.gcp.serverless_users(key) if "/connectors/" in user]
            if connectors:  # a connector's /28 is its alone (the message is this API's)
                raise invalid(f"Subnetwork '{subnet}' is used by the Serverless VPC Access connector {connectors[0]}: "
                              "Direct VPC egress needs a subnet no connector uses.")
            interface.setdefault("network", found["network"].rsplit("/", 1)[-1])

    def _template(self, project: str, region: str, template: JSON) -> JSON:
        template = {**TEMPLATE_DEFAULTS, **template}
        template.setdefault("serviceAccount", f"{self.gcp.project_number(project)}-compute@developer.gserviceaccount.com")
        template.setdefault("scaling", {})
        template["scaling"].setdefault("maxInstanceCount", CLOUD_RUN_MAX_INSTANCES)
        if "vpcAccess" in template:
            template["vpcAccess"] = dict(template["vpcAccess"])
            template["vpcAccess"].setdefault("egress", "PRIVATE_RANGES_ONLY")
            self._check_vpc_access(project, region, template["vpcAccess"])
        containers = []
        for container in template.get("containers") or []:
            container = dict(container)
            refuse_container(container, self.reserved_env, "spec.template.containers[0]")
            container.setdefault("ports", [{"name": "http1", "containerPort": DEFAULT_PORT}])
            if "resources" not in container:
                container["resources"] = {"limits": {"cpu": "1000m", "memory": "512Mi"}, "cpuIdle": True,
                                          "startupCpuBoost": True}
            else:
                container["resources"] = normalised_resources(container["resources"])
            port = container["ports"][0].get("containerPort", DEFAULT_PORT)
            container.setdefault("startupProbe", {"timeoutSeconds": 240, "periodSeconds": 240, "failureThreshold": 1,
                                                  "tcpSocket": {"port": port}})
            containers.append(container)
        if not containers:
            raise invalid("spec.template.containers: Required")
        template["containers"] = containers
        _check_fractional_cpu(template)
        return template

    def _status(self, req: Request, key: str, spec: JSON, previous: JSON | None) -> JSON:
        name = req.params.get("name") or key.rsplit("/", 1)[-1]
        project, region = req.params["project"], req.params["location"]
        generation = int(previous["generation"]) + 1 if previous else 1
        digest = hashlib.sha256(f"{key}/{generation}".encode()).hexdigest()
        revision = f"{key}/revisions/{name}-{generation:05d}-{digest[:3]}"
        project_hash = hashlib.sha256(project.encode()).hexdigest()[:10]
        host = f"{name}-{project_hash}-{ENCODED_REGION.get(region, 'xx')}.a.run.app"
        now = self.gcp.timestamp()
        condition = {"type": "Ready", "state": "CONDITION_RECONCILING", "lastTransitionTime": now}
        status = {"name": key, "uid": (previous or {}).get("uid") or self.gcp.uuid(), "generation": str(generation),
                "observedGeneration": str(generation), "etag": f'"{digest[:20]}"',
                "createTime": (previous or {}).get("createTime") or now, "updateTime": now,
                "creator": "rehearsal@local", "lastModifier": "rehearsal@local",
                "launchStage": spec.get("launchStage", "GA"), "ingress": spec.get("ingress", "INGRESS_TRAFFIC_ALL"),
                "traffic": spec.get("traffic") or [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
                "terminalCondition": condition,
                "conditions": [{"type": t, "state": "CONDITION_RECONCILING", "lastTransitionTime": now}
                               for t in ("RoutesReady", "ConfigurationsReady")],
                "latestCreatedRevision": revision,
                "uri": f"https://{host}", "urls": [f"https://{host}"], "reconciling": True}
        # Until the new revision is judged, the last ready one keeps serving, with its traffic.
        for kept in ("latestReadyRevision", "trafficStatuses"):
            if previous and kept in previous:
                status[kept] = previous[kept]
        return status

    def _store(self, req: Request, key: str, body: JSON, previous: JSON | None) -> JSON:
        project, region = req.params["project"], req.params["location"]
        spec = {k: v for k, v in body.items() if k not in SERVER_FIELDS and v is not None}
        spec["template"] = self._template(project, region, spec.get("template") or {})
        scaling = spec["template"]["scaling"]
        if int(scaling.get("minInstanceCount", 0)) > int(scaling["maxInstanceCount"]):
            # goblet/goblet#287: the answer to a minimum above the maximum, the default maximum included.
            request = "UpdateServiceRequest" if previous else "CreateServiceRequest"
            raise invalid(f"Violation in {request}.service.template.scaling.max_instance_count: must be greater or "
                          "equal than min_instance_count.")
        service = {**spec, **self._status(req, key, spec, previous)}
        self.gcp.store[key] = service
        return service


def _check_fractional_cpu(template: JSON) -> None:
    """Below 1 CPU, Cloud Run refuses a revision unless it serves one request at a time, allocates CPU only during
    requests (``cpuIdle``: with limits given it must be set, its default being off then) and runs on the first
    generation ("Configure CPU limits for services", "If you use less than 1 vCPU")."""
    for container in template["containers"]:
        resources = container.get("resources") or {}
        cpu = (resources.get("limits") or {}).get("cpu")
        if cpu is None or (milli_cpu(str(cpu)) or 1000) >= 1000:
            continue
        where = "spec.template.spec.containers.resources.limits.cpu: Invalid value specified for cpu. Total cpu < 1 is"
        if int(template.get("maxInstanceRequestConcurrency", 80)) > 1:
            raise invalid(f"{where} not supported with concurrency > 1.")
        if resources.get("cpuIdle") is not True:
            raise invalid(f"{where} not supported with CPU always allocated.")
        if template.get("executionEnvironment") == "EXECUTION_ENVIRONMENT_GEN2":
            raise invalid(f"{where} not supported with gen2 execution environment.")
