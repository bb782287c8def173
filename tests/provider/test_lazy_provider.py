"""The google provider loaded lazily (constructs_lib/lazy_provider.py).

The same JSON as the stock import for every shipped file, only the
namespaces that google.py names, types of namespaces Python never imported
still resolved, and a loud failure whenever the pins no longer hold.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from constructs_lib._provider import lazy_provider
from constructs_lib._provider.lazy_provider import (
    ASSEMBLY,
    JSII_DIST,
    JSII_VERSION,
    PACKAGE,
    PROVIDER_DIST,
    PROVIDER_VERSION,
    OverlayStamp,
    ProviderLoadingError,
    StockProviderWarning,
)
from constructs_lib._provider.lazy_overlay import STOCK_SHA256, check_stock_files, without_inline_source_map
from tests.support.paths import FIXTURE_EXAMPLE, SHIPPED, SHIPPED_BOOTSTRAP, shipped_estate
from tests.support.processes import child_env, snapshot

ROOT = Path(__file__).resolve().parents[2]


def run_python(*args: str, cwd: Path = ROOT, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run a clean interpreter of this virtualenv in ``cwd`` (the repository unless given)."""
    return subprocess.run([sys.executable, *args], cwd=cwd, env=child_env(**extra), capture_output=True,
                          text=True, timeout=600)



def namespaces_named_in_google_py() -> set[str]:
    tree = ast.parse((ROOT / "constructs_lib" / "_provider" / "google.py").read_text())
    (namespaces,) = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                     and [getattr(t, "id", None) for t in node.targets] == ["NAMESPACES"]]
    return {f"{PACKAGE}.{name}" for name in namespaces}


# The stock import takes about 10 s: `pytest -m "not stock_comparison"` leaves this one out.
@pytest.mark.stock_comparison
def test_every_stack_synthesizes_byte_identical_to_the_stock_provider(tmp_path):
    # Every shipped file, in one folder whose environments/ holds them all: one run of each synthesizes them all.
    estate = shipped_estate(tmp_path / "estate")
    stock = run_python(str(ROOT / "bench" / "stock_synth.py"), cwd=estate, EGRESS_CONFIG="",
                       CDKTF_OUTDIR=str(tmp_path / "stock"))
    app = run_python(str(ROOT / "main.py"), cwd=estate, EGRESS_CONFIG="", CDKTF_OUTDIR=str(tmp_path / "app"))

    assert stock.returncode == 0, stock.stderr
    assert app.returncode == 0, app.stderr
    stacks = sorted(p.stem for p in [*SHIPPED, SHIPPED_BOOTSTRAP])
    assert sorted(p.name for p in (tmp_path / "app" / "stacks").iterdir()) == stacks
    assert snapshot(tmp_path / "app") == snapshot(tmp_path / "stock")


LOADED_BY_A_SYNTH = """
import json, runpy, sys
report, package = sys.argv[1:3]
sys.argv = ["main.py"]
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit as exit:
    assert not exit.code, exit.code
root = sys.modules[package]
with open(report, "w") as stream:
    json.dump({"root": root.__file__,
                  "submodules": sorted(m for m in sys.modules if m.startswith(package + ".")
                                       and m.count(".") == 1 and not m.endswith("._jsii"))}, stream)
"""


def test_a_synth_loads_only_the_namespaces_google_py_imports_in_python_and_in_node(tmp_path):
    report = tmp_path / "loaded.json"
    result = run_python("-c", LOADED_BY_A_SYNTH, str(report), PACKAGE, EGRESS_CONFIG=str(FIXTURE_EXAMPLE),
                        CDKTF_OUTDIR=str(tmp_path / "out"),
                        JSII_DEBUG_TIMING="1")

    assert result.returncode == 0, result.stderr
    loaded = json.loads(report.read_text())
    assert Path(loaded["root"]).is_relative_to(lazy_provider.overlay_dir())
    assert set(loaded["submodules"]) == namespaces_named_in_google_py()
    # node enters the package through its lazy index, which requires a namespace on first use.
    # (The jsii kernel's timing lines reach the Python process's stdout.)
    requires = [line for line in result.stdout.splitlines() if "require(" in line and "provider-google" in line]
    assert len(requires) == 1 and "/lib/lazy-index.js)" in requires[0], requires


