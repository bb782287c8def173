"""The everyday loop as a user runs it: one stack at a time, a problem printed once, quiet commands.

The make tests run the real targets in a copy of the project (tests/support/project.py: the
installed tools linked in, nothing downloaded). Terraform is reached but goes no further: its CLI
configuration sends the provider registry to a closed local port (real_terraform.unreachable_registry).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import FIXTURE_EXAMPLE, ROOT
from tests.support.processes import child_env, snapshot
from tests.support.project import project_copy
from tests.support.real_terraform import unreachable_registry

pytestmark = pytest.mark.integration

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TYPO = ('project = "my-gcp-project"\nregion = "asia-northeast3"\n[state]\nbucket = "my-tfstate"\n'
        '[network]\nsubnet_cidr = "10.124.0.0/24"\n')
# The one problem of TYPO, as the app prints it.
TYPO_PROBLEM = ('network.subnet_cidr: expected an IPv4 /28 range with no host bits set, such as "10.124.0.0/28", '
                'got "10.124.0.0/24"')


def run_make(folder: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``make -s ARGS`` in ``folder``, stdout and stderr in one stream, as a terminal or a log shows them."""
    binary = shutil.which("make")
    if binary is None:
        pytest.fail("make is not on PATH")
    return subprocess.run([binary, "-s", *args], cwd=folder, env=child_env(CI="1", **extra), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL, timeout=600)


@pytest.fixture
def project_with_a_typo(tmp_path: Path) -> Path:
    """A copy of the project with environments/staging.toml holding a bad subnet range, and
    environments/production.toml: the example with a project and bucket of its own (diff and deploy refuse the
    example's placeholders)."""
    folder = tmp_path / "project"
    folder.mkdir()
    project_copy(folder)
    (folder / "environments" / "staging.toml").write_text(TYPO, encoding="utf-8")
    example = (folder / "environments" / "example.toml").read_text(encoding="utf-8")
    (folder / "environments" / "production.toml").write_text(example.replace("my-gcp-project", "acme-prod-123"),
                                                             encoding="utf-8")
    return folder


def only_named_as_not_checked(output: str) -> bool:
    """Whether the file with the typo is named once, as not checked for collisions, and its problem not at all."""
    named = [line for line in output.splitlines() if "staging.toml" in line]
    return len(named) == 1 and named[0].startswith("warning: environments/staging.toml: not checked for collisions "
                                                   "with ") and TYPO_PROBLEM not in output


def test_another_files_typo_does_not_stop_make_diff_from_reaching_terraform(project_with_a_typo, tmp_path):
    registry = unreachable_registry(tmp_path / "tf")

    result = run_make(project_with_a_typo, "diff", "ENV=production", TF_CLI_CONFIG_FILE=str(registry),
                      TF_IN_AUTOMATION="1")

    output = ANSI.sub("", result.stdout)
    assert result.returncode != 0  # no registry, no credentials: Terraform's init fails, after the synth
    assert "Error: Failed to query available provider packages" in output, output
    assert only_named_as_not_checked(output)
    manifest = (project_with_a_typo / "cdktf.out" / "manifest.json").read_text()
    assert '"production"' in manifest and '"staging"' not in manifest and '"example"' not in manifest


def test_a_full_synth_still_stops_on_the_typo(project_with_a_typo):
    result = run_make(project_with_a_typo, "synth", "ENV=")

    assert result.returncode != 0
    assert f"environments/staging.toml: {TYPO_PROBLEM}" in result.stdout
    assert not (project_with_a_typo / "cdktf.out").exists()


def test_a_collision_with_another_file_still_stops_make_diff(project_with_a_typo):
    # The selected file's own problem: deploying it would build (and fight over) the example's resources.
    clash = (project_with_a_typo / "environments" / "example.toml").read_text(encoding="utf-8")
    (project_with_a_typo / "environments" / "copy.toml").write_text(clash, encoding="utf-8")

    result = run_make(project_with_a_typo, "diff", "ENV=copy")

    assert result.returncode != 0
    assert "environments/copy.toml: name: expected resource names not built by environments/example.toml" \
        in result.stdout, result.stdout
    assert "cdktf diff" not in result.stdout  # stopped before the CLI and Terraform


