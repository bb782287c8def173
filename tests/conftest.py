"""Shared fixtures only: hypothesis profiles, cdktf temp folders under pytest's tmp, the shipped stacks
synthesized once. Helpers live in tests/support/ and are imported from there, never from here."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from tests.support.paths import SHIPPED
from tests.support.synth import SynthesizedStack, synthesize_files

# Property tests draw the same examples on every run, CI included (a failure is reproducible, a green run is
# not luck); HYPOTHESIS_PROFILE=explore draws fresh ones locally to look for new failures. Neither times an
# example: a deadline or the too_slow health check would make a test fail on a loaded machine, and speed is
# measured by `make bench`, never by a test.
UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True, **UNTIMED)
hypothesis_settings.register_profile("explore", derandomize=False, **UNTIMED)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The modules whose tests read the rehearsal scenarios (test_guard.py adds its own to test_rehearsal's).
REHEARSAL_MODULES = ("tests.integration.test_rehearsal", "tests.integration.test_guard")


@pytest.fixture(autouse=True, scope="session")
def _cdktf_temp_under_pytest(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Testing.app() leaves folders under $TMPDIR: keep them in pytest's tmp."""
    path = tmp_path_factory.mktemp("cdktf")
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``after_every_rehearsal`` run last, so that they see every plan the session's rehearsals made.

    Under pytest-xdist (``-n 2``, with pytest.ini's ``--dist loadgroup``) the rehearsal tests form one group, run
    by one worker: each worker collects every test, and the scenarios they share would otherwise run once per
    worker (the plans a test sees are then its worker's)."""
    items.sort(key=lambda item: item.get_closest_marker("after_every_rehearsal") is not None)
    for item in items:
        if item.module is not None and item.module.__name__ in REHEARSAL_MODULES:
            item.add_marker(pytest.mark.xdist_group("rehearsal"))


@pytest.fixture(autouse=True, scope="session")
def _rehearsals_start_with_the_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                                        _cdktf_temp_under_pytest: None) -> None:
    """The rehearsal scenarios (integration/test_rehearsal.py) mostly wait on the google provider's fixed pauses:
    when any of their tests is selected, start them at once, in background threads, beside the rest of the suite.
    Every plan a rehearsal makes in the session is recorded (tests/support/plans_seen.py) for the policy set.
    An xdist worker does not know yet whether the rehearsal group is its own: there they start with the group's
    first test (the ``scenarios`` fixture), in the one worker that runs it."""
    from tests.support import plans_seen

    plans_seen.install()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(item.module is not None and item.module.__name__ in REHEARSAL_MODULES for item in request.session.items):
        from tests.integration import test_rehearsal

        test_rehearsal.start_scenarios(tmp_path_factory)


@pytest.fixture(scope="session")
def synthesized_shipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    """Every shipped environment file (environments/example.toml, examples/*.toml) synthesized once per session."""
    return synthesize_files(SHIPPED, tmp_path_factory.mktemp("shipped-out"))
