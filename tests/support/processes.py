"""Child processes (the app, the cdktf CLI, make) and snapshots of folders."""

from __future__ import annotations

import os
from pathlib import Path


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process running the app or the cdktf CLI: no outside calls, no banners."""
    env = dict(os.environ)
    env.update(CHECKPOINT_DISABLE="1", DISABLE_VERSION_CHECK="1", JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
               PIPENV_VENV_IN_PROJECT="1", PIPENV_VERBOSITY="-1",
               # Else the CLI points Terraform at, and creates, the user's ~/.terraform.d/plugin-cache, which
               # tests running at once would share (rehearsal/driver.py, Rehearsal.env).
               CDKTF_DISABLE_PLUGIN_CACHE_ENV="1")
    # A machine-wide TF_CLI_CONFIG_FILE pointing nowhere only adds warnings.
    if env.get("TF_CLI_CONFIG_FILE") and not Path(env["TF_CLI_CONFIG_FILE"]).exists():
        del env["TF_CLI_CONFIG_FILE"]
    env.update(extra)
    return env


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes, to show that nothing was written or removed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
