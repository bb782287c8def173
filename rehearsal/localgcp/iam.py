"""``getIamPolicy`` and ``setIamPolicy`` as the newer APIs answer them (Cloud Run services and jobs, Secret
Manager secrets): a policy per resource, an etag that a concurrent change makes stale, no empty bindings kept, and
no public member where the project's organization policy restricts sharing to its domains."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .server import ApiError, JSON

if TYPE_CHECKING:
    from . import LocalGcp

EMPTY_ETAG = "ACAB"
# Domain restricted sharing: with this organization policy constraint on a project, a policy may name only members
# of the organization's permitted customers, never allUsers or allAuthenticatedUsers (Resource Manager, "Restricting
# identities by domain"); setIamPolicy answers 400 FAILED_PRECONDITION "One or more users named in the policy do not
# belong to a permitted customer" with a PreconditionFailure per member (as users meet it: GoogleCloudPlatform/
# genai-for-marketing#153, terraform-google-modules/terraform-example-foundation#1454).
DOMAIN_RESTRICTED_SHARING = "constraints/iam.allowedPolicyMemberDomains"
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def get_policy(gcp: LocalGcp, key: str) -> JSON:
    """The policy of the resource stored at ``key`` (an empty one with its etag when none was set)."""
    return gcp.store.get(key + ":iamPolicy") or {"etag": EMPTY_ETAG}


def set_policy(gcp: LocalGcp, key: str, body: JSON) -> JSON:
    """Replace the policy of the resource at ``key``; 409 ABORTED when the request's etag is stale."""
    policy = dict(body.get("policy") or {})
    current = get_policy(gcp, key)
    if policy.get("etag") and policy["etag"] != current["etag"]:
        raise ApiError(409, "There were concurrent policy changes. Please retry the whole read-modify-write "
                            "with exponential backoff.", status="ABORTED")
    bindings = [b for b in policy.get("bindings") or [] if b.get("members")]
    project = key.split("/")[1]
    public = sorted({m for b in bindings for m in b["members"] if m in PUBLIC_MEMBERS})
    if public and DOMAIN_RESTRICTED_SHARING in gcp.org_policies.get(project, ()):
        raise ApiError(400, "One or more users named in the policy do not belong to a permitted customer, perhaps "
                            "due to an organization policy.", status="FAILED_PRECONDITION", details=[{
                                "@type": "type.googleapis.com/google.rpc.PreconditionFailure",
                                "violations": [{"type": DOMAIN_RESTRICTED_SHARING,
                                                "subject": f"orgpolicy:projects/{project}?configvalue={member}",
                                                "description": f"User {member} is not in permitted organization."}
                                               for member in public]}])
    stored: JSON = {"version": 1, "etag": "BwY" + gcp.fingerprint()[:9]}
    if bindings:
        stored["bindings"] = bindings
    gcp.store[key + ":iamPolicy"] = stored
    return stored


def has_role(gcp: LocalGcp, key: str, role: str, member: str) -> bool:
    """Whether the policy of the resource at ``key`` grants ``role`` to ``member``."""
    return any(b.get("role") == role and member in b.get("members", ())
               for b in get_policy(gcp, key).get("bindings", ()))
