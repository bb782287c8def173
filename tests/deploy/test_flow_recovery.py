"""make deploy after a failure: it adopts orphans of its own stack, prints the one step that recovers the rest,
and interrupts an apply past its deadline. A stand-in Terraform; tests/integration/test_faults.py does it for real."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.deploy.flow import run
from constructs_lib.deploy.terraform import INTERRUPTED, Interrupted, Terraform, TerraformFailed
from tests.deploy.test_recovery import ADDRESS, CONFIG, CONFLICT, LOCKED
from constructs_lib.facts.resources import ADDRESS as ADDRESS_TYPE
from tests.guard.plans import A, address, change, plan
from tests.support.scripts import python_script

NOTHING = {**plan(), "applyable": True}


LOST = change(A, ADDRESS_TYPE, ["delete"], before=address("ip-a"))
RECREATED = plan(change(A, ADDRESS_TYPE, ["create"], after={"name": "ip-a"}, after_unknown={"address": True}),
                 drift=[LOST])
A_CONFIG = {"resource": {"google_compute_address": {A.split(".", 1)[1]: {"name": "ip-a", "project": "p",
                                                                         "region": "r"}}}}


class FailingTerraform(Terraform):
    """``apply`` fails with each of ``failures`` in turn (a message, or the exception to raise), then succeeds;
    ``run`` (import) is recorded, and fails with ``fail_import`` when given."""

    def __init__(self, *failures: str | TerraformFailed, fail_plan: str = "", planned: dict[str, Any] = NOTHING,
                 held: dict[str, Any] | None = None, config: dict[str, Any] = CONFIG, fail_import: str = "") -> None:
        super().__init__(Path("cdktf.out/stacks/prod"), binary="terraform")
        self.failures, self.fail_plan, self.calls = list(failures), fail_plan, []
        self.fail_import = fail_import
        self.planned, self.held, self.document = planned, held or {}, config

    def init(self) -> None:
        self.calls.append(("init",))

    def plan(self, plan_file: str = "guarded.tfplan") -> tuple[str, dict[str, Any]]:
        self.calls.append(("plan",))
        if self.fail_plan:
            raise TerraformFailed(self.fail_plan)
        return "the plan", self.planned

    def apply(self, plan_file: str = "guarded.tfplan") -> str:
        self.calls.append(("apply",))
        if self.failures:
            failure = self.failures.pop(0)
            raise failure if isinstance(failure, TerraformFailed) else TerraformFailed(failure)
        return "Apply complete!"

    def run(self, *args: str, deadline: int | None = None) -> Any:
        self.calls.append(args)
        if self.fail_import:
            raise TerraformFailed(self.fail_import)

    def state(self) -> dict[str, Any]:
        return self.held

    def config(self) -> dict[str, Any]:
        return self.document


def deploy(terraform: Terraform) -> tuple[int, str]:
    out = io.StringIO()
    code = run("deploy", terraform, "environments/prod.toml", auto_approve=True, out=out, err=out)
    return code, out.getvalue()


def test_an_orphan_of_the_stack_is_imported_and_the_deploy_planned_again_through_the_guard():
    terraform = FailingTerraform(CONFLICT)
    code, output = deploy(terraform)
    assert code == 0
    assert ("import", "-no-color", "-input=false", ADDRESS, "projects/p/regions/r/addresses/prod-ip") in terraform.calls
    assert [c for c in terraform.calls if c in (("plan",), ("apply",))] == [("plan",), ("apply",), ("plan",),
                                                                           ("apply",)]
    assert "adopting them:" in output


def test_orphans_are_adopted_once_then_the_failure_is_reported():
    code, output = deploy(FailingTerraform(CONFLICT, CONFLICT))
    assert code == 1 and output.count("adopting them:") == 1
    assert "to recover" in output and " import google_compute_address.Chain_Address-prod-ip_1 " in output


ROUTER = "google_compute_router.Chain_Router_3"
ROUTER_CONFLICT = f"""
Error: Error creating Router: googleapi: Error 409: The resource 'projects/p/regions/r/routers/prod-router' already \
exists, alreadyExists

  with {ROUTER},
  on cdk.tf.json line 60, in resource "google_compute_router" "Chain_Router_3":
"""


def test_an_orphan_whose_conflict_shows_only_once_another_is_adopted_is_adopted_too():
    # A killed apply can leave an object and one that depends on it both outside the state: the second's conflict
    # shows in the apply after the first is adopted. Each round adopts what is new, through the guard.
    terraform = FailingTerraform(CONFLICT, ROUTER_CONFLICT)
    code, output = deploy(terraform)
    assert code == 0, output
    imports = [call[3] for call in terraform.calls if call[0] == "import"]
    assert imports == [ADDRESS, ROUTER]
    assert output.count("adopting them:") == 2
    assert terraform.calls.count(("plan",)) == 3 and terraform.calls.count(("apply",)) == 3


def test_an_interrupted_apply_adopts_nothing_and_exits_as_ctrl_c_does():
    """Even when what it printed names an orphan: a person or a CI runner asked the deploy to stop."""
    terraform = FailingTerraform(Interrupted(CONFLICT))
    code, output = deploy(terraform)
    assert code == INTERRUPTED == 130
    assert not [call for call in terraform.calls if call[0] == "import"] and "adopting them:" not in output
    assert terraform.calls.count(("apply",)) == 1


def test_an_import_that_fails_is_reported_with_its_recovery_not_raised():
    code, output = deploy(FailingTerraform(CONFLICT, fail_import="Error: Cannot import non-existent remote object"))
    assert code == 1
    assert "error: environments/prod.toml: Error: Cannot import non-existent remote object" in output


def test_a_lock_left_behind_prints_its_force_unlock():
    code, output = deploy(FailingTerraform(fail_plan=LOCKED))
    assert code == 1
    assert "  terraform -chdir=cdktf.out/stacks/prod force-unlock -force 1764688000000000\n" in output


def test_an_apply_past_its_deadline_is_interrupted_and_says_so(tmp_path):
    slow = python_script(tmp_path / "terraform", "import time\ntime.sleep(600)\n")
    terraform = Terraform(tmp_path, binary=str(slow), deadline=1)
    with pytest.raises(TerraformFailed, match=r"still running after 1 s \(the deploy's deadline, DEPLOY_DEADLINE\)"):
        terraform.apply()


def test_an_address_a_refresh_lost_but_the_state_holds_needs_only_a_deploy_once_gcp_answers():
    held = {"values": {"root_module": {"resources": [{"address": A, "type": ADDRESS_TYPE}]}}}
    code, output = deploy(FailingTerraform(planned=RECREATED, held=held, config=A_CONFIG))
    assert code == 1 and "[recreate]" in output
    assert f"the state still holds {A}: the refresh did not find it" in output and "terraform -chdir" not in output


def test_an_address_no_longer_in_the_state_gets_its_import_under_its_name():
    code, output = deploy(FailingTerraform(planned=RECREATED, config=A_CONFIG))
    assert code == 1
    assert f"  terraform -chdir=cdktf.out/stacks/prod import {A} projects/p/regions/r/addresses/ip-a\n" in output
