"""[egress] release_ips and forget_ips: validated against the file, written as outputs, forget_ips as removed blocks."""

from __future__ import annotations

import pytest

from constructs_lib._provider.logical_id import logical_id
from tests.support.environments import config, one_problem
from tests.support.synth import ADDRESS, resources, synth


def test_a_stack_without_the_keys_has_neither_outputs_nor_removed_blocks():
    doc = synth(config())
    assert "release_ips" not in doc["output"] and "forget_ips" not in doc["output"]
    assert "removed" not in doc


def test_release_ips_becomes_an_output_for_the_guard():
    doc = synth(config(egress={"static_ip_names": ["ip-b"], "release_ips": ["ip-a"]}))
    assert doc["output"]["release_ips"]["value"] == ["ip-a"]
    assert "removed" not in doc


def test_forget_ips_becomes_an_output_and_a_removed_block_keeping_the_address():
    doc = synth(config(egress={"static_ip_names": ["ip-b"], "forget_ips": ["ip-a", "ip-c"]}))
    assert doc["output"]["forget_ips"]["value"] == ["ip-a", "ip-c"]
    kept = synth(config(egress={"static_ip_names": ["ip-a", "ip-b", "ip-c"]}))
    before = {name: r["name"] for name, r in resources(kept, ADDRESS).items()}
    by_name = {v: k for k, v in before.items()}
    assert doc["removed"] == [{"from": f"{ADDRESS}.{by_name['ip-a']}", "lifecycle": {"destroy": False}},
                              {"from": f"{ADDRESS}.{by_name['ip-c']}", "lifecycle": {"destroy": False}}]


@pytest.mark.parametrize("names", [["cloud-run-origin-ip"], ["a", "b", "c"], ["x" * 63]])
def test_logical_id_is_cdktfs_own_for_every_address(names):
    doc = synth(config(egress={"static_ip_names": names}))
    assert sorted(r["name"] for r in resources(doc, ADDRESS).values()) == sorted(names)
    for logical, resource in resources(doc, ADDRESS).items():
        assert logical_id(["Chain", "Addresses", f"Address-{resource['name']}"]) == logical


@pytest.mark.parametrize("key", ["release_ips", "forget_ips"])
def test_an_address_still_in_the_file_cannot_be_retired(key):
    assert one_problem(egress={"static_ip_names": ["ip-a", "ip-b"], key: ["ip-b"]}) == (
        f"test.toml: egress.{key}[0]: expected an address the file no longer keeps (not in static_ip_names, the "
        "addresses static_ip_count makes, existing_ips or standby_ips): a deploy retires an address it takes out of "
        'the file, and ip-b is still in it, got "ip-b"')


def test_an_address_is_released_or_forgotten_not_both():
    problem = one_problem(egress={"static_ip_names": ["ip-b"], "release_ips": ["ip-a"], "forget_ips": ["ip-a"]})
    assert problem == (
        "test.toml: egress.forget_ips[0]: expected an address not also in egress.release_ips: an address is either "
        'released (its IP given back) or forgotten (kept reserved, out of this stack), got "ip-a"')


@pytest.mark.parametrize("key", ["release_ips", "forget_ips"])
def test_the_names_are_address_names(key):
    # "expected" alone would match the rule above ("an address the file no longer keeps") as well as this one.
    assert one_problem(egress={key: ["Not_A_Name"]}) == (
        f"test.toml: egress.{key}[0]: expected an address name (lowercase letters, digits and hyphens, starting with "
        'a letter, at most 63 characters), got "Not_A_Name"')
