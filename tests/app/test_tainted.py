"""Detecting tainted resources that cannot be replaced in a state, and the recovery commands (no Terraform needed)."""

from __future__ import annotations

from constructs_lib.deploy.recovery import recovery_commands, tainted_kept, tainted_services

SERVICE = "google_cloud_run_v2_service.Chain_Service-production_F6ABF0CF"


def state(*resources: dict) -> dict:
    return {"format_version": "1.0", "values": {"root_module": {"resources": list(resources)}}}


def resource(address: str, type_: str, **extra) -> dict:
    return {"address": address, "type": type_, "mode": "managed", **extra}


def test_a_tainted_service_is_found_and_untainted_before_the_deploy():
    shown = state(resource(SERVICE, "google_cloud_run_v2_service", tainted=True),
                  resource("google_compute_address.a", "google_compute_address"))
    assert tainted_services(shown) == [SERVICE]
    assert recovery_commands(shown, stack_dir="cdktf.out/stacks/production", stack="production") == [
        f"terraform -chdir=cdktf.out/stacks/production untaint {SERVICE}",
        "# fix the image in the file if its revision failed, then deploy again: make deploy STACK=production",
    ]


def test_nothing_to_recover_when_no_service_is_tainted():
    shown = state(resource(SERVICE, "google_cloud_run_v2_service"),
                  resource("google_compute_address.a", "google_compute_address", tainted=True))
    assert tainted_services(shown) == []
    assert recovery_commands(shown, stack_dir="x", stack="x") == []


def test_services_in_child_modules_and_an_empty_state_are_handled():
    nested = {"values": {"root_module": {"child_modules": [{"resources": [
        resource("module.m." + SERVICE, "google_cloud_run_v2_service", tainted=True)]}]}}}
    assert tainted_services(nested) == ["module.m." + SERVICE]
    assert tainted_services({"format_version": "1.0"}) == []


def test_an_address_with_shell_characters_is_quoted():
    address = 'google_cloud_run_v2_service.x["a b"]'
    (untaint, _) = recovery_commands(state(resource(address, "google_cloud_run_v2_service", tainted=True)),
                                     stack_dir="cdktf.out/stacks/s", stack="s")
    assert untaint == "terraform -chdir=cdktf.out/stacks/s untaint 'google_cloud_run_v2_service.x[\"a b\"]'"


ADDRESS = "google_compute_address.Chain_Addresses_Address-production-origin-ip_B44D3F48"
# The synthesized stack: the address reserved by the stack has prevent_destroy (constructs_lib/chain/addresses.py).
CONFIG = {"resource": {
    "google_compute_address": {ADDRESS.split(".", 1)[1]: {"name": "production-origin-ip",
                                                          "lifecycle": {"prevent_destroy": True}}},
    "google_compute_subnetwork": {"s": {"name": "production-subnet"}}}}


def test_an_address_left_tainted_by_an_interrupted_create_is_untainted_not_replaced():
    """An interrupt during the address's label update (the provider's stop context) leaves it tainted; the next
    plan replaces it, which prevent_destroy refuses: every deploy fails until it is untainted, IP kept."""
    shown = state(resource(ADDRESS, "google_compute_address", tainted=True))
    assert tainted_kept(shown, CONFIG) == [ADDRESS]
    assert recovery_commands(shown, stack_dir="cdktf.out/stacks/production", stack="production", config=CONFIG) == [
        f"terraform -chdir=cdktf.out/stacks/production untaint {ADDRESS}",
        "# then deploy again: make deploy STACK=production",
    ]


def test_a_tainted_resource_that_may_be_replaced_is_left_to_the_next_deploy():
    shown = state(resource("google_compute_subnetwork.s", "google_compute_subnetwork", tainted=True),
                  resource(ADDRESS, "google_compute_address"))
    assert tainted_kept(shown, CONFIG) == []
    assert recovery_commands(shown, stack_dir="x", stack="x", config=CONFIG) == []


def test_every_cloud_run_workload_and_anything_with_deletion_protection_on_is_untainted():
    job = "google_cloud_run_v2_job.Chain_Job-nightly_1"
    other = "google_some_type.protected"
    shown = state(resource(job, "google_cloud_run_v2_job", tainted=True),
                  resource(other, "google_some_type", tainted=True, values={"deletion_protection": True}),
                  resource("google_some_type.unprotected", "google_some_type", tainted=True,
                           values={"deletion_protection": False}))
    assert tainted_kept(shown) == [job, other]
