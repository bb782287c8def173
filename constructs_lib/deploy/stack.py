"""Where a file's synthesized stack is: ``<output folder>/stacks/<file stem>``."""

from __future__ import annotations

import os
from pathlib import Path

from ..facts.output_folder import outdir_from


def stack_folder(source: Path) -> Path:
    """The stack of ``source``, in cdktf's output folder (``CDKTF_OUTDIR``, else ``cdktf.out``), as main.py wrote it."""
    return outdir_from(os.environ) / "stacks" / source.stem
