"""Which environment a make target acts on, said first, and one message when it names none or a missing one.

The Makefile resolves the name once (``ENV=<name>``, ``STACK=<name>`` being the same variable under its old
name, or ``EGRESS_CONFIG=<path>``) into ``ENV_FILE`` and ``ENV_STACK``; every target's first line runs this file
to check that resolution and print what the target acts on:

    make deploy: stack production (environments/production.toml)

It runs before anything is installed, with the machine's Python (``python3 constructs_lib/app/selection.py``),
so it imports nothing but the standard library and ``facts`` (the "did you mean" of regions and keys). ``main.py`` uses ``missing_environment`` for the same message.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Sequence

if not __package__:  # run as a file by make, before anything is installed: the package from its folder
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from constructs_lib.facts.gcp import closest  # noqa: E402 (standard library only, like this module)
from constructs_lib.facts.local_state import foreign_local_state  # noqa: E402
from constructs_lib.facts.text import FOLDER, from_shell, not_a_file, one_line, path_kind  # noqa: E402

__all__ = ["environment_names", "missing_environment", "main"]

ENVIRONMENTS = Path("environments")
BOOTSTRAP = ENVIRONMENTS / "bootstrap"
# Targets that act on one environment and have no default: nothing is deployed, read or rehearsed by default.
ONE_ONLY = ("diff", "deploy", "output", "allowlist")
# Targets that take one file (a default may have been given by the Makefile).
ONE = (*ONE_ONLY, "rehearse")
# A file of environments/ or of environments/bootstrap/, by its stem: no other folder holds an environment.
_NAME = re.compile(r"^(bootstrap/)?[A-Za-z0-9][A-Za-z0-9._-]*$")


def environment_names(directory: Path = ENVIRONMENTS) -> list[str]:
    """What ``ENV`` may name: every file of ``directory`` and of its ``bootstrap/`` folder, without ``.toml``."""
    names = [p.stem for p in sorted(directory.glob("*.toml"))]
    names += [f"bootstrap/{p.stem}" for p in sorted((directory / "bootstrap").glob("*.toml"))]
    return [n for n in names if is_env_name(n)]  # .hidden.toml is no name ENV takes: never offered


def is_env_name(name: str) -> bool:
    """Whether ``ENV`` may hold ``name`` (a file of environments/ or environments/bootstrap/ by its stem)."""
    return _NAME.fullmatch(name) is not None


def _holds(directory: Path) -> str:
    """What ``ENV`` could name, for a message: the folder's files, or what is there instead of the folder."""
    kind = path_kind(directory)
    if kind != FOLDER:
        return f"{directory} is {kind}, not a folder" if kind else f"there is no {directory}/ folder"
    names = environment_names(directory)
    return f"{directory}/ holds: {', '.join(names)}" if names else f"{directory}/ holds no .toml file"


def _one_of(directory: Path) -> str:
    """The end of a message that asks for ``ENV=<name>``: the names it may take, or why there are none."""
    names = environment_names(directory)
    return f", one of: {', '.join(names)}" if names else f" ({_holds(directory)})"


def _quoted(value: str) -> str:
    """A value the user gave, in double quotes, as the configuration's problem lines quote one: a quote or a
    backslash in it escaped (``got "a\\"b"``), so that where it ends is never in doubt."""
    return json.dumps(value, ensure_ascii=False)


