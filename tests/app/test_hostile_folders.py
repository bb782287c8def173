"""Folders a hostile (or unlucky) user leaves: a pipe, a folder, a link, bytes that are not text named ``*.toml``
beside the selected file; an output folder with a folder where a file belongs. Each is one problem line that
names the path; nothing hangs, nothing is written."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.app import run
from rehearsal.tomlfile import dumps as to_toml
from tests.support.bounded import bounded
from tests.support.environments import environment
from tests.support.odd_files import bind_socket, stand_ins
from tests.support.processes import snapshot

LOCAL = {"backend": "local"}


def write(folder: Path, stem: str, **changes: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.toml"
    path.write_text(to_toml(environment(**{"state": LOCAL, **changes})), encoding="utf-8")
    return path


def run_bounded(selected: str | None, out: Path) -> tuple[int, list[str]]:
    """run() in a thread that must end within a minute (a pipe opened for reading would wait forever): the exit
    code and the lines printed."""
    stderr = io.StringIO()
    code = bounded(lambda: run(selected, stderr=stderr, outdir=str(out)), 60, "run() hangs")
    assert "Traceback" not in stderr.getvalue()
    return code, stderr.getvalue().splitlines()


def refused(selected: Path | None, out: Path) -> list[str]:
    """The problem lines of a run that must fail and leave ``out`` as it was."""
    out.mkdir(exist_ok=True)
    (out / "keep").write_text("x")
    before = snapshot(out)
    code, lines = run_bounded(str(selected) if selected else None, out)
    assert code == 1, lines
    assert snapshot(out) == before
    return lines[1:]


def test_a_named_pipe_beside_the_selected_file_is_a_problem_not_a_hang(tmp_path):
    a = write(tmp_path / "envs", "a")
    os.mkfifo(tmp_path / "envs" / "pipe.toml")
    assert refused(a, tmp_path / "out") == [
        f"  - {tmp_path / 'envs' / 'pipe.toml'}: (file): expected a regular TOML file (every neighbour is checked "
        "for collisions with the selected file), got a named pipe (FIFO)"]


def test_a_named_pipe_in_environments_is_a_problem_not_a_hang(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "environments", "a")
    os.mkfifo(tmp_path / "environments" / "pipe.toml")
    assert refused(None, tmp_path / "out") == [
        "  - environments/pipe.toml: (file): expected a regular TOML file, got a named pipe (FIFO)"]


FOLDER_STAND_INS = stand_ins("regular-file", "named-pipe", "dangling-link", "link-loop")


@pytest.mark.parametrize("kind", FOLDER_STAND_INS)
@pytest.mark.parametrize("selected", [None, Path("environments/a.toml")], ids=["every-file", "one-file"])
def test_a_bootstrap_folder_that_is_not_a_folder_is_a_problem_not_skipped(tmp_path, monkeypatch, kind, selected):
    # Its bootstrap files were skipped in silence: the state bucket's stack left out of every-file synth, and a
    # selected file never checked against them.
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "environments", "a")
    make, given = FOLDER_STAND_INS[kind]
    make(tmp_path / "environments" / "bootstrap")
    assert refused(selected, tmp_path / "out") == [
        f"  - environments/bootstrap: (folder): expected a folder of .toml files, or nothing, got {given}"]


STRAY = ("expected environment files directly in environments/ and bootstrap files directly in "
         "environments/bootstrap/ (the app reads no other folder: a file here is neither built nor checked for "
         "collisions), got a folder holding .toml files")


@pytest.mark.parametrize("selected", [None, "environments/a.toml", "environments/prod/b.toml",
                                      "environments/bootstrap/state.toml"],
                         ids=["every-file", "one-file", "the-stray-file", "a-bootstrap-file"])
def test_a_folder_of_toml_files_inside_environments_is_a_problem_never_skipped(tmp_path, monkeypatch, selected):
    # environments/prod/b.toml was neither synthesized with every file nor a neighbour of a selected one (nor, when
    # selected, checked against environments/): one address could be in two NATs with no word said.
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "environments", "a")
    write(tmp_path / "environments" / "prod", "b")
    (tmp_path / "environments" / "bootstrap").mkdir()
    (tmp_path / "environments" / "bootstrap" / "state.toml").write_text(
        '[bootstrap]\nproject = "my-gcp-project"\nbucket = "my-gcp-project-tfstate"\nlocation = "EU"\n',
        encoding="utf-8")
    write(tmp_path / "environments" / "bootstrap" / "old" / "deeper", "c")
    (tmp_path / "environments" / "notes").mkdir()
    (tmp_path / "environments" / "notes" / "README.md").write_text("no .toml here")
    (tmp_path / "environments" / "root").symlink_to("/")  # a link anywhere: searched within bounds, never hangs
    assert refused(Path(selected) if selected else None, tmp_path / "out") == [
        f"  - environments/prod: (folder): {STRAY} (prod/b.toml)",
        f"  - environments/bootstrap/old: (folder): {STRAY} (old/deeper/c.toml)"]


@pytest.mark.parametrize("selected", [None, "environments/a.toml"], ids=["every-file", "one-file"])
def test_a_toml_file_named_in_capitals_is_a_problem_never_skipped(tmp_path, monkeypatch, selected):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "environments", "a")
    write(tmp_path / "environments", "b").rename(tmp_path / "environments" / "b.TOML")
    write(tmp_path / "environments" / "bootstrap", "c").rename(tmp_path / "environments" / "bootstrap" / "c.Toml")
    (tmp_path / "environments" / "README.md").write_text("any other name is no concern")
    expected = ('expected a name ending in ".toml" in lowercase (the app reads no other file: this one would be '
                'neither built nor checked for collisions), got')
    assert refused(Path(selected) if selected else None, tmp_path / "out") == [
        f'  - environments/b.TOML: (file name): {expected} "b.TOML"',
        f'  - environments/bootstrap/c.Toml: (file name): {expected} "c.Toml"']


def test_an_environments_folder_with_toml_files_only_where_the_app_does_not_read_says_where_they_are(
        tmp_path, monkeypatch):
    # It said "an empty folder", whatever it held.
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "environments" / "prod", "b")
    write(tmp_path / "environments", "c").rename(tmp_path / "environments" / "c.TOML")
    assert refused(None, tmp_path / "out") == [
        "  - environments: (folder): expected at least one environment file (*.toml), got a folder with no .toml "
        "file in it",
        f"  - environments/prod: (folder): {STRAY} (prod/b.toml)",
        '  - environments/c.TOML: (file name): expected a name ending in ".toml" in lowercase (the app reads no other '
        'file: this one would be neither built nor checked for collisions), got "c.TOML"']


def test_a_bootstrap_file_alone_is_built_by_a_synth_of_every_file(tmp_path, monkeypatch):
    # The state bucket comes first (docs/operations.md): with no environment yet, every file is that one.
    # It was refused as "a folder with no .toml file in it".
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments" / "bootstrap").mkdir(parents=True)
    (tmp_path / "environments" / "bootstrap" / "state-bucket.toml").write_text(
        '[bootstrap]\nproject = "my-gcp-project"\nbucket = "my-tfstate"\nlocation = "EU"\n')
    code, lines = run_bounded(None, tmp_path / "out")
    assert code == 0, lines
    assert sorted(os.listdir(tmp_path / "out" / "stacks")) == ["state-bucket"]


def test_an_environments_folder_whose_bootstrap_folder_is_empty_too_holds_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments" / "bootstrap").mkdir(parents=True)
    assert refused(None, tmp_path / "out") == [
        "  - environments: (folder): expected at least one environment file (*.toml), got a folder with no .toml "
        "file in it"]


def test_an_environments_folder_that_cannot_be_listed_is_a_problem_not_a_traceback(tmp_path, monkeypatch):
    # Root lists any folder: the refusal a user without the permission meets is played by Path.iterdir.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments").mkdir()

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    assert refused(None, tmp_path / "out") == [
        "  - environments: (folder): expected at least one environment file (*.toml), got a folder that cannot be "
        "listed (Permission denied)"]


def test_a_folder_of_toml_files_beside_a_file_elsewhere_is_no_concern(tmp_path):
    # Outside environments/ the neighbours are the file's own folder (docs/configuration.md), nothing below it.
    a = write(tmp_path / "examples", "a")
    write(tmp_path / "examples" / "more", "b")
    code, lines = run_bounded(str(a), tmp_path / "out")
    assert code == 0, lines
    assert os.listdir(tmp_path / "out" / "stacks") == ["a"]


@pytest.mark.parametrize("kind", ["nothing", "empty-folder", *FOLDER_STAND_INS])
def test_an_environments_folder_with_no_file_says_what_stands_there(tmp_path, monkeypatch, kind):
    # A regular file, a pipe or a dangling link named environments was "an empty folder".
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "environments"
    if kind == "empty-folder":
        folder.mkdir()
    elif kind != "nothing":
        FOLDER_STAND_INS[kind][0](folder)
    given = {"nothing": "nothing at that path", "empty-folder": "an empty folder"}.get(kind) or FOLDER_STAND_INS[kind][1]
    assert refused(None, tmp_path / "out") == [
        f"  - environments: (folder): expected at least one environment file (*.toml), got {given}"]


@pytest.mark.parametrize("make, given", [
    (lambda p: p.mkdir(), "a regular TOML file (every neighbour is checked for collisions with the selected file), "
                          "got a folder"),
    (lambda p: p.write_bytes(b'project = "\xff"\n'), "a UTF-8 text file (every neighbour is checked for collisions "
                                                      "with the selected file), got bytes that are not UTF-8 (at "
                                                      "byte 11)"),
    (lambda p: p.symlink_to(p.parent / "gone.toml"), "a readable TOML file (every neighbour is checked for "
                                                     "collisions with the selected file), got a symbolic link to "),
    (lambda p: p.symlink_to(p), "a readable TOML file (every neighbour is checked for collisions with the selected "
                                "file), got a loop of symbolic links"),
    (bind_socket, "a regular TOML file (every neighbour is checked for collisions with the selected "
                               "file), got a socket"),
], ids=["folder", "not-utf8", "dangling-link", "link-loop", "socket"])
def test_a_neighbour_that_cannot_be_read_is_a_problem_never_skipped(tmp_path, make, given):
    a = write(tmp_path / "envs", "a")
    neighbour = tmp_path / "envs" / "other.toml"
    make(neighbour)
    (line,) = refused(a, tmp_path / "out")
    assert line.startswith(f"  - {neighbour}: (file): expected {given}")


def test_a_link_to_the_selected_file_is_a_second_stack_that_collides(tmp_path):
    a = write(tmp_path / "envs", "a")
    (tmp_path / "envs" / "alias.toml").symlink_to(a)
    lines = refused(a, tmp_path / "out")
    assert lines[0].startswith(f"  - {a}: name: expected resource names not built by {tmp_path / 'envs' / 'alias.toml'}")


def test_an_environment_named_like_a_bootstrap_stack_is_refused_when_selected(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = write(tmp_path / "environments", "state-bucket")
    bootstrap = tmp_path / "environments" / "bootstrap" / "state-bucket.toml"
    bootstrap.parent.mkdir()
    bootstrap.write_text('[bootstrap]\nproject = "my-gcp-project"\nbucket = "my-tfstate"\nlocation = "EU"\n')
    assert refused(Path("environments/state-bucket.toml"), tmp_path / "out") == [
        "  - environments/state-bucket.toml: (file name): expected a stack name not used by "
        'environments/bootstrap/state-bucket.toml, got "state-bucket"']
    assert env.is_file()


@pytest.mark.parametrize("first, second", [
    ({"existing_ips": ["partner-ip"]}, {"existing_ips": ["partner-ip"]}),
    ({"static_ip_names": ["partner-ip"]}, {"existing_ips": ["partner-ip"]}),
], ids=["adopted-by-both", "created-and-adopted"])
def test_one_address_claimed_by_two_files_is_refused(tmp_path, first, second):
    write(tmp_path / "envs", "a", name="alpha", egress=first)
    b = write(tmp_path / "envs", "b", name="beta", egress=second, network={"subnet_cidr": "10.124.0.16/28"},
              services=[])
    (line,) = refused(b, tmp_path / "out")
    assert line == (f"  - {b}: egress.existing_ips: expected addresses not created or adopted by "
                    f"{tmp_path / 'envs' / 'a.toml'} (an address adopted by one stack and created or adopted by "
                    "another would be in two NATs, and one stack's destroy or release would take it from the "
                    "other), got address partner-ip in my-gcp-project asia-northeast3")


@pytest.mark.parametrize("make, kind", [
    (lambda out: (out / "manifest.json").mkdir(), "manifest.json: (output folder): expected a regular file, or "
                                                  "nothing (it is written), got a folder"),
    (lambda out: (out / "stacks").mkdir() or (out / "stacks" / "a").write_text("x"),
     "stacks/a: (output folder): expected a folder, or nothing (it is created), got a regular file"),
    (lambda out: (out / "stacks" / "a" / "cdk.tf.json").mkdir(parents=True),
     "stacks/a/cdk.tf.json: (output folder): expected a regular file, or nothing (it is written), got a folder"),
    (lambda out: (out / "stacks" / "a" / "REVIEW.md").mkdir(parents=True),
     "stacks/a/REVIEW.md: (output folder): expected a regular file, or nothing (it is written), got a folder"),
    (lambda out: (out / "stacks").mkdir() or (out / "stacks" / "a").symlink_to("gone"),
     "stacks/a: (output folder): expected a folder, or nothing (it is created), got a symbolic link to gone, which "
     "does not exist"),
    (lambda out: (out / "stacks").mkdir() or (out / "stacks" / "a").symlink_to("a"),
     "stacks/a: (output folder): expected a folder, or nothing (it is created), got a loop of symbolic links"),
], ids=["manifest", "stack-folder", "stack-json", "review", "stack-folder-dangling", "stack-folder-loop"])
def test_an_output_path_of_the_wrong_kind_is_a_problem_and_nothing_is_written(tmp_path, make, kind):
    a = write(tmp_path / "envs", "a")
    out = tmp_path / "out"
    out.mkdir()
    make(out)
    assert refused(a, out) == [f"  - {out}/{kind}"]


@pytest.mark.parametrize("write_manifest, got", [
    (lambda m: m.write_text('{"name": "my-pwa", "icons": []}'), "a file that is not one (another tool's, or edited "
                                                                 "since)"),
    (lambda m: m.write_text("name: not json\n"), "a file that is not one (another tool's, or edited since)"),
    (lambda m: m.write_text('{"stacks": {"MyStack": {"synthesizedStackPath": "stacks/MyStack/cdk.tf.json"}}}'),
     "a file that is not one (another tool's, or edited since)"),
    (lambda m: os.truncate(m, 17 * 1024 * 1024) if m.touch() is None else None,
     "a file larger than any manifest synth writes"),
], ids=["web-manifest", "not-json", "another-apps-stack", "huge"])
def test_a_manifest_no_synth_wrote_is_never_overwritten(tmp_path, write_manifest, got):
    # CDKTF_OUTDIR may name a folder of the user's (a web app's public/ holds a manifest.json): synth overwrote it.
    a = write(tmp_path / "envs", "a")
    out = tmp_path / "out"
    out.mkdir()
    write_manifest(out / "manifest.json")
    assert refused(a, out) == [
        f"  - {out}/manifest.json: (output folder): expected the manifest an earlier synth wrote (cdktf's: its "
        f"stacks by name), or nothing (it is written), got {got}: choose another output folder (CDKTF_OUTDIR), or "
        "remove the file if it is the app's"]


def test_a_folder_of_the_users_without_a_manifest_gains_the_synth_and_keeps_its_files(tmp_path):
    a = write(tmp_path / "envs", "a")
    out = tmp_path / "docs"
    out.mkdir()
    (out / "index.md").write_text("mine")
    code, lines = run_bounded(str(a), out)
    assert code == 0, lines
    assert (out / "index.md").read_text() == "mine"
    assert (out / "stacks" / "a" / "cdk.tf.json").is_file()
    # ... and the manifest it wrote is the app's from then on: the next synth rewrites it.
    assert run_bounded(str(a), out) == (0, lines)


@pytest.mark.parametrize("kind", stand_ins("folder", "named-pipe", "socket", "dangling-link", "link-loop"))
@pytest.mark.parametrize("name", ["a.tfstate", "a.tfstate.backup"])
def test_a_local_state_that_is_not_a_regular_file_is_a_problem_before_terraform_waits_on_it(tmp_path, kind, name):
    # make diff, deploy and allowlist synthesize, then run Terraform on the state beside the file: on a named pipe
    # `terraform init` waited for ever; on a folder it failed after the synth.
    make, found = stand_ins(kind)[kind]
    a = write(tmp_path / "envs", "a")
    make(tmp_path / "envs" / name)
    assert refused(a, tmp_path / "out") == [
        f"  - {tmp_path / 'envs' / name}: (state): expected the local state of stack a (Terraform reads and writes "
        f"it): a regular file, or nothing, got {found}"]


def test_a_local_state_that_is_a_file_or_a_link_to_one_is_taken(tmp_path):
    a = write(tmp_path / "envs", "a")
    (tmp_path / "kept.tfstate").write_text("")
    (tmp_path / "envs" / "a.tfstate").symlink_to(tmp_path / "kept.tfstate")
    code, lines = run_bounded(str(a), tmp_path / "out")
    assert code == 0, lines


def test_an_output_folder_that_cannot_be_written_is_a_problem(tmp_path):
    a = write(tmp_path / "envs", "a")
    # /proc refuses new files to every user, root included (chmod does not stop root).
    code, lines = run_bounded(str(a), Path("/proc/cdktf.out"))
    assert code == 1
    assert lines[1:] == ["  - /proc: (output folder): expected a folder the app may write into, got a folder it may "
                         "not write into (its permissions, or a read-only file system)"]


def test_a_files_problems_and_the_output_folders_are_reported_together(tmp_path):
    a = write(tmp_path / "envs", "a", region="mars-north1")
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").mkdir()
    lines = refused(a, out)
    assert [line.split(": ")[1] for line in lines] == ["region", "(output folder)"]


@pytest.mark.parametrize("named_by, given", [("EGRESS_CONFIG", "environments/gone.toml"), ("ENV", "gone")])
def test_a_missing_file_is_named_once_by_the_variable_the_user_typed(named_by, given, tmp_path):
    stderr = io.StringIO()
    assert run("environments/gone.toml", stderr=stderr, named_by=named_by, outdir=str(tmp_path / "out")) == 1
    (line,) = stderr.getvalue().splitlines()
    assert line.startswith(f'error: {named_by}: expected ') and f'got "{given}"' in line
    assert line.count("EGRESS_CONFIG") == (1 if named_by == "EGRESS_CONFIG" else 0)


def test_a_link_where_synth_writes_a_file_is_refused_and_its_target_untouched(tmp_path):
    a = write(tmp_path / "envs", "a")
    target = tmp_path / "elsewhere.json"
    target.write_text("keep me")
    out = tmp_path / "out"
    (out / "stacks" / "a").mkdir(parents=True)
    (out / "stacks" / "a" / "cdk.tf.json").symlink_to(target)
    lines = refused(a, out)
    assert lines == [f"  - {out}/stacks/a/cdk.tf.json: (output folder): expected a regular file, or nothing (it is "
                     f"written), got a symbolic link to {target}"]
    assert target.read_text() == "keep me"


def test_an_output_folder_that_is_a_pipe_is_named_as_one(tmp_path):
    a = write(tmp_path / "envs", "a")
    os.mkfifo(tmp_path / "out")
    code, lines = run_bounded(str(a), tmp_path / "out")
    assert code == 1
    assert lines[1:] == [f"  - {tmp_path / 'out'}: (output folder): expected a folder, or nothing (it is created), "
                         "got a named pipe (FIFO)"]


def test_a_file_selected_through_a_link_is_checked_beside_its_target_and_not_against_itself(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    prod = write(tmp_path / "environments", "prod")
    write(tmp_path / "environments", "twin")  # the same resources as prod: a collision
    (tmp_path / "links").mkdir()
    (tmp_path / "links" / "prod.toml").symlink_to(prod)
    lines = refused(tmp_path / "links" / "prod.toml", tmp_path / "out")
    assert lines and all("environments/twin.toml" in line for line in lines), lines
    assert not any("environments/prod.toml" in line for line in lines), lines


def test_an_output_folder_whose_parent_does_not_exist_is_a_problem_not_a_traceback(tmp_path):
    a = write(tmp_path / "envs", "a")
    code, lines = run_bounded(str(a), tmp_path / "missing" / "out")
    assert code == 1
    assert lines[1:] == [f"  - {tmp_path / 'missing'}: (output folder): expected an existing folder to create out in, "
                         "got nothing at that path"]
    assert not (tmp_path / "missing").exists()


def test_the_warning_for_a_hidden_neighbour_gives_a_command_make_takes(tmp_path, monkeypatch):
    # It said `make synth ENV=.hidden lists them`, which make refuses: ENV takes no name starting with a dot.
    monkeypatch.chdir(tmp_path)
    a = write(tmp_path / "environments", "a")
    (tmp_path / "environments" / ".hidden.toml").write_text("project = 1\n")
    code, lines = run_bounded(str(a.relative_to(tmp_path)), tmp_path / "out")
    assert code == 0, lines
    assert [line for line in lines if line.startswith("warning: ")] == [
        "warning: environments/.hidden.toml: not checked for collisions with environments/a.toml (resource names, "
        "subnet ranges, state, addresses, buckets): it has problems of its own (EGRESS_CONFIG=environments/.hidden.toml "
        "make synth lists them); fix it before deploying either file"]
