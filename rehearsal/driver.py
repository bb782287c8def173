"""A rehearsal: one stack deployed with the real google provider against a local GCP API.

    make rehearse ENV=example                   # environments/example.toml
    EGRESS_CONFIG=examples/direct.toml make rehearse
    make rehearse ENV=example SEED=my-seed.toml # with a brownfield seed (brownfield.py)

It synthesizes the one stack into a folder of its own (never ``cdktf.out``, so
no local state there is touched), starts the local GCP API (``localgcp``) and
a GCS server (fake-gcs-server), seeds them with what the file says already
exists (the projects, the VPC network, every ``existing_ips`` address, the
state bucket), runs ``cdktf deploy`` with the provider from the project's
filesystem mirror and the stack's own GCS backend, then a second plan that
must show no change, prints the outputs and stops everything.

The tests use the same pieces (``Rehearsal``) to apply a stack, change the
file and plan again against the same state.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from constructs_lib.app import load_stacks
from constructs_lib.deploy.recovery import recovery_commands
from constructs_lib.config import ConfigError, EnvironmentConfig
from constructs_lib.config.bootstrap import BootstrapConfig
from constructs_lib.deploy.terraform import TerraformFailed
from constructs_lib.report.allowlist import allowlist_entries, write_allowlist
from rehearsal.change import deploy_change
from rehearsal.brownfield import Seed, SeedError, load_seed
from rehearsal.gcs import GcsServer
from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.faults import FaultsError, load_faults
from rehearsal.pace import prepare
from rehearsal.provider_scan import run_retried
from rehearsal.seeding import seed_gcp
from rehearsal.tomlfile import dumps as toml_dumps

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
    """A saved plan, read through ``terraform show -json``."""

    json: dict[str, Any]

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Every resource change that is not a no-op (``read`` of data sources included)."""
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
        # Where the rehearsal's own notices go (a command run once more: provider_scan.py); rehearse() its output.
        self.say: Callable[[str], None] = lambda text: print(f"rehearsal: {text}", file=sys.stderr, flush=True)

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
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
            DISABLE_VERSION_CHECK="1",
            JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
            PIPENV_VENV_IN_PROJECT="1",
            PIPENV_VERBOSITY="-1",
            # The gcs backend reads GOOGLE_STORAGE_CUSTOM_ENDPOINT too (the provider's, the local API): its
            # own variable comes first and keeps the state on the GCS server.
            STORAGE_EMULATOR_HOST=self.gcs.url,
            GOOGLE_BACKEND_STORAGE_CUSTOM_ENDPOINT=f"{self.gcs.url}/storage/v1/",
            CDKTF_OUTDIR=str(self.outdir),
        )
        return env

    def _run(self, argv: list[str], *, cwd: Path, env: dict[str, str] | None = None, ok: Iterable[int] = (0,),
             stack_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
        """One command; Terraform's and the CLI's (in ``stack_dir``, else ``cwd``) once more when Terraform lost
        the provider (``rehearsal/provider_scan.py``)."""
        env = env or self.env()
        result = run_retried(
            lambda args: subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                                        stdin=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT),
            argv, stack_dir=stack_dir or cwd, say=self.say)
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
                           cwd=ROOT, env=env, stack_dir=self.outdir / "stacks" / config_file.stem)
        return result.stdout + result.stderr

    def terraform(self, stack_dir: Path, *args: str, ok: Iterable[int] = (0,)) -> subprocess.CompletedProcess[str]:
        return self._run([str(VENV_BIN / "terraform"), *args], cwd=stack_dir, ok=ok)

    def init(self, stack_dir: Path) -> None:
        self.terraform(stack_dir, "init", "-no-color", "-input=false", "-reconfigure")

    def apply(self, stack_dir: Path) -> None:
        self.terraform(stack_dir, "apply", "-no-color", "-input=false", "-auto-approve")

    def plan(self, stack_dir: Path, *extra: str) -> Plan:
        """``terraform plan -out`` then ``terraform show -json`` of that plan."""
        self.terraform(stack_dir, "plan", "-no-color", "-input=false", "-out=rehearsal.tfplan", *extra)
        shown = self.terraform(stack_dir, "show", "-no-color", "-json", "rehearsal.tfplan")
        return Plan(json.loads(shown.stdout))

    def state(self, stack_dir: Path) -> dict[str, Any]:
        """``terraform show -json`` of the stack's state."""
        return json.loads(self.terraform(stack_dir, "show", "-no-color", "-json").stdout)

    def outputs(self, stack_dir: Path) -> dict[str, Any]:
        shown = self.terraform(stack_dir, "output", "-no-color", "-json")
        return {name: value["value"] for name, value in json.loads(shown.stdout).items()}


