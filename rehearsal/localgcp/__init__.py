"""A local GCP API for exactly what the stacks use, for the real google provider to plan and apply against.

    with LocalGcp() as gcp:
        gcp.add_project("my-project")
        gcp.compute.add_network("my-project", "default")
        env = gcp.provider_env()      # GOOGLE_*_CUSTOM_ENDPOINT, a static token, the refusing proxy

It serves on 127.0.0.1 (a free port) from a thread of the calling process and
keeps every resource in memory, in one dict keyed by the resource's relative
name (``projects/P/regions/R/subnetworks/N``...). Unknown projects answer 403
as GCP does; everything else is in the API modules. ``lost_on_read`` makes a
Compute GET answer 404 for a resource the store still holds (a refresh that
loses it from state, for the plan guard's tests); a call into a project that has not enabled its API is GCP's
403 (``apis.py``); ``faults`` fails chosen calls on purpose
(``faults.py``: an error status, a reset connection, an operation that fails or never ends). Nothing of it is in a
synthesized stack: the provider finds it only through ``provider_env()``.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import uuid as _uuid
from typing import Any

from . import apis
from .compute import Compute, relative
from .faults import FaultTable
from .monitoring import Monitoring
from .nat_rules import nat_ip_links
from .operations import Operations
from .run import Run
from .run_jobs import Jobs
from .run_worker_pools import WorkerPools
from .secretmanager import SecretManager
from .server import JSON, ApiError, HttpServer, Router
from .serviceusage import ServiceUsage
from .storage import Storage
from .vpcaccess import VpcAccess

__all__ = ["ApiError", "LocalGcp"]

# A fixed instant: rehearsals and their plans are the same from run to run.
TIMESTAMP = "2026-01-01T00:00:00.000-08:00"
# Addresses handed out from TEST-NET-3 (RFC 5737): never anybody's real IP.
EXTERNAL_POOL = "203.0.113."


class LocalGcp:
    """The in-memory GCP, its HTTP server, and what tests read back (``store``, ``requests``)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.router = Router()
        self.store: dict[str, JSON] = {}
        self.projects: dict[str, str] = {}
        self.enabled_services: dict[str, set[str]] = {}
        self.requests: list[tuple[str, str, JSON]] = []
        self.refused_connects: list[str] = []
        self.internal_errors: list[str] = []
        # Resources (relative names, ``projects/P/regions/R/addresses/N``) that a GET answers with 404 although the
        # store keeps them: a refresh that loses one from state, as a transient 404 or a wrong project would.
        # Only single-resource GETs of Compute (``compute.Compute.get``); lists, writes and deletes still see them.
        self.lost_on_read: set[str] = set()
        # Project → the organization policy constraints enforced on it (``iam.DOMAIN_RESTRICTED_SHARING``).
        self.org_policies: dict[str, set[str]] = {}
        # Subnet → the workloads that left it, whose Direct VPC egress IPs Cloud Run keeps (``hold_direct_ips``).
        self.direct_ip_holds: dict[str, set[str]] = {}
        # (project, region, metric) → limit, where a seed set one (compute.STATIC_ADDRESSES_QUOTA otherwise).
        self.quotas: dict[tuple[str, str, str], int] = {}
        self._ids = itertools.count(1_000_000_000_000_000_001)
        # Faults on purpose (faults.py): empty unless a rehearsal or a campaign installs rules.
        self.faults = FaultTable(self)
        self.operations = Operations(self)
        self._ips = itertools.count(10)
        self.compute = Compute(self)
        self.vpcaccess = VpcAccess(self)
        self.run = Run(self)
        self.run_jobs = Jobs(self, self.run)
        self.run_worker_pools = WorkerPools(self, self.run)
        self.secretmanager = SecretManager(self)
        self.serviceusage = ServiceUsage(self)
        self.storage = Storage(self)
        self.monitoring = Monitoring(self)
        self.router.gate = lambda req: apis.require_enabled(self, req)
        self._http: HttpServer | None = None

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> LocalGcp:
        self._http = HttpServer(self)
        self._http.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> LocalGcp:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._http is None:
            raise RuntimeError("the local GCP API is not started")
        return self._http.url

    def provider_env(self) -> dict[str, str]:
        """The google provider's environment for this server: endpoints, a static token, a refusing proxy.

        The proxy variables make the provider's one hard-coded outside call (its userinfo
        log line) come here, where it is refused at once; Go never proxies 127.0.0.1.
        """
        url = self.url
        return {
            "GOOGLE_COMPUTE_CUSTOM_ENDPOINT": f"{url}/compute/v1/",
            "GOOGLE_VPC_ACCESS_CUSTOM_ENDPOINT": f"{url}/vpcaccess/v1/",
            "GOOGLE_CLOUD_RUN_V2_CUSTOM_ENDPOINT": f"{url}/run/v2/",
            "GOOGLE_SERVICE_USAGE_CUSTOM_ENDPOINT": f"{url}/serviceusage/v1/",
            "GOOGLE_RESOURCE_MANAGER_CUSTOM_ENDPOINT": f"{url}/resourcemanager/v1/",
            "GOOGLE_STORAGE_CUSTOM_ENDPOINT": f"{url}/storage/v1/",
            # No version: the provider appends v3/ to the Monitoring base itself.
            "GOOGLE_MONITORING_CUSTOM_ENDPOINT": f"{url}/monitoring/",
            "GOOGLE_SECRET_MANAGER_CUSTOM_ENDPOINT": f"{url}/secretmanager/v1/",
            "GOOGLE_OAUTH_ACCESS_TOKEN": "local-rehearsal-token",
            "HTTPS_PROXY": url,
            "HTTP_PROXY": url,
            "NO_PROXY": "127.0.0.1,localhost",
        }

    # --- seeding ------------------------------------------------------------------------------------

    def add_project(self, project: str, *, enabled: tuple[str, ...] = ()) -> None:
        """A project that exists, with a number derived from its id and these APIs already enabled."""
        with self.lock:
            number = str(100_000_000_000 + int(hashlib.sha256(project.encode()).hexdigest()[:8], 16))
            self.projects[project] = number
            self.enabled_services.setdefault(project, set()).update(enabled)

    def enable(self, project: str, *services: str) -> None:
        """These APIs enabled in ``project``: what a seed builds there could not exist otherwise."""
        with self.lock:
            self.enabled_services.setdefault(project, set()).update(services)

    # --- shared by the API modules ------------------------------------------------------------------

    def require_project(self, project: str) -> None:
        """GCP answers a project that does not exist (or that the caller may not see) with 403."""
        if project not in self.projects:
            raise ApiError(403, f"Permission denied on resource project {project}.", status="PERMISSION_DENIED",
                           reason="forbidden")

    def project_number(self, project: str) -> str:
        self.require_project(project)
        return self.projects[project]

    def next_id(self) -> str:
        return str(next(self._ids))

    def next_external_ip(self) -> str:
        return EXTERNAL_POOL + str(next(self._ips))

    def uuid(self) -> str:
        return str(_uuid.uuid4())

    def fingerprint(self) -> str:
        return hashlib.sha256(self.uuid().encode()).hexdigest()[:12]

    @staticmethod
    def timestamp() -> str:
        return TIMESTAMP

    def operation(self, name: str) -> JSON:
        """A long-running operation of the newer APIs by its name, polled (so finished, see operations.py);
        404 as they answer an unknown one."""
        found = self.operations.poll(name)
        if found is None:
            raise ApiError(404, f"Operation {name} not found.", status="NOT_FOUND")
        return found

    def subnetworks_of(self, network_link: str) -> list[JSON]:
        return [v for k, v in self.store.items() if "/subnetworks/" in k and v.get("network") == network_link]

    def users_of(self, key: str) -> list[str]:
        """What still uses a resource, so that deleting it fails as on GCP (an address in a NAT, a subnet
        under a connector, a NAT or a Cloud Run service, a connector under a service)."""
        users = []
        for other_key, other in self.store.items():
            if "/routers/" in other_key and other_key.count("/") == 5:
                for nat in other.get("nats", []):
                    links = nat_ip_links(nat) + [s["name"] for s in nat.get("subnetworks", [])]
                    if any(relative(link) == key for link in links):
                        users.append(other["selfLink"])
            elif "/connectors/" in other_key and other_key.count("/") == 5:
                subnet = other["subnet"]
                region = other_key.split("/")[3]
                if key == f"projects/{subnet['projectId']}/regions/{region}/subnetworks/{subnet['name']}":
                    users.append(other["name"])
            elif any(f"/{kind}/" in other_key for kind in ("services", "jobs", "workerPools")) and \
                    other_key.count("/") == 5:
                connector = _vpc_access(other_key, other).get("connector")
                if connector == key or key in self.direct_subnets(other_key, other):
                    users.append(other["name"])
        return users + sorted(self.direct_ip_holds.get(key, ()))

    def serverless_users(self, subnet: str) -> list[str]:
        """The connectors on a subnet and the Cloud Run workloads taking (or still holding) Direct VPC egress IPs in it:
        a connector's /28 must be used by nothing else (GCP-NOTES.md, "Serverless VPC Access")."""
        return [user for user in self.users_of(subnet)
                if any(f"/{kind}/" in user for kind in ("connectors", "services", "jobs", "workerPools"))]

    def direct_subnets(self, key: str, workload: JSON) -> set[str]:
        """The subnets (relative names) a Cloud Run service, job or worker pool takes Direct VPC egress IPs from."""
        project, region = key.split("/")[1], key.split("/")[3]
        subnets = (i.get("subnetwork", "") for i in _vpc_access(key, workload).get("networkInterfaces", []))
        return {s if s.startswith("projects/") else f"projects/{project}/regions/{region}/subnetworks/{s}"
                for s in subnets}

    def hold_direct_ips(self, key: str, subnets: set[str]) -> None:
        """A workload has left these subnets (moved, or deleted): Cloud Run keeps its Direct VPC egress IPs in them
        for 1–2 hours ("After you delete or move your Cloud Run resources, wait 1–2 hours for Cloud Run to release
        the IPs before you delete the subnet", Cloud Run's Direct VPC egress page), so deleting them fails as
        deleting a subnet in use does, until ``release_direct_ips`` (the two hours passed)."""
        for subnet in subnets:
            self.direct_ip_holds.setdefault(subnet, set()).add(f"{key} (Direct VPC egress IPs Cloud Run keeps for "
                                                               "1-2 hours after a workload leaves the subnet)")

    def release_direct_ips(self) -> None:
        """Two hours later: Cloud Run has released every Direct VPC egress IP a workload left behind."""
        with self.lock:
            self.direct_ip_holds.clear()


def _vpc_access(key: str, workload: JSON) -> JSON:
    """A Cloud Run service's, job's or worker pool's ``vpcAccess`` (a job's is in its task template)."""
    template = workload.get("template", {})
    return (template.get("template", {}) if "/jobs/" in key else template).get("vpcAccess", {})
