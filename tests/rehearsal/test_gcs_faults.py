"""The state bucket that loses the state's writes (rehearsal/gcs_faults.py), in front of a stand-in GCS that
records what reaches it: every other call passes through unchanged, chunked bodies included; the state's writes
after the first ``passes`` get a 503 and never arrive. In-process, no Terraform needed."""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rehearsal.faults.campaign import steps_of
from rehearsal.gcs_faults import StateWriteLost, is_state_write

UPLOAD = "/upload/storage/v1/b/bucket/o?alt=json&uploadType=multipart&name="


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, bytes]] = []

    def log_message(self, *args) -> None:
        pass

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Recorder.seen.append((self.command, self.path, body))
        answer = json.dumps({"got": body.decode()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Kept", "yes")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


@pytest.fixture
def upstream():
    Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def send(url: str, method: str, path: str, body: bytes = b"", chunked: bool = False) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc, timeout=10)
    try:
        if chunked:
            connection.putrequest(method, path)
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            for part in (body[:3], body[3:]):
                connection.send(b"%x\r\n%s\r\n" % (len(part), part))
            connection.send(b"0\r\n\r\n")
        else:
            connection.request(method, path, body=body)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def test_only_uploads_of_a_state_object_are_state_writes():
    assert is_state_write("POST", UPLOAD + "prefix%2Fdefault.tfstate")
    assert not is_state_write("POST", UPLOAD + "prefix%2Fdefault.tflock")
    assert not is_state_write("GET", "/bucket/prefix/default.tfstate")
    assert not is_state_write("DELETE", "/storage/v1/b/bucket/o/prefix%2Fdefault.tfstate")


def test_everything_but_the_lost_writes_passes_through_unchanged(upstream):
    with StateWriteLost(upstream, passes=1) as lossy:
        assert send(lossy.url, "POST", UPLOAD + "p%2Fdefault.tfstate", b"first")[0] == 200  # the one that passes
        status, _, body = send(lossy.url, "POST", UPLOAD + "p%2Fdefault.tfstate", b"second")
        assert status == 503 and json.loads(body)["error"]["errors"][0]["reason"] == "backendError"
        status, headers, body = send(lossy.url, "POST", UPLOAD + "p%2Fdefault.tflock", b"lock", chunked=True)
        assert (status, headers["X-Kept"], json.loads(body)) == (200, "yes", {"got": "lock"})
        assert send(lossy.url, "GET", "/bucket/p/default.tfstate")[0] == 200
        assert lossy.lost == [UPLOAD + "p%2Fdefault.tfstate"]
    assert [(m, p.split("name=")[-1], b) for m, p, b in Recorder.seen] == [
        ("POST", "p%2Fdefault.tfstate", b"first"), ("POST", "p%2Fdefault.tflock", b"lock"),
        ("GET", "/bucket/p/default.tfstate", b"")]


def test_a_campaign_step_is_what_make_deploy_prints_not_terraforms_own_advice():
    """Terraform prints its own ``terraform state push errored.tfstate`` four spaces in, for its working directory;
    the campaign runs make deploy's, two spaces in under ``to recover``, which names the stack's folder."""
    output = ("To retry writing this state, use the following command:\n    terraform state push errored.tfstate\n"
              "to recover (docs/operations.md, \"When a deploy is interrupted\"):\n"
              "  terraform -chdir=out/stacks/x state push errored.tfstate\n"
              "  # then deploy again: make deploy STACK=x\n")
    assert steps_of(output) == ["terraform -chdir=out/stacks/x state push errored.tfstate"]
