"""``make rehearse ENV=<stem> FROM=<file as deployed now>``: rehearse a change, not only a first deploy.

FROM is deployed first (``cdktf deploy``, as the stack stands today); then the file is planned and applied through
the same plan guard as ``make deploy`` (``constructs_lib.deploy``): a saved plan, the guard on its JSON, the
apply of exactly that plan. The guard's refusal ends the rehearsal with its message and a non-zero exit; the
driver then plans once more, and that plan must be empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TextIO

from constructs_lib.deploy.flow import guarded_plan, report
from constructs_lib.deploy.terraform import Terraform

if TYPE_CHECKING:
    from rehearsal.driver import Rehearsal


def deploy_change(rehearsal: Rehearsal, before: Path, after: Path, *, source: Path, terraform_binary: str,
                  say: Callable[[str], None], out: TextIO, err: TextIO,
                  on_plan: Callable[[str, dict[str, Any]], None] | None = None) -> tuple[int, Path]:
    """Deploy ``before`` (FROM), then ``after`` through the guard. Returns (exit code, the stack's folder).

    Args:
        rehearsal: a started ``driver.Rehearsal``, already seeded.
        before, after: copies of FROM and of the file, with the same name (so the same stack).
        source: the file as the user named it, for messages.
        on_plan: called with ``("guarded", plan JSON)`` once the guard's plan is shown (tests hold every plan
            to the HCP Terraform policy set).
    """
    stack = after.stem
    say(f"cdktf deploy {stack} as it is deployed now (FROM) …")
    rehearsal.deploy(before)
    stack_dir = rehearsal.synth(after)
    say(f"planning {source} against that state, through the plan guard …")
    terraform = Terraform(stack_dir, binary=terraform_binary, env=rehearsal.env())
    verdict = guarded_plan(terraform)
    if on_plan is not None:
        on_plan("guarded", verdict.plan)
    print(verdict.text.rstrip(), file=out)
    report(verdict, str(source), out=out, err=err)
    if verdict.violations:
        return 1, stack_dir
    say("applying exactly that plan …")
    terraform.apply()
    return 0, stack_dir
