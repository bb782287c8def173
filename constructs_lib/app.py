"""Turning environment files into an App: which files, validated all together."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Sequence, TextIO, Union

from .bootstrap_config import BootstrapConfig, is_bootstrap_document, load_bootstrap
from .config import ConfigError, EnvironmentConfig, Problem, load_environment

ENVIRONMENTS_DIR = Path("environments")
# Bootstrap files (a [bootstrap] table: the state bucket) live apart, so `*.toml` above stays egress stacks only.
BOOTSTRAP_DIR = ENVIRONMENTS_DIR / "bootstrap"

StackConfig = Union[EnvironmentConfig, BootstrapConfig]


def environment_files(selected: str | None, *, directory: Path = ENVIRONMENTS_DIR) -> list[Path]:
    """The files to synthesize: ``selected`` alone when given, else every ``*.toml`` in ``directory``.

    Raises:
        ConfigError: the selected file does not exist, or the directory holds no environment.
    """
    if selected:
        path = Path(selected)
        if not path.is_file():
            raise ConfigError([Problem("EGRESS_CONFIG", "EGRESS_CONFIG", "the path of an existing .toml file",
                                       f'"{selected}"')])
        return [path]
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ConfigError([Problem(str(directory), "(folder)", "at least one environment file (*.toml)",
                                   "an empty folder")])
    return files


def bootstrap_files(directory: Path = BOOTSTRAP_DIR) -> list[Path]:
    """Every bootstrap file (``*.toml`` in ``directory``); none when the folder does not exist."""
    return sorted(directory.glob("*.toml"))


def _is_bootstrap_file(path: Path) -> bool:
    """Whether a file holds a ``[bootstrap]`` table; an unreadable file is left to the environment loader to report."""
    try:
        return is_bootstrap_document(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load_stacks(paths: list[Path]) -> list[StackConfig]:
    """Validate every file, environment or bootstrap, before anything is built; report all problems together.

    A file with a ``[bootstrap]`` table is a bootstrap file, any other an
    environment file. Two files may not give the same stack name.

    Raises:
        ConfigError: listing the problems of every file.
    """
    configs: list[StackConfig] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            configs.append(load_bootstrap(path) if _is_bootstrap_file(path) else load_environment(path))
        except ConfigError as err:
            problems.extend(err.problems)
    seen: dict[str, str] = {}
    for config in configs:
        if config.stack in seen:
            problems.append(Problem(config.source, "(file name)", f"a stack name not used by {seen[config.stack]}",
                                    f'"{config.stack}"'))
        seen.setdefault(config.stack, config.source)
    if problems:
        raise ConfigError(problems)
    return configs


def build_app(configs: list[StackConfig], **app_options: object):
    """An App with one EgressStack per environment and one BootstrapStack per bootstrap file;
    ``app_options`` go to cdktf's App."""
    from .bootstrap_stack import BootstrapStack
    from .cdk import App
    from .egress_stack import EgressStack

    app = App(**app_options)
    for config in configs:
        if isinstance(config, BootstrapConfig):
            BootstrapStack(app, config.stack, config=config)
        else:
            EgressStack(app, config.stack, config=config)
    return app


def synth_checked(app, *, stderr: TextIO = sys.stderr, remove_if_empty: Sequence[Path] = ()) -> int:
    """Synthesize ``app`` unless a stack breaks a chain policy.

    The policies are checked on every stack before cdktf writes anything, so a
    violation leaves the output folder as it was.

    Args:
        app: the App to synthesize.
        stderr: where violations are listed (rule id, resource path, fix).
        remove_if_empty: folders to remove on failure when empty, in this order:
            those cdktf's App created (the output folder and its ``stacks``)
            that did not exist before.

    Returns:
        0 when synthesized, 1 when a policy failed.
    """
    from .policy_pack import check_app

    failures = check_app(app)
    if not failures:
        app.synth()
        return 0
    for folder in remove_if_empty:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    noun = "violation" if len(failures) == 1 else "violations"
    lines = "\n".join(f"  - {f}" for f in failures)
    print(f"error: {len(failures)} chain policy {noun}; nothing was synthesized:\n{lines}", file=stderr)
    return 1


def run(selected: str | None, *, stderr: TextIO = sys.stderr, **app_options: object) -> int:
    """What main.py does: validate, build, check the policies, synthesize.

    Args:
        selected: one file to synthesize (``EGRESS_CONFIG``); every environment
            and bootstrap file when empty or None.
        stderr: where problems and violations are listed.
        app_options: passed to cdktf's App (``outdir``...).

    Returns:
        The exit code: 0 when synthesized, 1 when a file or a policy failed, with
        nothing written or removed.
    """
    try:
        files = environment_files(selected)
        if not selected:
            files += bootstrap_files()
        configs = load_stacks(files)
    except ConfigError as err:
        print(f"error: {err}", file=stderr)
        return 1
    outdir = Path(str(app_options.get("outdir") or os.environ.get("CDKTF_OUTDIR") or "cdktf.out"))
    fresh = [folder for folder in (outdir / "stacks", outdir) if not folder.exists()]
    return synth_checked(build_app(configs, **app_options), stderr=stderr, remove_if_empty=fresh)
