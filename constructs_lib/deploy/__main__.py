"""python -m constructs_lib.deploy diff|deploy <file.toml> [--auto-approve]: what make diff and make deploy run."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from ..facts.text import one_line
from ..report.output_file import OutputFileError, regular_file
from .flow import run
from .terraform import APPLY_DEADLINE_SEC, INTERRUPTED, MAX_DEADLINE_SEC, PLAN_FILE, Terraform
from .stack import stack_folder


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--auto-approve"]
    if len(args) != 2 or args[0] not in ("diff", "deploy"):
        print("usage: python -m constructs_lib.deploy diff|deploy path/to/environment.toml [--auto-approve]",
              file=sys.stderr)
        return 2
    command, path = args
    folder = stack_folder(Path(path))
    # The file as every message names it: one line, whatever its name holds.
    source = one_line(path)
    if not (folder / "cdk.tf.json").is_file():
        print(one_line(f"error: {path}: no synthesized stack in {folder}: make {command} synthesizes it first"),
              file=sys.stderr)
        return 2
    try:  # Terraform would wait for ever to write its plan into a named pipe, and fail on a folder
        regular_file(folder / PLAN_FILE)
    except OutputFileError as problem:
        print(one_line(f"error: {path}: {problem}: make {command} writes Terraform's saved plan there; move it away"),
              file=sys.stderr)
        return 2
    deadline = os.environ.get("DEPLOY_DEADLINE", "")
    # isdecimal, not isdigit: "²" is a digit int() refuses. A bound, because a timeout of centuries overflows the
    # clock subprocess waits on (OverflowError).
    if deadline and not (deadline.isdecimal() and 0 < int(deadline) <= MAX_DEADLINE_SEC):
        print(one_line(f"error: DEPLOY_DEADLINE: expected the apply's deadline in seconds (a whole number from 1 to "
                       f"{MAX_DEADLINE_SEC}, a week), got {deadline!r}"), file=sys.stderr)
        return 2
    terraform = Terraform(folder, deadline=int(deadline) if deadline else APPLY_DEADLINE_SEC)
    # SIGTERM (a CI runner cancelling the job) and SIGHUP (the terminal gone) stop the deploy as Ctrl-C does;
    # while a Terraform command runs, each is passed on to it instead (terraform.Interrupts).
    signal.signal(signal.SIGTERM, _as_ctrl_c)
    signal.signal(signal.SIGHUP, _as_ctrl_c)
    try:
        return run(command, terraform, source, auto_approve="--auto-approve" in argv)
    except KeyboardInterrupt:
        print(f"error: {source}: interrupted between Terraform commands; nothing more was run. `make diff` shows "
              "what is left to apply", file=sys.stderr)
        return INTERRUPTED


def _as_ctrl_c(_number: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
