"""Cloud Storage JSON API v1 buckets: the bootstrap stack's state bucket (metadata only, no objects).

fake-gcs-server keeps the environments' Terraform state (objects), but it drops
a bucket's location, labels, lifecycle and IAM settings and refuses versioning
on its filesystem backend with a 500 that the provider retries for twenty
minutes; so the bucket resource itself is answered here, with the fields GCP
fills (``projectNumber``, ``metageneration``, ``locationType``, a soft-delete
policy of seven days, ``publicAccessPrevention: inherited``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_lib.config.names import GCS_BUCKET
from constructs_lib.facts.gcp import BUCKET_MULTI_REGIONS, REGIONS, bucket_name_problem, is_bucket_location

from .server import JSON, ApiError, Request

if TYPE_CHECKING:
    from . import LocalGcp

BASE = "/storage/v1/"
LINK = "https://www.googleapis.com/storage/v1/b/"
SOFT_DELETE_SECONDS = "604800"


def _error(code: int, message: str, reason: str) -> ApiError:
    return ApiError(code, message, reason=reason)


class Storage:
    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        r = gcp.router.add
        r("POST", BASE + "b", self.insert)
        r("GET", BASE + "b/{bucket}", self.get)
        r("PATCH", BASE + "b/{bucket}", self.patch)
        r("PUT", BASE + "b/{bucket}", self.update)
        r("DELETE", BASE + "b/{bucket}", self.delete)
        r("GET", BASE + "b/{bucket}/o", self.list_objects)

    @staticmethod
    def _key(bucket: str) -> str:
        return f"buckets/{bucket}"

    def _existing(self, bucket: str) -> JSON:
        found = self.gcp.store.get(self._key(bucket))
        if found is None:
            raise _error(404, "The specified bucket does not exist.", "notFound")
        return found

    def _filled(self, bucket: JSON) -> JSON:
        bucket["location"] = bucket.get("location", "US").upper()
        location = bucket["location"]
        bucket["locationType"] = ("multi-region" if location in BUCKET_MULTI_REGIONS else
                                  "region" if location.lower() in REGIONS else "dual-region")
        if bucket["locationType"] in ("dual-region", "multi-region"):
            # A multi-region bucket shows it too (KCC storagebucketbasic/_http.log, location US).
            bucket.setdefault("rpo", "DEFAULT")
        bucket.setdefault("storageClass", "STANDARD")
        iam = bucket.setdefault("iamConfiguration", {})
        ubla = iam.setdefault("uniformBucketLevelAccess", {"enabled": False})
        iam["bucketPolicyOnly"] = dict(ubla)
        iam.setdefault("publicAccessPrevention", "inherited")
        bucket.setdefault("softDeletePolicy", {"retentionDurationSeconds": SOFT_DELETE_SECONDS,
                                               "effectiveTime": self.gcp.timestamp()})
        if not bucket.get("labels"):
            bucket.pop("labels", None)
        return bucket

    def insert(self, req: Request) -> JSON:
        project = req.query.get("project", "")
        self.gcp.require_project(project)
        name = req.body.get("name", "")
        if not isinstance(name, str) or not GCS_BUCKET.fullmatch(name) or bucket_name_problem(name):
            raise _error(400, f"Invalid bucket name: '{name}'", "invalid")
        location = req.body.get("location", "US")
        if not isinstance(location, str) or not is_bucket_location(location):
            # What Cloud Storage answers (googleapis/google-cloud-cpp issue 8566).
            raise _error(400, "The specified location constraint is not valid.", "invalid")
        if self._key(name) in self.gcp.store:
            raise _error(409, "Your previous request to create the named bucket succeeded and you already own it.",
                         "conflict")
        bucket = self._filled({**req.body, "kind": "storage#bucket", "id": name, "name": name,
                               "projectNumber": self.gcp.project_number(project), "metageneration": "1",
                               "etag": "CAE=", "timeCreated": self.gcp.timestamp(), "updated": self.gcp.timestamp(),
                               "selfLink": LINK + name})
        self.gcp.store[self._key(name)] = bucket
        return bucket

    def get(self, req: Request) -> JSON:
        return self._existing(req.params["bucket"])

    def _write(self, bucket: JSON, changes: JSON, *, replace: bool) -> JSON:
        fixed = {k: bucket[k] for k in ("kind", "id", "name", "projectNumber", "timeCreated", "selfLink",
                                        "location", "locationType")}
        updated = ({} if replace else dict(bucket)) | {k: v for k, v in changes.items() if v is not None} | fixed
        generation = int(bucket["metageneration"]) + 1
        updated.update(metageneration=str(generation), etag=f"CA{generation}=", updated=self.gcp.timestamp())
        self.gcp.store[self._key(bucket["name"])] = self._filled(updated)
        return updated

    def patch(self, req: Request) -> JSON:
        return self._write(self._existing(req.params["bucket"]), req.body, replace=False)

    def update(self, req: Request) -> JSON:
        return self._write(self._existing(req.params["bucket"]), req.body, replace=True)

    def delete(self, req: Request) -> JSON:
        self._existing(req.params["bucket"])
        del self.gcp.store[self._key(req.params["bucket"])]
        return {}

    def list_objects(self, req: Request) -> JSON:
        self._existing(req.params["bucket"])
        return {"kind": "storage#objects"}
