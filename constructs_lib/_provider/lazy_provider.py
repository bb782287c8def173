"""Load the google provider lazily: only the namespaces a stack uses, in Python and in node.

The prebuilt provider as shipped (cdktf-cdktf-provider-google 16.12.1; cdktn-provider-google 18.0.0, the
cdktn engine's, engine.py, is built alike) loads all its ~1,470 namespaces whenever one class is imported:
its Python root module imports every submodule (about 10 s and 400 MB), and the jsii kernel ``require``s
its ``lib/index.js``, which loads every JavaScript module (3-4 s and 550 MB).
A synth of the seven resources of this app uses seven namespaces.

``use_lazy_provider()`` (called by ``google.py`` before its first provider
import) loads instead an *overlay* that ``lazy_provider_build`` writes into the
virtualenv at install time (``make setup``), in ``<venv>/lazy-provider/``:

- a root module that imports a namespace's submodule on first use (PEP 562)
  instead of all of them; the submodules are the stock ones, found through
  ``__path__`` in the installed package;
- the stock ``_jsii`` module plus a ``_SUBMODULE_FQN_MAP``, which the jsii
  runtime (>= 1.133) reads to import the right submodule on demand when
  JavaScript hands Python an object of a namespace that Python never imported
  (without it: ``Unknown type: @cdktf/provider-google.<ns>.<Class>``);
- the stock npm tarball with an ``exports`` entry in package.json pointing at
  the package's own ``lib/lazy-index.js``, so that node loads a namespace when
  it is first used (cdktf's locally generated bindings do the same,
  hashicorp/terraform-cdk#3030); it leaves out what nothing reads at run time,
  the inline source maps and the TypeScript declarations, which makes it a
  quarter of the size for jsii to hash on every load.

The overlay depends on exact versions, so nothing here falls back to the stock
path: a provider or jsii version other than the pinned ones, an overlay that is
missing or built for something else, or a jsii package cache without the
overlay's runtime index raise ``ProviderLoadingError`` saying what to do.

The one way to get the stock path is to import the provider's package (``cdktf_cdktf_provider_google``)
before constructs_lib does. ``use_lazy_provider()`` then leaves that module
alone and warns (``StockProviderWarning``), so that an import placed above it
by mistake does not go unnoticed; ``bench/stock_synth.py``, which compares the
app against the stock import on purpose, silences that warning.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import sys
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Mapping

from .engine import current_engine

__all__ = [
    "JSII_VERSION",
    "PROVIDER_VERSION",
    "OverlayStamp",
    "ProviderLoadingError",
    "StockProviderWarning",
    "check_versions",
    "installed_versions",
    "use_lazy_provider",
]

ENGINE = current_engine()  # engine.py: the overlay is built from, and checked against, its provider release
PACKAGE = ENGINE.package
PROVIDER_DIST = ENGINE.provider_dist
ASSEMBLY = ENGINE.assembly
PROVIDER_VERSION = ENGINE.provider_version
JSII_DIST = "jsii"
# The jsii runtime whose behaviour the overlay relies on: it reads _SUBMODULE_FQN_MAP, keys its package cache
# by the tarball's SHA-256, and serves types from the runtime index in the cache entry.
JSII_VERSION = "1.142.0"
TARBALL = ENGINE.tarball
# Bump when the overlay's layout changes, so that `make setup` rebuilds it.
OVERLAY_FORMAT = 2
# The runtime index manifest that jsii 1.142.0 writes into a package cache entry.
RUNTIME_INDEX_MANIFEST = ".jsii.runtime.v1.json"


class ProviderLoadingError(RuntimeError):
    """The lazy google provider cannot be loaded as built; the message says what to do."""


class StockProviderWarning(UserWarning):
    """The stock provider, all of it, was imported before ``use_lazy_provider()`` could take over."""


def installed_versions() -> dict[str, str | None]:
    """The installed versions of the provider and the jsii runtime (None: not installed), by distribution name."""
    versions: dict[str, str | None] = {}
    for dist in (PROVIDER_DIST, JSII_DIST):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return versions


def _installed(dist: str, version: str | None) -> str:
    return f"{dist} {version} is installed" if version else f"{dist} is not installed"


def check_versions(installed: Mapping[str, str | None]) -> None:
    """Fail unless the installed provider and jsii runtime are the pinned ones.

    Raises:
        ProviderLoadingError: naming each version that differs and what to do about it.
    """
    problems = []
    if installed.get(PROVIDER_DIST) != PROVIDER_VERSION:
        problems.append(
            f"{_installed(PROVIDER_DIST, installed.get(PROVIDER_DIST))}, but the lazy provider overlay is "
            f"made for {PROVIDER_VERSION} only (its npm tarball, submodules and _jsii module are pinned by "
            "hash in constructs_lib/_provider/engine.py): install "
            f"{PROVIDER_VERSION} (`make setup`, with ENGINE={ENGINE.name}), or check the new release and update "
            "its Engine: provider_version and stock_sha256"
        )
    if installed.get(JSII_DIST) != JSII_VERSION:
        problems.append(
            f"{_installed(JSII_DIST, installed.get(JSII_DIST))}, but the lazy provider overlay was checked "
            f"against the jsii runtime {JSII_VERSION} (its _SUBMODULE_FQN_MAP lookup, package cache key and "
            f"runtime index): install {JSII_VERSION} (`make setup`, with ENGINE={ENGINE.name}), or check those in the new "
            "release and update JSII_VERSION in constructs_lib/_provider/lazy_provider.py"
        )
    if problems:
        raise ProviderLoadingError("cannot load the google provider lazily:\n  - " + "\n  - ".join(problems))


def overlay_dir(prefix: str | os.PathLike[str] | None = None) -> Path:
    """Where the overlay lives: in the virtualenv whose packages it was built from."""
    return Path(prefix if prefix is not None else sys.prefix) / "lazy-provider"


@dataclass(frozen=True)
class OverlayStamp:
    """What an overlay was built from; written last by the build, checked before every load.

    Attributes:
        format: OVERLAY_FORMAT of the build that wrote it.
        provider_version: the provider release it was built from.
        jsii_version: the jsii runtime it was built for.
        cache_key: jsii's package cache key of the lazy tarball (SHA-256 of the
            tarball, the assembly name and the version), naming its cache entry.
    """

    format: int
    provider_version: str
    jsii_version: str
    cache_key: str

    FILE = "stamp.json"

    @classmethod
    def read(cls, directory: Path) -> OverlayStamp | None:
        """The stamp in ``directory``, or None when there is none (never built, or interrupted)."""
        try:
            data = json.loads((directory / cls.FILE).read_text())
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None

    def write(self, directory: Path) -> None:
        (directory / self.FILE).write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    def problems(self) -> list[str]:
        """How this stamp differs from what this code and the pins expect."""
        expected = {"format": OVERLAY_FORMAT, "provider_version": PROVIDER_VERSION, "jsii_version": JSII_VERSION}
        return [f"{key} is {getattr(self, key)!r}, expected {value!r}"
                for key, value in expected.items() if getattr(self, key) != value]


def jsii_cache_root() -> Path:
    """jsii's package cache folder, found the way the jsii kernel finds it."""
    configured = os.environ.get("JSII_RUNTIME_PACKAGE_CACHE_ROOT")
    if configured:
        return Path(configured)
    try:
        home = Path.home()
    except RuntimeError:
        return Path(tempfile.gettempdir()) / f"aws-jsii-package-cache-{os.getuid()}"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "com.amazonaws.jsii" / "package-cache"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local")) / "AWS" / "jsii" / "package-cache"
    return home / ".cache" / "aws" / "jsii" / "package-cache"


