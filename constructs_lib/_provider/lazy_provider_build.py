"""Build the lazy google provider overlay into the virtualenv; ``make setup`` runs it.

    python -m constructs_lib._provider.lazy_provider_build

What the overlay is and how it is loaded: see ``lazy_provider``. This is the
install-time half. It is idempotent: when the overlay is current and jsii's
runtime index for it is in the package cache, it only checks that and exits.
Otherwise it:

1. checks the installed provider and jsii runtime against the pins, and the
   three stock files it derives the overlay from against their pinned SHA-256;
2. writes the overlay into a temporary folder beside the final one: the lazy
   npm tarball (the stock one with an ``exports`` entry and without source maps
   and type declarations, a quarter of its size, repacked deterministically so
   that every checkout shares one jsii cache entry), the
   root module, the ``_jsii`` module with ``_SUBMODULE_FQN_MAP``, their bytecode
   (machines here set PYTHONDONTWRITEBYTECODE=1, so nothing is compiled at run
   time) and, last, the stamp; then swaps it in;
3. compiles whatever bytecode of the stock package is missing;
4. loads the overlay once and waits for jsii's index worker to write the
   runtime index into the package cache: the worker needs a few seconds, and
   a run shorter than that (every synth, now) exits before it is done.

Any difference from what it was made for stops it with an error saying what
to do; it never leaves a half-built overlay in place.
"""

from __future__ import annotations

import compileall
import os
import shutil
import sys
import time
from pathlib import Path

from .lazy_overlay import (
    EAGER_IMPORT,
    check_stock_files,
    jsii_module_source,
    root_module_source,
    submodule_fqn_map,
    write_lazy_tarball,
)
from .lazy_provider import (
    JSII_VERSION,
    OVERLAY_FORMAT,
    PACKAGE,
    PROVIDER_VERSION,
    TARBALL,
    OverlayStamp,
    ProviderLoadingError,
    cache_key,
    check_package_cache_enabled,
    check_versions,
    import_overlay,
    installed_versions,
    overlay_dir,
    runtime_index_manifest,
    stock_package_locations,
)

RUNTIME_INDEX_TIMEOUT_S = 300


def write_overlay(stock: Path, directory: Path) -> OverlayStamp:
    """Write a complete overlay into ``directory`` (which must not exist) and return its stamp."""
    root = directory / PACKAGE
    (root / "_jsii").mkdir(parents=True)
    tarball = root / "_jsii" / TARBALL
    write_lazy_tarball(stock / "_jsii" / TARBALL, tarball)

    submodules = EAGER_IMPORT.findall((stock / "__init__.py").read_text())
    fqn_map = submodule_fqn_map(stock, submodules)
    (root / "__init__.py").write_text(root_module_source(submodules))
    (root / "_jsii" / "__init__.py").write_text(
        jsii_module_source((stock / "_jsii" / "__init__.py").read_text(), fqn_map))
    if not compileall.compile_dir(root, quiet=1):
        raise ProviderLoadingError(f"could not compile the overlay in {root}")

    stamp = OverlayStamp(format=OVERLAY_FORMAT, provider_version=PROVIDER_VERSION, jsii_version=JSII_VERSION,
                         cache_key=cache_key(tarball))
    stamp.write(directory)
    return stamp


def replace_dir(new: Path, final: Path) -> None:
    """Put ``new`` where ``final`` is, removing the old one."""
    old = final.with_name(f"{final.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def ensure_runtime_index(directory: Path, stamp: OverlayStamp, timeout_s: float = RUNTIME_INDEX_TIMEOUT_S) -> bool:
    """Make sure jsii's package cache holds the runtime index of the overlay's tarball.

    Loading the overlay makes the jsii kernel extract the tarball into its
    cache, parse the assembly in full and start a worker thread that writes
    the runtime index; this process then stays alive until the index is there.

    Returns:
        True if it had to be built, False if it was there.

    Raises:
        ProviderLoadingError: the index did not appear within ``timeout_s``.
    """
    manifest = runtime_index_manifest(stamp.cache_key)
    if manifest.is_file():
        return False
    print(f"lazy google provider: building jsii's runtime index in {manifest.parent} (once per jsii cache)",
          file=sys.stderr)
    import_overlay(directory)
    deadline = time.monotonic() + timeout_s
    while not manifest.is_file():
        if time.monotonic() > deadline:
            raise ProviderLoadingError(
                f"jsii did not write its runtime index ({manifest}) within {timeout_s:.0f} s; "
                "run again with JSII_DEBUG=1 to see why")
        time.sleep(0.2)
    return True


def build(directory: Path | None = None) -> list[str]:
    """Bring the overlay and its runtime index up to date; returns what had to be done.

    Raises:
        ProviderLoadingError: see the module docstring.
    """
    directory = directory or overlay_dir()
    check_versions(installed_versions())
    check_package_cache_enabled()
    stamp = OverlayStamp.read(directory)
    done = []
    if stamp is None or stamp.problems():
        stock = Path(stock_package_locations()[0])
        check_stock_files(stock)
        started = time.monotonic()
        staging = directory.with_name(f"{directory.name}.new-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        try:
            stamp = write_overlay(stock, staging)
            replace_dir(staging, directory)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if not compileall.compile_dir(stock, quiet=1):
            raise ProviderLoadingError(f"could not compile the bytecode of {stock}")
        done.append(f"overlay built in {time.monotonic() - started:.0f} s")
    if ensure_runtime_index(directory, stamp):
        done.append("runtime index built")
    return done


def main() -> int:
    try:
        done = build()
    except ProviderLoadingError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if done:
        print(f"lazy google provider: {', '.join(done)} ({overlay_dir()})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
