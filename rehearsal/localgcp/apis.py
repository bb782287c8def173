"""Which Google API each of the local API's routes is, and GCP's answer to a call into a project that has not
enabled it.

GCP answers such a call with a 403 whose ``details`` carry an ``ErrorInfo`` of reason ``SERVICE_DISABLED`` ("…
API has not been used in project … before or it is disabled. Enable it by visiting … then retry."; the provider's
"Common issues/FAQ", "403 Service API disabled"), and the provider does not retry it (no predicate of
``transport/error_retry_predicates.go`` at 6.50.0 takes it): a stack that calls an API before its
``google_project_service`` is enabled fails its first deploy into a fresh project. The rehearsal's projects start
with nothing enabled, as a project made through the API does; what a seed builds enables its API
(``LocalGcp.enable``), as it would have had to.

Service Usage and Resource Manager are not gated: the provider needs them to enable the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .server import ApiError, Request

if TYPE_CHECKING:
    from . import LocalGcp

# Route prefix → the API's service name and its title (as GCP's message names it).
ROUTE_APIS = (
    ("/compute/v1/", "compute.googleapis.com", "Compute Engine API"),
    ("/vpcaccess/v1/", "vpcaccess.googleapis.com", "Serverless VPC Access API"),
    ("/run/v2/", "run.googleapis.com", "Cloud Run Admin API"),
    ("/monitoring/v3/", "monitoring.googleapis.com", "Cloud Monitoring API"),
    ("/secretmanager/v1/", "secretmanager.googleapis.com", "Secret Manager API"),
    ("/storage/v1/", "storage.googleapis.com", "Cloud Storage JSON API"),
)
GATED_APIS = tuple(service for _, service, _ in ROUTE_APIS)


def service_of(prefix: str) -> str:
    """The API of the routes under ``prefix`` (an API module's ``BASE``): ``compute.googleapis.com``."""
    return next(service for route, service, _ in ROUTE_APIS if route == prefix)


def service_disabled(project_number: str, service: str, title: str, *, compute: bool) -> ApiError:
    """GCP's 403 for a call to ``service`` in a project that has not enabled it (Compute's shape also lists the
    error in ``errors[]``, reason ``accessNotConfigured``)."""
    url = f"https://console.developers.google.com/apis/api/{service}/overview?project={project_number}"
    message = (f"{title} has not been used in project {project_number} before or it is disabled. Enable it by "
               f"visiting {url} then retry. If you enabled this API recently, wait a few minutes for the action to "
               "propagate to our systems and retry.")
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SERVICE_DISABLED",
            "domain": "googleapis.com",
            "metadata": {"service": service, "serviceTitle": title, "consumer": f"projects/{project_number}",
                         "containerInfo": project_number, "activationUrl": url}}
    return ApiError(403, message, status="PERMISSION_DENIED", reason="accessNotConfigured" if compute else "",
                    domain="usageLimits", details=[info])


def require_enabled(gcp: LocalGcp, req: Request) -> None:
    """Raise GCP's 403 when ``req`` calls an API its project has not enabled. A project the caller cannot see is
    left to the API's own 403 (``LocalGcp.require_project``)."""
    project = req.params.get("project") or req.query.get("project")
    if not project or project not in gcp.projects:
        return
    for prefix, service, title in ROUTE_APIS:
        if req.path.startswith(prefix):
            if service not in gcp.enabled_services.get(project, set()):
                raise service_disabled(gcp.projects[project], service, title, compute=prefix == "/compute/v1/")
            return
