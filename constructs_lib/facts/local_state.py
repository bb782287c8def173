"""Where a stack with local state (``[state] backend = "local"``, a bootstrap stack) keeps it: ``<stack>.tfstate``
beside its file, and Terraform's backup of it, ``<stack>.tfstate.backup``.

Never inside the output folder: the cdktf CLI deletes the folder of every stack it did not synthesize this time
(``make synth`` synthesizes one environment), and ``make clean`` or a hand-deleted ``cdktf.out`` would take the
state with it. Standard library only: make's checks (``app/selection.py``) read it before anything is installed.
"""

from __future__ import annotations

from pathlib import Path

from .text import not_a_file

__all__ = ["foreign_local_state", "local_state_paths"]


def local_state_paths(source: str, stack: str) -> tuple[Path, Path]:
    """(the state, its backup) of stack ``stack`` whose file is ``source``."""
    state = Path(source).parent / f"{stack}.tfstate"
    return state, state.with_name(f"{state.name}.backup")


def foreign_local_state(source: str, stack: str) -> list[tuple[Path, str]]:
    """Each of ``local_state_paths`` where something else than a regular file (a link to one counts as one) or
    nothing stands, with what stands there: Terraform would wait for ever on a named pipe, and stop on a folder."""
    return [(path, kind) for path in local_state_paths(source, stack) if (kind := not_a_file(path)) is not None]
