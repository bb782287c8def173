"""Synthesize one stack per environment file.

By default every environments/*.toml, plus the state bucket's bootstrap
stack of each environments/bootstrap/*.toml; ``EGRESS_CONFIG=path/to/file.toml``
synthesizes just that file. The output folder is cdktf's (``CDKTF_OUTDIR``,
else ``cdktf.out``). Every file is validated, and every stack checked against
the chain policies, before anything is written; on a bad file or a violation
the problems are listed and nothing is synthesized.
"""

import os
import sys

from constructs_lib.app import run


def main() -> int:
    return run(os.environ.get("EGRESS_CONFIG"))


if __name__ == "__main__":
    sys.exit(main())
