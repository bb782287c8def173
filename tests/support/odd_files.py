"""Things that are not regular files, made at a path where a test expects a user to have left one."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Callable


def bind_socket(path: Path) -> None:
    """A Unix socket at ``path`` (left there when closed): a file that cannot even be opened (ENXIO). Bound in a
    short folder and moved: a socket's path may not exceed 107 bytes, and a test's folder can be longer."""
    if len(os.fsencode(path)) < 100:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
        return
    short = Path(tempfile.mkdtemp(prefix="s")) / "s"  # pytest's folders are in the same temporary folder
    try:
        bind_socket(short)
        os.replace(short, path)
    finally:
        shutil.rmtree(short.parent, ignore_errors=True)


# What a user may leave where a file or a folder belongs: how to make it, and what the app says stands there
# (constructs_lib.facts.text.path_kind, word for word).
STAND_INS: dict[str, tuple[Callable[[Path], None], str]] = {
    "regular-file": (lambda p: p.write_text('[bootstrap]\nproject = "my-gcp-project"\n'), "a regular file"),
    "folder": (lambda p: p.mkdir(), "a folder"),
    "named-pipe": (lambda p: os.mkfifo(p), "a named pipe (FIFO)"),
    "socket": (bind_socket, "a socket"),
    "dangling-link": (lambda p: p.symlink_to("gone"), "a symbolic link to gone, which does not exist"),
    "link-loop": (lambda p: p.symlink_to(p.name), "a loop of symbolic links"),
}


def stand_ins(*kinds: str) -> dict[str, tuple[Callable[[Path], None], str]]:
    """Those of ``STAND_INS`` named, in that order (for ``pytest.mark.parametrize``)."""
    return {kind: STAND_INS[kind] for kind in kinds}
