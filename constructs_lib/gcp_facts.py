"""Facts about GCP (and its Terraform backend) that validation relies on, each written once with its source.

Every figure here is an outside fact: when Google changes one, this module
is the one place to change, and the date says how old the reading is.
Nothing here imports cdktf.
"""

from __future__ import annotations

import ipaddress

__all__ = [
    "SUBNET_RANGES", "SUBNET_RANGES_SHOWN", "is_subnet_range",
    "MAX_STATE_PREFIX",
]

# -- subnet ranges ---------------------------------------------------------------------------------------------
# The private-use IPv4 ranges a subnet of the chain may take: RFC 1918 and RFC 6598. Cloud Run's Direct VPC
# egress and VPC networks also take Class E (240.0.0.0/4, "Use non-RFC 1918 IPv4 addresses" in
# https://cloud.google.com/run/docs/configuring/networking-best-practices, read 2026-11-27), but Class E is not
# private-use space, is unsupported on Windows and on some on-premises hardware, and is refused here on purpose
# (issue 13), like every public, loopback, link-local, multicast or "this network" (0.0.0.0/8) range.
SUBNET_RANGES = tuple(ipaddress.IPv4Network(r) for r in (
    "10.0.0.0/8",      # RFC 1918
    "172.16.0.0/12",   # RFC 1918
    "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",   # RFC 6598, shared address space
))
SUBNET_RANGES_SHOWN = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598)"


def is_subnet_range(net: ipaddress.IPv4Network) -> bool:
    """Whether ``net`` lies inside one of the private-use ranges a subnet may take."""
    return any(net.subnet_of(allowed) for allowed in SUBNET_RANGES)


# -- state -----------------------------------------------------------------------------------------------------
# GCS object names are at most 1,024 bytes of UTF-8 (https://cloud.google.com/storage/docs/objects#naming, read
# 2026-11-27); the gcs backend writes <prefix>/<workspace>.tfstate, so the prefix keeps half for the rest.
MAX_STATE_PREFIX = 512
