"""make diff / make deploy's flow with a stand-in Terraform: what is applied, and when nothing is."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from constructs_lib.deploy.flow import run
from constructs_lib.deploy.terraform import Terraform, TerraformFailed
from constructs_lib.facts.resources import ADDRESS
from tests.guard.plans import A, B, address, change, plan


class FakeTerraform(Terraform):
    """Records the commands; ``plan`` returns the given plan JSON."""

    def __init__(self, planned: dict[str, Any], *, fail: str | None = None) -> None:
        super().__init__(Path("."), binary="terraform")
        self.planned, self.fail, self.calls = planned, fail, []

    def init(self) -> None:
        self.calls.append("init")
        if self.fail == "init":
            raise TerraformFailed("`terraform init` failed (exit 1):\nError: Failed to query available provider packages")

    def plan(self, plan_file: str = "guarded.tfplan") -> tuple[str, dict[str, Any]]:
        self.calls.append("plan")
        if self.fail is not None and self.fail.startswith("`terraform plan"):
            raise TerraformFailed(self.fail)
        return "the plan as text", self.planned

    def state(self) -> dict[str, Any]:
        return {}

    def config(self) -> dict[str, Any]:
        return self.synthesized

    synthesized: dict[str, Any] = {}

    def apply(self, plan_file: str = "guarded.tfplan") -> str:
        self.calls.append("apply")
        return "Apply complete!"


RELEASING = plan(change(A, ADDRESS, ["delete"], before=address("ip-a")))
REFUSED = (f"error: environments/prod.toml: [release] {A} deletes address ip-a (203.0.113.1), releasing its IP: to "
           "retire it, name it in [egress] release_ips (release the IP) or forget_ips (keep it reserved, out of this "
           "stack)")
NOTHING_APPLIED = "the plan guard refuses this plan of environments/prod.toml: 1 problem above; nothing was applied"
ALLOWED = {**plan(change(A, ADDRESS, ["delete"], before=address("ip-a")), release=["ip-a"]), "applyable": True}


def go(command: str, terraform: FakeTerraform, **kw: Any) -> tuple[int, str]:
    out = io.StringIO()
    code = run(command, terraform, "environments/prod.toml", out=out, err=out, **kw)
    return code, out.getvalue()


def test_a_refused_plan_is_never_applied_and_names_the_file():
    tf = FakeTerraform(RELEASING)
    code, output = go("deploy", tf, auto_approve=True)
    assert code == 1 and tf.calls == ["init", "plan"]
    lines = output.splitlines()
    assert REFUSED in lines and lines[-1] == NOTHING_APPLIED, output


def test_diff_exits_non_zero_on_a_refusal_and_never_applies():
    tf = FakeTerraform(RELEASING)
    code, output = go("diff", tf)
    assert code == 1 and tf.calls == ["init", "plan"]
    # The diff names what the guard refuses, as the deploy would.
    lines = output.splitlines()
    assert REFUSED in lines and lines[-1] == NOTHING_APPLIED, output
    tf = FakeTerraform(ALLOWED)
    code, output = go("diff", tf)
    assert code == 0 and tf.calls == ["init", "plan"]
    # It said "no allowlisted IP is released" of a plan that releases one, as release_ips allows.
    assert output.splitlines()[-1] == ("plan guard: this plan of environments/prod.toml releases ip-a, as [egress] "
                                       "release_ips and forget_ips allow; no other allowlisted IP is released, "
                                       "recreated or left undrained"), output


def test_the_guards_last_line_says_what_an_allowed_plan_retires_and_nothing_when_it_retires_nothing():
    forgetting = {**plan(change(A, ADDRESS, ["forget"], before=address("ip-a")),
                         change(B, ADDRESS, ["delete"], before=address("ip-b")), release=["ip-b"], forget=["ip-a"]),
                  "applyable": True}
    code, output = go("diff", FakeTerraform(forgetting))
    assert code == 0
    assert output.splitlines()[-1] == ("plan guard: this plan of environments/prod.toml releases ip-b and forgets "
                                       "ip-a, as [egress] release_ips and forget_ips allow; no other allowlisted IP "
                                       "is released, recreated or left undrained"), output
    code, output = go("diff", FakeTerraform({**plan(), "applyable": False}))
    assert code == 0
    assert output.splitlines()[-1] == ("plan guard: no allowlisted IP is released, recreated or left undrained by this "
                                       "plan of environments/prod.toml"), output


def test_an_allowed_plan_is_applied_once_confirmed():
    tf = FakeTerraform(ALLOWED)
    code, output = go("deploy", tf, confirm=lambda: True)
    assert code == 0 and tf.calls == ["init", "plan", "apply"]
    assert "release_ips names ip-a: once this deploy is applied, remove it" in output


def test_an_unconfirmed_plan_is_not_applied():
    tf = FakeTerraform(ALLOWED)
    code, output = go("deploy", tf, confirm=lambda: False)
    assert code == 1 and "apply" not in tf.calls
    assert output.splitlines()[-1] == "not applied: environments/prod.toml's plan was not confirmed", output


def test_a_plan_without_changes_is_not_applied():
    tf = FakeTerraform({**plan(), "applyable": False})
    code, output = go("deploy", tf, auto_approve=True)
    assert code == 0 and "apply" not in tf.calls and "nothing to apply" in output


def test_terraforms_own_failure_is_printed_without_traceback():
    code, output = go("diff", FakeTerraform(ALLOWED, fail="init"))
    assert code == 1 and "Error: Failed to query available provider packages" in output
    assert "Traceback" not in output


# Terraform's words when an address of existing_ips is not in Google Cloud (provider 6.50.0, guard:changed-ip's
# rehearsal, which deletes an adopted address outside Terraform and runs make diff).
ADOPTED_GONE = """`terraform plan -no-color -input=false -out=guarded.tfplan` failed (exit 1):
data.google_compute_address.Chain_Addresses_Existing-kept-ip_B50E3D0E: Reading...

