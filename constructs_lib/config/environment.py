"""One environment file: read it, check every key, build the frozen ``EnvironmentConfig``.

One TOML file describes one environment; its file stem is the stack name.
``load_environment`` reads a file and returns the environment; when anything
is wrong it raises ``ConfigError`` listing every problem at once, each naming
the file, the key, what was expected and what was given. Each table is read by
its own module (state, network, tables, services, alerts); the rules across
keys are in rules.py. Nothing here touches cdktf or the provider, so
validation is fast and needs no synth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..facts.gcp import REGIONS, REGIONS_READ, closest_regions
from .alerts import parse_alerts
from .auto_mode import check_auto_mode_ranges
from .model import ENVIRONMENT_KEYS, EnvironmentConfig
from .nat_rule_checks import check_nat_rule_capacity, check_nat_rules
from .names import CONNECTOR_NAME, PROJECT_EXPECTED, is_project
from .network import parse_network
from .reader import RFC1035, ConfigError, Reader, read_toml
from .rules import check_alerts, check_cross_key_rules
from .jobs import parse_jobs
from .worker_pools import check_worker_pool_egress, parse_worker_pools
from .secrets import credential_warnings
from .services import parse_services
from .state import parse_state
from .tables import parse_adopt, parse_capacity, parse_connector, parse_egress, parse_nat

__all__ = ["load_environment", "parse_environment"]



def parse_environment(data: Mapping[str, Any], *, stack: str, source: str) -> EnvironmentConfig:
    """Validate parsed TOML and build the environment.

    Args:
        data: the parsed TOML document.
        stack: the stack name (the file stem).
        source: the file name shown in messages.

    Returns:
        The validated, frozen configuration.

    Raises:
        ConfigError: listing every problem found.
    """
    r = Reader(source)
    r.stack_name(stack)
    r.token_markers(data)
    r.table(data, "", ENVIRONMENT_KEYS)

    project = r.get(data, "", "project", str, check=is_project, expected=PROJECT_EXPECTED)
    region = r.get(data, "", "region", str, expected='a GCP region such as "asia-northeast3"')
    if region is not None and region not in REGIONS:
        closest = closest_regions(region)
        near = f"; the closest are {', '.join(closest)}" if closest else ""
        r.problem("region", f'a GCP region such as "asia-northeast3" (one of the {len(REGIONS)} regions that '
                  f"exist, from Google's regions page, read "
                  f"{REGIONS_READ}{near})", region)
        region = None
    # `name` prefixes every resource; the connector name `{name}-connector` is the tightest limit.
    name = r.get(data, "", "name", str, default=EnvironmentConfig.name,
                 check=lambda v: bool(CONNECTOR_NAME.fullmatch(f"{v}-connector")) and bool(RFC1035.fullmatch(v)),
                 expected="a resource name prefix of lowercase letters, digits and hyphens, starting with a "
                          "letter, at most 15 characters (the connector name "
                          "\"<name>-connector\" must match ^[a-z][-a-z0-9]{0,23}[a-z0-9]$)")

    state = parse_state(r, data, stack=stack)
    network = parse_network(r, data)
    egress = parse_egress(r, data)
    connector = parse_connector(r, data)
    nat = parse_nat(r, data)
    capacity = parse_capacity(r, data)

    services = parse_services(r, data)
    jobs = parse_jobs(r, data)
    pools = parse_worker_pools(r, data)
    check_worker_pool_egress(r, egress.get("egress_mode"), pools)
    adopt = parse_adopt(r, data, services, jobs, pools)
    alerts = parse_alerts(r, data)

    # The rules across keys run even when a key is wrong, each only if every table it reads is right: every problem
    # that can be known is reported at once, and none is made up from a value that stands in for a wrong one.
    failed = frozenset(_table_of(p.key) for p in r.problems)
    config = EnvironmentConfig(
        stack=stack, source=source, project=project or "", region=region or "", name=name, state=state,
        network=network, connector=connector, nat=nat, services=services, capacity=capacity, adopt=adopt,
        alerts=alerts, **egress, jobs=jobs, worker_pools=pools,
        warnings=credential_warnings(source, [*((f"services[{s.name}]", s.env) for s in services),
                                              *((f"jobs[{j.name}]", j.env) for j in jobs),
                                              *((f"worker_pools[{p.name}]", p.env) for p in pools)]),
    )
    if not failed & {"nat", "egress", "name"}:
        check_nat_rules(r, config)  # first: a pool all in rules is named as such, not as a capacity problem
    rules_valid = not r.problems
    check_cross_key_rules(r, config, connector_table="connector" in data, failed=failed)
    if rules_valid:
        check_nat_rule_capacity(r, config)
    if not failed & {"alerts", "project", "network", "connector", "egress"}:
        check_alerts(r, config)
    if not failed & {"network", "region"}:
        check_auto_mode_ranges(r, config)
    if r.problems:
        raise ConfigError(r.problems)
    return config


def _table_of(key: str) -> str:
    """The top-level key a problem's key lies in (``services[api].image`` → ``services``, ``nat.min_ports_per_vm``
    → ``nat``)."""
    return key.split(".", 1)[0].split("[", 1)[0]


def load_environment(path: str | Path) -> EnvironmentConfig:
    """Read and validate one environment file.

    Args:
        path: the TOML file; its stem becomes the stack name.

    Raises:
        ConfigError: the file cannot be read, is not valid TOML, or breaks any rule.
    """
    path = Path(path)
    return parse_environment(read_toml(path), stack=path.stem, source=str(path))
