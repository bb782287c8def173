"""``python -m rehearsal``, as ``make rehearse`` runs it: a Ctrl-C ends it with one line, not a traceback."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT
from tests.support.processes import child_env

# KeyboardInterrupt where the rehearsal runs (a Ctrl-C's), deterministically.
INTERRUPTED = ("import runpy, rehearsal.rehearse as rehearse\n"
               "def main(argv):\n    raise KeyboardInterrupt\n"
               "rehearse.main = main\nrunpy.run_module('rehearsal', run_name='__main__')\n")


def test_ctrl_c_during_a_rehearsal_ends_it_without_a_traceback():
    result = subprocess.run([sys.executable, "-c", INTERRUPTED], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=child_env())
    assert result.returncode == 130
    assert result.stderr == ("error: rehearsal interrupted (Ctrl-C); it only ever touched its local GCP API and "
                             "state, both thrown away\n")


def test_from_seed_and_faults_name_what_is_there_when_it_is_not_a_file(tmp_path, capsys):
    import os

    from rehearsal.rehearse import main

    os.mkfifo(tmp_path / "pipe.toml")
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "dangling.toml").symlink_to(tmp_path / "nowhere.toml")
    (tmp_path / "loop.toml").symlink_to("loop.toml")
    for flag, name, what in (("--seed", "pipe.toml", "a named pipe (FIFO)"), ("--from", "folder.toml", "a folder"),
                             ("--faults", "dangling.toml",
                              f"a symbolic link to {tmp_path / 'nowhere.toml'}, which does not exist"),
                             ("--seed", "loop.toml", "a loop of symbolic links"),
                             ("--from", "missing.toml", "no such file")):
        assert main(["environments/example.toml", flag, str(tmp_path / name)]) == 2
        variable = flag[2:].upper()
        assert capsys.readouterr().err == (f"error: {variable}: expected the path of a file, got "
                                           f"'{tmp_path / name}' ({what})\n")


def test_the_rehearsals_allowlist_goes_to_the_folder_the_app_writes_to_and_is_checked_before_it_starts(
        tmp_path, monkeypatch, capsys):
    # It went to cdktf.out/rehearsal/ whatever CDKTF_OUTDIR said, and a named pipe where allowlist.json belongs was
    # found only once the deploy was done (a folder there: a traceback).
    import os

    from rehearsal.rehearse import main
    from tests.support.bounded import bounded

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    folder = tmp_path / "out" / "rehearsal" / "example"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "allowlist.json")
    assert bounded(lambda: main(["environments/example.toml"]), 30, "the rehearsal waited or ran") == 1
    captured = capsys.readouterr()
    assert captured.err == (f"error: {folder / 'allowlist.json'}: expected a regular file, or nothing (the app writes "
                            "it), got a named pipe (FIFO): a rehearsal writes its allowlist there; move it away\n")
    assert captured.out == ""


def test_the_file_from_seed_and_faults_are_all_read_and_every_ones_problems_said_together(tmp_path):
    """One run of make rehearse names the problems of each file it was given, not only those of the first."""
    import io

    from rehearsal.rehearse import rehearse

    environment, earlier, seed, faults = (tmp_path / f"{n}.toml" for n in ("env", "from", "seed", "faults"))
    environment.write_text("bogus = 1\n" + (ROOT / "environments" / "example.toml").read_text())
    earlier.write_bytes(b"\xff\xfe")
    seed.write_text("[[unknown]]\nx = 1\n")
    faults.write_text('[[fault]]\nmethod = "POST"\npath = "/compute/v1/**"\nfault = "explode"\n')
    out, err = io.StringIO(), io.StringIO()
    assert rehearse(environment, from_file=earlier, seed_file=seed, faults_file=faults, out=out, err=err) == 1
    said = err.getvalue()
    assert len([line for line in said.splitlines() if line.startswith("error: ")]) == 4, said
    for expected in (f"{environment}: bogus: expected",
                     f"{earlier}: (file): expected a UTF-8 text file",
                     f"{seed}: unknown: expected one of",
                     f"{faults}: fault[0].fault: expected one of"):
        assert expected in said, said
    assert out.getvalue() == ""
