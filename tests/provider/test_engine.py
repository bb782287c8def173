"""Which engine runs: the one installed in the interpreter's environment (constructs_lib/_provider/engine.py)."""

from __future__ import annotations

import pytest

from constructs_lib._provider.engine import CDKTF, CDKTN, ENGINES, EngineError, current_engine


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
        assert engine.tarball == f"provider-google@{engine.provider_version}.jsii.tgz"
    assert {e.assembly for e in ENGINES.values()} == {"@cdktf/provider-google", "@cdktn/provider-google"}
