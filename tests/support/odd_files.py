"""Things that are not regular files, made at a path where a test expects a user to have left one."""

from __future__ import annotations

import socket
from pathlib import Path


def bind_socket(path: Path) -> None:
    """A Unix socket at ``path`` (left there when closed): a file that cannot even be opened (ENXIO)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
