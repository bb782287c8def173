"""A property over hostile folders and hostile strings: whatever a user leaves beside the selected file (a pipe, a
folder, a link to nothing or to itself, bytes that are not text, a broken or a colliding file; in environments/, a
folder of .toml files or a *.TOML file; a pipe for its local state) and whatever string they put in any key (or
none: the file valid), the app ends (bounded), prints no traceback, writes nothing when it fails, and names every
problem with its file and key on one printable line."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import constructs_lib.app.build as build
from rehearsal.tomlfile import dumps as to_toml
from tests.support.bounded import bounded
from tests.support.environments import environment
from tests.support.processes import snapshot

# Strings a hostile user would try: line breaks, escape codes, template syntax, cdktf's token markers, quotes,
# Unicode separators and bidirectional marks, very long ones.
HOSTILE = st.sampled_from([
    "a\nb", "x\r\n  - forged.toml: name: expected nothing, got nothing", "\x1b[2J\x1b[31mred", "\x9b31m",
    "${file(\"/etc/passwd\")}", "%{ for x in y }", "${TfToken[TOKEN.1]}", "\"'`$(echo INJECTED)`", "a\u2028b",
    "\u202egnp.exe", "\x00", "\ufeff", "é" * 300, "", " ", "../../etc/passwd", "a" * 5000,
])

# Every key of the smallest environment, and some tables it may hold, by the path to set; KEY: the hostile string
# is the key's own name there (a top-level key, a key of a table, an env var name, a label key).
KEY = object()
KEYS = [("project",), ("region",), ("name",), ("state", "bucket"), ("state", "prefix"), ("network", "subnet_cidr"),
        ("network", "vpc"), ("egress", "mode"), ("egress", "static_ip_names"), ("egress", "existing_ips"),
        ("connector", "machine_type"), ("nat", "log_filter"), ("services", 0, "name"), ("services", 0, "image"),
        ("services", 0, "env"), ("services", 0, "labels"), ("adopt", "services"), ("alerts", "notification_channels"),
        ("connector", "min_instances"), ("capacity", "peak_connections_per_destination"), ("state", "backend"),
        ("network", "host_project"), ("egress", "standby_ips"), ("alerts", "connector_cpu_percent"),
        ("services", 0, "cpu"), ("services", 0, "service_account"),
        (KEY,), ("nat", KEY), ("services", 0, KEY), ("services", 0, "env", KEY), ("services", 0, "labels", KEY)]

NEIGHBOURS: dict[str, Callable[[Path, Path], None]] = {
    "valid": lambda p, _: p.write_text(to_toml(environment(name="other", network={"subnet_cidr": "10.9.0.0/28"},
                                                           services=[], state={"backend": "local"}))),
    "colliding": lambda p, selected: p.write_text(selected.read_text()),
    "broken-toml": lambda p, _: p.write_text("project = "),
    "not-utf8": lambda p, _: p.write_bytes(b"project = \"\xff\xfe\"\n"),
    "folder": lambda p, _: p.mkdir(),
    "fifo": lambda p, _: os.mkfifo(p),
    "dangling-link": lambda p, _: p.symlink_to(p.parent / "nowhere.toml"),
    "link-loop": lambda p, _: p.symlink_to(p),
    "link-to-selected": lambda p, selected: p.symlink_to(selected),
    "bootstrap": lambda p, _: p.write_text('[bootstrap]\nproject = "my-gcp-project"\nbucket = "b-x"\nlocation = "EU"\n'),
    # Not a *.toml: the selected file's local state (its file sets backend = "local"), which Terraform would wait on.
    "state-pipe": lambda _, selected: os.mkfifo(selected.with_suffix(".tfstate")),
    # Two that only environments/ forbids (the app reads only its own *.toml there): elsewhere they are no neighbour.
    "folder-of-tomls": lambda p, selected: _folder_of_tomls(p.parent / p.stem, selected),
    "capital-suffix": lambda p, selected: p.with_suffix(".TOML").write_text(selected.read_text()),
}
# Harmless outside environments/: not *.toml entries of the selected file's folder.
ONLY_IN_ENVIRONMENTS = {"folder-of-tomls", "capital-suffix"}


def _folder_of_tomls(folder: Path, selected: Path) -> None:
    (folder / "deeper").mkdir(parents=True)
    (folder / "deeper" / "copy.toml").write_text(selected.read_text())

# A key's parts bare, or quoted as TOML quotes them (where they may hold ": ").
LINE = re.compile(r'^  - (?P<source>[^:]+): (?P<key>(?:[^:"]|"(?:[^"\\]|\\.)*")+): expected .+, got .*$')


def _set(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = data
    for part in path[:-1]:
        if isinstance(part, int):
            target = target[part]
        else:
            target = target.setdefault(part, {})
    key = path[-1]
    if key is KEY:
        target[value] = "x"
        return
    if key in ("static_ip_names", "existing_ips", "services", "notification_channels"):
        value = [value]
    elif key in ("env", "labels"):
        value = {value or "k": value}
    target[key] = value


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A valid file beside what environments/ alone forbids, in both folders, whatever the seed draws.
@example(key=KEYS[0], value=None, neighbours=["folder-of-tomls"], folder="environments")
@example(key=KEYS[0], value=None, neighbours=["capital-suffix"], folder="environments")
@example(key=KEYS[0], value=None, neighbours=["folder-of-tomls", "capital-suffix", "valid"], folder="envs")
@given(key=st.sampled_from(KEYS), value=st.one_of(st.none(), HOSTILE),  # None: the file as it is, valid
       neighbours=st.lists(st.sampled_from(sorted(NEIGHBOURS)), max_size=3, unique=True),
       folder=st.sampled_from(["envs", "environments"]))
def test_hostile_folders_and_strings_end_in_problem_lines_and_write_nothing(key, value, neighbours, folder):
    root = Path(tempfile.mkdtemp())
    cwd = os.getcwd()
    try:
        envs = root / folder
        envs.mkdir()
        os.chdir(root)  # environments/ is the app's own folder, named relative to where it runs
        data = environment(state={"backend": "local"})
        if value is not None:
            _set(data, key, value)
        selected = envs / "selected.toml"
        try:
            selected.write_text(to_toml(data), encoding="utf-8")
        except (ValueError, UnicodeEncodeError):  # a string TOML cannot hold (a NUL): written as the raw key
            selected.write_bytes(to_toml(environment(state={"backend": "local"})).encode() + b"\nx = \"\x00\"\n")
        for i, kind in enumerate(neighbours):
            NEIGHBOURS[kind](envs / f"n{i}-{kind}.toml", selected)
        out = root / "out"
        out.mkdir()
        before = snapshot(out)
        stderr = io.StringIO()
        synthesized = []
        original = build.synth_checked
        # Validation is the property; a file that passes is not synthesized (seconds each), only recorded.
        build.synth_checked = lambda app, **_: synthesized.append(app) or 0
        try:
            code = bounded(lambda: build.run(str(selected), stderr=stderr, outdir=str(out)), 60, "run() hangs")
        finally:
            build.synth_checked = original
        printed = stderr.getvalue()
        assert "Traceback" not in printed
        assert code in (0, 1)
        if code == 1:
            assert snapshot(out) == before
            lines = printed.splitlines()
            while lines and lines[0].startswith("warning: ") and lines[0].isprintable():
                lines.pop(0)  # a valid file's own warnings come first
            # Problem lines follow the header, as many as it counts: a bare "error: …" proves nothing.
            header = re.fullmatch(r"error: (\d+) problems? in the environment configuration:", lines[0])
            assert header is not None, printed
            assert len(lines[1:]) == int(header[1]) > 0, printed
            for line in lines[1:]:
                assert line.isprintable(), line
                match = LINE.match(line)
                assert match is not None, line
                assert match["source"].startswith((str(envs), folder)), line
        else:
            # Accepted: only beside neighbours that can be read and do not collide (a broken one is its own
            # file's problem, reported when it is built, and named as not checked).
            assert synthesized
            harmless = {"valid", "broken-toml", "bootstrap"} | (ONLY_IN_ENVIRONMENTS if folder == "envs" else set())
            assert set(neighbours) <= harmless, (folder, neighbours)
            warned = [line for line in printed.splitlines() if line.startswith("warning: ")]
            unchecked = [line for line in warned if ": not checked for collisions with " in line]
            assert len(unchecked) == neighbours.count("broken-toml"), printed
            assert all(line.isprintable() for line in warned), printed
    finally:
        os.chdir(cwd)
        shutil.rmtree(root, ignore_errors=True)
