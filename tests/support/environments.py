"""The smallest valid environment, and validating variants of it (no synth)."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.config import EnvironmentConfig, load_environment, parse_environment
from rehearsal.tomlfile import dumps as to_toml

# The smallest valid environment; tests copy it and change what they test.
BASE: dict[str, Any] = {
    "project": "my-gcp-project",
    "region": "asia-northeast3",
    "state": {"bucket": "my-tfstate"},
    "network": {"subnet_cidr": "10.124.0.0/28"},
    "services": [{"name": "production", "image": "asia.gcr.io/my-gcp-project/app:1.0.0"}],
}


def environment(stack: str = "test", **changes: Any) -> dict[str, Any]:
    """A copy of BASE with top-level keys replaced (a value of None removes the key)."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def config(stack: str = "test", **changes: Any) -> EnvironmentConfig:
    return parse_environment(environment(**changes), stack=stack, source=f"{stack}.toml")


def problems(**changes: Any) -> list[str]:
    """The problems, as printed, of an environment that must fail validation."""
    from constructs_lib.config import ConfigError

    with pytest.raises(ConfigError) as err:
        config(**changes)
    return [str(p) for p in err.value.problems]


def one_problem(**changes: Any) -> str:
    """The one problem of an environment that must fail validation for exactly one reason."""
    found = problems(**changes)
    assert len(found) == 1, found
    return found[0]


# Two [state] tables of the cloud backend: a named workspace, and workspaces chosen by tags.
CLOUD_NAMED = {"backend": "cloud", "organization": "my-org", "workspace": "cloud-run-egress-production"}
CLOUD_TAGGED = {"backend": "cloud", "organization": "my-org", "workspace_tags": ["cloud-run-egress", "env:production"]}


# [alerts]: a notification channel in BASE's project, and one in a Shared VPC host project.
ALERT_CHANNEL = "projects/my-gcp-project/notificationChannels/1234567890"
HOST_ALERT_CHANNEL = "projects/host-project-1/notificationChannels/555"


def alerts(**keys: Any) -> dict[str, Any]:
    """An [alerts] table notifying ALERT_CHANNEL, with ``keys`` added."""
    return {"notification_channels": [ALERT_CHANNEL], **keys}


def direct(**changes: Any) -> EnvironmentConfig:
    """BASE in Direct VPC egress (a /24 subnet), with top-level keys replaced."""
    return config(egress={"mode": "direct"}, network={"subnet_cidr": "10.124.16.0/24"}, **changes)


def load_environment_from(env: dict[str, str]) -> EnvironmentConfig:
    """An environment whose one service has ``env``, written as TOML and read back by load_environment."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "strings.toml"
        path.write_text(to_toml(environment(services=[{"name": "api", "image": "nginx", "env": env}])),
                        encoding="utf-8")
        return load_environment(path)


def stated_address_names(doc: dict[str, Any]) -> list[str]:
    """The addresses a parsed file says its stack creates, by the naming docs/configuration.md gives:
    static_ip_names, else {name}-origin-ip (-1 … -N for more): what tests hold the code's naming to."""
    egress = doc.get("egress", {})
    if "static_ip_names" in egress:
        return list(egress["static_ip_names"])
    name, count = doc.get("name", "cloud-run"), egress.get("static_ip_count", 1)
    return [f"{name}-origin-ip"] if count == 1 else [f"{name}-origin-ip-{i}" for i in range(1, count + 1)]
