"""Turning environment files into an App: which files, validated all together."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Mapping, Sequence, TextIO

from ..config import ConfigError, EnvironmentConfig, Problem
from ..facts.local_state import foreign_local_state, local_state_paths
from ..facts.output_folder import outdir_from
from ..facts.text import one_line
from ..config.bootstrap import BootstrapConfig
from ..config.cross_file import bootstrap_problems, cross_file_problems, stack_name_problems
from .files import (BOOTSTRAP_DIR, ENVIRONMENTS_DIR, Neighbours, StackConfig, bootstrap_files, environment_files,
                    folder_problems, load_file, load_neighbours, neighbour_files)
from .outdir import output_problems


def load_stacks(paths: list[Path], *, neighbours: Sequence[Path] | Neighbours = ()) -> list[StackConfig]:
    """Validate every file, environment or bootstrap, before anything is built; report all problems together.

    A file with a ``[bootstrap]`` table is a bootstrap file, any other an
    environment file. Two files may not give the same stack name, and two
    environments may not share state, resource names or subnet ranges
    (``cross_file_problems``).

    Args:
        paths: the files to build.
        neighbours: files not built this time that ``paths`` must not collide with (the other
            environments when one is selected), or those files already read (``load_neighbours``); their own
            problems are not reported.

    Raises:
        ConfigError: listing the problems of every file.
    """
    configs: list[StackConfig] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            configs.append(load_file(path))
        except ConfigError as err:
            problems.extend(err.problems)
    near = neighbours if isinstance(neighbours, Neighbours) else load_neighbours(list(neighbours))
    problems += near.unread
    # A stack name is taken by a file, valid or not: every file given and every neighbour.
    stems = [(path.stem, str(path)) for path in paths] + list(near.stems)
    built = {str(path) for path in paths}
    problems += [p for p in stack_name_problems(stems) if p.source in built]
    bootstraps = [c for c in (*near.configs, *configs) if isinstance(c, BootstrapConfig)]
    problems += [p for p in bootstrap_problems(bootstraps) if p.source in built]
    others = [c for c in near.configs if isinstance(c, EnvironmentConfig)]
    environments = [c for c in configs if isinstance(c, EnvironmentConfig)]
    problems += [p for p in cross_file_problems(others + environments) if p.source in built]
    if problems:
        raise ConfigError(problems)
    return configs


def output_folder(app_options: Mapping[str, object]) -> Path:
    """cdktf's output folder: the ``outdir`` option, else ``CDKTF_OUTDIR`` (set by the cdktf CLI), else cdktf.out."""
    outdir = app_options.get("outdir")
    return Path(str(outdir)) if outdir else outdir_from(os.environ)


def synthesized_stacks(outdir: Path) -> list[str]:
    """The stacks the last synth into ``outdir`` wrote, from its manifest.json (none when it holds no manifest, or
    one synth did not write as it is: ``manifest_stacks``, never a pipe waited on)."""
    from ..report.output_file import manifest_stacks

    try:
        return list(manifest_stacks(outdir))
    except OSError:
        return []


def local_state_file(config: StackConfig) -> Path:
    """Where a stack with local state keeps it: ``<stack>.tfstate`` beside its file (``facts/local_state.py``)."""
    return local_state_paths(config.source, config.stack)[0]


def _has_local_state(config: StackConfig) -> bool:
    return isinstance(config, BootstrapConfig) or config.state.backend == "local"


