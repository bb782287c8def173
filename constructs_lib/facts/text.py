"""User strings in the app's own messages: the one way any text a user controls is printed on a line.

A problem line names a file, a key and a value the user wrote; a make target's first line names what ``ENV``
held. A line break in any of them would forge a line of its own (a problem that is not one, a "stack" a target
does not act on), and an escape code (ESC ``[``…) would reach the terminal. ``one_line`` writes every character
that is not printable as an escape instead; ``file_kind`` names what is at a path that is not a regular file
(a folder, a named pipe), ``path_kind`` what is at any path (a dangling link, a loop of links too),
``not_a_file`` what is at a path that should hold a regular file, and ``json_kind`` what a JSON value is.
Standard library only: make runs ``app/selection.py`` before anything is installed, and prints a line holding a
folder a user named with ``python3 constructs_lib/facts/text.py TEXT`` (``one_line``).
"""

from __future__ import annotations

import errno
import os
import stat
import sys

__all__ = ["FOLDER", "FORMULA_START", "REGULAR_FILE", "file_kind", "json_kind", "not_a_file", "one_line", "path_kind"]

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV Injection"): no user text may
# start a cell of a CSV the product writes as it is (allowlist.csv goes to partners).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def one_line(text: str) -> str:
    """Any user-controlled text as it may appear in a problem line: every character that is not printable
    (line breaks, Unicode line and paragraph separators, the ESC of terminal escape codes, C1 controls,
    zero-width and bidirectional marks) written as an escape (``\\n``, ``\\x1b``, ``\\u2028``), so that a key,
    a file name or a value can neither start a line of its own nor reach the terminal as a control code."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _ESCAPES.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else
                   f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}") for c in text)


def json_kind(value: object) -> str:
    """What a parsed JSON value is, as a message says it was given (``got an array``): never its text."""
    return {bool: "true or false", type(None): "null", list: "an array", dict: "an object", str: "a string"}.get(
        type(value), "a number")


FOLDER = "a folder"
_KINDS = ((stat.S_ISDIR, FOLDER), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a problem line (``a named pipe (FIFO)``, ``a folder``)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


REGULAR_FILE = "a regular file"


def path_kind(path: str | os.PathLike[str]) -> str | None:
    """What is at ``path``, a symbolic link followed, for a problem line: ``a regular file``, ``a folder``, ``a named
    pipe (FIFO)``, ``a socket``, ``a loop of symbolic links``, ``a symbolic link to X, which does not exist``. None
    when there is nothing at all (not even a link)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        if err.errno == errno.ELOOP:
            return "a loop of symbolic links"
        if os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)}, which does not exist"
        return None
    return REGULAR_FILE if stat.S_ISREG(mode) else file_kind(mode)


def not_a_file(path: str | os.PathLike[str]) -> str | None:
    """What is at ``path`` (``path_kind``) when something is there but no regular file can be read from it. None
    for a regular file, and for a path where there is nothing at all."""
    kind = path_kind(path)
    return None if kind == REGULAR_FILE else kind


def not_a_folder(path: str | os.PathLike[str]) -> str | None:
    """What is at ``path`` (``path_kind``) when something is there but no folder: a file, a pipe, a dangling link.
    None for a folder (a link to one followed), and for a path where there is nothing at all."""
    kind = path_kind(path)
    return None if kind == FOLDER else kind


def from_shell(variable: str, placeholder: str = "<value>") -> str:
    """What a refusal of a make variable's value adds when the value came from the shell's environment, not from
    make's command line: names such as ENV or SEED may be exported for something else. The Makefile's
    ``FROM_SHELL`` writes the same words for the values it refuses itself."""
    posix = "; POSIX shells use ENV for a start-up file" if variable == "ENV" else ""
    return (f" ({variable} came from the shell's environment and not from make's command line{posix}: unset it or "
            f"give {variable}={placeholder} to make)")


if __name__ == "__main__":  # python3 constructs_lib/facts/text.py TEXT...: the make targets' lines that hold a folder
    print(one_line(" ".join(sys.argv[1:])))
