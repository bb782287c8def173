"""The egress stack's outputs that map address names to IPs: what a partner allowlists.

The stack writes them (``stacks/egress_stack.py``); a plan's allowlist change reads their ``output_changes``
(``report/plan_allowlist.py``), the only record a plan keeps of an adopted address's IP before the refresh.
"""

__all__ = ["DRAINING_IPS", "IP_OUTPUTS", "PARTNER_IPS", "STANDBY_IPS", "STATIC_IPS"]

# Address name → IP: the NAT's active addresses (created and adopted), those draining, those on standby.
STATIC_IPS = "static_ips"
DRAINING_IPS = "draining_ips"
STANDBY_IPS = "standby_ips"
# Rule label → address name → IP: each partner's NAT rule.
PARTNER_IPS = "partner_ips"
IP_OUTPUTS = (STATIC_IPS, DRAINING_IPS, STANDBY_IPS, PARTNER_IPS)
