"""What ``make diff`` and ``make deploy`` check after synth and before Terraform: placeholders and the review.

- A file still holding the shipped example's placeholder project or bucket is refused, each key named
  (file, key, expected, given); ``make synth`` does not refuse it, so the example synthesizes as shipped.
- The stack's REVIEW.md is compared with the cdk.tf.json about to be used: a missing or out-of-date review is
  a warning, with the command that writes it.

Usage: ``python -m constructs_lib.app.preflight --target deploy --file environments/production.toml
--stack production [--outdir cdktf.out]``; exit 2 when the file is refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence, TextIO

from ..config import ConfigError, Problem
from ..config.keys import list_items
from ..config.reader import read_toml
from ..facts.output_folder import DEFAULT_OUTDIR
from ..facts.placeholders import holds_placeholder
from ..facts.text import one_line
from ..report.freshness import review_state

__all__ = ["main", "placeholder_problems", "review_warning"]


def _strings(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(key, value) of every string in a parsed file, keys written as problem lines write them."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for where, item in list_items(path, data):
            yield from _strings(item, where)


def placeholder_problems(path: Path) -> list[Problem]:
    """A problem for each value of ``path`` that still holds the shipped example's placeholder project or bucket.

    Raises:
        ConfigError: the file cannot be read as TOML.
    """
    problems = []
    for key, value in _strings(read_toml(path)):
        found = holds_placeholder(value)
        if found is not None:
            problems.append(Problem(str(path), key, f'a value of your own, not the shipped example\'s placeholder '
                                    f'"{found}"', f'"{value}"'))
    return problems


def review_warning(stack_dir: Path, *, stack: str, command: str) -> tuple[bool, str]:
    """(whether the review is current, the line that says so) for a stack's folder."""
    found = review_state(stack_dir)
    if found.state == "current":
        return True, f"review: {found.review} describes this cdk.tf.json (sha256 {found.current[:12]}…)"
    if found.state == "missing":
        return False, (f"warning: {stack} has no review ({found.review} does not exist): {command} writes it from "
                       "the JSON about to be used; read it first")
    reviewed = f"sha256 {found.reviewed[:12]}…" if found.reviewed.strip("0") else "no recorded digest"
    return False, (f"warning: {found.review} is out of date: it describes another cdk.tf.json ({reviewed}) than the "
                   f"one about to be used (sha256 {found.current[:12]}…): {command} writes it again; read it first")


def run(target: str, file: Path, stack: str, outdir: Path, *, out: TextIO = sys.stdout,
        err: TextIO = sys.stderr) -> int:
    """The checks of ``make <target>``; 2 when the file is refused, else 0 (a review warning does not stop it)."""
    try:
        problems = placeholder_problems(file)
    except ConfigError as error:
        print(f"error: {error}", file=err)
        return 2
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        print(one_line(f"error: make {target} refuses {file}: it still holds the shipped example's placeholders; "
                       f"set your own values, then run make {target} again:") + f"\n{lines}", file=err)
        return 2
    _, line = review_warning(outdir / "stacks" / stack, stack=stack, command=f"make report ENV={stack}")
    print(one_line(line), file=out if line.startswith("review:") else err)  # it names the output folder
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m constructs_lib.app.preflight")
    parser.add_argument("--target", required=True)
    parser.add_argument("--file", required=True, type=Path)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--outdir", default=Path(DEFAULT_OUTDIR), type=Path)
    args = parser.parse_args(argv)
    return run(args.target, args.file, args.stack, args.outdir)


if __name__ == "__main__":
    sys.exit(main())
