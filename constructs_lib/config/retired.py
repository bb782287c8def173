"""``[egress] release_ips`` and ``forget_ips``: the addresses one deploy may retire, checked against the file.

What the file alone can tell: an address retired is no longer one the file keeps (created, adopted, standing by),
and it is released or forgotten, not both. Whether the stack holds it is for the plan to say: the plan guard
(``constructs_lib.guard``) reads both lists from the stack's outputs and names what matches no address of the
stack's state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .reader import Reader

if TYPE_CHECKING:
    from .model import EnvironmentConfig


def check_retired(r: Reader, config: EnvironmentConfig) -> None:
    """Every name of release_ips and forget_ips is one the file no longer keeps, and is in one of the two."""
    kept = (*config.pool_names, *config.standby_ips)
    for key in ("release_ips", "forget_ips"):
        for i, name in enumerate(getattr(config, key)):
            if name in kept:
                r.problem(f"egress.{key}[{i}]", "an address the file no longer keeps (not in static_ip_names, the "
                          "addresses static_ip_count makes, existing_ips or standby_ips): a deploy retires an "
                          f"address it takes out of the file, and {name} is still in it", name)
    for i, name in enumerate(config.forget_ips):
        if name in config.release_ips:
            r.problem(f"egress.forget_ips[{i}]", "an address not also in egress.release_ips: an address is either "
                      "released (its IP given back) or forgotten (kept reserved, out of this stack)", name)
