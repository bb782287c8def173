"""``python -m rehearsal path/to/environment.toml``: what ``make rehearse`` runs."""

import sys

from rehearsal.rehearse import main

try:
    code = main(sys.argv[1:])
except KeyboardInterrupt:
    # The rehearsal's servers and folders were stopped and removed on the way out (Rehearsal's ``with``).
    print("error: rehearsal interrupted (Ctrl-C); it only ever touched its local GCP API and state, both thrown "
          "away", file=sys.stderr)
    code = 130
sys.exit(code)