def test_report_and_scan_of_one_file_ignore_another_files_typo_and_keep_other_reports(project_with_a_typo):
    assert run_make(project_with_a_typo, "report", "ENV=example").returncode == 0
    example_report = project_with_a_typo / "cdktf.out" / "stacks" / "example" / "REVIEW.md"
    kept = example_report.read_bytes()

    report = run_make(project_with_a_typo, "report", "ENV=direct")
    scan = run_make(project_with_a_typo, "scan", "ENV=direct")

    assert report.returncode == 0, report.stdout
    assert "wrote cdktf.out/stacks/direct/REVIEW.md" in report.stdout
    assert scan.returncode == 0, scan.stdout
    # The scan scanned: the stack named, then checkov's own summary of the checks it ran on it.
    lines = scan.stdout.splitlines()
    start = lines.index("scan: stack direct (cdktf.out/stacks/direct)")
    summary = next(line for line in lines[start:] if line.startswith("Passed checks: "))
    assert int(summary.split(",")[0].split(": ")[1]) > 0, summary
    assert only_named_as_not_checked(report.stdout) and only_named_as_not_checked(scan.stdout)
    assert example_report.read_bytes() == kept


def test_make_diff_keeps_the_report_that_make_report_wrote(project_with_a_typo, tmp_path):
    assert run_make(project_with_a_typo, "report", "ENV=direct").returncode == 0
    stacks = project_with_a_typo / "cdktf.out" / "stacks"
    reports = {p: p.read_bytes() for p in stacks.glob("*/REVIEW.md")}

    diff = run_make(project_with_a_typo, "diff", "ENV=production",
                    TF_CLI_CONFIG_FILE=str(unreachable_registry(tmp_path / "tf")), TF_IN_AUTOMATION="1")

    # The diff went as far as Terraform (synth, preflight and review check passed; init then finds no registry):
    # the reports were kept by a diff that ran, not by one that stopped before writing anything.
    output = ANSI.sub("", diff.stdout)
    assert diff.returncode != 0
    assert "Error: Failed to query available provider packages" in output, output
    assert (stacks / "production" / "cdk.tf.json").is_file()
    assert sorted(p.parent.name for p in reports) == ["direct"]
    assert {p: p.read_bytes() for p in stacks.glob("*/REVIEW.md")} == reports


