"""Shared fixtures only: hypothesis profiles, a temp folder of the session's own for its child processes, the
shipped stacks synthesized once. Helpers live in tests/support/ and are imported from there, never from here."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings

from rehearsal.pace import go_runtime
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

CHILDREN_TMP = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Every child process of the session (the jsii kernel above all) gets a $TMPDIR of the session's own, removed
    when the session ends, passed or failed.

    cdktf's ``Testing.app()`` makes a folder ``cdktf.outdir.*`` under the kernel's $TMPDIR for every app and never
    removes it. The kernel is a node process that takes its environment when it starts, which is while tests are
    collected as soon as a test module imports cdktf at its top: so $TMPDIR is set here, before collection, not in
    a fixture. Python's own ``tempfile`` (pytest's tmp_path included) keeps the system's folder."""
    tempfile.gettempdir()  # cached before $TMPDIR changes: pytest's tmp_path stays where a user looks for it
    path = Path(tempfile.mkdtemp(prefix="pytest-children-"))
    config.stash[CHILDREN_TMP] = path
    os.environ["TMPDIR"] = str(path)
    # Every Terraform command of the session, in a rehearsal or not (make diff, the CLI's tests), with the Go
    # collector paced as a rehearsal's (rehearsal/pace.py): about a fifth of their CPU.
    go_runtime(os.environ)


def pytest_unconfigure(config: pytest.Config) -> None:
    path = config.stash.get(CHILDREN_TMP, None)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def _background_modules(items: list[pytest.Item]) -> list[object]:
    """The modules of these items that declare long work (``BACKGROUND``, tests/support/background.py), once each."""
    modules: dict[str, object] = {}
    for item in items:
        if item.module is not None and getattr(item.module, "BACKGROUND", None):
            modules.setdefault(item.module.__name__, item.module)
    return list(modules.values())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``after_every_rehearsal`` run last, so that they see every plan the session's rehearsals made.

    Under pytest-xdist (``-n 2``, with pytest.ini's ``--dist loadgroup``) the tests of the modules with background
    work form one group, run by one worker: each worker collects every test, and the work they share would
    otherwise run once per worker (the plans a test sees are then its worker's)."""
    items.sort(key=lambda item: item.get_closest_marker("after_every_rehearsal") is not None)
    grouped = {module.__name__ for module in _background_modules(items)}  # type: ignore[attr-defined]
    for item in items:
        if (item.module is not None and item.module.__name__ in grouped) or \
                item.get_closest_marker("after_every_rehearsal") is not None:
            item.add_marker(pytest.mark.xdist_group("background"))


SECONDS = pytest.StashKey[dict[str, float]]()


@pytest.fixture(autouse=True, scope="session")
def _background_work(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The long work of every selected module (rehearsals, faults, engines, the migration guide) starts at once, in
    background threads, beside the rest of the suite (tests/support/background.py). Every plan a rehearsal makes
    in the session is recorded (tests/support/plans_seen.py) for the policy set. An xdist worker does not know yet
    whether the background group is its own: there the work starts with the group's first ``result``."""
    from tests.support import background, plans_seen

    plans_seen.install()
    works = background.module_works(_background_modules(request.session.items))
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    before = cache.get(background.CACHE_KEY, {}) if cache is not None else {}
    pool = background.Background(tmp_path_factory, before if isinstance(before, dict) else {})
    background.install(pool)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        pool.defer(works)
    else:
        pool.start(works)
    try:
        yield
    finally:
        pool.stop()
        background.install(None)
        if pool.seconds:
            request.config.stash[SECONDS] = dict(pool.seconds)
            if cache is not None:
                cache.set(background.CACHE_KEY, {**before, **{k: round(v, 1) for k, v in pool.seconds.items()}})


def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """Ctrl-C: the faults' deploys run in sessions of their own, which the terminal's Ctrl-C does not reach; kill
    them and start no more (rehearsal/faults/sessions.py), before the session's end waits for the background work
    that runs them."""
    from rehearsal.faults import sessions

    sessions.stop_all()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Each background work's time, longest first: what to shorten next, and the next session's order."""
    seconds = config.stash.get(SECONDS, {})
    if seconds:
        terminalreporter.section("background work (seconds, longest first)")
        for name, value in sorted(seconds.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(f"{value:7.1f}  {name}")


@pytest.fixture(scope="session")
def synthesized_shipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthesizedStack]:
    """Every shipped environment file (environments/example.toml, examples/*.toml) synthesized once per session."""
    return synthesize_files(SHIPPED, tmp_path_factory.mktemp("shipped-out"))
