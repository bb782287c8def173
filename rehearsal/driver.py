"""The pieces of a rehearsal: the local GCP API, a GCS server and the environment that points Terraform and the
real google provider at them (``Rehearsal``), and its steps: synth, ``cdktf deploy``, init, plan, apply, state.

Each rehearsal synthesizes into a folder of its own (never ``cdktf.out``, so no local state there is touched),
starts the local GCP API (``localgcp``) and a GCS server (fake-gcs-server), seeds them with what the file says
already exists (``seeding.py``), and runs Terraform with the provider from the project's filesystem mirror and
the stack's own GCS backend. ``rehearse.py`` is ``make rehearse`` on these pieces; the tests use them to apply a
stack, change the file and plan again against the same state.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from constructs_lib.app import load_stacks
from constructs_lib.config import EnvironmentConfig
from constructs_lib.config.bootstrap import BootstrapConfig
from rehearsal.brownfield import Seed
from rehearsal.gcs import GcsServer
from rehearsal.localgcp import LocalGcp
from rehearsal.pace import go_runtime, prepare
from rehearsal.seeding import seed_gcp
from rehearsal.state import as_shown

ROOT = Path(__file__).resolve().parents[1]

PROVIDER_VERSION = "6.50.0"
MIRROR = ROOT / ".tools" / "terraform-mirror"
PROVIDER_BINARY = (MIRROR / "registry.terraform.io" / "hashicorp" / "google" / PROVIDER_VERSION / "linux_amd64"
                   / f"terraform-provider-google_v{PROVIDER_VERSION}")
CDKTF = ROOT / "node_modules" / ".bin" / "cdktf"
VENV_BIN = ROOT / ".venv" / "bin"
# Each engine's app interpreter and CLI (make rehearse ENGINE=cdktn; docs/migration.md). Terraform and the
# tools are the default environment's for both, so both deploy with the same Terraform and provider.
ENGINES = {
    "cdktf": (VENV_BIN / "python", CDKTF),
    "cdktn": (ROOT / ".venv-cdktn" / "bin" / "python", ROOT / "tools" / "cdktn.sh"),  # cdktn with its Node.js 22
}
# Hang guards, never assertions: an apply takes seconds (the provider's own waits: 3 s batching
# API enables, 5 s after a connector is created).
COMMAND_TIMEOUT = 600
# Variables of the machine that must not reach the provider or Terraform: credentials, a CLI
# configuration, endpoints, proxies of the machine.
_DROPPED_PREFIXES = ("GOOGLE_", "CLOUDSDK_", "TF_", "GCLOUD_", "STORAGE_EMULATOR_HOST", "HTTP_PROXY", "HTTPS_PROXY",
                     "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


# The cdktf CLI's colours and its redrawn "N Stacks deploying" status lines.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STATUS = re.compile(r"^\s*\d+ Stacks? deploying\b.*$|^\s*$", re.MULTILINE)


def readable(output: str) -> str:
    """Terraform's and cdktf's output without colours, cursor moves and progress lines."""
    return re.sub(r"\n{3,}", "\n\n", _STATUS.sub("", _ANSI.sub("", output))).strip() + "\n"


class RehearsalError(Exception):
    """A step of the rehearsal failed; the message holds the command's own output."""


