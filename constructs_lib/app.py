"""Turning environment files into an App: which files, validated all together."""

from __future__ import annotations

from pathlib import Path

from .config import ConfigError, EnvironmentConfig, Problem, load_environment

ENVIRONMENTS_DIR = Path("environments")


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


def load_environments(paths: list[Path]) -> list[EnvironmentConfig]:
    """Validate every file before anything is built, and report the problems of all files together.

    Raises:
        ConfigError: listing the problems of every file.
    """
    configs: list[EnvironmentConfig] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            configs.append(load_environment(path))
        except ConfigError as err:
            problems.extend(err.problems)
    if problems:
        raise ConfigError(problems)
    return configs


def build_app(configs: list[EnvironmentConfig], **app_options: object):
    """An App with one EgressStack per environment; ``app_options`` go to cdktf's App."""
    from .cdk import App
    from .egress_stack import EgressStack

    app = App(**app_options)
    for config in configs:
        EgressStack(app, config.stack, config=config)
    return app
