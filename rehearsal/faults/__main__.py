"""python -m rehearsal.faults [FAULT ...]: what make faults runs."""

from __future__ import annotations

import sys

from rehearsal.driver import PROVIDER_BINARY, provider_missing_message
from rehearsal.faults.campaign import campaign

if not PROVIDER_BINARY.is_file():
    print(f"error: {provider_missing_message()}", file=sys.stderr)
    sys.exit(2)
sys.exit(campaign(sys.argv[1:], out=sys.stdout))
