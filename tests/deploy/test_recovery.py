"""What a failed deploy leaves (an orphan, a lock, a duplicate alert policy) and the step that recovers it, read
from Terraform's output, the state and the synthesized stack (no Terraform needed)."""

from __future__ import annotations

import json

from constructs_lib.deploy.recovery import duplicate_alert_checks, import_id, lock_id, orphans, recovery_commands

ADDRESS = "google_compute_address.Chain_Address-prod-ip_1"
NAT = "google_compute_router_nat.Chain_Nat_2"
CONFIG = {"resource": {
    "google_compute_address": {"Chain_Address-prod-ip_1": {"name": "prod-ip", "project": "p", "region": "r"}},
    "google_compute_router": {"Chain_Router_3": {"name": "prod-router", "project": "p", "region": "r"}},
    "google_compute_router_nat": {"Chain_Nat_2": {"name": "prod-nat", "project": "p", "region": "r",
                                                  "router": "${google_compute_router.Chain_Router_3.name}"}},
    "google_monitoring_alert_policy": {"Alert_4": {"display_name": "x", "project": "p"}},
}}
CONFLICT = f"""
Error: Error creating Address: googleapi: Error 409: The resource 'projects/p/regions/r/addresses/prod-ip' already exists, alreadyExists

  with {ADDRESS},
  on cdk.tf.json line 40, in resource "google_compute_address" "Chain_Address-prod-ip_1":
  40:       }},

Error: Error waiting to create Subnetwork: timeout while waiting for state to become 'DONE'

  with google_compute_subnetwork.S,
  on cdk.tf.json line 90, in resource "google_compute_subnetwork" "S":
"""
LOCKED = """Error: Error acquiring the state lock

Error message: writing "gs://b/faults/default.tflock" failed: googleapi: Error 412: precondition failed
Lock Info:
  ID:        1764688000000000
  Path:      gs://b/faults/default.tflock
  Operation: OperationTypeApply
  Who:       ci@runner-7
  Version:   1.15.5
  Created:   2026-12-04 19:00:00.123456789 +0000 UTC
  Info:
"""
UNLOCK_WHEN = ("# the state is locked (ci@runner-7, since 2026-12-04 19:00:00.123456789 +0000 UTC, for apply): release "
               "it only once that run is over (killed, its runner gone); while a deploy runs, its lock keeps a second "
               "one out")


def state(*resources: dict) -> dict:
    return {"values": {"root_module": {"resources": list(resources)}}}


def test_an_already_exists_create_of_a_name_the_stack_gives_is_an_orphan_with_its_import_id():
    assert orphans(CONFLICT, CONFIG, state()) == [(ADDRESS, "projects/p/regions/r/addresses/prod-ip")]


def test_an_orphan_already_in_the_state_is_not_one():
    assert orphans(CONFLICT, CONFIG, state({"address": ADDRESS, "type": "google_compute_address"})) == []


def test_a_nats_import_id_follows_the_reference_to_its_routers_name():
    assert import_id(CONFIG, NAT) == "projects/p/regions/r/routers/prod-router/prod-nat"


def test_a_type_without_a_name_of_its_own_has_no_import_id():
    assert import_id(CONFIG, "google_monitoring_alert_policy.Alert_4") is None
    assert import_id(CONFIG, "google_compute_address.missing") is None


def test_the_lock_left_behind_is_released_by_its_id():
    assert lock_id(LOCKED) == "1764688000000000"
    assert recovery_commands({}, stack_dir="cdktf.out/stacks/prod", stack="prod", output=LOCKED, config={}) == [
        UNLOCK_WHEN, "terraform -chdir=cdktf.out/stacks/prod force-unlock -force 1764688000000000",
        "# then deploy again: make deploy STACK=prod"]


def test_a_lock_without_its_holder_still_says_when_to_release_it():
    bare = "Error: Error acquiring the state lock\n\nLock Info:\n  ID:        17\n"
    assert recovery_commands({}, stack_dir="s", stack="prod", output=bare, config={})[0] == (
        "# the state is locked: release it only once that run is over (killed, its runner gone); while a deploy runs, "
        "its lock keeps a second one out")


def test_nothing_to_recover_from_an_error_that_leaves_nothing():
    assert recovery_commands({}, stack_dir="x", stack="x", output="Error: Invalid value", config=CONFIG) == []


def test_each_alert_policy_gets_the_check_of_its_display_name_and_the_one_to_keep():
    policy = {"address": "google_monitoring_alert_policy.Alert_4", "type": "google_monitoring_alert_policy",
              "values": {"project": "p", "display_name": "NAT's IP", "name": "projects/p/alertPolicies/7"}}
    listed, delete = duplicate_alert_checks(state(policy))
    assert listed == ("gcloud monitoring policies list --project=p --filter='displayName=\"NAT'\"'\"'s IP\"' "
                      "--format='value(name)'  # keep projects/p/alertPolicies/7")
    assert delete.startswith("gcloud monitoring policies delete NAME --quiet")
    assert duplicate_alert_checks(state()) == []


