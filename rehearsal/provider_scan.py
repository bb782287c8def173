"""A Terraform run that finds no google provider in the stack's ``.terraform/providers``, where init just put it.

Seen twice in whole-suite runs on fresh clones (each run about 1,000 Terraform commands, six rehearsals at once on
2 cores), never in a rehearsal alone nor in 2,844 Terraform commands of 474 inits run eight at once against the
same mirror: once as ``terraform init`` inside ``cdktf deploy`` ("after installing registry.terraform.io/hashicorp/
google it is still not detected in .terraform/providers; this is a bug in Terraform"), once as ``terraform output``
right after a plan in the same folder had found the provider ("Required plugins are not installed ... there is no
package for registry.terraform.io/hashicorp/google 6.50.0 cached in .terraform/providers"). Both are Terraform's
scan of that folder (``getproviders.SearchLocalDirectory``): it drops a package whose ``os.Stat`` through the
links (``.terraform/providers/…/linux_amd64`` → the rehearsal's plugin cache → the project's mirror) fails, and
gives up on any error of its walk, without saying which. The cause is not known.

A rehearsal runs such a command once more, after ``terraform init`` links the provider again (a ``cdktf deploy``
whose init failed has applied nothing, and one that failed after its apply applies nothing new), and says so
on stderr with what the folder held at the failure, so that the next one seen tells more. A second failure is
reported as it is. Nothing here touches the product's own deploy (``constructs_lib/deploy``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

# What Terraform prints when its scan of .terraform/providers finds nothing (init, and every later command).
SIGNATURES = ("it is still not detected in .terraform/providers",
              "Required plugins are not installed")
PROVIDERS = Path(".terraform") / "providers"

Run = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def lost_provider(output: str) -> bool:
    return any(signature in output for signature in SIGNATURES)


def listing(stack_dir: Path) -> str:
    """Every entry under the folder's ``.terraform/providers``: what it is, where a link points, whether it resolves."""
    root = stack_dir / PROVIDERS
    if not os.path.lexists(root):
        return f"{root}: missing"
    lines = []
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            if path.is_symlink():
                target = os.readlink(path)
                try:
                    os.stat(path)
                    resolved = "resolves"
                except OSError as problem:
                    resolved = f"does not resolve ({problem.strerror})"
                lines.append(f"{path.relative_to(stack_dir)} -> {target}: {resolved}")
            else:
                lines.append(f"{path.relative_to(stack_dir)}{'/' if path.is_dir() else ''}")
    return "; ".join(lines) or f"{root}: empty"


def run_retried(run: Run, argv: list[str], *, stack_dir: Path, say: Callable[[str], None]
                ) -> subprocess.CompletedProcess[str]:
    """``run(argv)``; when it fails with a lost provider, once more (a Terraform command other than init: after
    ``terraform init``)."""
    result = run(argv)
    if result.returncode == 0 or not lost_provider(result.stdout + result.stderr):
        return result
    command = " ".join([Path(argv[0]).name, *argv[1:2]])
    say(f"`{command}` found no google provider in {stack_dir / PROVIDERS} ({listing(stack_dir)}); "
        "running it once more (rehearsal/provider_scan.py)")
    if Path(argv[0]).name == "terraform" and argv[1:2] != ["init"]:
        run([argv[0], "init", "-no-color", "-input=false", "-reconfigure"])
    return run(argv)
