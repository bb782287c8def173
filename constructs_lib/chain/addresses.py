"""The reserved static external IPs: the addresses third parties allowlist.

The pool holds addresses the stack creates (``Address-<name>``, each with
``lifecycle.prevent_destroy``) and reserved addresses it adopts by name
(``Existing-<name>``, a ``google_compute_address`` data source: Terraform
never creates, changes or releases them). Some of either may be draining:
they stay declared, but go to the NAT's ``drain_nat_ips`` instead of its
``nat_ips``. Standby addresses are created (``Address-<name>`` as well) but
kept out of the NAT, so their IPs can be allowlisted before any traffic
leaves from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..facts.nat import ADDRESS_TIER
from .._provider.cdk import Construct, ITerraformDependable, Postcondition, Precondition, TerraformResourceLifecycle
from .._provider.google import ComputeAddress, DataGoogleComputeAddress


@dataclass(frozen=True, kw_only=True)
class StaticAddressesProps:
    """Regional external addresses for the NAT pool.

    Attributes:
        names: address names; each becomes one ``google_compute_address``.
        project: project that owns the network (the Shared VPC host project, if any).
        region: the NAT's region.
        existing_names: reserved addresses to adopt, read by name in ``project`` and
            ``region``; none when left out.
        draining_names: addresses of ``names`` or ``existing_names`` being retired; none when left out.
        standby_names: addresses to create outside the pool (not in the NAT); none when left out.
        rule_names: addresses of the pool or standby that NAT rules use: out of the NAT's nat_ips (a rule's
            address serves its partner alone); none when left out.
    """

    names: tuple[str, ...]
    project: str
    region: str
    existing_names: tuple[str, ...] = ()
    draining_names: tuple[str, ...] = ()
    standby_names: tuple[str, ...] = ()
    rule_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        pool = (*self.names, *self.existing_names)
        if len(set(pool + self.standby_names)) != len(pool) + len(self.standby_names):
            raise ValueError(f"an address is created, adopted or standing by, one of the three, got names "
                             f"{self.names}, existing_names {self.existing_names} and standby_names "
                             f"{self.standby_names}")
        unknown = [n for n in self.draining_names if n not in pool]
        if unknown:
            raise ValueError(f"draining_names must be addresses of the pool {pool}, got {unknown}")
        unknown = [n for n in self.rule_names if n not in pool + self.standby_names]
        if unknown:
            raise ValueError(f"rule_names must be addresses of the pool or standby, got {unknown}")


class StaticAddresses(Construct):
    """Reserved external IPv4 addresses, one child ``Address-<name>`` per name.

    Children are keyed by address name, never by position, so adding or
    removing one address never replaces another: an address is a contract
    with a third party's allowlist. Every created address has
    ``prevent_destroy``: a destroy, or a change that would replace it, fails
    at plan time instead of releasing the IP; and ``create_before_destroy``,
    so that one taken out of the file is released only after the NAT update
    that stops using it. Adopted addresses are children
    ``Existing-<name>``, with a postcondition that they are EXTERNAL.
    """

    def __init__(
        self, scope: Construct, id: str, *, props: StaticAddressesProps, depends_on: Sequence[ITerraformDependable] = ()
    ) -> None:
        super().__init__(scope, id)
        self._props = props
        def created(name: str) -> ComputeAddress:
            return ComputeAddress(
                self,
                f"Address-{name}",
                name=name,
                project=props.project,
                region=props.region,
                address_type="EXTERNAL",
                network_tier=ADDRESS_TIER,
                depends_on=list(depends_on) or None,
                # create_before_destroy: an address that leaves the file is deleted only after the NAT
                # update that stops using it, not before it (resourceInUseByAnotherResource).
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True, create_before_destroy=True),
            )

        self.resources = tuple(created(name) for name in props.names)
        self.standby = tuple(created(name) for name in props.standby_names)
        # No depends_on: an address that is already reserved needs no API enabled by this stack,
        # and a data source waiting for resources would be read only at apply time.
        self.existing = tuple(
            DataGoogleComputeAddress(
                self,
                f"Existing-{name}",
                name=name,
                project=props.project,
                region=props.region,
                lifecycle=TerraformResourceLifecycle(postcondition=[Postcondition(
                    condition='${self.address_type == "EXTERNAL"}',
                    error_message=f"existing_ips: {name} must be an EXTERNAL address to serve as a NAT IP.",
                )]),
            )
            for name in props.existing_names
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
        return {name: r.address for name, r in zip(self._props.names, self.resources)}

    def _pool(self) -> list[tuple[str, ComputeAddress | DataGoogleComputeAddress]]:
        return [*zip(self._props.names, self.resources), *zip(self._props.existing_names, self.existing)]

    @property
    def active_self_links(self) -> list[str]:
        """Created then adopted addresses, without the draining ones and those of rules: the NAT's nat_ips."""
        return [a.self_link for n, a in self._pool()
                if n not in self._props.draining_names and n not in self._props.rule_names]

    def self_links_of(self, names: tuple[str, ...]) -> list[str]:
        """Self links of addresses of the pool or standby, by name, in the order given (a NAT rule's IPs).

        Raises:
            KeyError: a name the stack neither creates nor adopts.
        """
        every = self._every()
        return [every[n].self_link for n in names]

    def _every(self) -> dict[str, ComputeAddress | DataGoogleComputeAddress]:
        return dict((*self._pool(), *zip(self._props.standby_names, self.standby)))

    def tier_terms(self, names: Sequence[str]) -> list[str]:
        """The network tier of each address, by name, as a Terraform expression: the tier this stack creates
        addresses in (``ADDRESS_TIER``, a literal), or an adopted address's data source attribute."""
        adopted = dict(zip(self._props.existing_names, self.existing))
        return [f"data.{adopted[n].terraform_resource_type}.{adopted[n].friendly_unique_id}.network_tier"
                if n in adopted else f'"{ADDRESS_TIER}"' for n in names]

    def one_tier(self, names: Sequence[str], where: str) -> list[Precondition]:
        """A precondition that the addresses ``names`` (one rule's, ``where``: a literal) are of one network tier,
        as Cloud NAT requires (``facts.nat.ADDRESS_TIER``), when two or more are and one is adopted: the tier of
        an adopted address is known only once its data source is read, at plan, before anything is changed."""
        adopted = [n for n in names if n in self._props.existing_names]
        if len(names) < 2 or not adopted:
            return []
        tiers = f"distinct([{', '.join(self.tier_terms(names))}])"
        return [Precondition(
            condition=f"${{length({tiers}) == 1}}",
            error_message=(
                f"existing_ips: the network tiers ${{join(\", \", {tiers})}} in the IPs of {where} "
                f"({', '.join(names)}): Cloud NAT takes the addresses of one tier in a rule, the NAT's own IPs (its "
                f"default rule) included. This stack creates {ADDRESS_TIER} addresses; adopt only {ADDRESS_TIER} "
                f"addresses beside them (adopted here: {', '.join(adopted)}), or only adopted addresses of one "
                "tier."))]

    @property
    def nat_own_names(self) -> tuple[str, ...]:
        """The addresses of the NAT's own IPs (its default rule), active and draining: the pool less the rules'."""
        return tuple(n for n, _ in self._pool() if n not in self._props.rule_names)

    @property
    def draining_self_links(self) -> list[str]:
        """The draining addresses of no rule: what the NAT's drain_nat_ips takes (a rule's drain in the rule)."""
        return [a.self_link for n, a in self._pool()
                if n in self._props.draining_names and n not in self._props.rule_names]

    @property
    def active_addresses_by_name(self) -> dict[str, str]:
        """Name to IP of every address in nat_ips: the ones third parties must allowlist."""
        return {n: a.address for n, a in self._pool()
                if n not in self._props.draining_names and n not in self._props.rule_names}

    @property
    def rule_addresses_by_name(self) -> dict[str, str]:
        """Name to IP of the addresses NAT rules use: each partner allowlists its rule's."""
        every = self._every()
        return {n: every[n].address for n in self._props.rule_names}

    @property
    def standby_addresses_by_name(self) -> dict[str, str]:
        """Name to IP of the standby addresses (those of no NAT rule): to allowlist before they join the pool."""
        return {n: a.address for n, a in zip(self._props.standby_names, self.standby)
                if n not in self._props.rule_names}

    @property
    def draining_addresses_by_name(self) -> dict[str, str]:
        """Name to IP of the draining addresses: the ones about to leave the pool."""
        return {n: a.address for n, a in self._pool() if n in self._props.draining_names}
