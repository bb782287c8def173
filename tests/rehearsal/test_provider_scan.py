"""A Terraform command that lost the google provider runs once more, after init, and says what the folder held
(rehearsal/provider_scan.py). The messages are Terraform 1.15.5's, as CI printed them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from rehearsal.provider_scan import listing, lost_provider, run_retried

INIT_LOST = ("Error: Failed to install provider\n\nError while installing hashicorp/google v6.50.0: after installing "
             "registry.terraform.io/hashicorp/google it is still not detected in .terraform/providers; this is a bug "
             "in Terraform\n")
COMMAND_LOST = ("Error: Required plugins are not installed\n\nThe installed provider plugins are not consistent "
                "with the packages selected\nin the dependency lock file:\n  - registry.terraform.io/hashicorp/google: "
                "there is no package for registry.terraform.io/hashicorp/google 6.50.0 cached in .terraform/providers\n")
PACKAGE = Path(".terraform/providers/registry.terraform.io/hashicorp/google/6.50.0/linux_amd64")


class Commands:
    """A stand-in for subprocess.run: each argv's results in turn, every call recorded."""

    def __init__(self, results: dict[str, list[tuple[int, str]]]) -> None:
        self.results = results
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(argv)
        code, stderr = self.results[argv[1]].pop(0)
        return subprocess.CompletedProcess(argv, code, "", stderr)


def test_both_ways_terraform_says_it_lost_the_provider_are_recognised():
    assert lost_provider(INIT_LOST) and lost_provider(COMMAND_LOST)
    assert not lost_provider("Error: Failed to query available provider packages\n")
    assert not lost_provider("Error: Error creating Service: googleapi: Error 400: image not found\n")


def test_a_terraform_command_that_lost_the_provider_runs_once_more_after_init(tmp_path):
    said: list[str] = []
    run = Commands({"output": [(1, COMMAND_LOST), (0, "")], "init": [(0, "")]})

    argv = ["/x/.venv/bin/terraform", "output", "-json"]
    result = run_retried(run, argv, stack_dir=tmp_path, say=said.append)

    assert result.returncode == 0
    assert [argv[1] for argv in run.calls] == ["output", "init", "output"]
    assert run.calls[1] == ["/x/.venv/bin/terraform", "init", "-no-color", "-input=false", "-reconfigure"]
    assert said == [f"`terraform output` found no google provider in {tmp_path / '.terraform/providers'} "
                    f"({tmp_path / '.terraform/providers'}: missing); running it once more (rehearsal/provider_scan.py)"]


def test_an_init_or_a_cli_deploy_that_lost_it_runs_once_more_as_it_is(tmp_path):
    for argv in (["terraform", "init", "-no-color"], ["/x/node_modules/.bin/cdktf", "deploy", "example"]):
        run = Commands({argv[1]: [(1, INIT_LOST), (0, "")]})
        assert run_retried(run, argv, stack_dir=tmp_path, say=lambda _: None).returncode == 0
        assert run.calls == [argv, argv]


def test_other_failures_and_a_second_loss_are_returned_as_they_are(tmp_path):
    said: list[str] = []
    other = Commands({"plan": [(1, "Error: Invalid reference\n")]})
    assert run_retried(other, ["terraform", "plan"], stack_dir=tmp_path, say=said.append).returncode == 1
    assert len(other.calls) == 1 and not said

    twice = Commands({"show": [(1, COMMAND_LOST), (1, COMMAND_LOST)], "init": [(0, "")]})
    result = run_retried(twice, ["terraform", "show", "-json"], stack_dir=tmp_path, say=said.append)
    assert result.returncode == 1 and COMMAND_LOST in result.stderr
    assert [argv[1] for argv in twice.calls] == ["show", "init", "show"]


def test_the_listing_says_where_each_link_points_and_whether_it_resolves(tmp_path):
    cache = tmp_path / "cache" / "linux_amd64"
    cache.mkdir(parents=True)
    (tmp_path / PACKAGE).parent.mkdir(parents=True)
    (tmp_path / PACKAGE).symlink_to(cache)
    assert listing(tmp_path).endswith(f"{PACKAGE} -> {cache}: resolves")

    cache.rmdir()
    assert listing(tmp_path).endswith(f"{PACKAGE} -> {cache}: does not resolve (No such file or directory)")
    assert listing(tmp_path).startswith(".terraform/providers/registry.terraform.io/; ")
