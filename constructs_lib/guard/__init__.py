"""The plan guard: a saved plan's JSON in, what it would do to allowlisted IPs out.

Pure: it reads the JSON of ``terraform show -json <saved plan>`` and nothing else (no file, no network, no
Terraform), so ``make diff``/``make deploy`` (``constructs_lib.deploy``), the rehearsal and the tests run the
same rules, and the Rego of ``policy-set/`` can be held to them.
"""

from .rules import check, notices, recreated_egress, retire_reminders
from .violation import DELETION_PROTECTED, NAME_TAKEN, NO_ACTIVE_IP, RECREATE, RELEASE, RULES, UNDRAINED, Violation

__all__ = ["DELETION_PROTECTED", "NAME_TAKEN", "NO_ACTIVE_IP", "RECREATE", "RELEASE", "RULES", "UNDRAINED", "Violation",
           "check", "notices", "recreated_egress", "retire_reminders"]
