"""EGRESS-005: no service is public (allUsers / allAuthenticatedUsers) unless the environment allowed it."""

from __future__ import annotations

from typing import Iterator

from ...facts.resources import (
    IAM_BINDING, IAM_MEMBER, IAM_POLICY, JOB, JOB_IAM_BINDING, JOB_IAM_MEMBER, JOB_IAM_POLICY, SERVICE,
)
from ..document import Resource, StackDocument
from ..engine import Result, rule

PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def _bindings(doc: StackDocument) -> Iterator[tuple[Resource, tuple[str, ...]]]:
    """Every IAM resource on a Cloud Run v2 service or job, with the members it grants."""
    for member in (*doc.resources(IAM_MEMBER), *doc.resources(JOB_IAM_MEMBER)):
        yield member, (member.get("member", ""),)
    for binding in (*doc.resources(IAM_BINDING), *doc.resources(JOB_IAM_BINDING)):
        yield binding, tuple(binding.get("members") or ())
    for policy in (*doc.resources(IAM_POLICY), *doc.resources(JOB_IAM_POLICY)):
        text = policy.get("policy_data", "")
        yield policy, tuple(m for m in PUBLIC_MEMBERS if isinstance(text, str) and m in text)


@rule(
    "EGRESS-005",
    "no service is public (allUsers or allAuthenticatedUsers) unless the environment allows it; no job ever is",
    "remove the binding, or set allow_unauthenticated = true on the service in the environment file "
    "(apply_chain_policies(stack, public_services=[...]) for a stack of your own)",
)
def no_unexpected_public_service(doc: StackDocument) -> Iterator[Result]:
    allowed = set(doc.policy.get("public_services", ()))
    for resource, members in _bindings(doc):
        public = [m for m in members if m in PUBLIC_MEMBERS]
        on_job = resource.type in (JOB_IAM_MEMBER, JOB_IAM_BINDING, JOB_IAM_POLICY)
        target = doc.target(resource.get("name"), JOB if on_job else SERVICE)
        service = (target.get("name") if target is not None else doc.name_of(resource.get("name"))) or "?"
        if on_job:
            # A job has no allow_unauthenticated: anyone who may run it would run it from the chain's IPs.
            yield Result(resource.path, not public, f'job "{service}": {resource.get("role")} for '
                                                    f"{', '.join(members) or 'no public member'}")
            continue
        if not public:
            yield Result(resource.path, True, f'service "{service}": {resource.get("role")} for '
                                              f"{', '.join(members) or 'no public member'}")
        elif service in allowed:
            yield Result(resource.path, True, f'service "{service}" is public ({", ".join(public)}), as the '
                                              "environment allows (allow_unauthenticated = true)")
        else:
            yield Result(resource.path, False, f'service "{service}" is made public ({", ".join(public)}, '
                                               f"{resource.get('role')}) but the environment does not allow it")
