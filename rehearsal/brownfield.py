"""A brownfield seed: what already exists in the project before a rehearsed deploy, from a small TOML file.

    make rehearse ENV=example SEED=rehearsal/seeds/nat-for-all-subnets.toml
    python -m rehearsal --seed my-seed.toml environments/example.toml

The environment file says what it needs (its projects, network, ``existing_ips``,
``[adopt]``); a seed adds the neighbours a real project has, so the rehearsal
fails where Google Cloud would, with Google Cloud's error:

    [network]
    mode = "auto"              # the VPC as an auto-mode network, its regional /20s included ("custom": none)

    [[nat]]                    # a router whose NAT covers every subnet of the region
    router = "legacy-router"
    name = "legacy-nat"
    addresses = ["legacy-ip"]  # reserved, and used by that NAT (optional)
    ranges = "primary"         # "all" (every IP range, the default) or "primary" (every subnet's primary range:
                               # gcloud's --nat-primary-subnet-ip-ranges)

    [[vm]]                     # a VM that uses addresses (an address of existing_ips, say)
    name = "bastion"           # zone: "<region>-a" when left out
    addresses = ["partner-ip"]

    [quota]
    static_addresses = 1       # the region's STATIC_ADDRESSES limit (GCP's usual default: 8)

    [images]
    missing = ["asia.gcr.io/my-project/app:typo"]  # images that do not exist (every other image the file names does)
    not_listening = ["asia.gcr.io/my-project/app:2.0.0"]  # containers that never listen on $PORT

    [secrets]
    missing = ["partner-api-key"]  # Secret Manager secrets that do not exist (every other secret the file reads does)

    [addresses]
    standard = ["partner-ip"]  # reserved addresses of the STANDARD network tier (every other one is PREMIUM)

    [org_policy]
    domain_restricted_sharing = true  # the project's IAM policies take no allUsers (iam.allowedPolicyMemberDomains)

Everything is in the network project and the region of the file (the organization policy: on its project). Problems are
reported together, each with the seed file, the key, what was expected and what
was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constructs_lib.config import ConfigError, EnvironmentConfig
from constructs_lib.config.reader import MISSING, Reader
from constructs_lib.config.toml_file import read_toml
from constructs_lib.facts.gcp import AUTO_MODE_SUBNETS
from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.compute import LINK
from rehearsal.localgcp.iam import DOMAIN_RESTRICTED_SHARING

__all__ = ["Seed", "SeedError", "load_seed", "auto_mode_subnets"]

_TABLES = {"network": ("mode",), "nat": ("router", "name", "addresses", "ranges"), "vm": ("name", "addresses", "zone"),
           "quota": ("static_addresses",), "images": ("missing", "not_listening"), "secrets": ("missing",),
           "addresses": ("standard",), "org_policy": ("domain_restricted_sharing",)}
_ARRAYS = ("nat", "vm")  # [[nat]], [[vm]]: any number of each; the others one table at most
# [[nat]] ranges → the NAT's sourceSubnetworkIpRangesToNat.
NAT_RANGES = {"all": "ALL_SUBNETWORKS_ALL_IP_RANGES", "primary": "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES"}


class SeedError(Exception):
    """A seed file that cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Seed:
    """What a seed file asks for (see the module's docstring)."""

    network_mode: str | None = None
    nats: tuple[tuple[str, str, tuple[str, ...], str], ...] = ()  # router, NAT, addresses, its ranges option
    vms: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    static_addresses: int | None = None
    missing_images: tuple[str, ...] = ()
    not_listening: tuple[str, ...] = ()
    missing_secrets: tuple[str, ...] = ()
    standard_addresses: tuple[str, ...] = ()
    domain_restricted_sharing: bool = False
    source: str = ""

    def apply(self, gcp: LocalGcp, config: EnvironmentConfig) -> list[str]:
        """Create the neighbours in ``gcp``; returns one line per thing seeded, for the rehearsal to print."""
        project, region, vpc = config.network_project, config.region, config.network.vpc
        said: list[str] = []
        network_key = f"projects/{project}/global/networks/{vpc}"
        if self.network_mode is not None:
            gcp.store.pop(network_key, None)
            for key in [k for k in gcp.store if k.endswith(f"/subnetworks/{vpc}") and k.startswith(
                    f"projects/{project}/regions/")]:
                del gcp.store[key]
            gcp.compute.add_network(project, vpc, auto_subnets=auto_mode_subnets()
                                    if self.network_mode == "auto" else None)
            said.append(f"network {vpc}: {self.network_mode} mode" + (
                f", {len(AUTO_MODE_SUBNETS)} regional subnets ({region}: {AUTO_MODE_SUBNETS[region]})"
                if self.network_mode == "auto" and region in AUTO_MODE_SUBNETS else ""))
        for router, nat, addresses, ranges in self.nats:
            for name in addresses:
                gcp.compute.add_address(project, region, name)
            router_key = f"projects/{project}/regions/{region}/routers/{router}"
            gcp.store[router_key] = {
                "kind": "compute#router", "id": gcp.next_id(), "creationTimestamp": gcp.timestamp(), "name": router,
                "description": "", "encryptedInterconnectRouter": False, "network": LINK + network_key,
                "region": f"{LINK}projects/{project}/regions/{region}", "selfLink": LINK + router_key,
                "nats": [{"name": nat, "sourceSubnetworkIpRangesToNat": ranges,
                          "natIpAllocateOption": "MANUAL_ONLY" if addresses else "AUTO_ONLY",
                          **({"natIps": [f"{LINK}projects/{project}/regions/{region}/addresses/{a}"
                                         for a in addresses]} if addresses else {})}]}
            said.append(f"router {router} with NAT {nat} for {ranges}"
                        + (f", using {', '.join(addresses)}" if addresses else ""))
        for vm, zone, addresses in self.vms:
            for name in addresses:
                key = f"projects/{project}/regions/{region}/addresses/{name}"
                if key not in gcp.store:
                    gcp.compute.add_address(project, region, name)
                gcp.compute.use_address(key, f"{LINK}projects/{project}/zones/{zone or region + '-a'}/instances/{vm}")
            said.append(f"VM {vm} ({zone or region + '-a'}) using {', '.join(addresses)}")
        if self.static_addresses is not None:
            gcp.quotas[(project, region, "STATIC_ADDRESSES")] = self.static_addresses
            said.append(f"STATIC_ADDRESSES quota in {region}: {self.static_addresses}")
        if self.missing_images and gcp.run.images is not None:
            gcp.run.images -= set(self.missing_images)
        if self.missing_images:
            said.append(f"images that do not exist: {', '.join(self.missing_images)}")
        if self.not_listening:
            gcp.run.not_listening |= set(self.not_listening)
            said.append(f"containers that never listen on $PORT: {', '.join(self.not_listening)}")
        for secret in self.missing_secrets:
            gcp.store.pop(gcp.secretmanager.key(config.project, secret), None)
        if self.missing_secrets:
            said.append(f"secrets that do not exist: {', '.join(self.missing_secrets)}")
        for name in self.standard_addresses:
            key = f"projects/{project}/regions/{region}/addresses/{name}"
            if key not in gcp.store:
                gcp.compute.add_address(project, region, name)
            gcp.store[key]["networkTier"] = "STANDARD"
        if self.standard_addresses:
            said.append(f"addresses of the STANDARD network tier: {', '.join(self.standard_addresses)}")
        if self.domain_restricted_sharing:
            gcp.org_policies.setdefault(config.project, set()).add(DOMAIN_RESTRICTED_SHARING)
            said.append(f"organization policy on {config.project}: {DOMAIN_RESTRICTED_SHARING} (domain restricted "
                        "sharing)")
        return said


