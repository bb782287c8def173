"""``python -m rehearsal path/to/environment.toml``: what ``make rehearse`` runs."""

import sys

from rehearsal.rehearse import main

sys.exit(main(sys.argv[1:]))
