"""cdktf's output folder: where the stacks are written, and where every command that reads them looks.

The cdktf CLI passes its ``output`` (cdktf.json) to the app as ``CDKTF_OUTDIR``; without it, cdktf writes to
``cdktf.out``. ``make`` passes ``CDKTF_OUTDIR`` through to the app and reads its stacks from the same folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

__all__ = ["DEFAULT_OUTDIR", "OUTDIR_VARIABLE", "outdir_from"]

DEFAULT_OUTDIR = "cdktf.out"
OUTDIR_VARIABLE = "CDKTF_OUTDIR"


def outdir_from(environ: Mapping[str, str]) -> Path:
    """The output folder an environment names (``CDKTF_OUTDIR``, else ``cdktf.out``)."""
    return Path(environ.get(OUTDIR_VARIABLE) or DEFAULT_OUTDIR)
