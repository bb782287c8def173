"""Constructs for a Cloud Run service with a fixed outbound IP.

The chain: a dedicated subnet → a Serverless VPC Access connector (or Direct
VPC egress) → a Cloud Router → reserved static IPs → Cloud NAT → Cloud Run
services with all egress through the VPC. ``EgressStack`` builds it from one
validated environment file; the pieces can be composed by hand as well.

The layers, each a sub-package importing one way (docs/architecture.md):
``facts`` ← ``config`` ← ``stacks`` → ``chain`` → ``_provider``; ``policies``
and ``report`` read the synthesized JSON; ``app`` is main.py's. The public
names below are loaded on first use, so reading and checking a file
(``load_environment``) never loads cdktf or the provider.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each public name and the module that defines it.
_EXPORTS = {
    **dict.fromkeys(("ConfigError", "Problem", "EnvironmentConfig", "ServiceConfig", "JobConfig",
                     "WorkerPoolConfig", "SecretRef", "BootstrapConfig",
                     "load_environment", "parse_environment", "load_bootstrap", "parse_bootstrap"), "config"),
    **dict.fromkeys(("EgressChain", "EgressChainProps"), "chain.egress_chain"),
    **dict.fromkeys(("Subnetwork", "SubnetworkProps"), "chain.subnetwork"),
    **dict.fromkeys(("Connector", "ConnectorProps"), "chain.connector"),
    **dict.fromkeys(("StaticAddresses", "StaticAddressesProps"), "chain.addresses"),
    **dict.fromkeys(("RouterNat", "RouterNatProps"), "chain.router_nat"),
    **dict.fromkeys(("CloudRunService", "CloudRunServiceProps"), "chain.cloud_run"),
    **dict.fromkeys(("CloudRunJob", "CloudRunJobProps"), "chain.cloud_run_job"),
    **dict.fromkeys(("CloudRunWorkerPool", "CloudRunWorkerPoolProps"), "chain.cloud_run_worker_pool"),
    **dict.fromkeys(("SecretAccess", "SecretAccessProps", "SecretEnv"), "chain.secrets"),
    **dict.fromkeys(("ChainAlerts", "ChainAlertsProps", "AlertPolicyProps"), "chain.alerts"),
    **dict.fromkeys(("StateBucket", "StateBucketProps"), "chain.state_bucket"),
    "EgressStack": "stacks.egress_stack",
    "BootstrapStack": "stacks.bootstrap_stack",
    "chain_props": "stacks.chain_props",
    **dict.fromkeys(("ChainPolicyPack", "apply_chain_policies", "check_app"), "policies.pack"),
    **dict.fromkeys(("RULES", "evaluate", "findings"), "policies"),
    "StackDocument": "policies.document",
    **dict.fromkeys(("render", "write_reports"), "report"),
    # The provider's own block, for stacks composed by hand (importing the provider package itself would load
    # all of it, about 10 s).
    "GoogleProvider": "_provider.google",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