def test_make_synth_needs_neither_the_cli_nor_checkov(tmp_path):
    # A fresh clone: what would `make synth` run? (-n prints the commands without running them.)
    folder = tmp_path / "fresh"
    shutil.copytree(ROOT, folder, ignore=shutil.ignore_patterns(".venv", ".tools", "node_modules", "cdktf.out",
                                                                 ".git", "__pycache__", ".pytest_cache", "bench"))
    result = subprocess.run(["make", "-n", "synth"], cwd=folder, env=child_env(), capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stderr
    assert "pipenv sync" in result.stdout and "main.py" in result.stdout
    assert "checkov" not in result.stdout
    assert "npm ci" not in result.stdout
    assert "sync --dev" not in result.stdout
    assert "tools/opa.sh" not in result.stdout and "google-provider.sh" not in result.stdout  # neither Go nor OPA


def test_make_rehearse_installs_neither_checkov_nor_the_cli_and_mermaid(tmp_path):
    folder = tmp_path / "fresh"
    shutil.copytree(ROOT, folder, ignore=shutil.ignore_patterns(".venv", ".tools", "node_modules", "cdktf.out",
                                                                 ".git", "__pycache__", ".pytest_cache", "bench"))
    result = subprocess.run(["make", "-n", "rehearse"], cwd=folder, env=child_env(), capture_output=True, text=True,
                            timeout=60)

    assert result.returncode == 0, result.stderr
    assert "sync --dev" in result.stdout and "google-provider.sh" in result.stdout and "-m rehearsal" in result.stdout
    assert "checkov" not in result.stdout
    # The rehearsal deploys with the cdktf CLI, so it installs the CLI: package.json's dependencies only, not the
    # tests' Mermaid and jsdom (its devDependencies).
    npm = [line for line in result.stdout.splitlines() if "npm ci" in line and "echo" not in line]
    assert npm and all("--omit=dev" in line for line in npm), result.stdout


def cli_env(**extra: str) -> dict[str, str]:
    """A user's shell: none of the Makefile's variables (no CHECKPOINT_DISABLE, no jsii setting)."""
    env = {k: v for k, v in child_env(CI="1").items()
           if k not in ("CHECKPOINT_DISABLE", "DISABLE_VERSION_CHECK", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION")
           and not k.startswith("PIPENV")}
    env.update(extra)
    return env


def test_cdktf_synth_prints_a_problem_once_and_nothing_else_of_the_app(tmp_path):
    bad = tmp_path / "staging.toml"
    bad.write_text(TYPO, encoding="utf-8")
    cli = ROOT / ".tools" / "cli" / "cdktf"
    assert cli.exists(), f"{cli} is missing: run through `make test` (make setup installs it)"

    # What the user sees: the CLI's stdout and stderr on one terminal (here one pipe).
    result = subprocess.run([str(cli), "synth", "--output", str(tmp_path / "out")], cwd=ROOT,
                            env=cli_env(EGRESS_CONFIG=str(bad)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, stdin=subprocess.DEVNULL, timeout=300)

    output = ANSI.sub("", result.stdout)
    assert result.returncode == 1
    assert output.count(TYPO_PROBLEM) == 1, output
    assert f"error: 1 problem in the environment configuration:\n  - {bad}: {TYPO_PROBLEM}\n" in output
    assert "[ERROR]" not in output
    assert "Command output on" not in output
    assert "end-of-life" not in output and "checkpoint" not in output.lower()


def test_the_stock_cdktf_cli_prints_a_problem_once_too(tmp_path):
    bad = tmp_path / "staging.toml"
    bad.write_text(TYPO, encoding="utf-8")

    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdktf"), "synth", "--output", str(tmp_path / "o")],
                            cwd=ROOT, env=cli_env(EGRESS_CONFIG=str(bad), CHECKPOINT_DISABLE="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                            timeout=300)

    output = ANSI.sub("", result.stdout)
    assert result.returncode == 1
    assert output.count(TYPO_PROBLEM) == 1, output
    assert "end-of-life" not in output


def test_cdktf_synth_writes_what_make_synth_writes(tmp_path):
    direct, cli = tmp_path / "direct", tmp_path / "cli"
    env = child_env(EGRESS_CONFIG=str(FIXTURE_EXAMPLE))

    made = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "main.py"], cwd=ROOT,
                          env={**env, "CDKTF_OUTDIR": str(direct)}, capture_output=True, text=True, timeout=300)
    synthesized = subprocess.run([str(ROOT / ".tools" / "cli" / "cdktf"), "synth", "--output", str(cli)], cwd=ROOT,
                                 env={**env, "CI": "1"}, capture_output=True, text=True, timeout=300)

    assert made.returncode == 0, made.stderr
    assert made.stdout == f"synthesized into {direct}/stacks/: example\n"
    assert made.stderr == ""
    assert synthesized.returncode == 0, synthesized.stdout + synthesized.stderr
    assert snapshot(direct) == snapshot(cli)
    assert sorted(snapshot(direct)) == ["manifest.json", "stacks/example/cdk.tf.json"]


def test_the_cli_stderr_is_shared_only_where_writes_cannot_overwrite(tmp_path):
    from constructs_lib.app.console import _safe_to_share

    for mode, expected in (("w", False), ("a", True)):
        with open(tmp_path / f"stderr-{mode}.txt", mode) as stream:
            child = subprocess.Popen(["sleep", "30"], stderr=stream)
            try:
                assert _safe_to_share(child.pid) is expected, mode
            finally:
                child.kill()
                child.wait()
    child = subprocess.Popen(["sleep", "30"], stderr=subprocess.PIPE)
    try:
        assert _safe_to_share(child.pid) is True
    finally:
        child.kill()
        child.wait()
