"""The file model: environment and bootstrap files, read and checked, every problem reported at once.

Layer: imports only ``facts``; never cdktf or the provider, so validation is
fast. Modules: ``reader`` (TOML and the problem format), ``names`` (GCP's
naming rules), ``model`` (the frozen environment), one module per table
(``state``, ``network``, ``tables``, ``services``, ``alerts``), ``rules``
(across keys), ``environment`` (the whole file) and ``bootstrap`` (the state
bucket's file).
"""

from .bootstrap import BootstrapConfig, is_bootstrap_document, load_bootstrap, parse_bootstrap
from .environment import load_environment, parse_environment
from .model import (
    AdoptConfig,
    CapacityConfig,
    ConnectorConfig,
    EnvironmentConfig,
    NatConfig,
    NetworkConfig,
    StateConfig,
)
from .alerts import AlertsConfig
from .reader import ConfigError, Problem
from .jobs import JobConfig
from .secrets import SecretRef
from .services import ServiceConfig
from .worker_pools import WorkerPoolConfig

__all__ = [
    "AdoptConfig", "AlertsConfig", "BootstrapConfig", "CapacityConfig", "ConfigError", "ConnectorConfig",
    "EnvironmentConfig", "JobConfig", "NatConfig", "NetworkConfig", "Problem", "SecretRef", "ServiceConfig",
    "StateConfig", "WorkerPoolConfig",
    "is_bootstrap_document", "load_bootstrap", "load_environment", "parse_bootstrap", "parse_environment",
]
