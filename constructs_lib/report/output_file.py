"""The one way the reports write a file of the output folder (REVIEW.md, allowlist.json, allowlist.csv), and make
scan replaces a folder of it (scan/).

The output folder is the app's, but a user (or a tool) can leave anything in it. Written with ``write_text``, a
named pipe where REVIEW.md belongs makes ``make report`` wait for a reader forever, and a symbolic link has the
report overwrite whatever it points to, outside the folder. ``write_output`` refuses anything but a regular file
or nothing, and writes a new file beside the old one then renames it over it: a reader never sees half a
report, and an interrupted write leaves the old one. ``own_folder`` refuses anything but a folder or nothing
where the app deletes and writes a whole folder: deleting a named pipe opened it (and waited for ever), a file
or a link to a user's folder ended in a traceback.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from ..facts.text import file_kind

__all__ = ["OutputFileError", "own_folder", "regular_file", "write_output"]


class OutputFileError(OSError):
    """A path of the output folder holds something the report may not read or replace; the message names it."""


def _only(path: Path, is_kind: Callable[[int], bool], expected: str) -> Path:
    """``path`` when nothing is there or what ``is_kind`` accepts (never a link: ``lstat``); else the error naming
    what is there."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    if is_kind(mode):
        return path
    kind = "a symbolic link" if stat.S_ISLNK(mode) else "a regular file" if stat.S_ISREG(mode) else file_kind(mode)
    raise OutputFileError(f"{path}: expected {expected}, or nothing (the app writes it), got {kind}")


def regular_file(path: Path) -> Path:
    """``path``, unless something there cannot be read or replaced as one of the app's files: nothing is there,
    or a regular file (not a link).

    Raises:
        OutputFileError: naming the path and what is there (a folder, a link, a pipe…).
    """
    return _only(path, stat.S_ISREG, "a regular file")


def own_folder(path: Path) -> Path:
    """``path``, unless something there is not a folder the app may delete and write again: nothing is there, or a
    folder (not a link to one, which may be anyone's).

    Raises:
        OutputFileError: naming the path and what is there (a file, a link, a pipe…).
    """
    return _only(path, stat.S_ISDIR, "a folder")


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one step (a new file renamed over the old), keeping the old file's mode.

    Raises:
        OutputFileError: ``path`` is a folder, a link, a pipe or anything else but a regular file.
        OSError: the folder cannot be written.
    """
    regular_file(path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise
