"""Where main.py prints: its own stderr, or the cdktf CLI's when the CLI runs it.

The cdktf CLI (``cdktf synth``, ``diff``, ``deploy``) runs the app with its
stdout and stderr captured: every line the app writes to stderr is logged at
once (``[ERROR] default -`` and a timestamp in front), and again when the app
fails, under "Command output on stderr". A problem list would be printed twice,
inside that noise. So when the CLI runs the app, the app writes its problems to
the CLI's own stderr, where the user reads them once and as the app prints
them, and leaves its captured streams empty; the CLI then adds only its
"cdktf encountered an error while synthesizing" header.

The CLI's stderr is found through ``/proc`` (Linux). Where it cannot be found,
or where writing to it could overwrite what the CLI writes (a regular file the
CLI did not open for appending), the app prints to its own stderr as before.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TextIO

# Set by the cdktf CLI on the app it runs (synth-stack.ts), never by make or a user.
CLI_ENVIRONMENT = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"
_MAX_ANCESTORS = 6  # the app, `sh -c`, maybe pipenv and its python, then the CLI's node
_O_APPEND = 0o2000


def run_by_cdktf_cli(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether the cdktf CLI started this process (it sets CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS and
    CDKTF_CONTEXT_JSON on the app command)."""
    return environ.get(CLI_ENVIRONMENT) == "true" and "CDKTF_CONTEXT_JSON" in environ


def _parent(pid: int) -> int | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name in parentheses may hold spaces
    return int(fields[1])


def _is_cdktf_cli(pid: int) -> bool:
    """A node process running the cdktf CLI (``node …/.bin/cdktf synth`` or ``…/bundle/bin/cdktf.js``)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return (len(argv) > 1 and os.path.basename(argv[0]).startswith(b"node")
            and os.path.basename(argv[1]) in (b"cdktf", b"cdktf.js"))


def cli_process(start: int | None = None) -> int | None:
    """The process id of the cdktf CLI above this process, or None."""
    pid = _parent(start or os.getpid())
    for _ in range(_MAX_ANCESTORS):
        if pid is None or pid <= 1:
            return None
        if _is_cdktf_cli(pid):
            return pid
        pid = _parent(pid)
    return None


def _safe_to_share(pid: int) -> bool:
    """Whether writing to the CLI's stderr lands after what the CLI wrote and before what it writes next:
    a terminal or a pipe, or a file opened for appending. A file opened for writing at an offset would have
    the CLI's later output overwrite the app's."""
    try:
        mode = os.stat(f"/proc/{pid}/fd/2").st_mode
        if not stat.S_ISREG(mode):
            return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
        flags = next(line for line in Path(f"/proc/{pid}/fdinfo/2").read_text().splitlines()
                     if line.startswith("flags:"))
        return bool(int(flags.split()[1], 8) & _O_APPEND)
    except (OSError, StopIteration, ValueError):
        return False


def problem_stream() -> TextIO:
    """Where the app lists problems: the cdktf CLI's stderr when the CLI runs the app and it can be shared,
    else the app's own stderr."""
    if not run_by_cdktf_cli():
        return sys.stderr
    pid = cli_process()
    if pid is None or not _safe_to_share(pid):
        return sys.stderr
    try:
        return open(f"/proc/{pid}/fd/2", "a", encoding="utf-8", errors="replace")  # noqa: SIM115 (kept to exit)
    except OSError:
        return sys.stderr