OBJECT_MADE_IN_JAVASCRIPT = """
import sys
import jsii
import constructs_lib._provider.google  # the lazy provider, with the namespaces google.py names
from constructs_lib._provider.cdk import TerraformStack, Testing

from constructs_lib._provider.lazy_provider import ASSEMBLY, PACKAGE
NAMESPACE = PACKAGE + ".compute_instance"
assert NAMESPACE not in sys.modules, f"google.py imports {NAMESPACE} now: pick another namespace for this test"
if "--without-fqn-map" in sys.argv:  # what an empty stub package gives: nothing tells jsii where the type lives
    jsii._reference_map._submodule_fqn_map.clear()


class ComputeInstanceMadeInJavaScript:
    # Stands for a VM that JavaScript created, say in a TypeScript construct
    # library: Python never imported its namespace, so none of its types is registered.
    __jsii_type__ = ASSEMBLY + ".computeInstance.ComputeInstance"


vm = ComputeInstanceMadeInJavaScript()
config = {"name": "vm", "machineType": "e2-micro", "zone": "asia-northeast3-a",
          "bootDisk": {"initializeParams": {"image": "debian-cloud/debian-12"}},
          "networkInterface": [{"network": "default"}]}
jsii.create(ComputeInstanceMadeInJavaScript, vm, [TerraformStack(Testing.app(), "stack"), "vm", config])
disk = jsii.get(vm, "bootDisk")  # JavaScript hands Python a ComputeInstanceBootDiskOutputReference
print(type(disk).__module__, type(disk).__name__)
"""


def test_an_object_of_a_namespace_python_never_imported_resolves_to_its_class(tmp_path):
    result = run_python("-c", OBJECT_MADE_IN_JAVASCRIPT, TMPDIR=str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"{PACKAGE}.compute_instance",
                                     "ComputeInstanceBootDiskOutputReference"]


def test_without_the_submodule_map_that_object_is_an_unknown_type(tmp_path):
    result = run_python("-c", OBJECT_MADE_IN_JAVASCRIPT, "--without-fqn-map", TMPDIR=str(tmp_path))

    assert result.returncode != 0
    assert f"Unknown type: {ASSEMBLY}.computeInstance.ComputeInstanceBootDiskOutputReference" in result.stderr


def test_accepts_the_installed_versions():
    lazy_provider.check_versions(lazy_provider.installed_versions())


def test_fails_when_the_provider_version_changes():
    with pytest.raises(ProviderLoadingError) as raised:
        lazy_provider.check_versions({PROVIDER_DIST: "99.0.0", JSII_DIST: JSII_VERSION})
    assert f"{PROVIDER_DIST} 99.0.0 is installed" in str(raised.value)
    assert f"made for {PROVIDER_VERSION} only" in str(raised.value)
    assert str(raised.value).count("\n  - ") == 1


def test_fails_when_the_provider_is_not_installed():
    with pytest.raises(ProviderLoadingError, match=f"{PROVIDER_DIST} is not installed, but"):
        lazy_provider.check_versions({PROVIDER_DIST: None, JSII_DIST: JSII_VERSION})


def test_fails_when_the_jsii_runtime_changes():
    with pytest.raises(ProviderLoadingError) as raised:
        lazy_provider.check_versions({PROVIDER_DIST: PROVIDER_VERSION, JSII_DIST: "1.150.0"})
    assert "jsii 1.150.0 is installed" in str(raised.value)
    assert f"checked against the jsii runtime {JSII_VERSION}" in str(raised.value)


# Each installed version is looked up through importlib.metadata; this one reports a fake provider release.
FAKE_PROVIDER_RELEASE = """
import importlib.metadata, runpy, sys
real = importlib.metadata.version
from constructs_lib._provider.lazy_provider import ENGINE
importlib.metadata.version = lambda dist: "99.0.0" if dist == ENGINE.provider_dist else real(dist)
if sys.argv[1] == "app":
    try:
        import constructs_lib._provider.google
    except Exception:
        print("loaded:", sorted(m for m in ("jsii", ENGINE.core, ENGINE.package) if m in sys.modules))
        raise
else:
    runpy.run_module("constructs_lib._provider.lazy_provider_build", run_name="__main__")
"""


