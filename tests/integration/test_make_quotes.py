"""make passes what a user typed as data: a space or a command in ENV is refused with a message, never run; a path
with a space reaches the app whole; report and scan act on the folder the app wrote (CDKTF_OUTDIR); one stack
name in environments/ and environments/bootstrap/ is refused before anything is deployed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from constructs_lib.facts.text import from_shell
from tests.support.paths import ROOT
from tests.support.processes import child_env
from tests.support.project import project_copy

pytestmark = pytest.mark.integration

MISSING = "expected the name of a file of environments/ without .toml, got"
# The Makefile's line that refuses a switch (AUTO_APPROVE, MIRROR) other than 1 or nothing: make names it.
MAKEFILE_SWITCH_LINE = next((n for n, line in enumerate((ROOT / "Makefile").read_text().splitlines(), 1)
                            if line.startswith("$(foreach v,AUTO_APPROVE MIRROR,")), None)
# And the one that refuses an ENGINE it does not know.
MAKEFILE_ENGINE_LINE = next((n for n, line in enumerate((ROOT / "Makefile").read_text().splitlines(), 1)
                            if line.startswith("$(error ENGINE: ")), None)


def make(folder: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """``make -s ARGS`` in ``folder``, stdout and stderr in one pipe."""
    binary = shutil.which("make")
    if binary is None:
        pytest.fail("make is not on PATH")
    env = {k: v for k, v in child_env().items() if k not in ("CI", "ENV", "STACK", "EGRESS_CONFIG", "CDKTF_OUTDIR")}
    env.update(extra)
    return subprocess.run([binary, "-s", *args], cwd=folder, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project_copy(tmp_path_factory.mktemp("quotes"))


@pytest.mark.parametrize("value", ["my env", "x echo INJECTED", "x;echo INJECTED", "$(echo INJECTED)",
                                   "$(shell echo INJECTED >&2)", "`echo INJECTED`",
                                   "x' ; echo 'INJECTED"])
def test_a_name_with_a_space_or_a_command_is_refused_never_run(project, value):
    result = make(project, "synth", f"ENV={value}")
    assert result.returncode == 2, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"error: ENV: {MISSING} "), lines
    assert "INJECTED" not in lines[1:] and not any(line.strip() == "INJECTED" for line in lines), lines
    assert "command not found" not in result.stdout
    assert not (project / "cdktf.out").exists()


@pytest.mark.parametrize("variable", ["ENGINE", "MIRROR", "AUTO_APPROVE"])
def test_the_other_variables_a_user_sets_are_never_make_syntax(project, variable):
    # ENGINE chooses the engine before anything else is read; MIRROR and AUTO_APPROVE are read by diff and deploy's
    # prerequisites and recipes, which make expands for any target.
    result = make(project, "synth", f"{variable}=$(shell echo INJECTED >&2)")
    assert "INJECTED\n" not in result.stdout, result.stdout
    assert result.returncode == 2
    expected = "cdktf or cdktn" if variable == "ENGINE" else "1 or nothing"
    assert f'{variable}: expected {expected}, got "$(shell echo INJECTED >&2)"' in result.stdout
    assert not (project / "cdktf.out").exists()


@pytest.mark.parametrize("setting", ["AUTO_APPROVE=0", "AUTO_APPROVE=false", "AUTO_APPROVE=no", "MIRROR=true",
                                     "MIRROR=0"])
def test_a_switch_other_than_1_is_refused_before_anything_runs(project, setting):
    # AUTO_APPROVE=0 was read by $(if) as set: make deploy applied its plan without asking.
    variable, value = setting.split("=")
    for target in ("deploy", "synth"):
        result = make(project, target, "ENV=example", setting)
        assert result.returncode == 2, result.stdout
        assert result.stdout.splitlines() == [f'Makefile:{MAKEFILE_SWITCH_LINE}: *** {variable}: expected 1 or '
                                              f'nothing, got "{value}".  Stop.']
        assert not (project / "cdktf.out").exists()
    assert make(project, "synth", "ENV=example", f"{variable}=1").returncode == 0
    assert make(project, "synth", "ENV=example", f"{variable}=").returncode == 0
    shutil.rmtree(project / "cdktf.out", ignore_errors=True)


@pytest.mark.parametrize("variable, value, target, refusal", [
    ("ENGINE", "docker", "synth",
     f'Makefile:{MAKEFILE_ENGINE_LINE}: *** ENGINE: expected cdktf or cdktn, got "docker"'),
    ("AUTO_APPROVE", "yes", "deploy",
     f'Makefile:{MAKEFILE_SWITCH_LINE}: *** AUTO_APPROVE: expected 1 or nothing, got "yes"'),
    ("SEED", "42", "rehearse", "error: SEED: expected the path of a file, got '42' (no such file)"),
    ("FROM", "old.toml", "rehearse", "error: FROM: expected the path of a file, got 'old.toml' (no such file)"),
])
def test_a_value_from_the_shells_environment_that_is_refused_says_where_it_came_from(project, variable, value, target,
                                                                                   refusal):
    # Names such as SEED (a random seed) or ENGINE may be exported for something else: "got 42" alone left the user
    # looking for a 42 they never typed.
    # The Makefile's FROM_SHELL (ENGINE, AUTO_APPROVE) and rehearse's (FROM, SEED) say it in the same words.
    shell = from_shell(variable)
    assert shell == (f" ({variable} came from the shell's environment and not from make's command line: unset it "
                     f"or give {variable}=<value> to make)")
    stop = ".  Stop." if refusal.startswith("Makefile:") else ""
    exported = make(project, target, "ENV=example", **{variable: value})
    typed = make(project, target, "ENV=example", f"{variable}={value}")
    for result, said in ((exported, refusal + shell + stop), (typed, refusal + stop)):
        assert result.returncode == 2, result.stdout
        assert said in result.stdout.splitlines(), result.stdout
    assert not (project / "cdktf.out").exists()


def test_fault_and_faults_given_to_the_other_target_are_refused_not_ignored(project):
    # make rehearse FAULT=x (FAULTS misspelt) rehearsed without any fault, in silence; make faults FAULTS= ran every
    # fault of the campaign.
    lines = (ROOT / "Makefile").read_text().splitlines()
    line = {v: next(n for n, text in enumerate(lines, 1) if text.startswith(f"$(error {v}: "))
            for v in ("FAULT", "FAULTS")}
    result = make(project, "rehearse", "ENV=example", "FAULT=404-operation-poll")
    assert (result.returncode, result.stdout.splitlines()) == (2, [
        f"Makefile:{line['FAULT']}: *** FAULT: make rehearse takes FAULTS=<faults file>; FAULT=<fault names> is for "
        "make faults.  Stop."])
    result = make(project, "faults", "FAULTS=faults.toml")
    assert (result.returncode, result.stdout.splitlines()) == (2, [
        f"Makefile:{line['FAULTS']}: *** FAULTS: make faults takes FAULT=<fault names>; FAULTS=<faults file> is for "
        "make rehearse.  Stop."])
    assert make(project, "synth", "ENV=example", "FAULT=x", "FAULTS=y").returncode == 0  # neither read by synth
    shutil.rmtree(project / "cdktf.out", ignore_errors=True)


def test_a_path_with_a_space_reaches_the_app_whole(project):
    folder = project / "my files"
    folder.mkdir(exist_ok=True)
    shutil.copy(project / "environments" / "example.toml", folder / "spaced.toml")
    result = make(project, "synth", f"EGRESS_CONFIG={folder / 'spaced.toml'}")
    assert result.returncode == 0, result.stdout
    assert (project / "cdktf.out" / "stacks" / "spaced" / "cdk.tf.json").is_file()
    shutil.rmtree(project / "cdktf.out")


def test_a_missing_file_named_by_env_is_named_by_env_once(project):
    result = make(project, "synth", "ENV=prodution")
    assert result.returncode == 2
    assert result.stdout.count("error:") == 1 and result.stdout.startswith(f'error: ENV: {MISSING} "prodution"')
    assert "EGRESS_CONFIG" not in result.stdout


@pytest.mark.parametrize("given", ["argument", "environment"])
def test_report_and_scan_act_on_the_folder_the_app_wrote(project, given):
    # As an argument, a folder whose name starts with a dash: checkov read "-d -elsewhere/scan/example" as options.
    folder = "-elsewhere" if given == "argument" else "elsewhere"
    args, extra = ([f"CDKTF_OUTDIR={folder}"], {}) if given == "argument" else ([], {"CDKTF_OUTDIR": folder})
    report = make(project, "report", "ENV=example", *args, **extra)
    assert report.returncode == 0, report.stdout
    assert f"synthesized into {folder}/stacks/: example" in report.stdout.splitlines()
    assert f"wrote {folder}/stacks/example/REVIEW.md" in report.stdout.splitlines()
    review = (project / folder / "stacks" / "example" / "REVIEW.md").read_text()
    assert review.splitlines()[1] == "# Review of stack `example`"
    assert not (project / "cdktf.out").exists()

    if given == "environment":  # one checkov run is enough: scan reads the folder exactly as report does
        shutil.rmtree(project / folder)
        return
    scan = make(project, "scan", "ENV=example", *args, **extra)
    assert scan.returncode == 0, scan.stdout
    lines = scan.stdout.splitlines()
    start = lines.index(f"scan: stack example (./{folder}/stacks/example)")
    # checkov's own summary of that stack: it read the JSON and ran its checks on it.
    summary = next(line for line in lines[start:] if line.startswith("Passed checks: "))
    assert int(summary.split(",")[0].split(": ")[1]) > 0, summary
    assert (project / folder / "scan" / "example" / "cdk.tf.json").is_file()
    assert not (project / "cdktf.out").exists()
    shutil.rmtree(project / folder)


def test_a_name_or_path_that_starts_with_a_dash_is_data_not_an_option(project):
    # Each reached a command as an option: argparse's "expected one argument" instead of the app's message.
    result = make(project, "synth", "ENV=-x")
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == (f'error: ENV: {MISSING} "-x" (environments/ holds: direct, example, '
                                             "bootstrap/state-bucket)")
    shutil.copy(project / "environments" / "example.toml", project / "-e.toml")
    result = make(project, "synth", "EGRESS_CONFIG=-e.toml")
    assert result.returncode == 2
    assert result.stdout.splitlines()[:3] == [
        "make synth: stack -e (./-e.toml)", "error: 1 problem in the environment configuration:",
        '  - -e.toml: (file name): expected a file stem usable as a stack name (lowercase letters, digits and '
        'hyphens, starting with a letter), got "-e"']
    result = make(project, "rehearse", "FROM=-gone.toml")
    assert result.returncode == 2
    assert result.stdout.splitlines()[:2] == [
        "make rehearse: stack example (environments/example.toml)",
        "error: FROM: expected the path of a file, got '-gone.toml' (no such file)"]
    assert not (project / "cdktf.out").exists()


def test_a_folder_named_by_cdktf_outdir_is_printed_on_one_line_escaped(project):
    # A line break in CDKTF_OUTDIR would forge a line of make output's error; an escape code would reach the terminal.
    result = make(project, "output", "ENV=example", CDKTF_OUTDIR="out\n\x1b[2Jforged")
    assert result.returncode == 2, result.stdout
    assert result.stdout.splitlines()[1] == (
        "error: make output: out\\n\\x1b[2Jforged/stacks/example/ holds no synthesized stack: run make synth "
        "ENV=example first")
    assert "\x1b" not in result.stdout and sum("forged" in line for line in result.stdout.splitlines()) == 1


@pytest.mark.parametrize("variable", ["ENV", "EGRESS_CONFIG"])
def test_a_line_break_in_a_name_is_refused_with_a_message_not_a_shell_error(project, variable):
    # make ends a recipe's command line at a line break: the quoted name was cut in two and bash saw an open quote.
    value = "ex\nample" if variable == "ENV" else "environments/ex\nample.toml"
    result = make(project, "synth", f"{variable}={value}")
    assert result.returncode == 2, result.stdout
    assert result.stdout.splitlines()[0].startswith(f'error: {variable}: expected '), result.stdout
    assert '"ex\\nample' in result.stdout.splitlines()[0] or '/ex\\nample' in result.stdout.splitlines()[0]
    assert "unexpected EOF" not in result.stdout


def test_one_stack_name_in_environments_and_bootstrap_is_refused_by_make_and_by_the_app(project):
    twin = project / "environments" / "state-bucket.toml"
    shutil.copy(project / "environments" / "example.toml", twin)
    try:
        deploy = make(project, "deploy", "ENV=state-bucket")
        assert deploy.returncode == 2
        assert deploy.stdout.splitlines()[0] == (
            'error: ENV="state-bucket" names two files, environments/state-bucket.toml and '
            "environments/bootstrap/state-bucket.toml: one stack name for two stacks, which make could mix up; "
            "rename one")
        synth = make(project, "synth", "EGRESS_CONFIG=environments/state-bucket.toml")
        assert synth.returncode != 0
        assert ("  - environments/state-bucket.toml: (file name): expected a stack name not used by "
                'environments/bootstrap/state-bucket.toml, got "state-bucket"') in synth.stdout.splitlines()
        assert not (project / "cdktf.out" / "stacks" / "state-bucket").exists()
    finally:
        twin.unlink()


def test_the_make_targets_work_in_a_project_folder_whose_path_has_a_space(tmp_path):
    # make splits a word list at spaces: with absolute paths as targets (.tools/bin/pipenv under $(CURDIR)), make
    # synth in ~/My Projects/egress stopped at "/bin/bash: /tmp/My: No such file or directory".
    project = project_copy(tmp_path / "my projects" / "egress")
    synth = make(project, "synth", "ENV=example")
    assert synth.returncode == 0, synth.stdout
    assert synth.stdout.splitlines()[-1] == "synthesized into cdktf.out/stacks/: example", synth.stdout
    report = make(project, "report", "ENV=example")
    assert report.returncode == 0, report.stdout
    assert (project / "cdktf.out" / "stacks" / "example" / "REVIEW.md").is_file()
    check = make(project, "output", "ENV=gone")  # the stdlib check make runs before anything is installed
    assert check.returncode == 2 and f'{MISSING} "gone"' in check.stdout, check.stdout


def test_the_terraform_wrapper_runs_from_a_folder_whose_path_has_a_space(tmp_path):
    # A shebang ends at the first space: `#!/home/me/My Projects/egress/.venv/bin/python -I` ran /home/me/My.
    # tools/shebang.sh has /bin/sh start the Python there, as pip's own scripts do.
    folder = tmp_path / "my projects"
    folder.mkdir()
    (folder / ".venv").symlink_to(ROOT / ".venv")  # the virtualenv under a path with a space, its pyvenv.cfg found
    python = folder / ".venv" / "bin" / "python"
    header = subprocess.run([str(ROOT / "tools" / "shebang.sh"), str(python)], capture_output=True, text=True,
                            check=True).stdout
    assert header.splitlines()[0] == "#!/bin/sh"
    wrapper = folder / "terraform"
    wrapper.write_text(header + (ROOT / "tools" / "terraform.py").read_text(encoding="utf-8"), encoding="utf-8")
    wrapper.chmod(0o755)
    result = subprocess.run([str(wrapper), "version"], capture_output=True, text=True, timeout=120, env=child_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Terraform v"), result.stdout
    plain = subprocess.run([str(ROOT / "tools" / "shebang.sh"), "/opt/egress/.venv/bin/python"],
                           capture_output=True, text=True, check=True).stdout
    assert plain == "#!/opt/egress/.venv/bin/python -I\n"  # no space: the plain shebang, one start less
