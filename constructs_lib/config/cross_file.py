"""What environment files may not share with each other: state, resource names, subnet ranges.

Checked across every file of the estate (``app`` passes them all, built or
not), before anything is written; each problem is reported on both files.
"""

from __future__ import annotations

import ipaddress

from ..facts.nat import MAX_ROUTERS_PER_NETWORK_REGION, ROUTERS_SOURCE
from .bootstrap import BootstrapConfig
from .model import EnvironmentConfig
from .problems import Problem

__all__ = ["bootstrap_problems", "cross_file_problems", "stack_name_problems"]


def stack_name_problems(stems: list[tuple[str, str]]) -> list[Problem]:
    """Two files, environment or bootstrap, that give one stack name (their stem): both would be written to
    ``stacks/<name>``, and ``make deploy ENV=<name>`` could pick either. ``stems`` holds (stem, file) of every
    file, valid or not; each problem is reported on both files, each naming the other."""
    problems, first = [], {}
    for stem, source in stems:
        if stem in first and first[stem] != source:
            other = first[stem]
            problems += [Problem(here, "(file name)", f"a stack name not used by {there}", f'"{stem}"')
                         for here, there in ((source, other), (other, source))]
        first.setdefault(stem, source)
    return problems


def bootstrap_problems(configs: list[BootstrapConfig]) -> list[Problem]:
    """Two bootstrap files that create one bucket (bucket names are global): the second deploy would fail, or
    two stacks would own one bucket. Reported on both files."""
    problems, first = [], {}
    for config in configs:
        other = first.get(config.bucket)
        if other is not None and other.source != config.source:
            problems += [Problem(here.source, "bootstrap.bucket", f"a bucket not created by {there.source} (two "
                                 "stacks would create, and destroy, the same bucket)", f'"{config.bucket}"')
                         for here, there in ((config, other), (other, config))]
        first.setdefault(config.bucket, config)
    return problems


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
    """(key that names it, resource kind in its project and region, name) of every resource the stack creates
    or adopts (``egress.existing_ips``: an adopted address is in this stack's NAT as much as a created one)."""
    net, run = f"{config.network_project} {config.region}", f"{config.project} {config.region}"
    found = [("name", f"subnet in {net}", config.subnet_name) if config.network.subnet_cidr else None,
             ("name", f"subnet in {net}", config.direct_subnet_name) if config.network.direct_subnet_cidr else None,
             ("name", f"connector in {run}", config.connector_name) if config.has_connector else None,
             ("name", f"router in {net}", config.router_name),
             ("name", f"NAT in {net}", config.nat_name)]
    addresses = "egress.static_ip_names" if config.static_ip_names else "name"
    found += [(addresses, f"address in {net}", n) for n in config.address_names]
    found += [("egress.standby_ips", f"address in {net}", n) for n in config.standby_ips]
    found += [("egress.existing_ips", f"address in {net}", n) for n in config.existing_ips]
    found += [(f"services[{s.name}].name", f"Cloud Run service in {run}", s.name) for s in config.services]
    found += [(f"jobs[{j.name}].name", f"Cloud Run job in {run}", j.name) for j in config.jobs]
    found += [(f"worker_pools[{w.name}].name", f"Cloud Run worker pool in {run}", w.name) for w in config.worker_pools]
    # An accessor binding is one IAM member (secret, role, account): the stack that destroys its member resource
    # takes the binding from the other stack's workloads too.
    found += [(f"{table}[{w.name}].secrets", f"Secret Manager accessor binding in {config.project}",
               f"{ref.secret} for {w.service_account}")
              for table, workloads in (("services", config.services), ("jobs", config.jobs),
                                       ("worker_pools", config.worker_pools))
              for w in workloads if w.service_account is not None for ref in w.secrets.values()]
    return [f for f in found if f is not None]


_BUILT = "resource names not built by {other} (two stacks would build the same resources)"
_ADOPTED = ("addresses not created or adopted by {other} (an address adopted by one stack and created or adopted "
            "by another would be in two NATs, and one stack's destroy or release would take it from the other)")


def _claim(key: str, other_key: str) -> str:
    """What a problem expects when two files claim one resource: built by both, or adopted by either."""
    return _ADOPTED if "egress.existing_ips" in (key, other_key) else _BUILT


def cross_file_problems(configs: list[EnvironmentConfig]) -> list[Problem]:
    """What two environment files may not share, checked before anything is written.

    - a state object (gcs bucket and prefix, or Terraform Cloud workspace): a deploy of
      one would plan to destroy the other's resources;
    - a resource name in one project and region: both would build (and fight over) it, or put one address
      (created by one, adopted by the other, or adopted by both) in two NATs;
    - overlapping subnet ranges in one VPC network: GCP refuses the second subnet;
    - more chains in one network and region than it may have Cloud Routers: each chain has its own.

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
        shared: dict[tuple[str, str, str], list[str]] = {}
        theirs: dict[tuple[str, str, str], list[str]] = {}
        for key, kind, name in _resource_names(config):
            found = names.get((kind, name))
            if found is not None and found[0] is not config:
                other, other_key = found
                what = f"{kind.split(' in ')[0]} {name} in {kind.split(' in ')[1]}"
                claim = _claim(key, other_key)
                shared.setdefault((key, other.source, claim), []).append(what)
                theirs.setdefault((other_key, other.source, claim), []).append(what)
        for (key, other_source, claim), clashes in shared.items():
            problems.append(Problem(config.source, key, claim.format(other=other_source), "; ".join(clashes)))
        for (other_key, other_source, claim), clashes in theirs.items():
            problems.append(Problem(other_source, other_key, claim.format(other=config.source), "; ".join(clashes)))
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
    return problems + _router_problems(configs)


def _router_problems(configs: list[EnvironmentConfig]) -> list[Problem]:
    """Every file of a network and region that holds more chains than it may have Cloud Routers, each naming the
    others: whichever is deployed last, its router would be refused."""
    routers: dict[tuple[str, str, str], list[EnvironmentConfig]] = {}
    for config in configs:
        routers.setdefault((config.network_project, config.network.vpc, config.region), []).append(config)
    problems = []
    for (project, vpc, region), group in routers.items():
        if len(group) <= MAX_ROUTERS_PER_NETWORK_REGION:
            continue
        for config in group:
            others = ", ".join(other.source for other in group if other is not config)
            problems.append(Problem(config.source, "region", (
                f"a region and network.vpc with at most {MAX_ROUTERS_PER_NETWORK_REGION} chains, each chain having "
                f"its own Cloud Router ({ROUTERS_SOURCE}); another region or network, or fewer files"),
                f"{len(group)} chains in network {vpc} of {project}, {region}: this file's and those of {others}"))
    return problems
