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

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any, Callable

from ..facts.naming import RFC1035
from ..facts.text import file_kind, one_line

__all__ = ["SYNTH_AGAIN", "OutputFileError", "manifest_stacks", "own_folder", "regular_file", "synthesized_json",
           "write_output"]


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


# What a user does about a file of the output folder that synth did not write as it is.
SYNTH_AGAIN = ": run `make synth` (cdktf synth) again"


def synthesized_json(path: Path) -> dict[str, Any]:
    """The JSON object of a file synth writes (manifest.json, a stack's cdk.tf.json), as a report reads it.

    Raises:
        OutputFileError: the file is not a regular file, cannot be read, is not UTF-8 JSON or not an object (a
            file edited, cut short or replaced since the synth); the message names it.
    """
    try:
        doc = json.loads(regular_file(path).read_text(encoding="utf-8"))
    except OutputFileError:
        raise
    except OSError as err:
        raise OutputFileError(f"{path}: expected a file synth wrote, got one that cannot be read "
                              f"({err.strerror or err}){SYNTH_AGAIN}") from None
    except ValueError as err:  # UnicodeDecodeError and JSONDecodeError
        raise OutputFileError(f"{path}: expected the JSON synth writes, got {one_line(str(err))}{SYNTH_AGAIN}") from None
    except RecursionError:  # synth nests a few levels; Python's parser stops at about a thousand
        raise OutputFileError(f"{path}: expected the JSON synth writes, got JSON nested deeper than Python's parser "
                              f"reads{SYNTH_AGAIN}") from None
    if not isinstance(doc, dict):
        kind = "an array" if isinstance(doc, list) else "a string" if isinstance(doc, str) else "a value"
        raise OutputFileError(f"{path}: expected a JSON object, as synth writes it, got {kind}{SYNTH_AGAIN}")
    return doc


def manifest_stacks(outdir: Path) -> dict[str, Path]:
    """Each stack the last synth into ``outdir`` wrote, by name, with the path of its JSON, from manifest.json.

    A name is a stack's (a file stem the app took: an RFC 1035 name), and each path stays in ``outdir``
    (relative, no ``..``): what the reports write beside a stack (REVIEW.md, scan/<stack>/) stays there too.

    Raises:
        FileNotFoundError: ``outdir`` holds no manifest.json (no synth).
        OutputFileError: the manifest is not one synth wrote as it is; the message names it.
    """
    path = outdir / "manifest.json"
    if not os.path.lexists(path):
        raise FileNotFoundError(f"{path} does not exist: run `make synth` (cdktf synth) first")
    stacks = synthesized_json(path).get("stacks")
    if not isinstance(stacks, dict) or not all(
            isinstance(name, str) and RFC1035.fullmatch(name) and isinstance(stack, dict)
            and _inside(stack.get("synthesizedStackPath")) for name, stack in stacks.items()):
        raise OutputFileError(f"{path}: expected the manifest cdktf synth writes (stacks by their names, each with "
                              f"its synthesizedStackPath inside the folder), got another JSON object{SYNTH_AGAIN}")
    return {name: outdir / stack["synthesizedStackPath"] for name, stack in sorted(stacks.items())}


def _inside(path: object) -> bool:
    return isinstance(path, str) and bool(path) and not Path(path).is_absolute() and ".." not in Path(path).parts


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