def cache_key(tarball: Path) -> str:
    """jsii's package cache key for a tarball: SHA-256 of its bytes, then NUL + name, NUL + version."""
    digest = hashlib.sha256()
    with tarball.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    for comment in (ASSEMBLY, PROVIDER_VERSION):
        digest.update(b"\0" + comment.encode())
    return digest.hexdigest()


def runtime_index_manifest(key: str) -> Path:
    """The runtime index manifest of the lazy tarball's entry in jsii's package cache."""
    return jsii_cache_root().joinpath(*ASSEMBLY.split("/"), PROVIDER_VERSION, key, RUNTIME_INDEX_MANIFEST)


def check_package_cache_enabled() -> None:
    """Fail when jsii's package cache is off: the overlay's speed comes from its runtime index.

    Raises:
        ProviderLoadingError: JSII_RUNTIME_PACKAGE_CACHE is set to something other than "enabled".
    """
    setting = os.environ.get("JSII_RUNTIME_PACKAGE_CACHE", "enabled")
    if setting.lower() != "enabled":
        raise ProviderLoadingError(
            f"JSII_RUNTIME_PACKAGE_CACHE is {setting!r}: without jsii's package cache, node unpacks the whole "
            "provider (330 MB) and parses its 95 MB assembly on every run; unset it"
        )


