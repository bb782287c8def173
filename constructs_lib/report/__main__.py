"""``python -m constructs_lib.report [OUTDIR]``."""

import sys

from .review import main

sys.exit(main(sys.argv[1:]))
