"""The reserved static external IPs: the addresses third parties allowlist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .cdk import Construct, ITerraformDependable
from .google import ComputeAddress


@dataclass(frozen=True, kw_only=True)
class StaticAddressesProps:
    """Regional external addresses for the NAT pool.

    Attributes:
        names: address names; each becomes one ``google_compute_address``.
        project: project that owns the network (the Shared VPC host project, if any).
        region: the NAT's region.
    """

    names: tuple[str, ...]
    project: str
    region: str


class StaticAddresses(Construct):
    """Reserved external IPv4 addresses, one child ``Address-<name>`` per name.

    Children are keyed by address name, never by position, so adding or
    removing one address never replaces another: an address is a contract
    with a third party's allowlist.
    """

    def __init__(
        self, scope: Construct, id: str, *, props: StaticAddressesProps, depends_on: Sequence[ITerraformDependable] = ()
    ) -> None:
        super().__init__(scope, id)
        self.props = props
        self.resources = tuple(
            ComputeAddress(
                self,
                f"Address-{name}",
                name=name,
                project=props.project,
                region=props.region,
                address_type="EXTERNAL",
                network_tier="PREMIUM",
                depends_on=list(depends_on) or None,
            )
            for name in props.names
        )

    @property
    def address_self_links(self) -> list[str]:
        """Self links of the addresses, in the order of ``names``: what the NAT's nat_ips takes."""
        return [r.self_link for r in self.resources]

    @property
    def addresses(self) -> list[str]:
        """The IP addresses themselves, known after apply."""
        return [r.address for r in self.resources]

    @property
    def addresses_by_name(self) -> dict[str, str]:
        """Address name to IP (known after apply), for outputs."""
        return {name: r.address for name, r in zip(self.props.names, self.resources)}
