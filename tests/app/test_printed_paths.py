"""A path the user chose (the output folder, the file a make target acts on) is printed on one line by every
command that names it: a line break in it cannot forge a line of the command's output, an escape code cannot
reach the terminal (``facts.text.one_line``, as for problem lines)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.bounded import bounded

FORGING = "out\nerror: forged line \x1b[31m"


def lines_of(printed: str) -> list[str]:
    lines = printed.splitlines()
    assert all(line.isprintable() for line in lines), lines
    return lines


def test_make_report_names_a_missing_manifest_on_one_line(tmp_path, capsys):
    from constructs_lib.report.review import main

    assert main([str(tmp_path / FORGING)]) == 1
    (line,) = lines_of(capsys.readouterr().err)
    assert line == f"error: {tmp_path}/out\\nerror: forged line \\x1b[31m/manifest.json does not exist: run " \
                   "`make synth` (cdktf synth) first"


def test_make_allowlist_names_what_it_wrote_on_one_line(tmp_path, capsys):
    from constructs_lib.report.allowlist_command import main

    shown = tmp_path / "state.json"
    shown.write_text(json.dumps({"values": {"root_module": {"resources": []}}}))
    assert main(["write", "--stack", "s", "--out", str(tmp_path / FORGING), str(shown)]) == 0
    written = [line for line in lines_of(capsys.readouterr().out) if line.startswith("wrote ")]
    assert written and all(line.startswith(f"wrote {tmp_path}/out\\nerror: forged line \\x1b[31m/")
                           for line in written), written


@pytest.mark.parametrize("command", ["diff", "deploy"])
def test_make_deploy_names_its_file_on_one_line(tmp_path, monkeypatch, capsys, command):
    from constructs_lib.deploy.__main__ import main

    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "cdktf.out"))
    assert main([command, f"environments/{FORGING}.toml"]) == 2
    (line,) = lines_of(capsys.readouterr().err)
    assert line.startswith("error: environments/out\\nerror: forged line \\x1b[31m.toml: no synthesized stack in ")


@pytest.mark.parametrize("kind, make", [("a named pipe (FIFO)", os.mkfifo), ("a folder", Path.mkdir),
                                        ("a symbolic link", lambda p: p.symlink_to(p.parent / "elsewhere"))])
def test_make_deploy_refuses_a_plan_file_of_the_wrong_kind_before_terraform_runs(tmp_path, monkeypatch, capsys, kind,
                                                                                  make):
    # Terraform writes its saved plan to stacks/<stack>/guarded.tfplan: into a named pipe it would wait for ever.
    from constructs_lib.deploy.__main__ import main
    from constructs_lib.deploy.terraform import PLAN_FILE

    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "cdktf.out"))
    stack = tmp_path / "cdktf.out" / "stacks" / "production"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{}")
    make(stack / PLAN_FILE)
    assert bounded(lambda: main(["deploy", "environments/production.toml"]), 10, "the deploy waited") == 2
    (line,) = lines_of(capsys.readouterr().err)
    assert line == (f"error: environments/production.toml: {stack / PLAN_FILE}: expected a regular file, or nothing "
                    f"(the app writes it), got {kind}: make deploy writes Terraform's saved plan there; move it away")


@pytest.mark.parametrize("value", ["0", "-5", "1.5", "abc", "\u00b2", "99999999999", "604801", "1\nerror: forged"])
def test_a_deploy_deadline_that_is_not_seconds_from_one_to_a_week_is_refused_before_terraform(tmp_path, monkeypatch,
                                                                                             capsys, value):
    # "²" passed isdigit() and int() refused it; 99999999999 s overflowed the wait's clock: both tracebacks.
    from constructs_lib.deploy.__main__ import main

    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "cdktf.out"))
    monkeypatch.setenv("DEPLOY_DEADLINE", value)
    stack = tmp_path / "cdktf.out" / "stacks" / "production"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text("{}")
    assert main(["deploy", "environments/production.toml"]) == 2
    (line,) = lines_of(capsys.readouterr().err)
    # Shown as Python writes it, quoted and escaped: '1\\nerror: forged' stays on one line.
    assert line == ("error: DEPLOY_DEADLINE: expected the apply's deadline in seconds (a whole number from 1 to "
                    f"604800, a week), got {value!r}")
    assert "\n" not in line and line.isprintable()
