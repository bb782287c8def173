"""Which files the app reads: the environments, the bootstrap files, and the neighbours of a selected file.

Every file is read by ``config.toml_file.read_file`` (regular files only, a named pipe never waited on); this
module only says which paths. A neighbour is every other ``*.toml`` entry of the folders a selected file is
checked against, whatever it is: a link (followed to its target, and compared with the selected file by its
own name, since a link is a second stack built from the same file), a folder, a pipe, an unreadable file. What
cannot be read is a problem line, never a file skipped in silence: its collisions could not be checked. The same
holds for a folder the app lists (``environments/``, ``environments/bootstrap/``) that is a file, a pipe or a
dangling link, and for a folder inside either that holds ``.toml`` files the app would never read:
``folder_problems``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from ..config import ConfigError, EnvironmentConfig, Problem, load_environment
from ..config.bootstrap import BootstrapConfig, is_bootstrap_document, load_bootstrap
from ..config.toml_file import read_toml
from ..facts.text import FOLDER, not_a_folder, path_kind

__all__ = ["BOOTSTRAP_DIR", "ENVIRONMENTS_DIR", "Neighbours", "StackConfig", "bootstrap_files", "environment_files",
           "folder_problems", "inside", "is_bootstrap_file", "load_file", "load_neighbours", "neighbour_files"]

ENVIRONMENTS_DIR = Path("environments")
# Bootstrap files (a [bootstrap] table: the state bucket) live apart, so `*.toml` above stays egress stacks only.
BOOTSTRAP_DIR = ENVIRONMENTS_DIR / "bootstrap"

StackConfig = Union[EnvironmentConfig, BootstrapConfig]


def _tomls(directory: Path) -> list[Path]:
    """Every ``*.toml`` entry of a folder, of any kind (links, folders and pipes included), by name; none when
    ``directory`` is not a folder (``folder_problems`` says what it is)."""
    return sorted(directory.glob("*.toml")) if directory.is_dir() else []


def _not_a_folder(directory: Path) -> Problem | None:
    """The problem of a folder the app lists that holds something else: a file, a pipe, a dangling link. A folder,
    or nothing at all, is none (a missing folder holds no file)."""
    kind = not_a_folder(directory)
    return None if kind is None else Problem(str(directory), "(folder)", "a folder of .toml files, or nothing", kind)


def environment_files(selected: str | None, *, directory: Path = ENVIRONMENTS_DIR) -> list[Path]:
    """The files to synthesize: ``selected`` alone when given, else every ``*.toml`` in ``directory`` (the
    bootstrap files are the caller's: ``bootstrap_files``).

    An entry that is not a regular file is returned too, and reported by the loader (``read_file``).

    Raises:
        ConfigError: the selected file does not exist, or, for every file, neither the directory nor its
            ``bootstrap/`` folder holds one (a state bucket's file alone is a stack to build: the first one).
    """
    if selected:
        path = Path(selected)
        if not os.path.lexists(path):
            raise ConfigError([Problem(selected, "(file)", "an existing .toml file", "nothing at that path")])
        return [path]
    files = _tomls(directory)
    if not files and not _tomls(directory / BOOTSTRAP_DIR.name):
        kind = path_kind(directory)
        if kind != FOLDER:
            given = kind or "nothing at that path"
        else:
            given = _without_tomls(directory)
        # With the .toml files it does hold, where the app does not read them (environments/prod/app.toml).
        raise ConfigError([Problem(str(directory), "(folder)", "at least one environment file (*.toml)", given),
                           *(_misplaced(directory) if kind == FOLDER else ())])
    return files


def _without_tomls(directory: Path) -> str:
    """What a folder with no ``*.toml`` entry holds instead, for a problem line."""
    try:
        return "a folder with no .toml file in it" if any(directory.iterdir()) else "an empty folder"
    except OSError as err:
        return f"a folder that cannot be listed ({err.strerror or err})"


def bootstrap_files(directory: Path = BOOTSTRAP_DIR) -> list[Path]:
    """Every bootstrap file (``*.toml`` in ``directory``); none when the folder does not exist."""
    return _tomls(directory)


def is_bootstrap_file(path: Path) -> bool:
    """Whether a file holds a ``[bootstrap]`` table; an unreadable file is left to the environment loader to report."""
    try:
        return is_bootstrap_document(read_toml(path))
    except ConfigError:
        return False


def load_file(path: Path) -> StackConfig:
    """A bootstrap file (it has a ``[bootstrap]`` table) or an environment file, validated.

    Raises:
        ConfigError: the file's problems.
    """
    return load_bootstrap(path) if is_bootstrap_file(path) else load_environment(path)


def _is_selected(entry: Path, selected: Path) -> bool:
    """Whether a folder entry is the selected file itself: the same entry, or the same file (links resolved) under
    the same stack name. A link to it under another name is a second stack, and a neighbour."""
    if entry.name == selected.name and os.path.realpath(entry.parent) == os.path.realpath(selected.parent):
        return True
    return entry.stem == selected.stem and os.path.realpath(entry) == os.path.realpath(selected)


def _neighbour_folders(selected: Path) -> list[Path]:
    """The folders a selected file's neighbours are in: its own, its target's (when it is a link) and, for a file
    of environments/ or environments/bootstrap/, the other one too (a stack name is one namespace for both)."""
    folders = list(dict.fromkeys(os.path.realpath(p) for p in (selected.parent, Path(os.path.realpath(selected)).parent)))
    ours = {os.path.realpath(ENVIRONMENTS_DIR): ENVIRONMENTS_DIR, os.path.realpath(BOOTSTRAP_DIR): BOOTSTRAP_DIR}
    paths = [selected.parent] + [ours.get(f, Path(f)) for f in folders[1:]]
    if any(f in ours for f in folders):
        paths = [p for p in paths if os.path.realpath(p) not in ours] + [ENVIRONMENTS_DIR, BOOTSTRAP_DIR]
    return list(dict.fromkeys(paths))


def neighbour_files(selected: Path) -> list[Path]:
    """What a selected file is checked against: the other ``*.toml`` entries of its neighbours' folders."""
    return [p for folder in _neighbour_folders(selected) for p in _tomls(folder) if not _is_selected(p, selected)]


def folder_problems(selected: Path | None) -> list[Problem]:
    """The folders a run lists that are not folders (a file, a pipe, a link to nothing where
    ``environments/bootstrap/`` belongs): their files could not be listed, so neither built (every file) nor
    checked for collisions (one selected file). And the folders inside ``environments/`` or
    ``environments/bootstrap/`` that hold ``.toml`` files (``environments/prod/app.toml``): the app reads only the
    files directly in those two, so such a file would be neither built nor checked. Not one skipped in silence."""
    folders = _neighbour_folders(selected) if selected is not None else [ENVIRONMENTS_DIR, BOOTSTRAP_DIR]
    if selected is not None and inside(Path(os.path.realpath(selected)).parent, ENVIRONMENTS_DIR):
        folders += [ENVIRONMENTS_DIR, BOOTSTRAP_DIR]  # a file of a folder inside environments/: its layout is ours
    folders = list(dict.fromkeys(folders))
    problems = [p for p in map(_not_a_folder, folders) if p is not None]
    ours = {os.path.realpath(ENVIRONMENTS_DIR), os.path.realpath(BOOTSTRAP_DIR)}
    return problems + [p for f in folders if os.path.realpath(f) in ours for p in _misplaced(f)]


def _misplaced(directory: Path) -> list[Problem]:
    """The ``.toml`` files of one of the app's folders that it would not read: in a folder inside it
    (``_folders_of_tomls``), or named ``*.TOML`` or ``*.Toml`` (the app lists ``*.toml`` alone: case counts)."""
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []  # a folder that cannot be listed holds no file the app would read either
    odd = [Problem(str(e), "(file name)", 'a name ending in ".toml" in lowercase (the app reads no other file: this '
                   "one would be neither built nor checked for collisions)", f'"{e.name}"')
           for e in entries if e.name.lower().endswith(".toml") and not e.name.endswith(".toml")]
    return _folders_of_tomls(entries) + odd


def inside(path: Path, directory: Path) -> bool:
    """Whether ``path`` is ``directory`` or below it, links resolved in both (so far as they exist)."""
    top = os.path.realpath(directory)
    return os.path.commonpath([top, os.path.realpath(path)]) == top


# How far a folder inside environments/ is searched for .toml files: a link in it may lead anywhere (to /, say),
# and the search must end at once whatever it finds.
_MAX_DEPTH = 3
_MAX_ENTRIES = 2_000


def _folders_of_tomls(entries: list[Path]) -> list[Problem]:
    """A problem for each folder of a folder's ``entries`` (``environments/bootstrap/`` aside) holding ``.toml``
    files, itself or in a folder below it (links to folders not followed below the first level, the search
    bounded), naming up to three of them."""
    problems = []
    bootstrap = os.path.realpath(BOOTSTRAP_DIR)
    for entry in entries:
        if entry.suffix == ".toml" or not entry.is_dir() or os.path.realpath(entry) == bootstrap:
            continue  # a folder named *.toml is a file the app reads, and reports as no regular file
        found = _tomls_below(entry)
        if found:
            shown = ", ".join(found[:3]) + (", …" if len(found) > 3 else "")
            problems.append(Problem(str(entry), "(folder)", f"environment files directly in {ENVIRONMENTS_DIR}/ and "
                                    f"bootstrap files directly in {BOOTSTRAP_DIR}/ (the app reads no other folder: "
                                    "a file here is neither built nor checked for collisions)",
                                    f"a folder holding .toml files ({shown})"))
    return problems


def _tomls_below(folder: Path) -> list[str]:
    """The ``.toml`` files in ``folder`` and its folders, as paths relative to its parent; bounded (see above)."""
    found: list[str] = []
    seen = 0
    for root, dirs, names in os.walk(folder, followlinks=False):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(dirs) if depth + 1 < _MAX_DEPTH else []
        seen += len(dirs) + len(names)
        found += [str(Path(root, n).relative_to(folder.parent)) for n in sorted(names) if n.endswith(".toml")]
        if seen > _MAX_ENTRIES:
            break
    return found


@dataclass(frozen=True)
class Neighbours:
    """The neighbours of a selected file, read.

    Attributes:
        configs: those that are valid files.
        stems: every neighbour's stack name (its file stem), valid or not: a stack name is taken by a file.
        unread: a problem for each that could not be read at all (not a regular file, unreadable, not UTF-8).
        broken: those read but not valid: their own problems are reported when they are built; the app warns
            that the selected file was not checked against them.
    """

    configs: tuple[StackConfig, ...] = ()
    stems: tuple[tuple[str, str], ...] = ()
    unread: tuple[Problem, ...] = ()
    broken: tuple[str, ...] = ()


# What read_file and read_toml say of a file that cannot be read as text (or is too large to), as opposed to a TOML document with an
# error in it (which its author is editing, and which is reported when that file is built).
_UNREADABLE = ("a readable TOML file", "a regular TOML file", "a UTF-8 text file", "UTF-8 without", "a file of at most")


def load_neighbours(paths: list[Path]) -> Neighbours:
    """Read every neighbour; see ``Neighbours``."""
    configs, unread, broken = [], [], []
    for path in paths:
        try:
            configs.append(load_file(path))
        except ConfigError as err:
            cannot = [p for p in err.problems if p.key == "(file)" and p.expected.startswith(_UNREADABLE)]
            if cannot:
                unread += [Problem(p.source, p.key, f"{p.expected} (every neighbour is checked for collisions "
                                   "with the selected file)", p.given) for p in cannot]
            else:
                broken.append(str(path))
    return Neighbours(configs=tuple(configs), stems=tuple((p.stem, str(p)) for p in paths), unread=tuple(unread),
                      broken=tuple(broken))