@dataclass(frozen=True)
class Plan:
    """A saved plan, read through ``terraform show -json``; or one Terraform said changes nothing, never shown
    (``Rehearsal.converged``): it has no changes and no JSON."""

    shown_json: dict[str, Any] | None

    @property
    def shown(self) -> bool:
        return self.shown_json is not None

    @property
    def json(self) -> dict[str, Any]:
        """The plan as ``terraform show -json`` wrote it; an error for a plan that was never shown, so that nothing
        is ever asserted on JSON that was not read."""
        if self.shown_json is None:
            raise RehearsalError("this plan was never shown: `terraform plan -detailed-exitcode` said it changes "
                                 "nothing (Rehearsal.converged); make it with Rehearsal.plan to read it")
        return self.shown_json

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Every resource change that is not a no-op (``read`` of data sources included)."""
        if self.shown_json is None:
            return []
        return [c for c in self.json.get("resource_changes", []) if c["change"]["actions"] != ["no-op"]]

    def actions(self, resource_type: str) -> dict[str, list[str]]:
        """Resource address → its planned actions, for one resource type."""
        return {c["address"]: c["change"]["actions"] for c in self.json.get("resource_changes", [])
                if c["type"] == resource_type}

    def describe(self) -> str:
        return "\n".join(f"  {'/'.join(c['change']['actions'])}: {c['address']}" for c in self.changes) or "  none"


def provider_missing_message() -> str:
    return (f"the google provider {PROVIDER_VERSION} is not in {MIRROR}: run the tests and rehearsals through "
            "make (`make test`, `make rehearse`), which put it there (tools/google-provider.sh)")


def cli_config(home: Path) -> Path:
    """Terraform's CLI configuration: the google provider from the project's mirror, nothing from any registry."""
    home.mkdir(parents=True, exist_ok=True)
    cache = home / "plugin-cache"
    cache.mkdir(exist_ok=True)
    path = home / "rehearsal.tfrc"
    path.write_text(
        f'plugin_cache_dir = "{cache}"\n'
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{MIRROR}"\n    include = ["registry.terraform.io/hashicorp/google"]\n  }}\n'
        "}\n")
    return path


def state_bucket_env(url: str) -> dict[str, str]:
    """What points Terraform's gcs backend at the GCS server ``url``. The backend reads
    GOOGLE_STORAGE_CUSTOM_ENDPOINT too (the provider's, the local API): its own variable comes first and keeps the
    state on the GCS server."""
    return {"STORAGE_EMULATOR_HOST": url, "GOOGLE_BACKEND_STORAGE_CUSTOM_ENDPOINT": f"{url}/storage/v1/"}


class Rehearsal:
    """The local GCP API, a GCS server and the environment that points Terraform and the provider at them.

    Use as a context manager: both servers stop when it ends, passed or failed.
    """

    def __init__(self, workdir: Path, engine: str = "cdktf") -> None:
        if not PROVIDER_BINARY.is_file():
            raise RehearsalError(provider_missing_message())
        self.engine = engine
        self.workdir = workdir
        self.outdir = workdir / "cdktf.out"
        self.gcp = LocalGcp()
        self.gcs = GcsServer(workdir / "gcs")

    def __enter__(self) -> Rehearsal:
        self.gcp.start()
        try:
            self.gcs.start()
        except BaseException:
            self.gcp.stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.gcs.stop()
        finally:
            self.gcp.stop()

    # --- the world as the file says it already is ---------------------------------------------------

    def seed(self, config: EnvironmentConfig | BootstrapConfig, brownfield: Seed | None = None) -> list[str]:
        """What must exist before the stack (``seed_gcp``), and the state bucket. Returns one line per thing
        seeded."""
        said = seed_gcp(self.gcp, config, brownfield)
        if isinstance(config, EnvironmentConfig) and config.state.backend == "gcs" and config.state.bucket and \
                not (self.gcs.root / config.state.bucket).is_dir():
            self.gcs.create_bucket(config.state.bucket)
        return said

    # --- environments -------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment of Terraform and of the cdktf CLI that runs it: nothing of the machine's GCP or
        Terraform settings, the local APIs, the mirror."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}
        home = self.workdir / "home"
        env.update(self.gcp.provider_env())
        env.update(
            PATH=os.pathsep.join([str(VENV_BIN), str(ROOT / ".tools" / "bin"), str(ROOT / "node_modules" / ".bin"),
                                  env.get("PATH", "/usr/bin:/bin")]),
            TF_CLI_CONFIG_FILE=str(cli_config(home)),
            # The cdktf and cdktn CLIs otherwise set TF_PLUGIN_CACHE_DIR (over the configuration's own cache) to
            # the user's ~/.terraform.d/plugin-cache for the Terraform they run: every rehearsal on the machine
            # would share one cache, and each init of a stack with no lock file deletes its google 6.50.0 entry
            # and links it again (to this project's mirror, in place of what the user had cached). A rehearsal
            # running beside another then found no provider in that gap ("no such file or directory", "not
            # installed", "still not detected in .terraform/providers").
            CDKTF_DISABLE_PLUGIN_CACHE_ENV="1",
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
            DISABLE_VERSION_CHECK="1",
            JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
            PIPENV_VENV_IN_PROJECT="1",
            PIPENV_VERBOSITY="-1",
            **state_bucket_env(self.gcs.url),
            CDKTF_OUTDIR=str(self.outdir),
        )
        return go_runtime(env)

    def _run(self, argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, ok: Iterable[int] = (0,)
             ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(argv, cwd=cwd, env=env or self.env(), capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT)
        if result.returncode not in ok:
            raise RehearsalError(f"`{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(argv))}` failed "
                                 f"(exit {result.returncode}):\n{readable(result.stdout + result.stderr)}")
        return result

    # --- the steps ----------------------------------------------------------------------------------

    def synth(self, config_file: Path, engine: str | None = None) -> Path:
        """Synthesize one file as main.py does, on this rehearsal's engine unless given; returns the stack's folder."""
        env = self.env()
        env["EGRESS_CONFIG"] = str(config_file)
        python, _ = ENGINES[engine or self.engine]
        self._run([str(python), str(ROOT / "main.py")], cwd=ROOT, env=env)
        return self.stack_dir(config_file.stem)

    def stack_dir(self, stack: str) -> Path:
        """The stack's folder in this rehearsal's output, ready for Terraform (``rehearsal/pace.py``)."""
        return prepare(self.outdir / "stacks" / stack)

    def deploy(self, config_file: Path, engine: str | None = None) -> str:
        """``cdktf deploy`` (``cdktn deploy``) of one file, as a user runs it; returns the CLI's output."""
        env = self.env()
        env["EGRESS_CONFIG"] = str(config_file)
        python, cli = ENGINES[engine or self.engine]
        self.stack_dir(config_file.stem)  # before the CLI synthesizes into it and runs Terraform there
        result = self._run([str(cli), "deploy", config_file.stem, "--auto-approve", "--skip-provider-lock",
                            "--no-color", "--output", str(self.outdir), "--app", f"{shlex.quote(str(python))} main.py"],
                           cwd=ROOT, env=env)
        return result.stdout + result.stderr

    def terraform(self, stack_dir: Path, *args: str, ok: Iterable[int] = (0,)) -> subprocess.CompletedProcess[str]:
        return self._run([str(VENV_BIN / "terraform"), *args], cwd=stack_dir, ok=ok)

    def init(self, stack_dir: Path) -> None:
        self.terraform(stack_dir, "init", "-no-color", "-input=false", "-reconfigure")

    def apply(self, stack_dir: Path) -> None:
        self.terraform(stack_dir, "apply", "-no-color", "-input=false", "-auto-approve")

    def plan(self, stack_dir: Path, *extra: str) -> Plan:
        """``terraform plan -out`` then ``terraform show -json`` of that plan."""
        self._plan(stack_dir, *extra)
        return self._shown(stack_dir)

    def converged(self, stack_dir: Path) -> Plan:
        """A plan that should change nothing (the one after an apply), shown only when it changes something:
        ``terraform plan -detailed-exitcode`` exits 0 for no change (then the plan is never shown, which saves a
        Terraform command and a provider start) and 2 for changes (then ``show -json`` as ``plan`` does)."""
        if self._plan(stack_dir, "-detailed-exitcode", ok=(0, 2)).returncode == 0:
            return Plan(None)
        return self._shown(stack_dir)

    def _plan(self, stack_dir: Path, *extra: str, ok: Iterable[int] = (0,)) -> subprocess.CompletedProcess[str]:
        return self.terraform(stack_dir, "plan", "-no-color", "-input=false", "-out=rehearsal.tfplan", *extra, ok=ok)

    def _shown(self, stack_dir: Path) -> Plan:
        return Plan(json.loads(self.terraform(stack_dir, "show", "-no-color", "-json", "rehearsal.tfplan").stdout))

    def state(self, stack_dir: Path) -> dict[str, Any]:
        """The stack's state in the shape of ``terraform show -json``, from ``terraform state pull`` (no provider
        start: ``rehearsal/state.py``)."""
        return as_shown(json.loads(self.terraform(stack_dir, "state", "pull").stdout or "{}"))

    def shown_state(self, stack_dir: Path) -> dict[str, Any]:
        """``terraform show -json`` of the stack's state, what ``state`` stands in for."""
        return json.loads(self.terraform(stack_dir, "show", "-no-color", "-json").stdout)

    def outputs(self, stack_dir: Path) -> dict[str, Any]:
        shown = self.terraform(stack_dir, "output", "-no-color", "-json")
        return {name: value["value"] for name, value in json.loads(shown.stdout).items()}


def load_one(config_file: Path) -> EnvironmentConfig | BootstrapConfig:
    """The one file, validated as ``make synth`` validates it."""
    (config,) = load_stacks([config_file])
    return config
