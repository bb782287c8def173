"""``python -m constructs_lib.app stacks [OUTDIR]``: the stacks the last synth wrote, one a line (``make scan``)."""

import sys
from pathlib import Path

from ..facts.output_folder import DEFAULT_OUTDIR
from .build import synthesized_stacks

if len(sys.argv) < 2 or sys.argv[1] != "stacks":
    print("usage: python -m constructs_lib.app stacks [OUTDIR]", file=sys.stderr)
    sys.exit(2)
for stack in synthesized_stacks(Path(sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUTDIR)):
    print(stack)