def stamp_of_current_overlay(directory: Path) -> OverlayStamp:
    """The stamp of the overlay in ``directory`` after checking that it is complete and current.

    Raises:
        ProviderLoadingError: the overlay is missing, stale, or its runtime index is not in jsii's cache.
    """
    stamp = OverlayStamp.read(directory)
    if stamp is None:
        raise ProviderLoadingError(
            f"the lazy google provider overlay is missing from {directory}: run `make setup` "
            "(it runs `python -m constructs_lib._provider.lazy_provider_build`)")
    problems = stamp.problems()
    if problems:
        raise ProviderLoadingError(
            f"the lazy google provider overlay in {directory} was built for something else "
            f"({'; '.join(problems)}): run `make setup` to rebuild it")
    manifest = runtime_index_manifest(stamp.cache_key)
    if not manifest.is_file():
        raise ProviderLoadingError(
            f"jsii's runtime index of the lazy google provider is missing ({manifest}; the jsii package cache "
            "was cleared or moved?): run `make setup` to rebuild it")
    return stamp


def stock_package_locations() -> list[str]:
    """The folders of the installed (stock) provider package, found without importing it.

    Raises:
        ProviderLoadingError: the provider is not installed in this interpreter's environment.
    """
    spec = importlib.machinery.PathFinder.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderLoadingError(f"{PACKAGE} is not installed for {sys.executable}: run `make setup`")
    return list(spec.submodule_search_locations)


def import_overlay(directory: Path) -> None:
    """Import the overlay's root module as the provider's package (``PACKAGE``).

    Its submodules resolve first in the overlay (``_jsii``), then in the stock
    package. Importing it starts the jsii kernel and loads the lazy tarball.
    """
    root = directory / PACKAGE
    spec = importlib.util.spec_from_file_location(
        PACKAGE, root / "__init__.py", submodule_search_locations=[str(root), *stock_package_locations()])
    assert spec is not None and spec.loader is not None  # a file location always gives both
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(PACKAGE, None)
        raise


def use_lazy_provider() -> None:
    """Make the google provider load lazily in this interpreter; safe to call again.

    Leaves an already imported provider package alone: the
    overlay itself (a second call), or the stock package, about which it warns
    (see the module docstring).

    Raises:
        ProviderLoadingError: the versions differ from the pinned ones, the
            overlay is missing or stale, or jsii's package cache cannot serve it.
    """
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None:
        if not getattr(loaded, "__lazy_overlay__", False):
            warnings.warn(
                f"{PACKAGE} was imported before constructs_lib._provider.google, so all of it is loaded "
                "(the slow path): "
                "import provider classes from constructs_lib._provider.google only", StockProviderWarning, stacklevel=2)
        return
    check_versions(installed_versions())
    check_package_cache_enabled()
    directory = overlay_dir()
    stamp_of_current_overlay(directory)
    import_overlay(directory)
