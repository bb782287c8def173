"""Files and folders that used to crash with a traceback: each is now one problem line, and nothing is written."""

from __future__ import annotations

import datetime
import io
import os
import re
from pathlib import Path

import pytest

from constructs_lib.app import load_stacks, run
from constructs_lib.config import ConfigError
from constructs_lib.config.reader import MAX_FILE_BYTES, MAX_NESTING
from tests.support.environments import one_problem
from tests.support.paths import FIXTURE_EXAMPLE
from tests.support.processes import snapshot

VALID = FIXTURE_EXAMPLE.read_bytes()


def run_file(tmp_path: Path, content: bytes, *, outdir: Path | None = None) -> list[str]:
    """main.py's path on a file holding ``content``: the lines it prints; it must fail and write nothing."""
    path = tmp_path / "env.toml"
    path.write_bytes(content)
    out = outdir or tmp_path / "out"
    before = snapshot(out) if os.path.isdir(out) else None
    stderr = io.StringIO()
    assert run(str(path), stderr=stderr, outdir=str(out)) == 1
    assert "Traceback" not in stderr.getvalue()
    assert (snapshot(out) if os.path.isdir(out) else None) == before or os.path.isfile(out)
    return stderr.getvalue().splitlines()


def test_a_file_with_an_integer_of_5000_digits_is_a_problem_line(tmp_path):
    assert run_file(tmp_path, b"project = " + b"9" * 5000 + b"\n")[1] == (
        f"  - {tmp_path / 'env.toml'}: (file): expected valid TOML (integers are 64-bit), got an integer of more "
        "than 4,300 digits")


def test_a_file_with_arrays_nested_5000_deep_is_a_problem_line(tmp_path):
    lines = run_file(tmp_path, b"project = " + b"[" * 5000 + b"]" * 5000 + b"\n")
    assert lines[1] == (f"  - {tmp_path / 'env.toml'}: (file): expected arrays and tables nested at most "
                        "32 deep, got deeper nesting")


def test_a_file_nested_deeper_than_the_limit_but_readable_is_a_problem_line(tmp_path):
    # docs/configuration.md states the limit: 32 levels, the document's own table counting as the first.
    lines = run_file(tmp_path, b"x = " + b"[" * 32 + b"]" * 32 + b"\n")
    assert lines[1:] == [f"  - {tmp_path / 'env.toml'}: (file): expected arrays and tables nested at most 32 deep, "
                         "got 33 levels"]
    assert MAX_NESTING == 32


def test_a_file_nested_as_deep_as_the_limit_is_read(tmp_path):
    path = tmp_path / "env.toml"
    path.write_bytes(b"x = " + b"[" * 31 + b"]" * 31 + b"\n" + VALID)
    with pytest.raises(ConfigError) as err:
        load_stacks([path])
    # Read and parsed: its only problem is the key no environment has.
    assert [(p.key, p.given) for p in err.value.problems] == [("x", "an unknown key")]


def test_a_file_with_tables_nested_5000_deep_is_a_problem_line(tmp_path):
    lines = run_file(tmp_path, b"x = " + b"{a = " * 5000 + b"1" + b"}" * 5000 + b"\n")
    assert lines[1].endswith("got deeper nesting")


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    # docs/configuration.md states the limit: 1 MiB. One byte more is refused, every byte of it is read.
    lines = run_file(tmp_path, VALID + b"#" * (1024 * 1024 - len(VALID) + 1))
    assert lines[1:] == [f"  - {tmp_path / 'env.toml'}: (file): expected a file of at most 1,048,576 bytes, got "
                         "more than 1,048,576 bytes"]
    assert MAX_FILE_BYTES == 1024 * 1024


def test_a_file_of_exactly_the_limit_is_read(tmp_path):
    path = tmp_path / "env.toml"
    path.write_bytes(VALID + b"#" * (1024 * 1024 - len(VALID)))
    assert path.stat().st_size == 1024 * 1024
    assert [config.stack for config in load_stacks([path])] == ["env"]


def test_a_byte_order_mark_is_named(tmp_path):
    lines = run_file(tmp_path, b"\xef\xbb\xbf" + VALID)
    assert lines[1] == (f"  - {tmp_path / 'env.toml'}: (file): expected UTF-8 without a byte order mark (TOML allows "
                        "none: save the file as plain UTF-8), got a file starting with the UTF-8 byte order mark "
                        "(EF BB BF)")


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    lines = run_file(tmp_path, b'project = "caf\xe9"\n')
    assert lines[1].endswith("(file): expected a UTF-8 text file, got bytes that are not UTF-8 (at byte 14)")


