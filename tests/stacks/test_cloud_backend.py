"""``[state] backend = "cloud"``: runs and state in Terraform Cloud (or Enterprise).

Validation needs no synth; the synthesized ``cloud`` block is checked exactly. Terraform's loader and
``init`` reading it: tests/integration/test_cloud_backend.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from constructs_lib.config import ConfigError
from tests.support.environments import CLOUD_NAMED as NAMED, CLOUD_TAGGED as TAGGED
from tests.support.environments import config
from tests.support.synth import synth


def problems(**state: Any) -> list[str]:
    with pytest.raises(ConfigError) as err:
        config(state=state)
    return [str(p) for p in err.value.problems]


def test_cloud_backend_with_a_workspace_name():
    state = config(state=NAMED).state
    assert (state.backend, state.organization, state.workspace, state.workspace_tags) == (
        "cloud", "my-org", "cloud-run-egress-production", ())
    assert (state.bucket, state.prefix) == (None, "")


def test_cloud_backend_with_workspace_tags():
    state = config(state=TAGGED).state
    assert (state.workspace, state.workspace_tags) == (None, ("cloud-run-egress", "env:production"))


def test_cloud_hostname_defaults_to_terraform_cloud():
    assert config(state=NAMED).state.hostname == "app.terraform.io"


def test_cloud_hostname_can_be_terraform_enterprise():
    assert config(state={**NAMED, "hostname": "tfe.example.com"}).state.hostname == "tfe.example.com"


def test_fails_when_cloud_backend_has_no_organization():
    assert problems(backend="cloud", workspace="w") == [
        "test.toml: state.organization: expected a Terraform Cloud organization name (letters, digits, - and _), "
        'required with backend = "cloud", got nothing (the key is missing)']


def test_fails_when_cloud_backend_has_both_workspace_and_tags():
    assert problems(**NAMED, workspace_tags=["a"]) == [
        "test.toml: state.workspace: expected exactly one of state.workspace (one workspace by name) or "
        'state.workspace_tags (workspaces by tag) with backend = "cloud", got both']


def test_fails_when_cloud_backend_has_neither_workspace_nor_tags():
    assert problems(backend="cloud", organization="my-org") == [
        "test.toml: state.workspace: expected exactly one of state.workspace (one workspace by name) or "
        'state.workspace_tags (workspaces by tag) with backend = "cloud", got neither (both keys are missing)']


def test_fails_when_cloud_backend_has_a_bucket_or_prefix():
    assert problems(**NAMED, bucket="my-tfstate", prefix="a/b") == [
        'test.toml: state.bucket: expected no bucket with backend = "cloud", got "my-tfstate"',
        'test.toml: state.prefix: expected no prefix with backend = "cloud" (the state lives in the Terraform '
        'Cloud workspace), got "a/b"']


def test_fails_when_workspace_name_is_not_a_terraform_cloud_name():
    assert problems(**{**NAMED, "workspace": "prod env"}) == [
        "test.toml: state.workspace: expected a Terraform Cloud workspace name (letters, digits, - and _, "
        'at most 90 characters), got "prod env"']


def test_fails_on_each_bad_workspace_tag():
    assert problems(**{**TAGGED, "workspace_tags": ["ok", "not ok", 3]}) == [
        'test.toml: state.workspace_tags[1]: expected a workspace tag (letters, digits, :, - and _, at most 255 '
        'characters), got "not ok"',
        "test.toml: state.workspace_tags[2]: expected a workspace tag (letters, digits, :, - and _, at most 255 "
        "characters), got 3"]


def test_fails_when_workspace_tags_empty():
    assert problems(**{**TAGGED, "workspace_tags": []}) == [
        "test.toml: state.workspace_tags: expected a non-empty list of workspace tags, got a list of 0"]


@pytest.mark.parametrize("hostname", ["https://app.terraform.io", "tfe.example.com:65536", "tfe.example.com:0",
                                      "tfe.example.com:08443", "tfe.example.com:", "localhost:8443",
                                      ".".join(["a" * 63] * 4) + ".io"])
def test_fails_when_hostname_is_not_a_host_name_with_an_optional_tcp_port(hostname):
    assert problems(**NAMED, hostname=hostname) == [
        'test.toml: state.hostname: expected the host name of Terraform Cloud ("app.terraform.io") or of your '
        f'Terraform Enterprise (a host name (at most 253 characters) with an optional port from 1 to 65535), '
        f'got "{hostname}"']


@pytest.mark.parametrize("hostname", ["tfe.example.com:8443", "tfe.example.com:65535", "tfe.example.com:1",
                                      ".".join(["a" * 63] * 3) + ".example"])
def test_a_terraform_enterprise_host_with_a_port_up_to_65535_is_accepted(hostname):
    assert config(state={**NAMED, "hostname": hostname}).state.hostname == hostname


def test_fails_when_cloud_keys_are_given_with_the_gcs_backend():
    assert problems(bucket="my-tfstate", organization="my-org", workspace="w") == [
        'test.toml: state.organization: expected no organization with backend = "gcs" (only with backend = '
        '"cloud"), got "my-org"',
        'test.toml: state.workspace: expected no workspace with backend = "gcs" (only with backend = "cloud"), '
        'got "w"']


@pytest.fixture(scope="module")
def named() -> dict[str, Any]:
    return synth(config(state=NAMED))


@pytest.fixture(scope="module")
def tagged() -> dict[str, Any]:
    return synth(config(state={**TAGGED, "hostname": "tfe.example.com"}))


def test_named_workspace_synthesizes_a_cloud_block_and_no_backend(named):
    assert named["terraform"]["cloud"] == {
        "hostname": "app.terraform.io",
        "organization": "my-org",
        "workspaces": {"name": "cloud-run-egress-production"},
    }
    assert "backend" not in named["terraform"]


def test_workspace_tags_synthesize_a_cloud_block_and_no_backend(tagged):
    assert tagged["terraform"]["cloud"] == {
        "hostname": "tfe.example.com",
        "organization": "my-org",
        "workspaces": {"tags": ["cloud-run-egress", "env:production"]},
    }
    assert "backend" not in tagged["terraform"]
