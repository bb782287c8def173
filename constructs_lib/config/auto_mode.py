"""The rule of auto-mode networks: the chain's subnets stay outside the block GCP keeps for the regional subnets.

An auto-mode VPC network (the project's ``default`` network, unless it was made
by hand in custom mode) has a /20 in every region, all inside 10.128.0.0/9, and
GCP adds the next region's /20 from the same block: Compute refuses a subnet
that overlaps one of them, and a range elsewhere in the block collides with the
next region. Known offline, so refused at validation, before Terraform.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ..facts.gcp import AUTO_MODE_BLOCK, AUTO_MODE_SOURCE, AUTO_MODE_SUBNETS
from .reader import Reader

if TYPE_CHECKING:
    from .model import EnvironmentConfig

__all__ = ["check_auto_mode_ranges"]


def check_auto_mode_ranges(r: Reader, config: EnvironmentConfig) -> None:
    """On an auto-mode network, each of the chain's ranges must lie outside 10.128.0.0/9."""
    network = config.network
    if not network.auto_mode:
        return
    for key in ("subnet_cidr", "direct_subnet_cidr"):
        cidr = getattr(network, key)
        if cidr is None:
            continue
        net = ipaddress.IPv4Network(cidr)
        if not net.overlaps(AUTO_MODE_BLOCK):
            continue
        hit = [f"{region}'s {subnet}" for region, subnet in AUTO_MODE_SUBNETS.items() if subnet.overlaps(net)]
        own = AUTO_MODE_SUBNETS.get(config.region)
        why = (f"it overlaps {', '.join(hit)}, the auto-mode subnet{'s' if len(hit) > 1 else ''} already there"
               if hit else "GCP takes the next regions' /20s from that block")
        region_note = f"; {config.region}'s own is {own}" if own is not None and not hit else ""
        r.problem(f"network.{key}",
                  f"a range outside {AUTO_MODE_BLOCK}, which the auto-mode network \"{network.vpc}\" keeps for its "
                  f"regional subnets ({why}{region_note}; {AUTO_MODE_SOURCE}); if \"{network.vpc}\" is a "
                  "custom-mode network, say so with network.auto_mode = false", cidr)
