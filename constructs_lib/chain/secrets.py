"""Secret Manager secrets a Cloud Run workload reads: the env entries that name them, and the accessor binding.

Cloud Run reads a secret with the workload's service account when it starts an instance (a service's revision,
a job's task); without roles/secretmanager.secretAccessor on the secret the revision or task fails. The binding
is one ``google_secret_manager_secret_iam_member`` per (secret, service account), not per workload: two
workloads with one account share it, so removing one of them never takes the other's access away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..facts.workloads import SECRET_ACCESSOR_ROLE
from ..facts.literal import terraform_literal
from .._provider.cdk import Construct, ITerraformDependable
from .._provider.google import SecretManagerSecretIamMember

__all__ = ["SecretAccess", "SecretAccessProps", "SecretEnv", "secret_env_entries"]


@dataclass(frozen=True, kw_only=True)
class SecretEnv:
    """One environment variable read from a secret of the workload's project.

    Attributes:
        secret: the secret's id.
        version: a version number ("3") or ``latest``.
    """

    secret: str
    version: str


@dataclass(frozen=True, kw_only=True)
class SecretAccessProps:
    """roles/secretmanager.secretAccessor for one service account on one secret.

    Attributes:
        secret: the secret's id.
        project: the secret's project (the workloads').
        service_account: the e-mail of the account the workloads run as.
    """

    secret: str
    project: str
    service_account: str

    @property
    def construct_id(self) -> str:
        """``SecretAccess-<secret>@<service account>``: a secret id holds no ``@``, so the pair is unambiguous."""
        return f"SecretAccess-{self.secret}@{self.service_account}"


class SecretAccess(Construct):
    """A ``google_secret_manager_secret_iam_member`` granting the accessor role (child ``Resource``)."""

    def __init__(self, scope: Construct, id: str, *, props: SecretAccessProps,
                 depends_on: tuple[ITerraformDependable, ...] = ()) -> None:
        super().__init__(scope, id)
        self.resource = SecretManagerSecretIamMember(
            self,
            "Resource",
            project=props.project,
            secret_id=terraform_literal(props.secret),
            role=SECRET_ACCESSOR_ROLE,
            member=terraform_literal(f"serviceAccount:{props.service_account}"),
            depends_on=list(depends_on) or None,
        )


def secret_env_entries(env: Mapping[str, str], secrets: Mapping[str, SecretEnv], *, env_class: Callable[..., Any],
                       value_source: Callable[..., Any], secret_key_ref: Callable[..., Any]) -> list[Any] | None:
    """A container's env as the provider's classes (a service's or a job's): the plain values, then the
    secrets as ``value_source.secret_key_ref``; None when there is neither. The user's strings stay text
    (``${`` and ``%{`` escaped for Terraform)."""
    entries = [env_class(name=terraform_literal(k), value=terraform_literal(v)) for k, v in env.items()]
    entries += [env_class(name=terraform_literal(k), value_source=value_source(secret_key_ref=secret_key_ref(
        secret=terraform_literal(s.secret), version=s.version))) for k, s in secrets.items()]
    return entries or None
