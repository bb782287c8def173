"""Which environment a make target acts on: one message for a missing one, whichever variable named it; nothing
deployed when nothing is named; and what diff/deploy check before Terraform (placeholders, the review)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from constructs_lib.app.preflight import placeholder_problems, run as preflight
from constructs_lib.app.selection import check, missing_environment
from constructs_lib.facts.placeholders import PLACEHOLDER_BUCKET, PLACEHOLDER_PROJECT
from tests.support.odd_files import stand_ins
from tests.support.paths import FIXTURE_EXAMPLE, ROOT


@pytest.fixture
def environments(tmp_path: Path) -> Path:
    folder = tmp_path / "environments"
    (folder / "bootstrap").mkdir(parents=True)
    for name in ("example", "production"):
        (folder / f"{name}.toml").write_text("")
    (folder / "bootstrap" / "state-bucket.toml").write_text("")
    return folder


@pytest.mark.parametrize("variable", ["ENV", "STACK"])
def test_a_missing_environment_gets_one_message_whichever_variable_named_it(environments, variable):
    code, line = check("deploy", variable, "prodution", str(environments / "prodution.toml"), directory=environments)
    assert code == 2
    assert line == (f'error: {variable}: expected the name of a file of {environments}/ without .toml, got '
                    f'"prodution"; did you mean production? ({environments}/ holds: example, production, '
                    "bootstrap/state-bucket)")
    synth = check("synth", variable, "prodution", "", directory=environments)
    assert synth == (2, line)


NOT_FILES = stand_ins("folder", "named-pipe", "socket", "dangling-link", "link-loop")


@pytest.mark.parametrize("kind", NOT_FILES)
def test_a_name_whose_file_is_not_a_regular_file_says_what_it_is(environments, kind):
    make, found = NOT_FILES[kind]
    path = environments / "odd.toml"
    make(path)
    for target in ("synth", "deploy"):
        assert check(target, "ENV", "odd", str(path), directory=environments) == (
            2, f'error: ENV: expected the name of a regular file of {environments}/ without .toml, got "odd": '
               f"{path} is {found}")
    assert check("synth", "EGRESS_CONFIG", "", str(path), directory=environments) == (
        2, f'error: EGRESS_CONFIG: expected the path of a regular .toml file, got "{path}", {found}')


@pytest.mark.parametrize("kind", NOT_FILES)
@pytest.mark.parametrize("backup", [False, True], ids=["state", "backup"])
def test_make_output_refuses_a_local_state_that_is_not_a_regular_file(environments, kind, backup):
    # make output runs Terraform on the state with no synth before it (which checks it): on a named pipe,
    # `terraform init` waited for ever.
    make, found = NOT_FILES[kind]
    state = environments / f"production.tfstate{'.backup' if backup else ''}"
    make(state)
    file = str(environments / "production.toml")
    assert check("output", "ENV", "production", file, directory=environments) == (
        2, f"error: make output: {state}: expected the local state of stack production (Terraform reads it): a "
           f"regular file, or nothing, got {found}")
    # The targets that synthesize first leave it to the synth, which names it beside the file's own problems.
    assert check("deploy", "ENV", "production", file, directory=environments)[0] == 0


def test_make_output_takes_a_local_state_that_is_a_file_or_a_link_to_one(environments):
    (environments / "elsewhere.json").write_text("{}")
    (environments / "production.tfstate").symlink_to(environments / "elsewhere.json")
    (environments / "production.tfstate.backup").write_text("{}")
    assert check("output", "ENV", "production", str(environments / "production.toml"), directory=environments)[0] == 0


def test_deploy_with_nothing_named_refuses_and_synth_takes_every_file(environments):
    for target in ("diff", "deploy", "output"):
        code, line = check(target, "", "", "", directory=environments)
        assert code == 2 and line.startswith(f"error: make {target} acts on one environment and none was named")
    assert check("deploy", "ENV", "", "", directory=environments)[1].startswith(
        'error: make deploy acts on one environment and none was named (ENV="")')
    assert check("synth", "ENV", "", "", directory=environments) == (
        0, f"make synth: every file of {environments}/, validated together (stacks: example, production, state-bucket)")


def test_each_target_says_first_which_stack_it_acts_on(environments):
    production = str(environments / "production.toml")
    assert check("deploy", "STACK", "production", production, directory=environments) == (
        0, f"make deploy: stack production ({production})")
    bucket = str(environments / "bootstrap" / "state-bucket.toml")
    assert check("deploy", "ENV", "state-bucket", bucket, directory=environments) == (
        0, f"make deploy: stack state-bucket ({bucket})")
    assert check("deploy", "ENV", "bootstrap/state-bucket", bucket, directory=environments) == (
        0, f"make deploy: stack state-bucket ({bucket})")


def test_a_name_that_is_a_pattern_or_a_path_elsewhere_is_refused(environments):
    # make's wildcard would expand "*" to some file: the name must be exactly that file's.
    for name, file in (("*", str(environments / "example.toml")), ("../x", "")):
        assert check("deploy", "ENV", name, file, directory=environments) == (
            2, f'error: ENV: expected the name of a file of {environments}/ without .toml, got "{name}" '
               f"({environments}/ holds: example, production, bootstrap/state-bucket)")


def test_a_name_in_a_folder_inside_environments_is_refused(environments):
    # environments/prod/app.toml is no environment (the app reads no folder inside environments/ but bootstrap/):
    # make must not act on it, whatever the target (make output and make allowlist run no app to refuse it).
    stray = environments / "prod" / "app.toml"
    stray.parent.mkdir()
    stray.write_text((environments / "production.toml").read_text())
    for target in ("synth", "deploy", "output", "allowlist"):
        assert check(target, "ENV", "prod/app", str(stray), directory=environments) == (
            2, f'error: ENV: expected the name of a file of {environments}/ without .toml, got "prod/app" '
               f"({environments}/ holds: example, production, bootstrap/state-bucket)")


def test_env_and_stack_naming_different_files_are_refused():
    code, line = check("deploy", "STACK", "production", "environments/production.toml",
                       conflict='ENV="example" and STACK="production"')
    assert code == 2 and 'ENV="example" and STACK="production"' in line


def test_env_and_egress_config_naming_different_files_are_refused_before_anything_else(tmp_path):
    # Before the EGRESS_CONFIG-only rules of diff and deploy: the user typed ENV, and is told of both.
    for target in ("synth", "deploy"):
        assert check(target, "EGRESS_CONFIG", "", str(tmp_path / "x.toml"),
                     config_conflict=f'ENV="production" and EGRESS_CONFIG="{tmp_path / "x.toml"}"') == (
            2, f'error: ENV="production" and EGRESS_CONFIG="{tmp_path / "x.toml"}" do not name the same file: give '
               "one (EGRESS_CONFIG may be set in your shell: unset EGRESS_CONFIG to use ENV)")


def test_diff_and_deploy_do_not_take_a_file_outside_environments(tmp_path):
    code, line = check("deploy", "EGRESS_CONFIG", "", str(tmp_path / "x.toml"))
    assert code == 2 and "not by EGRESS_CONFIG" in line


def test_the_app_says_the_same_for_a_missing_egress_config(tmp_path, capsys):
    from constructs_lib.app import run

    stderr = io.StringIO()
    assert run(str(tmp_path / "nope.toml"), stderr=stderr, outdir=str(tmp_path / "out")) == 1
    assert stderr.getvalue() == missing_environment("EGRESS_CONFIG", str(tmp_path / "nope.toml")) + "\n"
    assert stderr.getvalue().count("EGRESS_CONFIG") == 1


def test_the_shipped_files_hold_the_placeholders_the_preflight_refuses():
    text = (ROOT / "environments" / "example.toml").read_text() + (
        ROOT / "environments" / "bootstrap" / "state-bucket.toml").read_text()
    assert f'"{PLACEHOLDER_PROJECT}"' in text and f'"{PLACEHOLDER_BUCKET}"' in text


def test_placeholders_are_refused_by_key(tmp_path):
    source = tmp_path / "production.toml"
    shutil.copy(FIXTURE_EXAMPLE, source)
    assert [(p.key, p.given) for p in placeholder_problems(source)] == [
        ("project", f'"{PLACEHOLDER_PROJECT}"'), ("state.bucket", f'"{PLACEHOLDER_BUCKET}"'),
        ("services[production].image", f'"asia.gcr.io/{PLACEHOLDER_PROJECT}/app:1.0.0"')]
    err = io.StringIO()
    assert preflight("deploy", source, "production", tmp_path / "out", err=err) == 2
    assert f"{source}: state.bucket: expected a value of your own" in err.getvalue()

    source.write_text(source.read_text().replace(PLACEHOLDER_PROJECT, "acme-payments-prod"))
    assert placeholder_problems(source) == []
    # A project whose id only contains the placeholder's words is the user's own.
    source.write_text(source.read_text().replace("acme-payments-prod", "my-gcp-project-2"))
    assert placeholder_problems(source) == []


def test_the_preflight_warns_on_a_missing_review_and_lets_the_command_go_on(tmp_path):
    source = tmp_path / "production.toml"
    source.write_text(FIXTURE_EXAMPLE.read_text().replace(PLACEHOLDER_PROJECT, "acme-payments-prod"))
    (tmp_path / "out" / "stacks" / "production").mkdir(parents=True)
    (tmp_path / "out" / "stacks" / "production" / "cdk.tf.json").write_text("{}")
    out, err = io.StringIO(), io.StringIO()
    assert preflight("deploy", source, "production", tmp_path / "out", out=out, err=err) == 0
    assert err.getvalue().startswith("warning: production has no review")
    assert "make report ENV=production" in err.getvalue()


def test_synth_without_env_says_so_when_the_example_is_gone(environments):
    (environments / "example.toml").unlink()
    code, line = check("synth", "", "example", "", directory=environments)
    assert code == 2 and line == (f"error: make synth takes {environments}/example.toml when ENV is not given, and "
                                  f"there is none: make synth ENV=<name>, one of: production, bootstrap/state-bucket")


NOT_FOLDERS = {
    "nothing": (lambda p: None, "there is no {d}/ folder"),
    "empty-folder": (lambda p: p.mkdir(), "{d}/ holds no .toml file"),
    **{kind: (make, f"{{d}} is {found}, not a folder")
       for kind, (make, found) in stand_ins("regular-file", "named-pipe", "dangling-link").items()},
}


@pytest.mark.parametrize("kind", NOT_FOLDERS)
def test_an_environments_folder_that_is_missing_or_not_a_folder_is_named_as_such(tmp_path, kind):
    # It was "one of: none" and "environments/ holds no .toml file" whatever stood there: a file, a pipe, a link.
    folder = tmp_path / "environments"
    make, said = NOT_FOLDERS[kind]
    make(folder)
    holds = said.format(d=folder)
    assert check("synth", "", "example", str(folder / "example.toml"), directory=folder) == (
        2, f"error: make synth takes {folder}/example.toml when ENV is not given, and there is none: make synth "
           f"ENV=<name> ({holds})")
    assert check("deploy", "", "", "", directory=folder) == (
        2, f"error: make deploy acts on one environment and none was named: make deploy ENV=<name> ({holds})")
    assert check("deploy", "ENV", "prod", str(folder / "prod.toml"), directory=folder) == (
        2, f'error: ENV: expected the name of a file of {folder}/ without .toml, got "prod" ({holds})')


def test_the_preflight_names_the_file_and_the_output_folder_on_one_line_each(tmp_path):
    # The file make acts on and CDKTF_OUTDIR are what a user chose: a line break in either would forge a line.
    folder = tmp_path / "my\nerror: forged \x1b[31m"
    folder.mkdir()
    source = folder / "production.toml"
    shutil.copy(FIXTURE_EXAMPLE, source)
    err = io.StringIO()
    assert preflight("deploy", source, "production", folder / "out", err=err) == 2
    first, *problems = err.getvalue().splitlines()
    assert first.startswith(f"error: make deploy refuses {tmp_path}/my\\nerror: forged \\x1b[31m/production.toml: ")
    assert len(problems) == 3 and all(line.startswith("  - ") for line in problems), problems

    source.write_text(FIXTURE_EXAMPLE.read_text().replace(PLACEHOLDER_PROJECT, "acme-payments-prod")
                      .replace(PLACEHOLDER_BUCKET, "acme-state"))
    (folder / "out" / "stacks" / "production").mkdir(parents=True)
    (folder / "out" / "stacks" / "production" / "cdk.tf.json").write_text("{}")
    err = io.StringIO()
    assert preflight("deploy", source, "production", folder / "out", out=io.StringIO(), err=err) == 0
    (line,) = err.getvalue().splitlines()
    assert line.startswith("warning: production has no review") and "\\nerror: forged \\x1b[31m" in line


def test_the_default_name_in_two_files_says_make_chose_it(environments):
    # It printed `error: ="example" names two files`: the variable the user never gave, empty.
    (environments / "bootstrap" / "example.toml").write_text("")
    file = str(environments / "example.toml")
    assert check("synth", "", "example", file, directory=environments) == (
        2, f'error: make synth without ENV takes "example", which names two files, {file} and '
           f"{environments / 'bootstrap' / 'example.toml'}: one stack name for two stacks, which make could mix up; "
           "rename one")


def test_a_file_whose_stem_env_does_not_take_is_never_offered(environments):
    # environments/.hidden.toml was listed, and "did you mean .hidden?" offered, by the message refusing ENV=.hidden.
    (environments / ".hidden.toml").write_text("")
    assert check("deploy", "ENV", ".hidden", str(environments / ".hidden.toml"), directory=environments) == (
        2, f'error: ENV: expected the name of a file of {environments}/ without .toml, got ".hidden" '
           f"({environments}/ holds: example, production, bootstrap/state-bucket)")
