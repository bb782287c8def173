"""Which CDK engine this interpreter runs: CDK for Terraform (``cdktf``) or its fork, CDK Terrain (``cdktn``).

The engine is the one installed in the running interpreter's environment: ``.venv/`` holds cdktf (the
default, ``make ENGINE=cdktf``), ``.venv-cdktn/`` holds cdktn (``make ENGINE=cdktn``). Nothing is read
from the environment and nothing is imported to find it out (``importlib.metadata`` only), so choosing an
engine is choosing the interpreter, which is what the Makefile does. An environment holding both, or
neither, stops the app with ``EngineError`` saying so.

Every difference between the two engines is a field of ``Engine``: the Python module of the core
library, the provider's package, distribution, jsii assembly and release, the SHA-256 of the stock files
the lazy overlay is derived from (``lazy_overlay``), and the CLI's name. Both releases bind the same
hashicorp/google 6.50.0, so the same program writes the same Terraform JSON (tests/integration/test_engines.py).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from typing import Callable, Mapping

__all__ = ["CDKTF", "CDKTN", "ENGINES", "Engine", "EngineError", "current_engine", "installed_engines"]


class EngineError(RuntimeError):
    """No engine, or more than one, is installed in this interpreter's environment."""


@dataclass(frozen=True)
class Engine:
    """One CDK engine and the prebuilt google provider release it is pinned to.

    Attributes:
        name: what ``make ENGINE=`` takes, and the CLI's command.
        core: the core library's Python module and distribution (``cdktf``, ``cdktn``).
        core_version: its pinned release (Pipfile.lock, engines/cdktn/requirements.txt).
        package: the provider's Python package.
        provider_dist: the provider's distribution name.
        assembly: the provider's jsii assembly (its npm name).
        provider_version: the provider's pinned release; both bind hashicorp/google 6.50.0.
        stock_sha256: the stock files of that release the lazy overlay is derived from, by path in the package.
    """

    name: str
    core: str
    core_version: str
    package: str
    provider_dist: str
    assembly: str
    provider_version: str
    stock_sha256: Mapping[str, str] = field(repr=False)

    @property
    def tarball(self) -> str:
        """The provider's npm tarball inside its ``_jsii`` folder."""
        return f"{self.assembly.split('/')[-1]}@{self.provider_version}.jsii.tgz"


CDKTF = Engine(
    name="cdktf",
    core="cdktf",
    core_version="0.21.0",
    package="cdktf_cdktf_provider_google",
    provider_dist="cdktf-cdktf-provider-google",
    assembly="@cdktf/provider-google",
    provider_version="16.12.1",
    stock_sha256={
        "_jsii/provider-google@16.12.1.jsii.tgz": "c13e11596542ffb7412d5f4caa9376525fbef88d18cdedac03c9b3c392a1fc80",
        "_jsii/__init__.py": "af1869360a762a0cc6c596fc23acb0b3aa707e7440649f9cdfcf953558464b42",
        "__init__.py": "dd337cd141657511083ddeaaf7807a6127fbc51f3952da372871d924e38d0d4f",
    },
)
# cdktn-provider-google 18.0.0 declares cdktn <0.24.0; it runs on 0.24.0 unchanged (same JSON, same plans:
# tests/integration/test_engines.py), so engines/cdktn/requirements.txt installs it with --no-deps.
CDKTN = Engine(
    name="cdktn",
    core="cdktn",
    core_version="0.24.0",
    package="cdktn_provider_google",
    provider_dist="cdktn-provider-google",
    assembly="@cdktn/provider-google",
    provider_version="18.0.0",
    stock_sha256={
        "_jsii/provider-google@18.0.0.jsii.tgz": "e4aebe8818cb7787b41ddc2231449d929935a311334fb5e08e741993a9ff1d98",
        "_jsii/__init__.py": "ca1610ccb6fab7ee5c9774f6ccb1623a881210491ee97fd81e6aa5c5f18139a0",
        "__init__.py": "74d2b89da8bff620a65bf22155128bd30f5a18b65d183d28ad1f9c82adda9c2b",
    },
)
ENGINES = {engine.name: engine for engine in (CDKTF, CDKTN)}


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def installed_engines(version: Callable[[str], str | None] = _version) -> list[Engine]:
    """The engines whose core library is installed in this interpreter's environment."""
    return [engine for engine in ENGINES.values() if version(engine.core) is not None]


def current_engine(version: Callable[[str], str | None] = _version) -> Engine:
    """The one engine installed in this interpreter's environment.

    Raises:
        EngineError: neither or both are installed.
    """
    found = installed_engines(version)
    if len(found) == 1:
        return found[0]
    given = " and ".join(f"{e.core} {version(e.core)}" for e in found) or "neither"
    raise EngineError(
        f"expected exactly one CDK engine (cdktf or cdktn) in this Python environment, got {given}: "
        "run the app with the interpreter of one engine's environment (`make synth`, `make synth ENGINE=cdktn`)")
