"""Turning environment files into an App: which files, validated all together."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping, Sequence, TextIO, Union

from ..config.bootstrap import BootstrapConfig, is_bootstrap_document, load_bootstrap
from ..config import ConfigError, EnvironmentConfig, Problem, load_environment
from ..config.cross_file import cross_file_problems
from ..config.reader import read_toml

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
        return is_bootstrap_document(read_toml(path))
    except ConfigError:
        return False


def load_stacks(paths: list[Path], *, neighbours: Sequence[Path] = ()) -> list[StackConfig]:
    """Validate every file, environment or bootstrap, before anything is built; report all problems together.

    A file with a ``[bootstrap]`` table is a bootstrap file, any other an
    environment file. Two files may not give the same stack name, and two
    environments may not share state, resource names or subnet ranges
    (``cross_file_problems``).

    Args:
        paths: the files to build.
        neighbours: files not built this time that ``paths`` must not collide with (the other
            environments when one is selected); their own problems are not reported.

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
    others: list[EnvironmentConfig] = []
    for path in neighbours:
        try:
            if not _is_bootstrap_file(path):
                others.append(load_environment(path))
        except ConfigError:
            pass  # reported when that file is built
    environments = [c for c in configs if isinstance(c, EnvironmentConfig)]
    built = {c.source for c in environments}
    problems += [p for p in cross_file_problems(others + environments) if p.source in built]
    if problems:
        raise ConfigError(problems)
    return configs


def output_folder(app_options: Mapping[str, object]) -> Path:
    """cdktf's output folder: the ``outdir`` option, else ``CDKTF_OUTDIR`` (set by the cdktf CLI), else cdktf.out."""
    return Path(str(app_options.get("outdir") or os.environ.get("CDKTF_OUTDIR") or "cdktf.out"))


def synthesized_stacks(outdir: Path) -> list[str]:
    """The stacks the last synth into ``outdir`` wrote, from its manifest.json (none when it holds no manifest)."""
    import json

    try:
        return sorted(json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))["stacks"])
    except (OSError, ValueError, KeyError):
        return []


def local_state_file(config: StackConfig) -> Path:
    """Where a stack with local state keeps it: ``<stack>.tfstate`` beside its file.

    Never inside the output folder: the cdktf CLI deletes the folder of every stack
    it did not synthesize this time (``make synth`` synthesizes one environment), and
    ``make clean`` or a hand-deleted ``cdktf.out`` would take the state with it.
    """
    return Path(config.source).parent / f"{config.stack}.tfstate"


def _has_local_state(config: StackConfig) -> bool:
    return isinstance(config, BootstrapConfig) or config.state.backend == "local"


def build_app(configs: list[StackConfig], **app_options: object):
    """An App with one EgressStack per environment and one BootstrapStack per bootstrap file;
    ``app_options`` go to cdktf's App."""
    from ..stacks.bootstrap_stack import BootstrapStack
    from .._provider.cdk import App
    from ..stacks.egress_stack import EgressStack

    outdir = output_folder(app_options)
    app = App(**app_options)
    for config in configs:
        # Terraform reads a local backend's path from the stack's folder, <outdir>/stacks/<stack>.
        state_path = os.path.relpath(local_state_file(config).resolve(), (outdir / "stacks" / config.stack).resolve())
        if isinstance(config, BootstrapConfig):
            BootstrapStack(app, config.stack, config=config, state_path=state_path)
        else:
            EgressStack(app, config.stack, config=config,
                        state_path=state_path if config.state.backend == "local" else None)
    return app


def keep_legacy_state(configs: list[StackConfig], outdir: Path, *, stderr: TextIO) -> list[Problem]:
    """Move local state left in the output folder by earlier versions to where it is now kept.

    Returns:
        A problem for each stack whose state exists in both places (nothing is moved then).
    """
    problems = []
    for config in configs:
        if not _has_local_state(config):
            continue
        target = local_state_file(config)
        for suffix in ("", ".backup"):
            legacy = outdir / "stacks" / config.stack / f"terraform.{config.stack}.tfstate{suffix}"
            kept = target.with_name(target.name + suffix)
            if not legacy.is_file():
                continue
            if kept.exists():
                if legacy.read_bytes() != kept.read_bytes():
                    problems.append(Problem(config.source, "(state)", f"one local state file for stack "
                                            f"{config.stack}, at {kept} (move or delete the other)",
                                            f"two that differ: {kept} and {legacy}"))
                continue
            legacy.replace(kept)
            print(f"note: moved {legacy} to {kept}: local state is kept outside {outdir}, which synth rewrites",
                  file=stderr)
    return problems


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
    from ..policies.pack import check_app

    failures = check_app(app, final=True)
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
    if selected and not Path(selected).is_file():
        from .selection import missing_environment

        print(missing_environment("EGRESS_CONFIG", selected, ENVIRONMENTS_DIR), file=stderr)
        return 1
    try:
        files = environment_files(selected)
        neighbours: list[Path] = []
        if selected:
            # The selected file must not collide with the environments beside it, built or not.
            neighbours = [p for p in sorted(files[0].parent.glob("*.toml")) if p.resolve() != files[0].resolve()]
        else:
            files += bootstrap_files()
        configs = load_stacks(files, neighbours=neighbours)
    except ConfigError as err:
        print(f"error: {err}", file=stderr)
        return 1
    for warning in (w for config in configs for w in getattr(config, "warnings", ())):
        print(f"warning: {warning}", file=stderr)
    outdir = output_folder(app_options)
    # The output folder, its stacks folder and every folder above: any that exists must be a folder.
    problems = [Problem(str(folder), "(output folder)", "a folder, or nothing (it is created)", "a file that is not "
                        "a folder") for folder in (outdir / "stacks", outdir, *outdir.parents)
                if folder.exists() and not folder.is_dir()]
    problems = problems or keep_legacy_state(configs, outdir, stderr=stderr)
    if problems:
        print(f"error: {ConfigError(problems)}", file=stderr)
        return 1
    fresh = [folder for folder in (outdir / "stacks", outdir) if not folder.exists()]
    code = synth_checked(build_app(configs, **app_options), stderr=stderr, remove_if_empty=fresh)
    if code == 0:
        outdated_reviews(configs, outdir, stderr=stderr)
    return code


def review_command(config: StackConfig) -> str:
    """The command that writes a stack's review: ``make report ENV=<stack>`` for a file of environments/."""
    source = Path(config.source)
    if source.parent.resolve() in (ENVIRONMENTS_DIR.resolve(), BOOTSTRAP_DIR.resolve()):
        return f"make report ENV={config.stack}"
    return f"EGRESS_CONFIG={config.source} make report"


def outdated_reviews(configs: list[StackConfig], outdir: Path, *, stderr: TextIO) -> list[Path]:
    """Rewrite, as out of date, the REVIEW.md of each stack just synthesized that describes another JSON.

    Returns:
        The reviews rewritten; each is named in a note on ``stderr``.
    """
    from ..report.freshness import mark_stale

    marked = []
    for config in configs:
        command = review_command(config)
        review = mark_stale(outdir / "stacks" / config.stack, stack=config.stack, command=command)
        if review is not None:
            print(f"note: {review} described another cdk.tf.json: now marked out of date ({command} writes it "
                  "again)", file=stderr)
            marked.append(review)
    return marked