def load_one(config_file: Path) -> EnvironmentConfig | BootstrapConfig:
    """The one file, validated as ``make synth`` validates it."""
    (config,) = load_stacks([config_file])
    return config


def prior_stage(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The file as it must have been deployed before, when it cannot be the first deploy; else None.

    A file that drains addresses (``draining_ips``) is step 4 of the rotation:
    Cloud NAT drains only an address that was in its ``nat_ips`` before (the
    provider refuses ``drain_nat_ips`` on a new NAT). Before, the same
    addresses were all active.
    """
    egress = doc.get("egress", {})
    if not egress.get("draining_ips"):
        return None
    before = {**doc, "egress": {k: v for k, v in egress.items() if k != "draining_ips"}}
    return before


def imports_of(stack_dir: Path) -> list[str]:
    """``<address> ← <id>`` of each import block of a synthesized stack (``[adopt]``)."""
    document = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    return [f"{block['to']} <- {block['id']}" for block in document.get("import", [])]


def recovery_advice(rehearsal: Rehearsal, stack_dir: Path, stack: str) -> str:
    """After a failed deploy: the commands that recover a tainted Cloud Run service, or nothing."""
    try:
        state = rehearsal.state(stack_dir)
    except (RehearsalError, json.JSONDecodeError):
        return ""
    commands = recovery_commands(state, stack_dir=f"cdktf.out/stacks/{stack}", stack=stack)
    if not commands:
        return ""
    return ("\nthe Cloud Run service is in the state as tainted: its revision failed, and with deletion_protection "
            "on the replacement Terraform now plans would be refused. Keep the service, deletion protection on:\n"
            + "\n".join(f"  {command}" for command in commands) + "\n(docs/rehearsal.md, \"A first deploy that "
            "fails\")")


# Where `make rehearse` writes the rehearsal's allowlist.json and allowlist.csv: <this>/<stack>/.
REHEARSAL_ALLOWLISTS = ROOT / "cdktf.out" / "rehearsal"


def rehearse(config_file: Path, *, from_file: Path | None = None, seed_file: Path | None = None,
             engine: str = "cdktf", out=sys.stdout, err=sys.stderr, allowlist_root: Path | None = None,
             on_plan: Callable[[str, dict[str, Any]], None] | None = None, faults_file: Path | None = None) -> int:
    """``make rehearse``: deploy, plan again (no change allowed), print the outputs. Returns the exit code.

    With ``from_file`` (``FROM=``), a change: FROM deployed first, then the file through the plan guard
    (``rehearsal/change.py``). With ``seed_file`` (``SEED=``), a brownfield project's neighbours are seeded first
    (``rehearsal/brownfield.py``). With ``faults_file`` (``FAULTS=``), the local API fails the calls its rules name
    during the deploy (``rehearsal/localgcp/faults.py``), and the plan after it runs without them. With
    ``allowlist_root``, also writes the rehearsal's allowlist (its IPs are the local API's) into
    ``allowlist_root/<stack>/``. ``on_plan(step, plan JSON)`` sees every plan it makes (``guarded``: FROM's change
    through the guard; ``second``: the plan that must be empty).
    """
    say = lambda text: print(f"rehearsal: {text}", file=out, flush=True)  # noqa: E731
    try:
        config = load_one(config_file)
        from_config = load_one(from_file) if from_file is not None else None
        brownfield = load_seed(seed_file) if seed_file is not None else None
        rules = load_faults(faults_file) if faults_file is not None else []
    except (ConfigError, SeedError, FaultsError) as problem:
        print(f"error: {problem}", file=err)
        return 1
    if isinstance(config, EnvironmentConfig) and config.state.backend != "gcs":
        print(f"error: {config_file}: state.backend is {config.state.backend!r}; a rehearsal deploys with the "
              "stack's own GCS backend against a local GCS server, so it rehearses gcs-backed files only",
              file=err)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    try:
        with Rehearsal(workdir, engine) as rehearsal:
            rehearsal.say = say
            if brownfield is not None and isinstance(config, BootstrapConfig):
                print(f"error: {seed_file}: a seed adds neighbours to an environment's network; "
                      f"{config_file} is a bootstrap file", file=err)
                return 1
            seeded = []
            if from_config is not None:
                seeded += rehearsal.seed(from_config, brownfield)
                brownfield = None
            seeded += rehearsal.seed(config, brownfield)
            say(f"local GCP API on {rehearsal.gcp.url}, GCS on {rehearsal.gcs.url}; "
                f"google provider {PROVIDER_VERSION} from {MIRROR}; the {engine} engine")
            for line in seeded:
                say(f"seeded: {line}")
            if rules:
                rehearsal.gcp.faults.install(rules)
                say(f"faults: {len(rules)} rule{'s' if len(rules) > 1 else ''} from {faults_file}, until the deploy ends")
            # A copy in the rehearsal's folder: a stack with local state keeps it beside its file, and a
            # rehearsal must never write the real one (the bootstrap stack's environments/bootstrap/*.tfstate).
            original, config_file = config_file, workdir / "file" / config_file.name
            config_file.parent.mkdir()
            shutil.copyfile(original, config_file)
            doc = tomllib.loads(config_file.read_text(encoding="utf-8"))
            before = prior_stage(doc) if isinstance(config, EnvironmentConfig) and from_file is None else None
            if from_file is not None:
                # FROM under the file's own name, so that both are the same stack.
                deployed_now = workdir / "from" / config_file.name
                deployed_now.parent.mkdir()
                shutil.copyfile(from_file, deployed_now)
                code, _ = deploy_change(rehearsal, deployed_now, config_file, source=original,
                                        terraform_binary=str(VENV_BIN / "terraform"), say=say, out=out, err=err,
                                        on_plan=on_plan)
                if code:
                    return code
            elif before is not None:
                earlier = workdir / "before" / config_file.name
                earlier.parent.mkdir()
                earlier.write_text(toml_dumps(before), encoding="utf-8")
                say(f"{', '.join(config.draining_ips)} drain: first {engine} deploy {config.stack} with them active, "
                    "as before draining …")
                rehearsal.deploy(earlier)
            stack_dir = rehearsal.stack_dir(config.stack)
            if from_file is None:
                say(f"{engine} deploy {config.stack} …")
                try:
                    rehearsal.deploy(config_file)
                except RehearsalError as failure:
                    print(f"error: {failure}{recovery_advice(rehearsal, stack_dir, config.stack)}", file=err)
                    return 1
                finally:
                    for hit in rehearsal.gcp.faults.hits:
                        say(f"fault: {hit.rule.fault}{f' {hit.rule.status}' if hit.rule.fault == 'status' else ''} "
                            f"on {hit.method} {hit.path}")
                    rehearsal.gcp.faults.clear()
            for line in imports_of(stack_dir):
                say(f"imported: {line}")
            say("deployed; planning again, which must show no change …")
            plan = rehearsal.plan(stack_dir)
            if on_plan is not None:
                on_plan("second", plan.json)
            if plan.changes:
                print(f"error: the second plan of {config.stack} is not empty (a perpetual diff):\n{plan.describe()}",
                      file=err)
                return 1
            say("second plan: no changes")
            for name, value in rehearsal.outputs(stack_dir).items():
                print(f"{name} = {json.dumps(value, indent=2, sort_keys=True)}", file=out)
            if allowlist_root is not None and isinstance(config, EnvironmentConfig):
                written = write_allowlist(allowlist_entries(rehearsal.state(stack_dir), stack=config.stack),
                                          _fresh(allowlist_root / config.stack))
                say(f"the rehearsal's allowlist (local IPs, not yours): {', '.join(map(str, written))}")
            return 0
    except (RehearsalError, TerraformFailed) as failure:
        print(f"error: {failure}", file=err)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description="make rehearse: one file deployed "
                                     "with the real google provider against a local GCP API")
    parser.add_argument("file", type=Path, help="the environment file")
    parser.add_argument("--from", dest="from_file", type=Path,
                        help="the file as deployed now: deployed first, then FILE through the plan guard")
    parser.add_argument("--seed", dest="seed_file", type=Path,
                        help="a brownfield seed: the project's neighbours, created before the deploy")
    parser.add_argument("--faults", dest="faults_file", type=Path,
                        help="a faults file: the calls the local API fails during the deploy (docs/rehearsal.md)")
    parser.add_argument("--engine", default="cdktf", choices=sorted(ENGINES), help="the CDK engine (ENGINE=)")
    args = parser.parse_args(argv)
    for flag, path in (("FROM", args.from_file), ("SEED", args.seed_file), ("FAULTS", args.faults_file)):
        if path is not None and not path.is_file():
            print(f"error: {flag}: expected the path of a file, got {str(path)!r} (no such file)", file=sys.stderr)
            return 2
    if not ENGINES[args.engine][0].is_file():
        print(f"error: the {args.engine} engine is not set up ({ENGINES[args.engine][0]} is missing): run "
              f"`make rehearse ENGINE={args.engine}`, which sets it up", file=sys.stderr)
        return 2
    return rehearse(args.file, from_file=args.from_file, seed_file=args.seed_file, engine=args.engine,
                    allowlist_root=REHEARSAL_ALLOWLISTS, faults_file=args.faults_file)