def local_state_problems(configs: list[StackConfig]) -> list[Problem]:
    """Each stack's local state file (``local_state_file``) and its backup, where something else than a regular file
    (a link to one counts as one) or nothing stands: Terraform would wait for ever on a named pipe (make diff, make
    deploy and make allowlist hung in ``terraform init``) and stop on a folder after synth."""
    return [Problem(str(path), "(state)", f"the local state of stack {config.stack} (Terraform reads and writes it): "
                    "a regular file, or nothing", kind)
            for config in configs if _has_local_state(config)
            for path, kind in foreign_local_state(config.source, config.stack)]


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
            if os.path.lexists(kept) and not kept.is_file():
                problems.append(Problem(str(kept), "(state)", "a regular file, or nothing", "something else (a "
                                        "folder, a pipe or a link to nothing): the state is not moved onto it"))
                continue
            if kept.exists():
                if legacy.read_bytes() != kept.read_bytes():
                    problems.append(Problem(config.source, "(state)", f"one local state file for stack "
                                            f"{config.stack}, at {kept} (move or delete the other)",
                                            f"two that differ: {kept} and {legacy}"))
                continue
            legacy.replace(kept)
            print(one_line(f"note: moved {legacy} to {kept}: local state is kept outside {outdir}, which synth rewrites"),
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
    lines = "\n".join(f"  - {one_line(str(f))}" for f in failures)
    print(f"error: {len(failures)} chain policy {noun}; nothing was synthesized:\n{lines}", file=stderr)
    return 1


def run(selected: str | None, *, stderr: TextIO = sys.stderr, named_by: str = "EGRESS_CONFIG",
        **app_options: object) -> int:
    """What main.py does: validate, build, check the policies, synthesize.

    Args:
        selected: one file to synthesize (``EGRESS_CONFIG``); every environment
            and bootstrap file when empty or None.
        stderr: where problems and violations are listed.
        named_by: the variable the user named the file with (make passes ``ENV`` or ``STACK`` when the user
            typed that), for the message of a file that does not exist.
        app_options: passed to cdktf's App (``outdir``...).

    Returns:
        The exit code: 0 when synthesized, 1 when a file or a policy failed, with
        nothing written or removed.
    """
    if selected and not os.path.lexists(selected):
        from .selection import missing_environment

        # ENV and STACK hold a name, which make turned into this path: the message shows what the user typed.
        shown = selected if named_by == "EGRESS_CONFIG" else Path(selected).stem
        print(one_line(missing_environment(named_by, shown, ENVIRONMENTS_DIR)), file=stderr)
        return 1
    problems: list[Problem] = []
    files: list[Path] = []
    configs: list[StackConfig] = []
    near = Neighbours()
    try:
        files = environment_files(selected)
        problems += folder_problems(files[0] if selected else None)
        if selected:
            # The selected file must not collide with the files beside it, built or not.
            near = load_neighbours(neighbour_files(files[0]))
        else:
            files += bootstrap_files()
        configs = load_stacks(files, neighbours=near)
    except ConfigError as err:
        problems += err.problems
    for warning in (w for config in configs for w in getattr(config, "warnings", ())):
        print(one_line(f"warning: {warning}"), file=stderr)
    outdir = output_folder(app_options)
    # Every path synth writes, checked before anything is written, beside the files' problems: each stack's
    # folder by its file's stem, which is its name whether the file is valid or not.
    problems += output_problems(outdir, [c.stack for c in configs] or [path.stem for path in files])
    problems += local_state_problems(configs)
    # The legacy state moved (a write) only once everything else is right.
    problems = problems or keep_legacy_state(configs, outdir, stderr=stderr)
    if problems:
        print(f"error: {ConfigError(problems)}", file=stderr)
        return 1
    for path in near.broken:
        print(one_line(unchecked_neighbour(Path(path), configs[0])), file=stderr)
    fresh = [folder for folder in (outdir / "stacks", outdir) if not folder.exists()]
    # The folder checked is the one written: cdktf would read CDKTF_OUTDIR itself, and an empty one is no folder.
    code = synth_checked(build_app(configs, **{**app_options, "outdir": str(outdir)}), stderr=stderr,
                         remove_if_empty=fresh)
    if code == 0:
        outdated_reviews(configs, outdir, stderr=stderr)
    return code


def unchecked_neighbour(path: Path, selected: StackConfig) -> str:
    """The warning for a neighbour that is read but not valid: what it claims is unknown, so the selected file's
    collisions with it (names, ranges, state, addresses, buckets) are checked only once it is fixed."""
    from .selection import is_env_name

    if path.parent.resolve() in (ENVIRONMENTS_DIR.resolve(), BOOTSTRAP_DIR.resolve()) and is_env_name(path.stem):
        command = f"make synth ENV={shlex.quote(path.stem)}"
    else:  # a file elsewhere, or one whose stem ENV does not take (.hidden.toml)
        command = f"EGRESS_CONFIG={shlex.quote(str(path))} make synth"
    return (f"warning: {path}: not checked for collisions with {selected.source} (resource names, subnet ranges, "
            f"state, addresses, buckets): it has problems of its own ({command} lists them); fix it before "
            "deploying either file")


def review_command(config: StackConfig) -> str:
    """The command that writes a stack's review: ``make report ENV=<stack>`` for a file of environments/."""
    source = Path(config.source)
    if source.parent.resolve() in (ENVIRONMENTS_DIR.resolve(), BOOTSTRAP_DIR.resolve()):
        return f"make report ENV={config.stack}"
    return f"EGRESS_CONFIG={shlex.quote(config.source)} make report"


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
            print(one_line(f"note: {review} described another cdk.tf.json: now marked out of date ({command} "
                           "writes it again)"), file=stderr)
            marked.append(review)
    return marked
