"""Secret Manager v1 as the google provider 6.50.0 and Cloud Run use it: a secret's IAM policy
(``google_secret_manager_secret_iam_member``: GET ``…/secrets/{secret}:getIamPolicy`` with
``options.requestedPolicyVersion``, POST ``…:setIamPolicy``; services/secretmanager/iam_secret_manager_secret.go,
qualifySecretUrl at line 208) and the check Cloud Run makes when it starts an instance that reads a secret.

Secrets are not created by the stacks: a rehearsal seeds each secret a file names (``add_secret``), as it seeds
images, and a brownfield seed may leave one out or give it no versions. A workload whose secret does not exist,
whose version does not, or whose service account lacks roles/secretmanager.secretAccessor on the secret, fails:
a service's revision as Cloud Run fails it (``run.py``), with the reason Cloud Run gives (the wording follows its
errors as users report them, "Secret … was not found" and "Permission denied on secret: … for Revision service
account …"; no recorded exchange of ours holds one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_lib.facts.workloads import SECRET_ACCESSOR_ROLE, SECRET_LATEST

from . import iam
from .apis import service_of
from .server import ApiError, JSON, Request

if TYPE_CHECKING:
    from . import LocalGcp

BASE = "/secretmanager/v1/"


class SecretManager:
    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        secret = BASE + "projects/{project}/secrets/{secret}"
        r = gcp.router.add
        r("GET", secret, self.get)
        r("GET", secret + ":getIamPolicy", self.get_iam_policy)
        r("POST", secret + ":getIamPolicy", self.get_iam_policy)
        r("POST", secret + ":setIamPolicy", self.set_iam_policy)

    @staticmethod
    def key(project: str, secret: str) -> str:
        return f"projects/{project}/secrets/{secret}"

    def add_secret(self, project: str, secret: str, *, versions: int = 1) -> None:
        """A secret that exists before the deploy, with versions 1..``versions`` enabled (0: none yet)."""
        number = self.gcp.project_number(project)
        self.gcp.enable(project, service_of(BASE))
        self.gcp.store[self.key(project, secret)] = {
            "name": f"projects/{number}/secrets/{secret}", "replication": {"automatic": {}},
            "createTime": self.gcp.timestamp(), "etag": f'"{self.gcp.fingerprint()}"', "versions": versions}

    def _existing(self, req: Request) -> str:
        self.gcp.require_project(req.params["project"])
        key = self.key(req.params["project"], req.params["secret"])
        if key not in self.gcp.store:
            number = self.gcp.project_number(req.params["project"])
            raise ApiError(404, f"Secret [projects/{number}/secrets/{req.params['secret']}] not found or has no "
                                "versions.", status="NOT_FOUND")
        return key

    def get(self, req: Request) -> JSON:
        found = dict(self.gcp.store[self._existing(req)])
        found.pop("versions", None)
        return found

    def get_iam_policy(self, req: Request) -> JSON:
        return iam.get_policy(self.gcp, self._existing(req))

    def set_iam_policy(self, req: Request) -> JSON:
        return iam.set_policy(self.gcp, self._existing(req), req.body)

    def unreadable(self, project: str, account: str, containers: list[JSON], revision: str) -> str | None:
        """Why Cloud Run cannot read a secret that ``containers`` name, with ``account``; None when it can."""
        number = self.gcp.project_number(project)
        for c, container in enumerate(containers):
            for e, variable in enumerate(container.get("env") or []):
                ref = (variable.get("valueSource") or {}).get("secretKeyRef")
                if not ref:
                    continue
                secret = ref.get("secret", "").rsplit("/", 1)[-1]
                version = ref.get("version") or SECRET_LATEST
                where = f"spec.template.spec.containers[{c}].env[{e}].value_from.secret_key_ref.name"
                shown = f"projects/{number}/secrets/{secret}/versions/{version}"
                found = self.gcp.store.get(self.key(project, secret))
                if found is None or found["versions"] == 0 or (
                        version != SECRET_LATEST and int(version) > found["versions"]):
                    return f"{where}: Secret {shown} was not found"
                if not iam.has_role(self.gcp, self.key(project, secret), SECRET_ACCESSOR_ROLE,
                                    f"serviceAccount:{account}"):
                    return (f"{where}: Permission denied on secret: {shown} for Revision service account {account}. "
                            "The service account used must be granted the 'Secret Manager Secret Accessor' role "
                            f"({SECRET_ACCESSOR_ROLE}) at the secret, project or higher level.")
        return None