def missing_environment(variable: str, value: str, directory: Path = ENVIRONMENTS) -> str:
    """The one message for a name that is no file, whichever variable gave it (``ENV``, ``STACK``, ``EGRESS_CONFIG``).

    Args:
        variable: the variable that named it.
        value: what it held.
        directory: the environments folder, whose files are offered.
    """
    names = environment_names(directory)
    if variable == "EGRESS_CONFIG":
        expected = "the path of an existing .toml file"
        stem = Path(value).stem
    else:
        expected = f"the name of a file of {directory}/ without .toml"
        stem = value
    close = closest(stem, names + [n.split("/", 1)[1] for n in names if "/" in n], cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f'error: {variable}: expected {expected}, got {_quoted(value)}{hint} ({_holds(directory)})'


def _not_a_file(variable: str, value: str, file: str, found: str, directory: Path) -> str:
    """The message for a name whose path holds something that is not a regular file (a folder, a named pipe)."""
    expected = ("the path of a regular .toml file" if variable == "EGRESS_CONFIG" else
                f"the name of a regular file of {directory}/ without .toml")
    where = f": {file} is" if variable != "EGRESS_CONFIG" else ","
    return f'error: {variable}: expected {expected}, got {_quoted(value)}{where} {found}'


def _acts_on(target: str, file: str) -> str:
    return f"make {target}: stack {Path(file).stem} ({file})"


def _every_file(target: str, directory: Path) -> str:
    names = environment_names(directory)
    stacks = ", ".join(n.rsplit("/", 1)[-1] for n in names) or "none"
    return f"make {target}: every file of {directory}/, validated together (stacks: {stacks})"


def check(target: str, named_by: str, name: str, file: str, conflict: str = "",
          directory: Path = ENVIRONMENTS, config_conflict: str = "") -> tuple[int, str]:
    """(exit code, line to print) for a target and what the Makefile resolved.

    Args:
        target: the make target (``synth``, ``deploy``...).
        named_by: the variable that named the environment (``ENV``, ``STACK``, ``EGRESS_CONFIG``), or ``""``.
        name: what ``ENV``/``STACK`` held (``""`` for every file).
        file: the file the Makefile found for it (``""`` when none).
        conflict: set when ``ENV`` and ``STACK`` were both given and differ.
        config_conflict: set when ``ENV`` (or ``STACK``) and ``EGRESS_CONFIG`` were both given and name different
            files.
    """
    if conflict:
        return 2, f"error: ENV and STACK name the same thing (STACK is ENV's old name); got {conflict}: give one"
    if config_conflict:
        return 2, (f"error: {config_conflict} do not name the same file: give one (EGRESS_CONFIG may be set in "
                   "your shell: unset EGRESS_CONFIG to use ENV)")
    if target in ONE_ONLY and named_by == "EGRESS_CONFIG":
        return 2, (f"error: make {target} acts on a file of {directory}/ named by ENV=<name>, not by EGRESS_CONFIG "
                   f'({_quoted(file)}): copy it into {directory}/ first')
    if named_by == "EGRESS_CONFIG":
        if Path(file).is_file():
            return 0, _acts_on(target, file)
        found = not_a_file(file)
        return 2, (_not_a_file(named_by, file, file, found, directory) if found else
                   missing_environment(named_by, file, directory))
    if not name:
        if target in ONE:
            given = f' ({named_by}="")' if named_by else ""
            return 2, (f"error: make {target} acts on one environment and none was named{given}: "
                       f"make {target} ENV=<name>{_one_of(directory)}")
        return 0, _every_file(target, directory)
    expected = {str(directory / f"{name}.toml"), str(directory / "bootstrap" / f"{name}.toml")}
    if not _NAME.fullmatch(name) or file not in expected or not Path(file).is_file():
        if not named_by:  # the target's default, the example, is gone
            return 2, (f"error: make {target} takes {directory}/{name}.toml when ENV is not given, and there is "
                       f"none: make {target} ENV=<name>{_one_of(directory)}")
        found = not_a_file(file) if _NAME.fullmatch(name) and file in expected else None
        return 2, (_not_a_file(named_by, name, file, found, directory) if found else
                   missing_environment(named_by, name, directory))
    both = [str(directory / f"{name}.toml"), str(directory / "bootstrap" / f"{name}.toml")]
    if "/" not in name and all(Path(p).exists() for p in both):
        # Two files, one stack name: make would act on the first; the app refuses them anyway.
        # ENV not given: the target's default name (the example's), which the user never typed.
        given = (f'{named_by}={_quoted(name)}' if named_by else
                 f'make {target} without ENV takes {_quoted(name)}, which')
        return 2, (f'error: {given} names two files, {both[0]} and {both[1]}: one stack name for two '
                   "stacks, which make could mix up; rename one")
    if target == "output":  # Terraform reads the state with no synth before it, which would check it (app/build.py)
        foreign = foreign_local_state(file, Path(file).stem)
        if foreign:
            path, kind = foreign[0]
            return 2, (f"error: make output: {path}: expected the local state of stack {Path(file).stem} "
                       f"(Terraform reads it): a regular file, or nothing, got {kind}")
    return 0, _acts_on(target, file)


def main(argv: Sequence[str] | None = None) -> int:
    """``python3 constructs_lib/app/selection.py TARGET --named-by V --name N --file F [--conflict C]
    [--config-conflict C] [--from-shell "ENV STACK"]``."""
    parser = argparse.ArgumentParser(prog="selection.py")
    parser.add_argument("target")
    parser.add_argument("--named-by", default="")
    parser.add_argument("--name", default="")
    parser.add_argument("--file", default="")
    parser.add_argument("--conflict", default="")
    parser.add_argument("--config-conflict", default="")
    parser.add_argument("--from-shell", default="", help="which of ENV and STACK make found in the shell's "
                        "environment, not on its command line (as rehearse is told of FROM, SEED and FAULTS)")
    args = parser.parse_args(argv)
    code, line = check(args.target, args.named_by, args.name, args.file, args.conflict,
                       config_conflict=args.config_conflict)
    if code and args.named_by in args.from_shell.split():
        # POSIX shells read ENV as the path of a start-up file, and some export it: a name the user never typed.
        line += from_shell(args.named_by, "<name>")
    # What ENV held, and file names, are the user's: one line, no escape code reaches the terminal.
    print(one_line(line), file=sys.stderr if code else sys.stdout)
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