def auto_mode_subnets() -> dict[str, str]:
    """Region → range of an auto-mode network's subnets (Google's table, constructs_lib/facts/gcp.py)."""
    return {region: str(net) for region, net in AUTO_MODE_SUBNETS.items()}


def _strings(reader: Reader, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        reader.problem(where, "a list of non-empty strings", value)
        return ()
    return tuple(value)


def _name(reader: Reader, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        reader.problem(where, "a name", value)
        return ""
    return value


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}


def load_seed(path: Path) -> Seed:
    """Read and check a seed file.

    Raises:
        SeedError: the file cannot be read, is not TOML, or has problems (all of them listed, each on one line as
            the app writes them: a key or value with a line break or an escape code escaped).
    """
    source = str(path)
    try:
        # The app's one way to read a file a user names: a pipe is never waited on, bytes that are not UTF-8 or
        # TOML are one problem line.
        data = read_toml(path)
    except ConfigError as err:
        raise SeedError("\n".join(str(problem) for problem in err.problems)) from None
    reader = Reader(source)
    for table, value in data.items():
        if table not in _TABLES:
            reader.shown(table, f"one of {', '.join(sorted(_TABLES))}", "an unknown key")
            continue
        if (table in _ARRAYS) != isinstance(value, list):
            reader.not_a_table(table, f"[[{table}]] tables" if table in _ARRAYS else f"a [{table}] table", value)
            continue
        items = value if isinstance(value, list) else [value]
        for number, item in enumerate(items):
            where = f"{table}[{number}]" if isinstance(value, list) else table
            if not isinstance(item, dict):
                reader.not_a_table(where, "a table", item)
                continue
            for key in item:
                if key not in _TABLES[table]:
                    reader.shown(f"{where}.{key}", f"one of {', '.join(_TABLES[table])}", "an unknown key")
    mode = _table(data, "network").get("mode")
    if mode is not None and mode not in ("auto", "custom"):
        reader.problem("network.mode", '"auto" or "custom"', mode)
    nats, vms = [], []
    for i, nat in enumerate(data.get("nat", []) if isinstance(data.get("nat"), list) else []):
        if isinstance(nat, dict):
            ranges = nat.get("ranges", "all")
            if ranges not in NAT_RANGES:
                reader.problem(f"nat[{i}].ranges", " or ".join(f'"{r}"' for r in NAT_RANGES), ranges)
            nats.append((_name(reader, f"nat[{i}].router", nat.get("router", MISSING)),
                         _name(reader, f"nat[{i}].name", nat.get("name", MISSING)),
                         _strings(reader, f"nat[{i}].addresses", nat.get("addresses", [])),
                         NAT_RANGES.get(ranges, "")))
    for i, vm in enumerate(data.get("vm", []) if isinstance(data.get("vm"), list) else []):
        if isinstance(vm, dict):
            vms.append((_name(reader, f"vm[{i}].name", vm.get("name", MISSING)),
                        _name(reader, f"vm[{i}].zone", vm["zone"]) if "zone" in vm else "",
                        _strings(reader, f"vm[{i}].addresses", vm.get("addresses", MISSING))))
    limit = _table(data, "quota").get("static_addresses")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        reader.problem("quota.static_addresses", "a whole number from 0", limit)
        limit = None
    images = _table(data, "images")
    missing = _strings(reader, "images.missing", images.get("missing", []))
    not_listening = _strings(reader, "images.not_listening", images.get("not_listening", []))
    missing_secrets = _strings(reader, "secrets.missing", _table(data, "secrets").get("missing", []))
    standard = _strings(reader, "addresses.standard", _table(data, "addresses").get("standard", []))
    restricted = _table(data, "org_policy").get("domain_restricted_sharing", False)
    if not isinstance(restricted, bool):
        reader.problem("org_policy.domain_restricted_sharing", "true or false", restricted)
        restricted = False
    if reader.problems:
        raise SeedError("\n".join(str(problem) for problem in reader.problems))
    return Seed(network_mode=mode, nats=tuple(nats), vms=tuple(vms), static_addresses=limit,
                missing_images=missing, not_listening=not_listening, missing_secrets=missing_secrets,
                standard_addresses=standard, domain_restricted_sharing=restricted, source=source)
