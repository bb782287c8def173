"""The chain policies, one module per rule: what must hold for "every request leaves from these IPs" to be true.

Rules read the constructed resources as Terraform will get them, never the
environment file, so a chain built by hand or changed through an escape hatch
is held to the same rules. ``RULES`` is the pack, in order; a new rule is a new
module here, added to ``RULES``, with a compliant and a non-compliant test.
"""

from .connector_subnet import connector_uses_subnet
from .nat_covers_subnet import subnet_covered_by_manual_nat
from .nat_own_subnets import nat_only_chain_subnets
from .one_region import one_region
from .public_service import no_unexpected_public_service
from .service_egress import service_egress_all_traffic

__all__ = ["RULES"]

RULES = (
    service_egress_all_traffic,      # EGRESS-001
    subnet_covered_by_manual_nat,    # EGRESS-002
    one_region,                      # EGRESS-003
    connector_uses_subnet,           # EGRESS-004
    no_unexpected_public_service,    # EGRESS-005
    nat_only_chain_subnets,          # EGRESS-006
)