def test_an_unreadable_file_is_a_problem_line(tmp_path):
    # A folder named like an environment file: unreadable for every user, root included.
    (tmp_path / "env.toml").mkdir()
    with pytest.raises(ConfigError) as err:
        load_stacks([tmp_path / "env.toml"])
    assert [str(p) for p in err.value.problems] == [
        f"{tmp_path / 'env.toml'}: (file): expected a regular TOML file, got a folder"]


def test_a_folder_given_as_the_file_is_a_problem_line(tmp_path):
    stderr = io.StringIO()
    assert run(str(tmp_path), stderr=stderr, outdir=str(tmp_path / "out")) == 1
    assert stderr.getvalue().splitlines()[1] == f"  - {tmp_path}: (file): expected a regular TOML file, got a folder"


def test_an_output_folder_that_is_a_file_is_a_problem_line_and_stays_as_it_was(tmp_path):
    source = tmp_path / "env.toml"
    source.write_bytes(VALID)
    out = tmp_path / "out"
    out.write_text("not a folder")
    stderr = io.StringIO()
    assert run(str(source), stderr=stderr, outdir=str(out)) == 1
    assert stderr.getvalue().splitlines() == [
        "error: 1 problem in the environment configuration:",
        f"  - {out}: (output folder): expected a folder, or nothing (it is created), got a regular file"]
    assert out.read_text() == "not a folder"


def test_a_stacks_folder_that_is_a_file_is_a_problem_line(tmp_path):
    source = tmp_path / "env.toml"
    source.write_bytes(VALID)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stacks").write_text("x")
    stderr = io.StringIO()
    assert run(str(source), stderr=stderr, outdir=str(tmp_path / "out")) == 1
    assert f"{tmp_path / 'out' / 'stacks'}: (output folder): expected a folder" in stderr.getvalue()


def test_a_datetime_is_shown_as_toml_writes_it():
    assert one_problem(project=datetime.datetime(1979, 5, 27, 7, 32, tzinfo=datetime.timezone.utc)).endswith(
        "got 1979-05-27T07:32:00+00:00")
    assert one_problem(region=datetime.date(1979, 5, 27)).endswith("got 1979-05-27")


def test_a_huge_integer_is_shown_by_its_length():
    found = one_problem(egress={"static_ip_count": 10**40})
    assert re.search(r"got an integer of 41 digits$", found), found


def test_an_output_folder_below_a_file_is_a_problem_line(tmp_path):
    source = tmp_path / "env.toml"
    source.write_bytes(VALID)
    (tmp_path / "plain").write_text("x")
    stderr = io.StringIO()
    assert run(str(source), stderr=stderr, outdir=str(tmp_path / "plain" / "out")) == 1
    assert stderr.getvalue().splitlines()[1] == (
        f"  - {tmp_path / 'plain'}: (output folder): expected a folder, or nothing (it is created), got a regular "
        "file")


def test_an_output_folder_name_longer_than_the_system_takes_is_a_problem_line(tmp_path):
    # It was an OSError traceback (ENAMETOOLONG) from the output folder's check itself.
    out = tmp_path / ("a" * 300)
    lines = run_file(tmp_path, VALID, outdir=out)
    assert lines[1:] == [f"  - {out}: (output folder): expected a folder path this system can create, got File name "
                         "too long"]


def test_an_output_folder_inside_environments_is_a_problem_line(tmp_path, monkeypatch):
    # CDKTF_OUTDIR=environments/new.toml was written, and every later run then met a folder named *.toml there.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "environments").mkdir()
    lines = run_file(tmp_path, VALID, outdir=Path("environments") / "new.toml")
    assert lines[1:] == ["  - environments/new.toml: (output folder): expected a folder outside environments/ (the app "
                         "reads every .toml entry there: an output folder in it would be read as a file, or refused, "
                         "by every later run), got a folder inside environments/"]
    assert os.listdir(tmp_path / "environments") == []


def test_an_empty_cdktf_outdir_is_cdktf_out(tmp_path, monkeypatch):
    # The app read "" as cdktf.out, cdktf as a folder named "": a JavaScript and Python traceback. The app now
    # hands cdktf the folder it checked. (Recorded, not synthesized: the test session's jsii kernel keeps the
    # working folder it started in, so a relative folder would land there.)
    import constructs_lib.app.build as build

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CDKTF_OUTDIR", "")
    handed: list[dict] = []
    monkeypatch.setattr(build, "build_app", lambda configs, **options: handed.append(options) or object())
    monkeypatch.setattr(build, "synth_checked", lambda app, **_: 0)
    path = tmp_path / "env.toml"
    path.write_bytes(VALID)
    stderr = io.StringIO()
    assert run(str(path), stderr=stderr) == 0, stderr.getvalue()
    assert handed == [{"outdir": "cdktf.out"}]
