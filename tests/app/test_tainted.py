"""Detecting a tainted Cloud Run service in a state, and the recovery commands (no Terraform needed)."""

from __future__ import annotations

from constructs_lib.deploy.recovery import recovery_commands, tainted_services

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
        "# fix the image in the file, then deploy again: make deploy STACK=production",
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
