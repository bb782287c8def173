"""What Cloud Run Admin v2 does alike for a service and a job: the routes, create with ``<kind>Id``, get, patch,
delete (each write answering an operation) and the resource's IAM policy. ``run.py`` (services) and
``run_jobs.py`` (jobs) say what is stored (``_store``) and what the operation does at its end (``_operation``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import iam
from .server import ApiError, JSON, Request

if TYPE_CHECKING:
    from . import LocalGcp

BASE = "/run/v2/"


class RunResources:
    """One kind of Cloud Run resource under ``projects/{project}/locations/{location}/<kind>``."""

    kind = "services"   # the collection in the path
    id_param = "serviceId"   # the create's query parameter naming the new resource
    noun = "service"   # in the 404's message

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

    def _operation(self, req: Request, found: JSON, *, deploys: bool = True) -> JSON:
        raise NotImplementedError

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
        return self._operation(req, self._store(req, key, req.body, None))

    def get(self, req: Request) -> JSON:
        return self._existing(self._key(req))

    def patch(self, req: Request) -> JSON:
        key = self._key(req)
        previous = self._existing(key)
        return self._operation(req, self._store(req, key, req.body, previous))

    def delete(self, req: Request) -> JSON:
        key = self._key(req)
        found = self._existing(key)
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
