"""The output folder, checked before anything is written: every path synth writes must be writable and of its kind.

cdktf writes ``<outdir>/manifest.json`` and ``<outdir>/stacks/<stack>/cdk.tf.json``, and the app rewrites a
stale ``REVIEW.md`` beside it (and moves legacy local state out of it). A folder where one of those files
belongs, a file where a folder belongs, or a folder the app may not write into would otherwise fail half-way,
as a Python and JavaScript traceback, with some stacks already written. ``output_problems`` names each such
path as a problem line, so the app stops before it writes anything. The output folder may be one the user had
(``CDKTF_OUTDIR=docs``): synth adds ``stacks/`` to it, but overwrites no ``manifest.json`` that a synth did not
write.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

from ..config import Problem
from ..facts.text import file_kind, not_a_folder
from ..report.output_file import OutputFileError, manifest_stacks
from .files import ENVIRONMENTS_DIR, inside

__all__ = ["output_problems"]

_KEY = "(output folder)"


def _writable(folder: Path) -> bool:
    """Whether a file can be created in ``folder``: its permissions, then a real try (root passes every
    permission check, a read-only mount does not), the file removed at once."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        fd, name = tempfile.mkstemp(prefix=".write-check-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def _folder(path: Path) -> Problem | None:
    """A folder synth writes into: a folder or nothing (it is created), writable when it exists."""
    if not os.path.lexists(path):
        return None
    if (problem := _not_a_folder(path)) is not None:
        return problem
    if not _writable(path):
        return Problem(str(path), _KEY, "a folder the app may write into", "a folder it may not write into (its "
                       "permissions, or a read-only file system)")
    return None


def _file(path: Path) -> Problem | None:
    """A file synth (re)writes: a regular file or nothing, writable when it exists."""
    if not os.path.lexists(path):
        return None
    if path.is_symlink():
        # Written through, a link would have synth overwrite whatever it points to, outside the output folder.
        return Problem(str(path), _KEY, "a regular file, or nothing (it is written)",
                       f"a symbolic link to {os.readlink(path)}")
    if not path.is_file():
        return Problem(str(path), _KEY, "a regular file, or nothing (it is written)", file_kind(path.stat().st_mode))
    if not os.access(path, os.W_OK):
        return Problem(str(path), _KEY, "a file the app may overwrite", "a read-only file")
    return None


# A manifest.json larger than this is no synth's (one of 500 stacks is about 150 kB): not read to find out.
_MANIFEST_BYTES = 16 * 1024 * 1024


def _manifest(path: Path) -> Problem | None:
    """The manifest synth rewrites: nothing, or the one an earlier synth wrote. A folder named as the output folder
    may be anyone's (``CDKTF_OUTDIR=docs``): another tool's ``manifest.json`` there is never overwritten."""
    if (problem := _file(path)) is not None or not os.path.lexists(path):
        return problem
    try:
        if os.path.getsize(path) <= _MANIFEST_BYTES:
            manifest_stacks(path.parent)
            return None
        got = "a file larger than any manifest synth writes"
    except OutputFileError:
        got = "a file that is not one (another tool's, or edited since)"
    except OSError as err:
        got = f"a file that cannot be read ({err.strerror or err})"
    return Problem(str(path), _KEY, "the manifest an earlier synth wrote (cdktf's: its stacks by name), or nothing "
                   "(it is written)", f"{got}: choose another output folder (CDKTF_OUTDIR), or remove the file if "
                   "it is the app's")


def output_problems(outdir: Path, stacks: Iterable[str], *, inputs: Path = ENVIRONMENTS_DIR) -> list[Problem]:
    """Every path under ``outdir`` that synth of ``stacks`` would fail to write, checked before anything is.

    The output folder and each folder above it must be a folder or nothing; the first that exists must be
    writable (the rest is created in it); ``manifest.json``, ``stacks/<stack>/cdk.tf.json`` and its
    ``REVIEW.md`` must be regular files or nothing, and ``manifest.json`` one a synth wrote. The folder must be a
    path the system takes, and not in ``inputs`` (the environments' folder, which every run lists).
    """
    try:
        os.lstat(outdir)
    except (FileNotFoundError, NotADirectoryError):
        pass  # nothing there yet, or a file on the way (named below)
    except OSError as err:  # a name longer than the system takes, a loop of links
        return [Problem(str(outdir), _KEY, "a folder path this system can create", err.strerror or str(err))]
    if inside(outdir, inputs):
        return [Problem(str(outdir), _KEY, f"a folder outside {inputs}/ (the app reads every .toml entry there: "
                        "an output folder in it would be read as a file, or refused, by every later run)",
                        f"a folder inside {inputs}/")]
    above = [p for p in (outdir, *outdir.parents) if os.path.lexists(p)]
    problems = [p for p in map(_not_a_folder, above) if p is not None]
    if problems:
        return problems
    if not os.path.lexists(outdir) and not os.path.lexists(outdir.parent):
        # cdktf creates the output folder alone (not its parents: a JavaScript ENOENT traceback).
        return [Problem(str(outdir.parent), _KEY, f"an existing folder to create {outdir.name} in",
                        "nothing at that path")]
    folders = [outdir / "stacks", *(outdir / "stacks" / s for s in stacks)]
    found = [_folder(outdir if outdir.exists() else above[0] if above else Path("."))]
    found += [_folder(f) for f in folders]
    found += [_manifest(outdir / "manifest.json")]
    found += [_file(outdir / "stacks" / s / name) for s in stacks for name in ("cdk.tf.json", "REVIEW.md")]
    return [p for p in found if p is not None]


def _not_a_folder(path: Path) -> Problem | None:
    """The problem of a path where a folder belongs that holds something else (a file, a pipe, a dangling link);
    also each folder on the way to the output folder (their permissions are the first existing one's concern)."""
    kind = not_a_folder(path)
    return None if kind is None else Problem(str(path), _KEY, "a folder, or nothing (it is created)", kind)
