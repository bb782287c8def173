"""What environment files may not share with each other: state, resource names, subnet ranges.

Checked across every file of the estate (``app`` passes them all, built or
not), before anything is written; each problem is reported on both files.
"""

from __future__ import annotations

import ipaddress

from .model import EnvironmentConfig
from .reader import Problem

__all__ = ["cross_file_problems"]


def _state_object(config: EnvironmentConfig) -> tuple[str, str] | None:
    """What identifies the stack's state: the gcs object folder, or the Terraform Cloud workspace(s)."""
    state = config.state
    if state.backend == "gcs":
        return (f"gs://{state.bucket}/{state.prefix}", "state.prefix")
    if state.backend == "cloud":
        where = state.workspace or "tags " + ", ".join(sorted(state.workspace_tags))
        return (f"{state.hostname}/{state.organization}/{where}",
                "state.workspace" if state.workspace else "state.workspace_tags")
    return None  # local: terraform.<stack>.tfstate, unique with the stack name


def _resource_names(config: EnvironmentConfig) -> list[tuple[str, str, str]]:
    """(key that names it, resource kind in its project and region, name) of every resource the stack creates."""
    net, run = f"{config.network_project} {config.region}", f"{config.project} {config.region}"
    found = [("name", f"subnet in {net}", config.subnet_name) if config.network.subnet_cidr else None,
             ("name", f"subnet in {net}", config.direct_subnet_name) if config.network.direct_subnet_cidr else None,
             ("name", f"connector in {run}", config.connector_name) if config.has_connector else None,
             ("name", f"router in {net}", config.router_name),
             ("name", f"NAT in {net}", config.nat_name)]
    addresses = "egress.static_ip_names" if config.static_ip_names else "name"
    found += [(addresses, f"address in {net}", n) for n in config.address_names]
    found += [("egress.standby_ips", f"address in {net}", n) for n in config.standby_ips]
    found += [(f"services[{s.name}].name", f"Cloud Run service in {run}", s.name) for s in config.services]
    return [f for f in found if f is not None]


def cross_file_problems(configs: list[EnvironmentConfig]) -> list[Problem]:
    """What two environment files may not share, checked before anything is written.

    - a state object (gcs bucket and prefix, or Terraform Cloud workspace): a deploy of
      one would plan to destroy the other's resources;
    - a resource name in one project and region: both would build (and fight over) it;
    - overlapping subnet ranges in one VPC network: GCP refuses the second subnet.

    Each problem is reported on both files, each naming the other: whichever is deployed (or synthesized alone)
    is stopped, and a new file that overlaps a deployed one is told so, not only the deployed one.
    """
    problems: list[Problem] = []
    states: dict[str, tuple[EnvironmentConfig, str]] = {}
    names: dict[tuple[str, str], tuple[EnvironmentConfig, str]] = {}
    ranges: list[tuple[EnvironmentConfig, str, str, ipaddress.IPv4Network]] = []
    for config in configs:
        state = _state_object(config)
        if state is not None:
            obj, key = state
            if obj in states:
                other, other_key = states[obj]
                for here, there, where in ((config, other, key), (other, config, other_key)):
                    problems.append(Problem(here.source, where, f"a state object not used by {there.source} (two "
                                            "stacks in one state plan to destroy each other's resources)", f'"{obj}"'))
            states.setdefault(obj, (config, key))
        shared: dict[tuple[str, str], list[str]] = {}
        theirs: dict[tuple[str, str], list[str]] = {}
        for key, kind, name in _resource_names(config):
            found = names.get((kind, name))
            if found is not None and found[0] is not config:
                other, other_key = found
                what = f"{kind.split(' in ')[0]} {name} in {kind.split(' in ')[1]}"
                shared.setdefault((key, other.source), []).append(what)
                theirs.setdefault((other_key, other.source), []).append(what)
        for (key, other_source), clashes in shared.items():
            problems.append(Problem(config.source, key, f"resource names not built by {other_source} (two stacks "
                                    "would build the same resources)", "; ".join(clashes)))
        for (other_key, other_source), clashes in theirs.items():
            problems.append(Problem(other_source, other_key, f"resource names not built by {config.source} (two "
                                    "stacks would build the same resources)", "; ".join(clashes)))
        for key, kind, name in _resource_names(config):
            names.setdefault((kind, name), (config, key))
        vpc = f"{config.network_project}/{config.network.vpc}"
        for key in ("subnet_cidr", "direct_subnet_cidr"):
            cidr = getattr(config.network, key)
            if cidr is None:
                continue
            net = ipaddress.ip_network(cidr)
            for other, other_vpc, other_key, other_net in ranges:
                if other_vpc == vpc and other is not config and net.overlaps(other_net):
                    problems.append(Problem(config.source, f"network.{key}", f"a range that does not overlap "
                                            f"network.{other_key} of {other.source} ({other_net}, same VPC {vpc})",
                                            f'"{cidr}"'))
                    problems.append(Problem(other.source, f"network.{other_key}", f"a range that does not overlap "
                                            f"network.{key} of {config.source} ({net}, same VPC {vpc})",
                                            f'"{other_net}"'))
            ranges.append((config, vpc, key, net))
    return problems
