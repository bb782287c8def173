"""``make diff`` and ``make deploy`` of one synthesized stack: a saved plan, the guard, then the apply of exactly
that plan, or a stop.

    python -m constructs_lib.deploy diff environments/production.toml
    python -m constructs_lib.deploy deploy environments/production.toml [--auto-approve]

The stack is ``<cdktf output folder>/stacks/<file stem>``, synthesized just before by make. The guard
(``constructs_lib.guard``) reads only the plan's JSON; what it refuses stops the deploy before anything is
applied, and makes ``diff`` exit non-zero too.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from ..guard import Violation, check, notices
from ..report.allowlist import allowlist_change
from .terraform import PLAN_FILE, Terraform, TerraformFailed


def allowlist_lines(plan: dict[str, Any]) -> list[str]:
    """The allowlist change a plan makes: IPs the partner must add before this deploy, and those it may remove
    after (``constructs_lib.report.allowlist``)."""
    return list(allowlist_change(plan))


@dataclass(frozen=True)
class Verdict:
    """One guarded plan: its text, its JSON, what the guard refuses and what it says beside."""

    text: str
    plan: dict[str, Any]
    violations: list[Violation]
    notices: list[str]

    @property
    def has_changes(self) -> bool:
        """Whether applying the plan would change anything: Terraform's own ``applyable`` (1.6 and later), else
        any resource or output change."""
        if isinstance(self.plan.get("applyable"), bool):
            return self.plan["applyable"]
        return any(c["change"]["actions"] not in (["no-op"], ["read"]) for c in self.plan.get("resource_changes", [])) \
            or any(c.get("actions") != ["no-op"] for c in (self.plan.get("output_changes") or {}).values())


def guarded_plan(terraform: Terraform, plan_file: str = PLAN_FILE) -> Verdict:
    """init, ``plan -out``, ``show -json``, the guard."""
    terraform.init()
    text, plan = terraform.plan(plan_file)
    return Verdict(text, plan, check(plan), notices(plan))


def report(verdict: Verdict, source: str, *, out: TextIO, err: TextIO) -> None:
    """The guard's verdict for people: each refusal as ``error: <file>: <message>``, then the notices and the
    allowlist change."""
    for violation in verdict.violations:
        print(f"error: {source}: [{violation.rule}] {violation.message}", file=err)
    for notice in verdict.notices:
        print(f"note: {source}: {notice}", file=out)
    lines = allowlist_lines(verdict.plan)
    if lines:
        print("\n".join(lines), file=out)
    if verdict.violations:
        print(f"the plan guard refuses this plan of {source}: {len(verdict.violations)} "
              f"problem{'s' if len(verdict.violations) > 1 else ''} above; nothing was applied", file=err)
    else:
        print(f"plan guard: no allowlisted IP is released, recreated or left undrained by this plan of {source}",
              file=out)


def run(command: str, terraform: Terraform, source: str, *, auto_approve: bool = False,
        confirm: Callable[[], bool] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """``diff`` or ``deploy`` of one stack; returns the exit code (1 when the guard refuses or Terraform fails)."""
    try:
        verdict = guarded_plan(terraform)
    except TerraformFailed as failure:
        print(f"error: {source}: {failure}", file=err)
        return 1
    print(verdict.text.rstrip(), file=out)
    report(verdict, source, out=out, err=err)
    if verdict.violations:
        return 1
    if command == "diff":
        return 0
    if not verdict.has_changes:
        print(f"nothing to apply for {source}", file=out)
        return 0
    if not auto_approve and not (confirm or _ask)():
        print(f"not applied: {source}'s plan was not confirmed", file=err)
        return 1
    try:
        print(terraform.apply().rstrip(), file=out)
    except TerraformFailed as failure:
        print(f"error: {source}: {failure}", file=err)
        return 1
    return 0


def _ask() -> bool:
    """Terraform's own question, on a terminal only; without one, ``--auto-approve`` (``AUTO_APPROVE=1``) is needed."""
    if not sys.stdin.isatty():
        print("error: make deploy applies a plan only when confirmed: run it in a terminal, or with AUTO_APPROVE=1",
              file=sys.stderr)
        return False
    answer = input("Apply this plan? Only 'yes' will be accepted: ")
    return answer.strip() == "yes"