Planning failed. Terraform encountered an error while generating this plan.

Error: projects/my-gcp-project/regions/asia-northeast3/addresses/kept-ip not found

  with data.google_compute_address.Chain_Addresses_Existing-kept-ip_B50E3D0E,
  on cdk.tf.json line 38, in data.google_compute_address.Chain_Addresses_Existing-kept-ip_B50E3D0E:
  38:       }
"""


def test_an_adopted_address_google_cloud_does_not_have_is_named_with_its_key():
    code, output = go("diff", FakeTerraform(ALLOWED, fail=ADOPTED_GONE))
    assert code == 1 and "Traceback" not in output
    assert ("error: environments/prod.toml: [egress] existing_ips names kept-ip, which is no address of project "
            "my-gcp-project in asia-northeast3: a misspelt name, or an address deleted outside Terraform, whose IP "
            "(the one partners allowlist) is then gone for good") in output
    assert "gcloud compute addresses list --project=my-gcp-project --filter=region:asia-northeast3" in output
    # Another data source's, or a resource's, not-found is not an adopted address's.
    other = ADOPTED_GONE.replace("with data.google_compute_address.", "with google_compute_address.")
    assert "existing_ips" not in go("diff", FakeTerraform(ALLOWED, fail=other))[1]


# Terraform's words when an import block's object does not exist (provider 6.50.0, the rehearsal of a file adopting
# a service Google Cloud does not have).
NOT_IMPORTABLE = """`terraform plan -no-color -input=false -out=guarded.tfplan` failed (exit 1):
Plan: 2 to import, 9 to add, 0 to change, 0 to destroy.

Error: Cannot import non-existent remote object

