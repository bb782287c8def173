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

from ..facts.resources import ALERT_POLICY, JOB, SERVICE, WORKER_POOL
from ..guard import Violation, check, notices
from ..guard.violation import DELETION_PROTECTED, RECREATE
from ..report.plan_allowlist import allowlist_change, retired_addresses
from .recovery import (adopted_missing, duplicate_alert_checks, held_addresses, import_commands, import_id,
                       missing_imports, new_nat_draining, orphans, recovery_commands)
from .terraform import INTERRUPTED, PLAN_FILE, Interrupted, Terraform, TerraformFailed


def allowlist_lines(plan: dict[str, Any]) -> list[str]:
    """The allowlist change a plan makes: IPs the partner must add before this deploy, and those it may remove
    after (``constructs_lib.report.plan_allowlist``)."""
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
        print(passed_line(verdict.plan, source), file=out)


def passed_line(plan: dict[str, Any], source: str) -> str:
    """The guard's last line for a plan it lets through: what it releases or forgets, which only the file's
    ``release_ips`` and ``forget_ips`` allow, said as such (not "no allowlisted IP is released")."""
    released, forgotten = retired_addresses(plan)
    if not (released or forgotten):
        return f"plan guard: no allowlisted IP is released, recreated or left undrained by this plan of {source}"
    done = [f"{verb} {', '.join(names)}" for verb, names in (("releases", released), ("forgets", forgotten)) if names]
    return (f"plan guard: this plan of {source} {' and '.join(done)}, as [egress] release_ips and forget_ips allow; "
            "no other allowlisted IP is released, recreated or left undrained")


def run(command: str, terraform: Terraform, source: str, *, auto_approve: bool = False,
        confirm: Callable[[], bool] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr,
        adopted: tuple[str, ...] = (), alerts_created: bool = False) -> int:
    """``diff`` or ``deploy`` of one stack; returns the exit code (1 when the guard refuses or Terraform fails,
    ``INTERRUPTED`` when Ctrl-C, SIGTERM or SIGHUP stopped a Terraform command).

    An apply that fails only because objects of the stack already exist in Google Cloud outside its state
    (``recovery.orphans``) imports them and plans again, through the guard; again while each apply names objects
    not adopted yet (``adopted``): a killed apply can leave a subnet and the connector on it both outside the state,
    and the connector's conflict shows only once the subnet is adopted. An object adopted once and named again
    stops it (``alerts_created``: the failed apply created alert policies, whose duplicates the note after the
    apply lists)."""
    try:
        verdict = guarded_plan(terraform)
    except TerraformFailed as failure:
        return failed(terraform, source, failure, err=err)
    print(verdict.text.rstrip(), file=out)
    report(verdict, source, out=out, err=err)
    if verdict.violations:
        advise_lost(terraform, verdict.violations, err=err)
        if any(v.rule == DELETION_PROTECTED for v in verdict.violations):
            advise(terraform, "", terraform.config(), err=err)  # the untaint of what a failed deploy left tainted
        return 1
    if command == "diff":
        return 0
    if not verdict.has_changes:
        print(f"nothing to apply for {source}", file=out)
        return 0
    if not auto_approve and not (confirm or _ask)():
        print(f"not applied: {source}'s plan was not confirmed", file=err)
        return 1
    creates_alerts = alerts_created or any(c["type"] == ALERT_POLICY and "create" in c["change"]["actions"]
                                           for c in verdict.plan.get("resource_changes", []))
    try:
        print(terraform.apply().rstrip(), file=out)
    except TerraformFailed as failure:
        # Nothing more is done after an interrupt: a person or a CI runner asked the deploy to stop.
        found = [] if isinstance(failure, Interrupted) else \
            orphans(str(failure), terraform.config(), terraform.state())
        if not found or any(address in adopted for address, _ in found):
            return failed(terraform, source, failure, err=err)
        # Safe to do: each is named by this stack and held by no state; the plan after it goes through the guard.
        print(f"note: {source}: {len(found)} object{'s' if len(found) > 1 else ''} of this stack exist in "
              "Google Cloud but not in its state (a create whose answer was lost); adopting them:", file=out)
        try:
            for address, identifier in found:
                print(f"- {address} <- {identifier}", file=out)
                terraform.run("import", "-no-color", "-input=false", address, identifier)
        except TerraformFailed as import_failure:
            return failed(terraform, source, import_failure, err=err)
        return run(command, terraform, source, auto_approve=auto_approve, confirm=confirm, out=out, err=err,
                   adopted=adopted + tuple(address for address, _ in found), alerts_created=creates_alerts)
    if creates_alerts:
        checks = duplicate_alert_checks(terraform.state(), terraform.config())
        print("note: an alert policy has no name of its own: a create retried after a lost answer (a reset "
              "connection) makes a second one, which Terraform never sees. List each one's display name; delete "
              "any policy listed but the one kept:\n" + "\n".join(f"  {c}" for c in checks), file=out)
    return 0


