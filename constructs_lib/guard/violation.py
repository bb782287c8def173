"""What the guard refuses: one ``Violation`` per address, IP or NAT, under a stable rule id.

The rule ids are a contract, shared with the HCP Terraform policy set (``policy-set/``, whose Rego returns the
same ids): never rename or reuse one.
"""

from __future__ import annotations

from dataclasses import dataclass

# A delete, replace or forget of a google_compute_address the stack manages, not allowed by release_ips/forget_ips.
RELEASE = "release"
# A create of an address whose name was in the stack's state before (lost by a refresh, deleted outside).
RECREATE = "recreate"
# An IP leaving a NAT's active IPs (nat_ips) without going to its drain_nat_ips first.
UNDRAINED = "undrained"
# A NAT created or updated with no active IP (MANUAL_ONLY and nat_ips empty).
NO_ACTIVE_IP = "no-active-ip"
# A resource replaced create-before-destroy under its own name (a subnet moved to another network, or given a range
# that does not contain its own): Google Cloud refuses the second one, and the apply stops after what went first
# (a NAT re-created with its router) was deleted.
NAME_TAKEN = "name-taken"
# A delete (or replace) of a resource whose deletion_protection is on in the state (a Cloud Run service, job or
# worker pool): the provider refuses it during the apply, after what goes first was applied.
DELETION_PROTECTED = "deletion-protected"

RULES = (RELEASE, RECREATE, UNDRAINED, NO_ACTIVE_IP, NAME_TAKEN, DELETION_PROTECTED)


@dataclass(frozen=True)
class Violation:
    """One thing a plan would do to an allowlisted IP that the file did not allow.

    Attributes:
        rule: one of ``RULES``.
        address: the Terraform resource address (the address resource, or the NAT that holds the IP).
        name: the GCP name of the address (of the NAT, for ``no-active-ip``; of the resource, for ``name-taken``
            and ``deletion-protected``).
        ip: the IP, when the plan or the state knows it.
        message: what the plan does and how to allow it, for a person.
    """

    rule: str
    address: str
    name: str
    ip: str | None
    message: str