While attempting to import an existing object to
"google_cloud_run_v2_service.Chain_Service-production_F6ABF0CF", the provider
detected that no object exists with the given id. Only pre-existing objects
can be imported; check that the id is correct and that it is associated with
the provider's configured region or endpoint, or use "terraform apply" to
create a new remote object for this resource.
"""


# Terraform's words when a plan re-creates the NAT while an address drains (provider 6.50.0 against the local GCP API:
# the example with two addresses, the first draining, then renamed with `name`; the plan's resource list cut).
NEW_NAT_DRAINING = """`terraform plan -no-color -input=false -out=guarded.tfplan` failed (exit 1):
  # google_compute_router_nat.Chain_RouterNat_8014E7A6 must be replaced
Plan: 4 to add, 0 to change, 4 to destroy.

Error: New RouterNat cannot have drain_nat_ips, got values [cloud-run-origin-ip]

  with google_compute_router_nat_address.Chain_RouterNat_NatAddress_1A1FEC7F,
  on cdk.tf.json line 238, in resource.google_compute_router_nat_address.Chain_RouterNat_NatAddress_1A1FEC7F:
 238:       }
"""


def test_a_nat_re_created_while_an_address_drains_says_to_finish_the_drain_first():
    code, output = go("diff", FakeTerraform(ALLOWED, fail=NEW_NAT_DRAINING))
    assert code == 1 and "Traceback" not in output
    assert ("error: environments/prod.toml: the plan re-creates the NAT (a changed name, network or router, or a "
            "taint) while [egress] draining_ips names addresses, and a new NAT cannot start with draining IPs (the "
            "google provider's check, at plan: nothing was applied). Finish the drain first") in output
    assert "Error: New RouterNat cannot have drain_nat_ips" in output  # Terraform's own words stay
    # Another diagnostic on the same resource is not this one.
    other = NEW_NAT_DRAINING.replace("New RouterNat cannot have drain_nat_ips", "Invalid value for drain_nat_ips")
    assert "Finish the drain first" not in go("diff", FakeTerraform(ALLOWED, fail=other))[1]


def test_an_adopted_object_google_cloud_does_not_have_is_named_with_its_adopt_key_and_import_id():
    terraform = FakeTerraform(ALLOWED, fail=NOT_IMPORTABLE)
    service = "google_cloud_run_v2_service.Chain_Service-production_F6ABF0CF"
    terraform.synthesized = {"import": [{"id": "projects/p/locations/r/services/production", "to": service}]}
    code, output = go("diff", terraform)
    assert code == 1 and "Traceback" not in output
    assert ("error: environments/prod.toml: [adopt] services makes the deploy import "
            "projects/p/locations/r/services/production, which Google Cloud does not have: the file must name what "
            "was built by hand") in output
    chain = NOT_IMPORTABLE.replace(service, "google_compute_router.Chain_RouterNat_Router_F9C78449 (Router)")
    assert "[adopt] chain = true makes the deploy import google_compute_router.Chain_RouterNat_Router_F9C78449," \
        in go("diff", FakeTerraform(ALLOWED, fail=chain))[1]


def test_a_tainted_protected_service_is_refused_with_its_untaint_printed():
    # A first deploy whose revision failed leaves the service tainted; the next plan replaces it, which the provider
    # refuses mid-apply (deletion_protection). The guard refuses it first, and the recovery names the untaint.
    service = "google_cloud_run_v2_service.Chain_Service-production_F6ABF0CF"
    replaced = {**change(service, "google_cloud_run_v2_service", ["delete", "create"],
                         before={"name": "production", "deletion_protection": True},
                         after={"name": "production", "deletion_protection": True}),
                "action_reason": "replace_because_tainted"}

    class Tainted(FakeTerraform):
        def state(self) -> dict[str, Any]:
            return {"values": {"root_module": {"resources": [
                {"address": service, "mode": "managed", "type": "google_cloud_run_v2_service", "tainted": True,
                 "values": {"name": "production", "deletion_protection": True}}]}}}

    tf = Tainted(plan(replaced))
    code, output = go("deploy", tf, auto_approve=True)
    assert code == 1 and tf.calls == ["init", "plan"]
    assert f"error: environments/prod.toml: [deletion-protected] {service} deletes" in output
    assert f"  terraform -chdir=. untaint {service}" in output.splitlines()
