"""Service Usage v1 and Cloud Resource Manager v1 ``projects.get`` (GCP-API-FACTS §4).

Both are called through Google's Go clients, based at the endpoint with its
version stripped only for https: with an http endpoint the calls arrive as
``/serviceusage/v1/v1/projects/…`` while the operation poll arrives as
``/serviceusage/v1/operations/…``. Both forms are routed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .server import JSON, Request, invalid

if TYPE_CHECKING:
    from . import LocalGcp

SU = "/serviceusage/v1/"
CRM = "/resourcemanager/v1/"


class ServiceUsage:
    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        r = gcp.router.add
        for base in (SU, SU + "v1/"):
            r("GET", base + "projects/{project}/services", self.list)
            r("GET", base + "projects/{project}/services/{service}", self.get)
            r("POST", base + "projects/{project}/services/{service}:enable", self.enable)
            r("POST", base + "projects/{project}/services/{service}:disable", self.disable)
            r("POST", base + "projects/{project}/services:batchEnable", self.batch_enable)
            r("GET", base + "operations/{name}", self.get_operation)
        for base in (CRM, CRM + "v1/"):
            r("GET", base + "projects/{project}", self.get_project)

    def get_project(self, req: Request) -> JSON:
        project = req.params["project"]
        self.gcp.require_project(project)
        return {"projectNumber": self.gcp.project_number(project), "projectId": project, "lifecycleState": "ACTIVE",
                "name": project, "createTime": "2020-01-01T00:00:00.000Z", "parent": {"type": "organization",
                                                                                        "id": "123456789"}}

    def _enabled(self, project: str) -> set[str]:
        self.gcp.require_project(project)
        return self.gcp.enabled_services.setdefault(project, set())

    def _service(self, project: str, service: str, state: str) -> JSON:
        return {"name": f"projects/{self.gcp.project_number(project)}/services/{service}",
                "parent": f"projects/{self.gcp.project_number(project)}", "state": state}

    def list(self, req: Request) -> JSON:
        project = req.params["project"]
        enabled = sorted(self._enabled(project))
        wanted = req.query.get("filter", "")
        if wanted and wanted != "state:ENABLED":
            raise invalid(f"unsupported filter {wanted!r}")
        return {"services": [self._service(project, s, "ENABLED") for s in enabled]} if enabled else {}

    def get(self, req: Request) -> JSON:
        project, service = req.params["project"], req.params["service"]
        state = "ENABLED" if service in self._enabled(project) else "DISABLED"
        return self._service(project, service, state)

    def _operation(self, project: str, services: list[str], state: str) -> JSON:
        name = f"operations/acat.p2-{self.gcp.project_number(project)}-{self.gcp.uuid()}"
        if len(services) == 1:
            response = {"@type": "type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse",
                        "service": self._service(project, services[0], state)}
        else:
            response = {"@type": "type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse",
                        "services": [self._service(project, s, state) for s in services]}
        # RUNNING as the call answers (no "done"), done at the first poll (operations.py).
        metadata = {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}
        return self.gcp.operations.start(name, {"name": name, "metadata": metadata},
                                         lambda: {"name": name, "done": True, "metadata": metadata,
                                                  "response": response})

    def enable(self, req: Request) -> JSON:
        project, service = req.params["project"], req.params["service"]
        self._enabled(project).add(service)
        return self._operation(project, [service], "ENABLED")

    def batch_enable(self, req: Request) -> JSON:
        project = req.params["project"]
        services = list(req.body.get("serviceIds") or [])
        if not services:
            raise invalid("serviceIds must not be empty")
        self._enabled(project).update(services)
        return self._operation(project, services, "ENABLED")

    def disable(self, req: Request) -> JSON:
        project, service = req.params["project"], req.params["service"]
        self._enabled(project).discard(service)
        return self._operation(project, [service], "DISABLED")

    def get_operation(self, req: Request) -> JSON:
        return self.gcp.operation(f"operations/{req.params['name']}")
