"""Which engine runs: the one installed in the interpreter's environment (constructs_lib/_provider/engine.py)."""

from __future__ import annotations

import re

import pytest

from constructs_lib._provider.engine import CDKTF, CDKTN, ENGINES, EngineError, current_engine
from tests.support.paths import ROOT


def installed(**versions: str):
    return lambda dist: versions.get(dist)


def test_the_engine_is_the_one_whose_core_library_is_installed():
    assert current_engine(installed(cdktf="0.21.0")) is CDKTF
    assert current_engine(installed(cdktn="0.24.0")) is CDKTN


def test_no_engine_stops_the_app_saying_what_to_run():
    with pytest.raises(EngineError, match=r"exactly one CDK engine .* got neither: run the app with the interpreter"):
        current_engine(installed())


def test_both_engines_in_one_environment_stop_the_app_naming_both():
    with pytest.raises(EngineError, match=r"got cdktf 0\.21\.0 and cdktn 0\.24\.0"):
        current_engine(installed(cdktf="0.21.0", cdktn="0.24.0"))


def test_this_interpreter_runs_the_default_engine():
    # The tests run in .venv/, the default engine's environment; the cdktn engine is tested through its own
    # interpreter (tests/integration/test_engines.py).
    assert current_engine() is CDKTF


def test_each_engine_pins_the_hash_of_its_providers_own_tarball():
    for engine in ENGINES.values():
        assert f"_jsii/{engine.tarball}" in engine.stock_sha256
    assert (CDKTF.tarball, CDKTN.tarball) == ("provider-google@16.12.1.jsii.tgz", "provider-google@18.0.0.jsii.tgz")


def test_each_engines_provider_is_the_release_its_install_pins():
    # The files that decide what is installed: the default engine's Pipfile, the cdktn engine's requirements.
    pipfile = (ROOT / "Pipfile").read_text(encoding="utf-8")
    requirements = (ROOT / "engines" / "cdktn" / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(rf'^{re.escape(CDKTF.provider_dist)} = "=={re.escape(CDKTF.provider_version)}"$', pipfile, re.M)
    assert re.search(rf"^{re.escape(CDKTN.provider_dist)}=={re.escape(CDKTN.provider_version)} ", requirements, re.M)
    assert (CDKTF.provider_version, CDKTN.provider_version) == ("16.12.1", "18.0.0")
    assert {e.assembly for e in ENGINES.values()} == {"@cdktf/provider-google", "@cdktn/provider-google"}