def test_after_a_killed_apply_every_policy_of_the_stack_not_in_the_state_is_to_delete():
    """The lock's step lists the stack's policies by the synthesized display names: the state holds none of those
    the killed apply made, so none is kept."""
    (when, unlock, listed, delete, _) = recovery_commands(state(), stack_dir="s", stack="prod", output=LOCKED,
                                                          config=CONFIG)
    assert when == UNLOCK_WHEN
    assert unlock == "terraform -chdir=s force-unlock -force 1764688000000000"
    assert listed.endswith("--filter='displayName=\"x\"' --format='value(name)'  # keep none (the state holds no "
                           "policy of this name)")
    assert delete.startswith("gcloud monitoring policies delete NAME")


IN_USE = """google_compute_subnetwork.Chain_DirectSubnet_5: Destroying... [id=projects/p/regions/r/subnetworks/prod-direct-subnet]

Error: Error when reading or editing Subnetwork: googleapi: Error 400: The subnetwork resource 'projects/p/regions/r/subnetworks/prod-direct-subnet' is already being used by 'projects/p/locations/r/services/api', resourceInUseByAnotherResource
"""


def test_a_subnet_still_in_use_after_its_workloads_left_is_deployed_again_later():
    """Cloud Run keeps the Direct VPC egress IPs of a workload that left a subnet for 1–2 hours (recovery.py). A
    destroy's diagnostic names no resource address (the resource left the configuration): the message names it."""
    expected = [
        "# projects/p/regions/r/subnetworks/prod-direct-subnet: still in use; if Cloud Run workloads left it in this "
        "deploy, Cloud Run keeps their Direct VPC egress IPs there for 1-2 hours: wait that long",
        "# then deploy again: make deploy STACK=prod"]
    assert recovery_commands(state(), stack_dir="d", stack="prod", output=IN_USE) == expected
    wrapped = IN_USE.replace(" is already being used", "\n  is already being used")
    assert recovery_commands(state(), stack_dir="d", stack="prod", output=wrapped) == expected
    # Another resource in use is not this.
    assert recovery_commands(state(), stack_dir="d", stack="prod", output=IN_USE.replace(
        "The subnetwork resource", "The address resource")) == []


NOT_YET_ON = """google_cloud_run_v2_service.Chain_Service-api_6: Creating...

Error: Error creating Service: googleapi: Error 403: Cloud Run Admin API has not been used in project 104293083285
before or it is disabled. Enable it by visiting
https://console.developers.google.com/apis/api/run.googleapis.com/overview?project=104293083285 then retry. If you
enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.

  with google_cloud_run_v2_service.Chain_Service-api_6,
"""


def test_an_api_the_stack_enabled_moments_ago_is_waited_for():
    """Google's 403 SERVICE_DISABLED (its message, wrapped as Terraform wraps it): the provider does not retry it."""
    assert recovery_commands(state(), stack_dir="d", stack="prod", output=NOT_YET_ON) == [
        "# run.googleapis.com: Google Cloud answered that the API is not enabled, although the stack enables it "
        "before anything uses it: an API enabled moments ago takes a few minutes to reach every Google Cloud system; "
        "wait a few minutes",
        "# then deploy again: make deploy STACK=prod"]
    assert recovery_commands(state(), stack_dir="d", stack="prod", output=NOT_YET_ON.replace("403", "400").replace(
        "has not been used", "was used")) == []


STATE_KEPT = """Error: Failed to save state

Error saving state: Failed to upload state to gs://b/prod/default.tfstate: googleapi: Error 503: Backend Error,
backendError

Error: Failed to persist state to backend

The error shown above has prevented Terraform from writing the updated state
to the configured backend. To allow for recovery, the state has been written
to the file "errored.tfstate" in the current working directory.

Running "terraform apply" again at this point will create a forked state,
making it harder to recover.

To retry writing this state, use the following command:
    terraform state push errored.tfstate
"""


def test_a_state_terraform_could_not_write_is_pushed_first():
    """Another apply before the push would create everything again: the push comes before every other step."""
    assert recovery_commands(state(), stack_dir="cdktf.out/stacks/prod", stack="prod", output=STATE_KEPT + LOCKED) == [
        "terraform -chdir=cdktf.out/stacks/prod state push errored.tfstate", UNLOCK_WHEN,
        "terraform -chdir=cdktf.out/stacks/prod force-unlock -force 1764688000000000",
        "# then deploy again: make deploy STACK=prod"]


def test_the_stack_json_the_advice_reads_is_any_json_object_or_none(tmp_path):
    """The recovery advice reads the stack's cdk.tf.json after a failure: a file edited or replaced since the
    synth is no advice (``{}``), never a traceback that hides Terraform's own error or a wait on a pipe."""
    import os

    from constructs_lib.deploy.terraform import stack_config
    from tests.support.bounded import bounded

    path = tmp_path / "cdk.tf.json"
    assert stack_config(tmp_path) == {}
    for content in (b"[" * 100_000, b"\xff\xfe", b"[]", b"null", b"{"):
        path.write_bytes(content)
        assert stack_config(tmp_path) == {}, content
    path.write_text(json.dumps(CONFIG))
    assert stack_config(tmp_path) == CONFIG
    path.unlink()
    os.mkfifo(path)
    assert bounded(lambda: stack_config(tmp_path), 10, "a named pipe was opened and waited on") == {}
