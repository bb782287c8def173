"""Synthesize one stack per environment file.

By default every environments/*.toml; ``EGRESS_CONFIG=path/to/file.toml``
synthesizes just that file. The output folder is cdktf's (``CDKTF_OUTDIR``,
else ``cdktf.out``). Every file is validated before anything is written;
on a bad file the problems are listed and nothing is synthesized.
"""

import os
import sys

from constructs_lib.app import build_app, environment_files, load_environments
from constructs_lib.config import ConfigError


def main() -> int:
    try:
        configs = load_environments(environment_files(os.environ.get("EGRESS_CONFIG")))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    build_app(configs).synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
