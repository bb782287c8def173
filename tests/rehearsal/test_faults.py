"""The local GCP API's fault table (rehearsal/localgcp/faults.py) at the HTTP level: each fault does what a
client sees from Google Cloud, and nothing else changes. In-process, no provider needed."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from rehearsal.driver import ROOT
from rehearsal.faults import sessions
from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.faults import ANOTHER_WRITER, FaultsError, Rule, load_faults
from tests.rehearsal.localapi import PROJECT, call, ok, poll

P, R = PROJECT, "asia-northeast3"
C = f"/compute/v1/projects/{P}/regions/{R}"
ADDRESSES = "/compute/v1/projects/*/regions/*/addresses"


def raw(gcp: LocalGcp, method: str, path: str, body: dict | None = None) -> http.client.HTTPResponse:
    """One request on a fresh connection, as Go's client sends it; raises what the connection does."""
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(gcp.url).netloc, timeout=10)
    connection.request(method, path, body=json.dumps(body or {}), headers={"Content-Type": "application/json"})
    return connection.getresponse()


def test_a_status_fault_answers_gcps_error_with_retry_after_and_commits_nothing(gcp):
    gcp.faults.install([Rule(method="POST", path=ADDRESSES, status=429, retry_after=30)])
    reply = raw(gcp, "POST", f"{C}/addresses", {"name": "ip"})
    body = json.loads(reply.read())
    assert (reply.status, reply.headers["Retry-After"]) == (429, "30")
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert body["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    assert f"projects/{P}/regions/{R}/addresses/ip" not in gcp.store
    assert ok(gcp, "POST", f"{C}/addresses", {"name": "ip"})["status"] == "RUNNING"  # the second call passes


def test_a_fault_hits_only_the_nth_matching_call(gcp):
    gcp.faults.install([Rule(method="POST", path=ADDRESSES, call=2, status=503)])
    statuses = [call(gcp, "POST", f"{C}/addresses", {"name": f"ip{n}"})[0] for n in range(3)]
    assert statuses == [200, 503, 200]
    assert call(gcp, "GET", f"{C}/addresses/ip0")[0] == 200  # another method does not count


def test_an_every_fault_hits_every_matching_call_and_no_other(gcp, tmp_path):
    path = tmp_path / "faults.toml"
    path.write_text('[[fault]]\nmethod = "POST"\npath = "/compute/v1/**/addresses"\ncall = "every"\nstatus = 429\n')
    gcp.faults.install(load_faults(path))
    assert [call(gcp, "POST", f"{C}/addresses", {"name": "ip"})[0] for _ in range(4)] == [429] * 4
    assert call(gcp, "POST", f"{C}/subnetworks", {"name": "s"})[0] != 429


def test_a_404_for_the_next_n_reads_of_a_resource_that_exists_then_it_is_found(gcp):
    poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": "ip"}))
    gcp.faults.install([Rule(method="GET", path=f"{ADDRESSES}/ip", status=404, times=2)])
    replies = [call(gcp, "GET", f"{C}/addresses/ip") for _ in range(3)]
    assert [status for status, _ in replies] == [404, 404, 200]
    assert replies[0][1]["error"]["errors"][0]["reason"] == "notFound"


def test_a_reset_before_commit_resets_the_connection_and_commits_nothing(gcp):
    gcp.faults.install([Rule(method="POST", path=ADDRESSES, fault="reset_before_commit")])
    with pytest.raises(ConnectionResetError):
        raw(gcp, "POST", f"{C}/addresses", {"name": "ip"})
    assert f"projects/{P}/regions/{R}/addresses/ip" not in gcp.store


def test_a_reset_after_commit_resets_the_connection_and_the_retry_finds_the_name_taken(gcp):
    gcp.faults.install([Rule(method="POST", path=ADDRESSES, fault="reset_after_commit")])
    with pytest.raises(ConnectionResetError):
        raw(gcp, "POST", f"{C}/addresses", {"name": "ip"})
    assert f"projects/{P}/regions/{R}/addresses/ip" in gcp.store
    status, body = call(gcp, "POST", f"{C}/addresses", {"name": "ip"})
    assert (status, body["error"]["errors"][0]["reason"]) == (409, "alreadyExists")


def test_a_reset_after_commit_on_an_unnamed_create_makes_a_second_object_on_retry(gcp):
    gcp.monitoring.add_notification_channel(f"projects/{P}/notificationChannels/1")
    gcp.faults.install([Rule(method="POST", path="/monitoring/v3/projects/*/alertPolicies",
                             fault="reset_after_commit")])
    policy = {"displayName": "egress", "combiner": "OR", "conditions": [
        {"displayName": "c", "conditionAbsent": {"filter": "resource.type = \"nat_gateway\"", "duration": "300s"}}]}
    path = f"/monitoring/v3/projects/{P}/alertPolicies"
    with pytest.raises(ConnectionResetError):
        raw(gcp, "POST", path, policy)
    ok(gcp, "POST", path, policy)
    assert [p["displayName"] for p in gcp.monitoring.policies().values()] == ["egress", "egress"]


def test_a_clean_close_after_commit_answers_nothing_and_keeps_the_object(gcp):
    gcp.faults.install([Rule(method="POST", path=f"{C}/subnetworks", fault="close_after_commit")])
    with pytest.raises(http.client.RemoteDisconnected):
        raw(gcp, "POST", f"{C}/subnetworks", {"name": "s", "ipCidrRange": "10.124.0.0/28",
                                               "network": f"projects/{P}/global/networks/net"})
    assert f"projects/{P}/regions/{R}/subnetworks/s" in gcp.store


def test_a_compute_operation_ends_in_an_error_in_computes_shape_with_the_object_made(gcp):
    gcp.faults.install([Rule(method="POST", path=ADDRESSES, fault="operation_error", message="boom")])
    done = poll(gcp, ok(gcp, "POST", f"{C}/addresses", {"name": "ip"}))
    assert done["status"] == "DONE"
    assert done["error"] == {"errors": [{"code": "INTERNAL_ERROR", "message": "boom"}]}
    assert f"projects/{P}/regions/{R}/addresses/ip" in gcp.store


def test_a_newer_apis_operation_ends_in_an_error_in_its_shape(gcp):
    poll(gcp, ok(gcp, "POST", f"{C}/subnetworks", {"name": "s", "ipCidrRange": "10.124.0.0/28",
                                                   "network": f"projects/{P}/global/networks/net"}))
    gcp.faults.install([Rule(method="POST", path="/vpcaccess/v1/**/connectors", fault="operation_error")])
    op = ok(gcp, "POST", f"/vpcaccess/v1/projects/{P}/locations/{R}/connectors?connectorId=c",
            {"subnet": {"name": "s"}, "maxInstances": 3})
    done = poll(gcp, op, "/vpcaccess/v1/")
    assert done["done"] is True and done["error"]["code"] == 13 and "response" not in done


def test_an_operation_that_never_finishes_stays_running_at_every_poll(gcp):
    gcp.faults.install([Rule(method="POST", path=ADDRESSES, fault="operation_never_done")])
    running = ok(gcp, "POST", f"{C}/addresses", {"name": "ip"})
    assert [poll(gcp, running)["status"] for _ in range(3)] == ["RUNNING"] * 3
    assert gcp.operations.running() == [f"projects/{P}/regions/{R}/operations/{running['name']}"]


def test_a_concurrent_edit_changes_the_resource_just_before_the_call(gcp):
    poll(gcp, ok(gcp, "POST", f"{C}/routers", {"name": "r", "network": f"projects/{P}/global/networks/net"}))
    gcp.faults.install([Rule(method="PATCH", path=f"{C}/routers/r", fault="concurrent_edit")])
    seen = []
    gcp.faults.watchers.append(lambda api: seen.append(api.store[f"projects/{P}/regions/{R}/routers/r"]
                                                       .get("description")))
    poll(gcp, ok(gcp, "PATCH", f"{C}/routers/r", {"bgp": {"asn": 64514}}))
    assert seen[0] == ANOTHER_WRITER
    assert [(h.method, h.path) for h in gcp.faults.hits] == [("PATCH", f"{C}/routers/r")]


def test_install_starts_the_counts_again(gcp):
    rule = Rule(method="POST", path=ADDRESSES, status=503)
    gcp.faults.install([rule])
    assert call(gcp, "POST", f"{C}/addresses", {"name": "a"})[0] == 503
    gcp.faults.install([rule])
    assert call(gcp, "POST", f"{C}/addresses", {"name": "a"})[0] == 503
    gcp.faults.clear()
    assert call(gcp, "POST", f"{C}/addresses", {"name": "a"})[0] == 200


# --- the faults file -------------------------------------------------------------------------------------


def test_a_faults_file_in_toml_or_json_becomes_rules(tmp_path):
    toml = tmp_path / "f.toml"
    toml.write_text('[[fault]]\nmethod = "GET"\npath = "/compute/v1/**/addresses/*"\nstatus = 404\ntimes = 3\n'
                    '[[fault]]\nmethod = "POST"\npath = "/run/v2/**"\nfault = "operation_error"\n')
    as_json = tmp_path / "f.json"
    as_json.write_text(json.dumps({"fault": [{"method": "GET", "path": "/compute/v1/**/addresses/*",
                                              "status": 404, "times": 3},
                                             {"method": "POST", "path": "/run/v2/**", "fault": "operation_error"}]}))
    assert load_faults(toml) == load_faults(as_json) == [
        Rule(method="GET", path="/compute/v1/**/addresses/*", status=404, times=3),
        Rule(method="POST", path="/run/v2/**", fault="operation_error")]


def refused(path: Path) -> list[str]:
    """The lines of the FaultsError that ``load_faults`` refuses ``path`` with."""
    with pytest.raises(FaultsError) as raised:
        load_faults(path)
    return str(raised.value).splitlines()


def test_a_faults_file_with_problems_lists_every_one_with_file_key_expected_and_given(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text('[[fault]]\nmethod = "FETCH"\npath = "compute"\ncall = 0\nfault = "explode"\nstatus = 200\n'
                    'colour = "red"\n')
    lines = refused(path)
    assert lines == [
        f"{path}: fault[0].colour: expected one of method, path, call, times, fault, status, retry_after, message, "
        "got an unknown key",
        f"{path}: fault[0].method: expected one of GET, POST, PATCH, PUT, DELETE, got \"FETCH\"",
        f"{path}: fault[0].path: expected a URL path starting with / (e.g. "
        "\"/compute/v1/projects/*/regions/*/addresses\"), got \"compute\"",
        f"{path}: fault[0].call: expected a call number from 1, or \"every\", got 0",
        f"{path}: fault[0].fault: expected one of status, reset_before_commit, reset_after_commit, "
        "close_after_commit, operation_error, operation_never_done, concurrent_edit, got \"explode\"",
        f"{path}: fault[0].status: expected an HTTP error status 400..599, got 200"]


@pytest.mark.parametrize("text, expected", [
    ("", "fault: expected a list of [[fault]] tables, got nothing (the key is missing)"),
    ("fault = 1\n", "fault: expected a list of [[fault]] tables, got 1"),
    ("fault = [1, 2]\n", "fault: expected a list of [[fault]] tables, got a list of 2"),
    ("[fault]\nmethod = \"GET\"\n", "fault: expected a list of [[fault]] tables, got a table"),
])
def test_a_faults_file_without_fault_tables_says_what_it_holds(tmp_path, text, expected):
    path = tmp_path / "f.toml"
    path.write_text(text)
    assert refused(path) == [f"{path}: {expected}"]


def test_a_faults_files_keys_and_values_are_printed_on_one_line_escaped(tmp_path):
    # A key or value with a line break would forge a problem line; an escape code would reach the terminal.
    path = tmp_path / "f\nforged: fault[0].path: expected.toml"
    path.write_text('"x\\ny\\u001b[2J" = 1\n[[fault]]\nmethod = "GET\\r\\nfault[9].path: expected /"\npath = "/a"\n'
                    '"k\\u2028" = 2\n')
    lines = refused(path)
    shown = str(tmp_path / "f\\nforged: fault[0].path: expected.toml") + ": "
    assert all(line.startswith(shown) for line in lines), lines
    assert [line[len(shown):].split(": ")[0] for line in lines] == ["x\\ny\\x1b[2J", "fault[0].k\\u2028",
                                                                   "fault[0].method"]
    assert not any(c in "\n".join(lines) for c in "\x1b\r\u2028")


@pytest.mark.parametrize("text, expected", [
    ("[1]", 'a JSON object ({"fault": [...]}), got an array'),
    ("null", 'a JSON object ({"fault": [...]}), got null'),
    ("1.5", 'a JSON object ({"fault": [...]}), got a number'),
    ('{"fault": [}', "valid JSON, got Expecting value: line 1 column 12 (char 11)"),
    ("[" * 100_000, "arrays and objects nested at most 32 deep, got more levels than Python's JSON parser reads"),
    ('{"fault": ' + "[" * 40 + "]" * 40 + "}", "arrays and objects nested at most 32 deep, got 41 levels"),
    ('\ufeff{"fault": []}', "UTF-8 without a byte order mark (JSON allows none: save the file as plain UTF-8), got a "
     "file starting with the UTF-8 byte order mark (EF BB BF)"),
])
def test_a_json_faults_file_that_cannot_be_read_says_why_in_one_line(tmp_path, text, expected):
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    assert refused(path) == [f"{path}: (file): expected {expected}"]


def test_a_faults_file_that_is_not_toml_says_so(tmp_path):
    path = tmp_path / "f.toml"
    path.write_text("[[fault]\n")
    with pytest.raises(FaultsError, match=r"f\.toml: \(file\): expected valid TOML, got Expected ']]'"):
        load_faults(path)


@pytest.mark.parametrize("make, kind", [(os.mkfifo, "a named pipe \\(FIFO\\)"), (Path.mkdir, "a folder")])
@pytest.mark.parametrize("name, form", [("f.toml", "TOML"), ("f.json", "JSON")])
def test_a_faults_file_that_is_a_pipe_or_a_folder_is_refused_without_waiting(tmp_path, make, kind, name, form):
    make(tmp_path / name)
    with pytest.raises(FaultsError, match=rf"{name}: \(file\): expected a regular {form} file, got {kind}"):
        load_faults(tmp_path / name)


def test_make_rehearse_refuses_a_faults_file_with_problems_before_anything_starts(tmp_path):
    from rehearsal.driver import ROOT
    from rehearsal.rehearse import rehearse

    path = tmp_path / "faults.toml"
    path.write_text('[[fault]]\nmethod = "POST"\npath = "/compute/v1/**"\nfault = "explode"\n')
    out, err = io.StringIO(), io.StringIO()
    assert rehearse(ROOT / "environments" / "example.toml", faults_file=path, out=out, err=err) == 1
    assert err.getvalue() == (f"error: {path}: fault[0].fault: expected one of status, reset_before_commit, "
                              "reset_after_commit, close_after_commit, operation_error, operation_never_done, "
                              "concurrent_edit, got \"explode\"\n")
    assert out.getvalue() == ""


# A deploy as the campaign starts one: a session of its own, and in it Terraform in a process group of its own
# (constructs_lib/deploy/terraform.py, ``Interrupts``). It writes Terraform's pid to the file it is given.
DEPLOY = """import subprocess, sys, time
child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'], process_group=0)
open(sys.argv[1], 'w').write(str(child.pid))
time.sleep(120)
"""


def _deploy(pids: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", DEPLOY, str(pids)], start_new_session=True)


def _pid_in(path: Path) -> int:
    for _ in range(200):
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.05)
    raise AssertionError(f"nothing written to {path}")


def test_killing_a_deploy_kills_its_whole_session_terraforms_own_process_group_included(tmp_path):
    """The campaign's kill is a machine that dies; a kill of the deploy's process group alone would leave its
    Terraform running."""
    deploy = _deploy(tmp_path / "pids")
    try:
        terraform = _pid_in(tmp_path / "pids")
        assert os.getpgid(terraform) != deploy.pid and os.getsid(terraform) == deploy.pid
        sessions.kill(deploy.pid)
        assert deploy.wait(timeout=10) == -signal.SIGKILL
        assert sessions.members(deploy.pid) == []
    finally:
        sessions.kill(deploy.pid)


# The campaign: a deploy under its watchdog, then it waits; it writes the deploy's session id to its file.
CAMPAIGN = """import subprocess, sys, time
from rehearsal.faults import sessions
deploy = subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], start_new_session=True)
with sessions.Watchdog(deploy.pid):
    open(sys.argv[3], 'w').write(str(deploy.pid))
    time.sleep(120)
"""


@pytest.mark.parametrize("how", ["the campaign alone", "the campaign's process group"])
def test_what_a_deploy_left_running_is_killed_when_the_campaign_is_killed(tmp_path, how):
    """SIGKILL of the campaign, or of its whole process group (a CI timeout), reaches neither the deploy's session
    nor the watchdog's: the watchdog sees its pipe close and kills the session."""
    campaign = subprocess.Popen([sys.executable, "-c", CAMPAIGN, DEPLOY, str(tmp_path / "pids"),
                                 str(tmp_path / "session")], cwd=ROOT, start_new_session=True)
    session = _pid_in(tmp_path / "session")
    _pid_in(tmp_path / "pids")
    try:
        assert len(sessions.members(session)) == 2
        if how == "the campaign alone":
            campaign.kill()
        else:
            os.killpg(campaign.pid, signal.SIGKILL)
        campaign.wait(timeout=10)
        deadline = time.monotonic() + 10
        while sessions.members(session) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sessions.members(session) == []
    finally:
        sessions.kill(session)
        if campaign.poll() is None:
            campaign.kill()


def test_the_faults_outcomes_come_in_order_each_as_soon_as_those_before_it_ended():
    from rehearsal.faults.pool import in_order

    handed: list[tuple[str, float]] = []
    started = time.monotonic()
    seconds = {"slow": 0.6, "quick": 0.0, "last": 0.1}
    done = in_order(list(seconds), lambda name: time.sleep(seconds[name]) or name.upper(), parallel=2, grace=1,
                    each=lambda result: handed.append((result, time.monotonic() - started)))
    assert done == [name for name, _ in handed] == ["SLOW", "QUICK", "LAST"]
    assert handed[0][1] >= 0.6 and handed[1][1] - handed[0][1] < 0.2  # QUICK waited for SLOW, then came at once


# A campaign whose one fault never ends; the Ctrl-C reaches one of its threads, not the main one.
NEVER_ENDING = """import signal, sys, threading, time
from rehearsal.faults.pool import in_order

def poke():
    while not (faults := [t for t in threading.enumerate() if t.name.startswith("fault-")]):
        time.sleep(0.05)
    time.sleep(0.3)  # the main thread waiting by then
    signal.pthread_kill(faults[0].ident, signal.SIGINT)
    print(f"sent {time.monotonic():.3f}", flush=True)

threading.Thread(target=poke, daemon=True).start()
try:
    in_order(["never"], lambda _: threading.Event().wait(), each=print, parallel=1, grace=0.5)
except KeyboardInterrupt:
    print(f"stopped {time.monotonic():.3f}", flush=True)
    sys.exit(130)
"""


def test_a_ctrl_c_that_reached_a_faults_thread_stops_the_campaign_at_once():
    """An untimed wait of the main thread (a thread pool's ``result()``) is not woken by a signal the kernel gave to
    another thread: the campaign then took the Ctrl-C only when its faults ended. Its threads, stuck for ever here,
    are given ``grace`` seconds, and nothing waits for them at exit."""
    campaign = subprocess.run([sys.executable, "-c", NEVER_ENDING], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
    assert campaign.returncode == 130, campaign.stdout + campaign.stderr
    sent, stopped = (float(line.split()[1]) for line in campaign.stdout.splitlines())
    assert stopped - sent < 5, campaign.stdout


def test_an_unknown_fault_is_named_on_one_line_and_nothing_runs():
    from rehearsal.faults.campaign import campaign

    out = io.StringIO()
    assert campaign(["no-such\x1b[2J\nfaults survived: 99 of 99"], out=out) == 2
    (line,) = out.getvalue().splitlines()
    assert line.startswith("error: FAULT: unknown fault(s) no-such\\x1b[2J\\nfaults survived: 99 of 99; expected "
                           "some of ")
