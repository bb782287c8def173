"""The right stack, every time, through the real make targets: ENV (or its old name STACK) names the stack for
every target, nothing is deployed when nothing is named, a review that no longer describes the JSON is reported,
and a log that is not a terminal holds no escape codes or spinner frames.

Terraform is reached but goes no further: its CLI configuration sends the provider registry to a closed local
port (real_terraform.unreachable_registry); the stacks keep their state locally, so no bucket is asked for.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import ROOT
from tests.support.processes import child_env
from tests.support.project import project_copy
from tests.support.real_terraform import unreachable_registry

pytestmark = pytest.mark.integration

ESCAPE = re.compile(r"\x1b")
SPINNER = re.compile(r"[\u2800-\u28ff]")  # the CLI's spinner frames are Braille characters
PRODUCTION = ('project = "acme-prod-123"\nregion = "asia-northeast3"\nname = "prod"\n[state]\nbackend = "local"\n'
              '[network]\nsubnet_cidr = "10.124.0.16/28"\n[egress]\nstatic_ip_count = 1\n'
              '[[services]]\nname = "api"\nimage = "asia.gcr.io/acme-prod-123/api:1.0.0"\n')


def make(folder: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``make -s ARGS`` with stdout and stderr in one pipe, as a CI log gets them (no terminal, CI unset)."""
    binary = shutil.which("make")
    if binary is None:
        pytest.fail("make is not on PATH")
    # The suite's own naming variables are not the test's; those it passes (EGRESS_CONFIG exported) are.
    env = {k: v for k, v in child_env().items() if k not in ("CI", "ENV", "STACK", "EGRESS_CONFIG")} | extra
    return subprocess.run([binary, "-s", *args], cwd=folder, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL, timeout=600)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project copy with environments/production.toml (values of its own, local state) beside the example."""
    folder = tmp_path / "project"
    folder.mkdir()
    project_copy(folder)
    (folder / "environments" / "production.toml").write_text(PRODUCTION, encoding="utf-8")
    return folder


def synthesized(folder: Path) -> list[str]:
    return sorted(json.loads((folder / "cdktf.out" / "manifest.json").read_text())["stacks"])


def test_nothing_named_deploys_nothing(project):
    for target in ("deploy", "diff"):
        result = make(project, target)
        assert result.returncode == 2, result.stdout
        assert result.stdout.startswith(f"error: make {target} acts on one environment and none was named: "
                                        f"make {target} ENV=<name>, one of: direct, example, production, "
                                        "bootstrap/state-bucket\n"), result.stdout
    assert not (project / "cdktf.out").exists()


def test_one_message_for_a_missing_environment_whichever_variable_named_it(project):
    said = {args: make(project, *args).stdout.splitlines()[0]
            for args in (("deploy", "ENV=prodution"), ("synth", "ENV=prodution"), ("rehearse", "ENV=prodution"),
                         ("diff", "STACK=prodution"))}
    expected = ('expected the name of a file of environments/ without .toml, got "prodution"; did you mean '
                "production? (environments/ holds: direct, example, production, bootstrap/state-bucket)")
    assert said == {("deploy", "ENV=prodution"): f"error: ENV: {expected}",
                    ("synth", "ENV=prodution"): f"error: ENV: {expected}",
                    ("rehearse", "ENV=prodution"): f"error: ENV: {expected}",
                    ("diff", "STACK=prodution"): f"error: STACK: {expected}"}


def test_deploy_env_and_deploy_stack_act_on_production_and_say_so_in_a_clean_log(project, tmp_path):
    registry = str(unreachable_registry(tmp_path / "tf"))
    assert make(project, "report", "ENV=production").returncode == 0
    env_file = project / "environments" / "production.toml"
    env_file.write_text(PRODUCTION.replace("static_ip_count = 1", "static_ip_count = 2"), encoding="utf-8")

    by_env = make(project, "deploy", "ENV=production", TF_CLI_CONFIG_FILE=registry)
    assert synthesized(project) == ["production"]
    by_stack = make(project, "deploy", "STACK=production", TF_CLI_CONFIG_FILE=registry)
    assert synthesized(project) == ["production"]

    for result in (by_env, by_stack):
        lines = result.stdout.splitlines()
        assert result.returncode != 0  # no registry: Terraform's init fails, on production
        assert lines[0] == "make deploy: stack production (environments/production.toml)", result.stdout
        assert "Error: Failed to query available provider packages" in result.stdout
        assert "example" not in result.stdout
        assert not ESCAPE.search(result.stdout) and not SPINNER.search(result.stdout), result.stdout
    # The review was of count 1; the synth of the first deploy marked it out of date and both deploys say so.
    assert "note: cdktf.out/stacks/production/REVIEW.md described another cdk.tf.json" in by_env.stdout
    for result in (by_env, by_stack):
        assert ("warning: cdktf.out/stacks/production/REVIEW.md is out of date: it describes another cdk.tf.json"
                in result.stdout), result.stdout
    assert "out of date" in (project / "cdktf.out" / "stacks" / "production" / "REVIEW.md").read_text()


def test_env_and_stack_naming_different_stacks_are_refused(project):
    result = make(project, "deploy", "ENV=example", "STACK=production")
    assert result.returncode == 2
    assert result.stdout.startswith('error: ENV and STACK name the same thing (STACK is ENV\'s old name); got '
                                    'ENV="example" and STACK="production": give one')


def test_env_and_an_egress_config_naming_another_file_are_refused_whichever_target(project):
    # EGRESS_CONFIG exported in the shell took precedence in silence: make synth ENV=production synthesized the
    # exported file, make report reviewed it.
    other = project / "environments" / "direct.toml"
    said = 'ENV="production" and EGRESS_CONFIG="{}" do not name the same file: give one (EGRESS_CONFIG may be set ' \
           "in your shell: unset EGRESS_CONFIG to use ENV)"
    for target in ("synth", "report", "scan", "rehearse", "diff", "deploy", "output", "allowlist"):
        result = make(project, target, "ENV=production", EGRESS_CONFIG=str(other))
        assert (result.returncode, result.stdout.splitlines()[0]) == (2, f"error: {said.format(other)}"), target
    result = make(project, "synth", "ENV=", "EGRESS_CONFIG=environments/direct.toml")
    assert result.stdout.splitlines()[0] == \
        'error: ENV="" and EGRESS_CONFIG="environments/direct.toml" do not name the same file: give one ' \
        "(EGRESS_CONFIG may be set in your shell: unset EGRESS_CONFIG to use ENV)"
    assert not (project / "cdktf.out").exists()
    # Both naming the same file is no conflict.
    result = make(project, "synth", "ENV=production", EGRESS_CONFIG="./environments/../environments/production.toml")
    assert result.returncode == 0, result.stdout
    assert synthesized(project) == ["production"]


def test_an_env_from_the_shell_that_names_no_file_says_where_it_came_from(project):
    # POSIX shells export ENV (a start-up file, "/root/.shrc") for themselves: make read it as the environment.
    result = make(project, "synth", ENV="/root/.shrc")
    assert (result.returncode, result.stdout.splitlines()[0]) == (2, (
        'error: ENV: expected the name of a file of environments/ without .toml, got "/root/.shrc" (environments/ '
        "holds: direct, example, production, bootstrap/state-bucket) (ENV came from the shell's environment and "
        "not from make's command line; POSIX shells use ENV for a start-up file: unset it or give ENV=<name> to "
        "make)"))
    # Typed on the command line, the same name gets the message without it; exported and right, it is used.
    assert make(project, "synth", "ENV=/root/.shrc").stdout.splitlines()[0].endswith(
        "(environments/ holds: direct, example, production, bootstrap/state-bucket)")
    result = make(project, "synth", STACK="direct")
    assert result.returncode == 0, result.stdout
    assert synthesized(project) == ["direct"]


def test_the_examples_placeholders_are_refused_by_deploy_not_by_synth(project):
    synth = make(project, "synth", "ENV=example")
    deploy = make(project, "deploy", "ENV=example")

    assert synth.returncode == 0, synth.stdout
    assert deploy.returncode == 2
    assert "error: make deploy refuses environments/example.toml: it still holds the shipped example's " \
           "placeholders" in deploy.stdout
    assert ('  - environments/example.toml: project: expected a value of your own, not the shipped example\'s '
            'placeholder "my-gcp-project", got "my-gcp-project"') in deploy.stdout
    assert "environments/example.toml: state.bucket:" in deploy.stdout
    assert "Terraform" not in deploy.stdout and "Initializing" not in deploy.stdout


@pytest.mark.parametrize("outdir", [None, "absolute", "relative"])
def test_diff_with_the_projects_mirror_installs_the_provider_without_a_registry(project, tmp_path, outdir):
    mirror = ROOT / ".tools" / "terraform-mirror" / ".google-6.50.0"
    assert mirror.exists(), f"{mirror} is missing: run through `make test`, which builds the provider"
    # The folder the app writes to holds the mirror's CLI configuration too: nothing goes to cdktf.out/ when
    # CDKTF_OUTDIR names another folder (a space in its name, relative to the project or not).
    written = {None: project / "cdktf.out", "absolute": tmp_path / "out dir",
               "relative": project / "my out"}[outdir]
    folder = {None: {}, "absolute": {"CDKTF_OUTDIR": str(written)}, "relative": {"CDKTF_OUTDIR": "my out"}}[outdir]
    result = make(project, "diff", "ENV=production", "MIRROR=1",
                  TF_CLI_CONFIG_FILE=str(unreachable_registry(tmp_path / "tf")), **folder)
    # The registry is unreachable, yet init finds google 6.50.0; the plan then stops at GCP's credentials.
    assert "Failed to query available provider packages" not in result.stdout, result.stdout
    installed = written / "stacks" / "production" / ".terraform" / "providers" / \
        "registry.terraform.io" / "hashicorp" / "google" / "6.50.0"
    assert installed.is_dir(), result.stdout
    assert str(project / ".tools" / "terraform-mirror") in (written / "mirror.tfrc").read_text()
    if outdir is not None:
        assert not (project / "cdktf.out").exists()
    assert "could not find default credentials" in result.stdout, result.stdout
    assert result.returncode != 0
    assert not ESCAPE.search(result.stdout) and not SPINNER.search(result.stdout)


def test_scan_names_each_stack_it_scans_and_echoes_no_script(project):
    # Two stacks are enough to tell them apart (checkov takes seconds a stack).
    (project / "environments" / "direct.toml").unlink()
    shutil.rmtree(project / "environments" / "bootstrap")

    result = make(project, "scan", "ENV=")

    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "make scan: every file of environments/, validated together (stacks: example, production)"
    scanned = [line for line in lines if line.startswith("scan: stack ")]
    assert scanned == ["scan: stack example (cdktf.out/stacks/example)",
                       "scan: stack production (cdktf.out/stacks/production)"]
    assert "python" not in result.stdout and "synthesized_stacks" not in result.stdout
    assert not ESCAPE.search(result.stdout)


def test_help_clean_and_distclean(project):
    shown = make(project, "help")
    assert shown.returncode == 0
    for target in ("synth", "report", "scan", "rehearse", "diff", "deploy", "output", "test", "clean", "distclean"):
        assert f"\n  {target} " in shown.stdout, target

    stack = project / "cdktf.out" / "stacks" / "production"
    (stack / ".terraform" / "providers").mkdir(parents=True)
    (stack / ".terraform" / "providers" / "google").write_text("binary")
    (stack / "cdk.tf.json").write_text("{}")
    (stack / "terraform.production.tfstate").write_text("{}")  # left by an earlier version: kept
    cleaned = make(project, "clean")
    assert cleaned.returncode == 0 and cleaned.stdout.startswith("clean: ")
    assert sorted(p.name for p in stack.iterdir()) == ["terraform.production.tfstate"]
    # A folder CDKTF_OUTDIR names is the user's, wherever it is: clean says so and deletes nothing in it.
    theirs = project / "my out; rm -rf ."
    (theirs / "stacks" / "production").mkdir(parents=True)
    (theirs / "stacks" / "production" / "cdk.tf.json").write_text("{}")
    cleaned = make(project, "clean", CDKTF_OUTDIR=theirs.name)
    assert cleaned.returncode == 0 and "clean: the folder CDKTF_OUTDIR names is left as it is" in cleaned.stdout
    assert (theirs / "stacks" / "production" / "cdk.tf.json").is_file()

    gone = make(project, "distclean")
    assert gone.returncode == 0
    assert "distclean: .venv/" in gone.stdout and "node_modules/" in gone.stdout and ".tools/" in gone.stdout
    assert not any((project / name).exists() or (project / name).is_symlink()
                   for name in (".venv", "node_modules", ".tools"))
    # The copy's links are gone, not what they pointed to.
    assert all((ROOT / name).is_dir() for name in (".venv", "node_modules", ".tools", "engines/cdktn/node_modules"))


def test_the_projects_cdktf_writes_no_spinner_or_escape_code_into_a_log(tmp_path):
    cli = ROOT / ".tools" / "cli" / "cdktf"
    assert cli.exists(), f"{cli} is missing: run through `make test` (make setup installs it)"
    env = {k: v for k, v in child_env(EGRESS_CONFIG=str(ROOT / "tests" / "fixtures" / "environments" / "example.toml"))
           .items() if k not in ("CI", "FORCE_COLOR", "NO_COLOR")}
    result = subprocess.run([str(cli), "synth", "--output", str(tmp_path / "out")], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                            timeout=300)
    assert result.returncode == 0, result.stdout
    assert (tmp_path / "out" / "stacks" / "example" / "cdk.tf.json").is_file()
    assert not ESCAPE.search(result.stdout) and not SPINNER.search(result.stdout), result.stdout
    assert len(result.stdout.splitlines()) <= 3, result.stdout


def test_the_projects_cdktf_deploy_and_diff_go_through_make_and_the_plan_guard(project, tmp_path):
    cli = project / ".tools" / "cli" / "cdktf"  # the project's (.tools is the suite's, linked)
    assert cli.exists(), f"{cli} is missing: run through `make test` (make setup installs it)"
    env = {k: v for k, v in child_env(TF_CLI_CONFIG_FILE=str(unreachable_registry(tmp_path / "tf"))).items()
           if k not in ("CI", "ENV", "STACK", "EGRESS_CONFIG")}

    def cdktf(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(cli), *args], cwd=project, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL, timeout=600)

    deployed = cdktf("deploy", "production", "--auto-approve")
    assert deployed.returncode != 0  # no registry: Terraform's init fails, after make deploy's synth
    assert deployed.stdout.splitlines()[0] == "make deploy: stack production (environments/production.toml)"
    assert "Error: Failed to query available provider packages" in deployed.stdout
    assert synthesized(project) == ["production"]
    refused = cdktf("diff", "--refresh-only", "production")
    assert refused.returncode == 2
    assert refused.stdout == (
        "error: cdktf diff: --refresh-only is an option of the cdktf CLI that make diff does not take; make diff goes "
        "through the plan guard, the CLI does not (node_modules/.bin/cdktf diff runs it without the guard: "
        "docs/commands.md)\n")
    unnamed = cdktf("deploy")
    assert unnamed.returncode == 2 and unnamed.stdout.startswith("error: cdktf deploy: name the stacks")
    misspelt = cdktf("diff", "prodution")
    assert misspelt.returncode == 2 and misspelt.stdout.startswith("error: STACK: expected the name of a file")


def test_output_reads_the_named_stack_only_once_synthesized_and_logs_cleanly(project, tmp_path):
    registry = str(unreachable_registry(tmp_path / "tf"))
    before = make(project, "output", "ENV=production", TF_CLI_CONFIG_FILE=registry)
    assert before.returncode == 2
    assert before.stdout.splitlines()[:2] == [
        "make output: stack production (environments/production.toml)",
        "error: make output: cdktf.out/stacks/production/ holds no synthesized stack: run make synth "
        "ENV=production first"]

    assert make(project, "synth", "ENV=production").returncode == 0
    result = make(project, "output", "ENV=production", TF_CLI_CONFIG_FILE=registry)
    assert result.stdout.startswith("make output: stack production (environments/production.toml)\n")
    assert result.returncode != 0  # no state and no registry: Terraform's init fails
    assert "Error: Failed to query available provider packages" in result.stdout, result.stdout
    assert not ESCAPE.search(result.stdout) and not SPINNER.search(result.stdout), result.stdout


def test_output_reads_the_stack_in_the_folder_the_app_wrote(project, tmp_path):
    registry = str(unreachable_registry(tmp_path / "tf"))
    assert make(project, "synth", "ENV=production").returncode == 0  # a cdktf.out/ that must not be read
    before = make(project, "output", "ENV=production", "CDKTF_OUTDIR=elsewhere", TF_CLI_CONFIG_FILE=registry)
    assert before.returncode == 2
    assert before.stdout.splitlines()[1] == ("error: make output: elsewhere/stacks/production/ holds no synthesized "
                                             "stack: run make synth ENV=production first")

    shutil.rmtree(project / "cdktf.out")
    assert make(project, "synth", "ENV=production", "CDKTF_OUTDIR=elsewhere").returncode == 0
    result = make(project, "output", "ENV=production", "CDKTF_OUTDIR=elsewhere", TF_CLI_CONFIG_FILE=registry)
    assert result.returncode != 0  # no state and no registry: Terraform's init fails, in elsewhere/
    assert "Error: Failed to query available provider packages" in result.stdout, result.stdout
    assert not (project / "cdktf.out" / "stacks").exists()