def test_the_app_stops_on_a_provider_version_change_before_loading_anything():
    result = run_python("-c", FAKE_PROVIDER_RELEASE, "app")

    assert result.returncode == 1
    assert "ProviderLoadingError: cannot load the google provider lazily" in result.stderr
    assert f"{PROVIDER_DIST} 99.0.0 is installed" in result.stderr
    assert result.stdout == "loaded: []\n"


def test_the_build_stops_on_a_provider_version_change():
    result = run_python("-c", FAKE_PROVIDER_RELEASE, "build")

    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot load the google provider lazily")
    assert f"{PROVIDER_DIST} 99.0.0 is installed" in result.stderr


def test_the_build_refuses_stock_files_other_than_the_pinned_ones(tmp_path):
    (tmp_path / "_jsii").mkdir()
    (tmp_path / "__init__.py").write_text("# not the stock root module\n")
    with pytest.raises(ProviderLoadingError) as raised:
        check_stock_files(tmp_path)
    message = str(raised.value)
    assert message.count("\n  - ") == len(STOCK_SHA256)
    assert f"{tmp_path / '__init__.py'}: SHA-256 " in message
    assert f"{tmp_path / '_jsii' / '__init__.py'}: SHA-256 missing" in message


def test_the_lazy_tarball_drops_only_a_trailing_inline_source_map():
    code = b'"use strict";\nexports.x = 1;\n'
    source_map = b"//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==\n"
    assert without_inline_source_map(code + source_map) == code
    assert without_inline_source_map(code) == code
    assert without_inline_source_map(code + source_map + b"exports.y = 2;\n") == code + source_map + b"exports.y = 2;\n"


def test_the_build_does_nothing_when_the_overlay_is_current():
    stamp = lazy_provider.overlay_dir() / OverlayStamp.FILE
    before = stamp.stat().st_mtime_ns

    result = run_python("-m", "constructs_lib._provider.lazy_provider_build")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert stamp.stat().st_mtime_ns == before


def test_refuses_a_missing_overlay(tmp_path):
    with pytest.raises(ProviderLoadingError, match=r"overlay is missing from .*: run `make setup`"):
        lazy_provider.stamp_of_current_overlay(tmp_path)


def test_refuses_an_overlay_built_for_another_release(tmp_path):
    OverlayStamp(format=lazy_provider.OVERLAY_FORMAT, provider_version="16.11.0", jsii_version=JSII_VERSION,
                 cache_key="0" * 64).write(tmp_path)
    with pytest.raises(ProviderLoadingError,
                       match=rf"built for something else \(provider_version is '16.11.0', expected '{PROVIDER_VERSION}'\)"):
        lazy_provider.stamp_of_current_overlay(tmp_path)


def test_refuses_an_overlay_whose_runtime_index_is_not_in_the_jsii_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(tmp_path / "empty-cache"))
    OverlayStamp(format=lazy_provider.OVERLAY_FORMAT, provider_version=PROVIDER_VERSION, jsii_version=JSII_VERSION,
                 cache_key="0" * 64).write(tmp_path)
    with pytest.raises(ProviderLoadingError, match=r"runtime index of the lazy google provider is missing"):
        lazy_provider.stamp_of_current_overlay(tmp_path)


def test_refuses_a_disabled_jsii_package_cache(monkeypatch):
    monkeypatch.setenv("JSII_RUNTIME_PACKAGE_CACHE", "disabled")
    with pytest.raises(ProviderLoadingError, match=r"JSII_RUNTIME_PACKAGE_CACHE is 'disabled'"):
        lazy_provider.check_package_cache_enabled()


def test_warns_when_the_stock_provider_was_imported_first(monkeypatch):
    monkeypatch.setitem(sys.modules, PACKAGE, types.ModuleType(PACKAGE))
    with pytest.warns(StockProviderWarning, match="imported before constructs_lib._provider.google"):
        lazy_provider.use_lazy_provider()


def test_a_second_call_keeps_the_overlay_quietly(recwarn):
    import constructs_lib._provider.google  # noqa: F401  (loads the overlay, if nothing has yet)

    lazy_provider.use_lazy_provider()

    assert getattr(sys.modules[PACKAGE], "__lazy_overlay__", False) is True
    assert not [w for w in recwarn if issubclass(w.category, StockProviderWarning)]