def failed(terraform: Terraform, source: str, failure: TerraformFailed, *, err: TextIO) -> int:
    """A Terraform command failed or was interrupted: its output, the step that recovers the stack, if any, and
    the exit code (130 after an interrupt, as a shell gives for Ctrl-C; else 1)."""
    output, config = str(failure), terraform.config()
    print(f"error: {source}: {output}", file=err)
    for identifier in adopted_missing(output):
        project, region, name = (identifier.split("/")[i] for i in (1, 3, 5))
        print(f"error: {source}: [egress] existing_ips names {name}, which is no address of project {project} in "
              f"{region}: a misspelt name, or an address deleted outside Terraform, whose IP (the one partners "
              "allowlist) is then gone for good, as a new reservation gets a new IP. List the region's addresses "
              f"(gcloud compute addresses list --project={project} --filter=region:{region}), then correct the name "
              "or take it out of existing_ips and of any [[nat.rules]] ips", file=err)
    for address, identifier in missing_imports(output, config):
        print(f"error: {source}: {adopt_key(address)} makes the deploy import {identifier or address}, which Google "
              "Cloud does not have: the file must name what was built by hand (its names, project and region; "
              "docs/operations.md, \"Adopting a chain built by hand\"), and adopt only what exists", file=err)
    if new_nat_draining(output):
        print(f"error: {source}: the plan re-creates the NAT (a changed name, network or router, or a taint) while "
              "[egress] draining_ips names addresses, and a new NAT cannot start with draining IPs (the google "
              "provider's check, at plan: nothing was applied). Finish the drain first: once the IPs carry no "
              "connection, take them out of draining_ips and release or forget them (docs/operations.md, \"Rotating "
              "an IP\", step 5), deploy, then make this change", file=err)
    advise(terraform, output, config, err=err)
    return INTERRUPTED if isinstance(failure, Interrupted) else 1


def adopt_key(address: str) -> str:
    """The ``[adopt]`` key that wrote the import block of a Terraform address."""
    kind = address.split(".", 1)[0]
    key = {SERVICE: "services", JOB: "jobs", WORKER_POOL: "worker_pools"}.get(kind)
    return f"[adopt] {key}" if key else "[adopt] chain = true"


def advise(terraform: Terraform, output: str, config: dict[str, Any], *, err: TextIO) -> None:
    """After a failed command: the one step that recovers the stack (``recovery.recovery_commands``), if any;
    ``config``: the synthesized stack, read once by ``failed``."""
    folder = str(terraform.folder)
    commands = recovery_commands(terraform.state(), stack_dir=folder, stack=terraform.folder.name, output=output,
                                 config=config)
    if commands:
        print("to recover (docs/operations.md, \"When a deploy is interrupted\"):\n"
              + "\n".join(f"  {command}" for command in commands), file=err)


def advise_lost(terraform: Terraform, violations: list[Violation], *, err: TextIO) -> None:
    """For each address the plan would create again under a name the state held: what takes it back.

    A refresh that answered 404 changes only the plan; the state, which nothing applied, still holds the address,
    and the next deploy finds it again once Google Cloud answers for it. One that is no longer in the state
    (removed by hand, or an apply outside ``make deploy`` saved the refresh) is imported under its name: the
    reservation, and so the IP, are kept."""
    lost = [v.address for v in violations if v.rule == RECREATE]
    if not lost:
        return
    state, config = terraform.state(), terraform.config()
    held = held_addresses(state)
    kept = [address for address in lost if address in held]
    if kept:
        print(f"the state still holds {', '.join(kept)}: the refresh did not find it (a 404 from Google Cloud), and a "
              "plan does not write the state; deploy again once Google Cloud answers for it", file=err)
    found = [(address, import_id(config, address)) for address in lost if address not in held]
    commands = import_commands(str(terraform.folder), [(a, i) for a, i in found if i])
    if commands:
        print("the address is still reserved in Google Cloud; take it back into the state under its name, then "
              "deploy again:\n" + "\n".join(f"  {command}" for command in commands), file=err)


def _ask() -> bool:
    """Terraform's own question, on a terminal only; without one, ``--auto-approve`` (``AUTO_APPROVE=1``) is needed."""
    if not sys.stdin.isatty():
        print("error: make deploy applies a plan only when confirmed: run it in a terminal, or with AUTO_APPROVE=1",
              file=sys.stderr)
        return False
    answer = input("Apply this plan? Only 'yes' will be accepted: ")
    return answer.strip() == "yes"
