"""What Compute refuses in a router PATCH that changes its NATs (a NAT is an item of its router's ``nats``).

- drain IPs: only on an existing NAT, only addresses that were its own, never also in ``natIps``;
- one NAT per range: a NAT for ``ALL_SUBNETWORKS_ALL_IP_RANGES`` leaves no room for another NAT of the
  network in its region, and a subnet belongs to one NAT (``RouterNat.sourceSubnetworkIpRangesToNat``,
  Compute REST reference; the message is the one users quote from the API);
- an address is one user's: an address another NAT or a VM uses cannot become a NAT IP;
- dynamic port allocation and endpoint-independent mapping exclude each other (Cloud NAT, "Set up and
  manage network address translation with Cloud NAT"; ``resource_compute_router_nat.go`` at 6.50.0 keeps
  ``enable_endpoint_independent_mapping`` Optional+Computed, so a NAT that had it on keeps sending it).

Each is a synchronous 400 of Compute's shape (``errors[].reason``), as GCP answers a PATCH it will not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .server import JSON, ApiError

if TYPE_CHECKING:
    from . import LocalGcp

ALL_SUBNETWORKS = "ALL_SUBNETWORKS_ALL_IP_RANGES"


def _invalid(message: str) -> ApiError:
    return ApiError(400, message, reason="invalid")


def _relative(link: str) -> str:
    index = link.find("projects/")
    return link[index:] if index >= 0 else link


def check_nats(gcp: LocalGcp, router_key: str, nats: list[JSON]) -> None:
    """Raise GCP's 400 for the first rule the router's new ``nats`` break."""
    router = gcp.store[router_key]
    old = {nat["name"]: nat for nat in router.get("nats", [])}
    for i, nat in enumerate(nats):
        _check_drain(nat, old.get(nat["name"]), i)
        if nat.get("enableDynamicPortAllocation") and nat.get("enableEndpointIndependentMapping"):
            raise _invalid(f"Invalid value for field 'resource.nats[{i}].enableEndpointIndependentMapping': "
                           "'true'. Endpoint Independent Mapping cannot be enabled when Dynamic Port Allocation "
                           "is enabled.")
    _check_neighbours(gcp, router_key, router, nats)


def _check_drain(nat: JSON, before: JSON | None, i: int) -> None:
    drained = nat.get("drainNatIps", [])
    if drained and before is None:
        raise _invalid(f"Invalid value for field 'resource.nats[{i}].drainNatIps': drain IPs are not "
                       f"allowed on a new NAT '{nat['name']}'.")
    previous = set((before or {}).get("natIps", [])) | set((before or {}).get("drainNatIps", []))
    for link in drained:
        if link not in previous:
            raise _invalid(f"Invalid value for field 'resource.nats[{i}].drainNatIps': '{link}'. The IP "
                           "must be one of the NAT's current IPs before it can be drained.")
        if link in nat.get("natIps", []):
            raise _invalid(f"Invalid value for field 'resource.nats[{i}].drainNatIps': '{link}' is also in natIps.")


def _other_nats(gcp: LocalGcp, router_key: str, router: JSON) -> list[tuple[str, JSON]]:
    """(router self link, NAT) of every other router of the same network and region."""
    region_prefix = router_key.rsplit("/routers/", 1)[0] + "/routers/"
    found = []
    for key, other in gcp.store.items():
        if key == router_key or not key.startswith(region_prefix) or key.count("/") != 5:
            continue
        if other.get("network") == router.get("network"):
            found.extend((other["selfLink"], nat) for nat in other.get("nats", []))
    return found


def _check_neighbours(gcp: LocalGcp, router_key: str, router: JSON, nats: list[JSON]) -> None:
    others = _other_nats(gcp, router_key, router)
    old_names = {nat["name"] for nat in router.get("nats", [])}
    new = [nat for nat in nats if nat["name"] not in old_names]
    everyone = others + [(router["selfLink"], nat) for nat in nats]
    if new and any(nat.get("sourceSubnetworkIpRangesToNat") == ALL_SUBNETWORKS
                   for owner, nat in everyone if nat not in new):
        raise _invalid(f"Can not create new Nats since a Nat with option {ALL_SUBNETWORKS} exists.")
    if any(nat.get("sourceSubnetworkIpRangesToNat") == ALL_SUBNETWORKS for nat in new) and len(everyone) > 1:
        raise _invalid(f"Can not create a Nat with option {ALL_SUBNETWORKS} since other Nats exist in this "
                       "network and region.")
    taken_subnets = {_relative(s["name"]): nat["name"] for _, nat in others for s in nat.get("subnetworks", [])}
    taken_ips = {_relative(link): owner for owner, nat in others
                 for link in nat.get("natIps", []) + nat.get("drainNatIps", [])}
    for nat in nats:
        for subnet in nat.get("subnetworks", []):
            holder = taken_subnets.get(_relative(subnet["name"]))
            if holder is not None:
                raise _invalid(f"Subnetwork '{_relative(subnet['name'])}' is already used by nat '{holder}'.")
        for link in nat.get("natIps", []):
            key = _relative(link)
            users = [taken_ips[key]] if key in taken_ips else gcp.store.get(key, {}).get("users", [])
            users = [u for u in users if _relative(u) != router_key]
            if users:
                raise ApiError(400, f"The address resource '{key}' is already being used by '{users[0]}'",
                               reason="resourceInUseByAnotherResource")
