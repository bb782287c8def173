"""Reading a file a user put in a folder: regular files only, within bounds, UTF-8, valid TOML.

``read_file`` is the one way the app opens such a file (the selected one, its neighbours, the bootstrap
files): a named pipe, a folder or a device named ``*.toml`` is a problem line, never a hang or a traceback.
``read_text`` holds it to our bounds and UTF-8; ``read_toml`` parses it, naming the key of a key given twice
(tomllib names only a line and column). ``kind`` names the format a caller expects (a faults file may be JSON).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from ..facts.text import file_kind, not_a_file
from .problems import ConfigError, Problem

__all__ = ["MAX_FILE_BYTES", "MAX_NESTING", "file_problem", "nesting", "read_file", "read_text", "read_toml"]

# Our own bounds on a file, far above any real environment (a few KB, tables nested 3 deep), so that a
# hostile file is a problem line rather than memory, time or Python's recursion limit.
MAX_FILE_BYTES = 1024 * 1024
MAX_NESTING = 32


def nesting(data: Any) -> int:
    """How deeply arrays and tables nest in a parsed document (walked without recursion)."""
    deepest, pending = 0, [(data, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth + 1)
            pending.extend((v, depth + 1) for v in (value.values() if isinstance(value, dict) else value))
    return deepest


def file_problem(path: Path, expected: str, given: str) -> ConfigError:
    """The one problem of a file that cannot be read as a whole (key ``(file)``): what was expected, what it is."""
    return ConfigError([Problem(str(path), "(file)", expected, given)])


def read_file(path: Path, *, limit: int = MAX_FILE_BYTES, kind: str = "TOML file") -> bytes:
    """The bytes of a regular file, at most ``limit + 1`` of them: the one way the app reads a file a user
    put in a folder (the selected file, its neighbours, the bootstrap files).

    A symbolic link is followed to its target. Anything but a regular file is refused without being opened
    for reading in a way that could wait: a named pipe is opened non-blocking (it would otherwise wait for a
    writer forever) and its type checked on the open descriptor, so a file swapped between the check and the
    read is caught too.

    Raises:
        ConfigError: the file does not exist (a link to nothing included), is not a regular file, or cannot be
            read (permissions, a loop of links); the problem names the file and says which.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        # Something that cannot be opened at all: a socket (ENXIO), a loop of links, a link to nothing.
        found = not_a_file(path)
        if found is not None:
            raise file_problem(path, f"a {'regular' if os.path.exists(path) else 'readable'} {kind}", found) from None
        raise file_problem(path, f"a readable {kind}", err.strerror or str(err)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise file_problem(path, f"a regular {kind}", file_kind(mode))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read(limit + 1)
    except OSError as err:
        raise file_problem(path, f"a readable {kind}", err.strerror or str(err)) from None
    finally:
        os.close(fd)


_AT = re.compile(r"\(at (?:line (\d+), column \d+|end of document)\)$")
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
_REPEATS = ("Cannot overwrite a value", "Cannot declare", "Duplicate inline table key", "Cannot mutate")


def _dotted(key: str) -> str:
    """A TOML key as written (``a . "b"``), as a dotted path (``a.b``)."""
    return ".".join(part.strip().strip("\"'") for part in key.split("."))


def _repeated_key(text: str, message: str) -> tuple[str, int] | None:
    """(dotted key, line) of the key tomllib refused as given twice, from its message and the text; None for any
    other error. tomllib says only "Cannot overwrite a value (at line 2, column 27)"; the key is read back from
    that line, under the last table header above it."""
    at = _AT.search(message)
    if at is None or not message.startswith(_REPEATS):
        return None
    lines = text.splitlines()
    number = int(at.group(1)) if at.group(1) else len(lines)
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    header = _HEADER.match(line)
    if header is not None:
        return _dotted(header.group(1)), number
    above = [(m.group(0).lstrip().startswith("[["), _dotted(m.group(1)))
             for m in map(_HEADER.match, lines[:number - 1]) if m is not None]
    table = ""
    if above:
        array, table = above[-1]
        # An entry of an array of tables by its position from 0 (``services[1]``), as problem lines name it.
        table = f"{table}[{above.count((True, table)) - 1}]" if array else table
    inline = re.search(r"Duplicate inline table key '([^']*)'", message)
    key = _dotted(line.split("=", 1)[0]) if "=" in line else ""
    if inline is not None:
        key = f"{key}.{inline.group(1)}" if key else inline.group(1)
    if not key:
        return None
    return (f"{table}.{key}" if table else key), number


def read_text(path: Path, *, kind: str = "TOML file") -> str:
    """The text of a file a user names (read by ``read_file``), held to our bounds.

    Raises:
        ConfigError: the file cannot be read or is not a regular file, is larger than MAX_FILE_BYTES, starts
            with a byte order mark or is not UTF-8.
    """
    raw = read_file(path, kind=kind)
    if len(raw) > MAX_FILE_BYTES:
        raise file_problem(path, f"a file of at most {MAX_FILE_BYTES:,} bytes",
                           f"more than {MAX_FILE_BYTES:,} bytes") from None
    if raw.startswith(codecs.BOM_UTF8):
        # Neither TOML nor JSON (RFC 8259, section 8.1) allows one.
        raise file_problem(path, f"UTF-8 without a byte order mark ({kind.split()[0]} allows none: save the file as "
                           "plain UTF-8)", "a file starting with the UTF-8 byte order mark (EF BB BF)") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise file_problem(path, "a UTF-8 text file", f"bytes that are not UTF-8 (at byte {err.start:,})") from None


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML document of a file (read by ``read_text``).

    Raises:
        ConfigError: the file cannot be read or is not a regular file, is larger than MAX_FILE_BYTES, starts
            with a byte order mark, is not UTF-8, is not valid TOML or nests deeper than MAX_NESTING.
    """
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        repeated = _repeated_key(text, str(err))
        if repeated is not None:
            key, line = repeated
            raise ConfigError([Problem(str(path), key, "a key given once (TOML allows no key twice, nor a table "
                                       "declared twice)", f"a second value at line {line}")]) from None
        raise file_problem(path, "valid TOML", str(err)) from None
    except RecursionError:
        raise file_problem(path, f"arrays and tables nested at most {MAX_NESTING} deep", "deeper nesting") from None
    except ValueError:
        # tomllib reads integers with int(), which refuses more than 4,300 digits; TOML's are 64-bit.
        raise file_problem(path, "valid TOML (integers are 64-bit)", "an integer of more than 4,300 digits") from None
    depth = nesting(data)
    if depth > MAX_NESTING:
        raise file_problem(path, f"arrays and tables nested at most {MAX_NESTING} deep", f"{depth} levels") from None
    return data
