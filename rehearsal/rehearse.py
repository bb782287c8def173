"""``make rehearse``: one file deployed with the real google provider against a local GCP API (``python -m rehearsal``).

The flow of one rehearsal on the pieces of ``driver.py``: the file validated, the local APIs seeded with what
the file says exists (and a brownfield seed's neighbours), the stack deployed with ``cdktf deploy`` (or, with
FROM, FROM deployed first and the file through the plan guard, ``change.py``; with FAULTS, under the local API's
faults), a second plan that must show no change, the outputs printed and the rehearsal's allowlist written.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Callable, TextIO

from constructs_lib.config import ConfigError, EnvironmentConfig
from constructs_lib.config.bootstrap import BootstrapConfig
from constructs_lib.facts.text import from_shell, one_line, path_kind
from constructs_lib.deploy.recovery import recovery_commands, tainted_kept, tainted_services
from constructs_lib.deploy.terraform import TerraformFailed, stack_config
from constructs_lib.app.build import output_folder
from constructs_lib.report.allowlist import ALLOWLIST_FILES, allowlist_entries, write_allowlist
from constructs_lib.report.output_file import OutputFileError, own_folder, regular_file
from rehearsal.brownfield import SeedError, load_seed
from rehearsal.change import deploy_change
from rehearsal.driver import ENGINES, MIRROR, PROVIDER_VERSION, VENV_BIN, Rehearsal, RehearsalError, load_one
from rehearsal.localgcp import LocalGcp
from rehearsal.localgcp.faults import FaultsError, load_faults
from rehearsal.tomlfile import dumps as toml_dumps


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
    """After a failed deploy: the commands that recover what it left tainted and cannot be replaced (a Cloud Run
    service whose revision failed, an address whose create was cut), or nothing."""
    try:
        state = rehearsal.state(stack_dir)
    except (RehearsalError, json.JSONDecodeError):
        return ""
    config = stack_config(stack_dir)
    commands = recovery_commands(state, stack_dir=f"cdktf.out/stacks/{stack}", stack=stack, config=config)
    if not commands:
        return ""
    what = ("the Cloud Run service is in the state as tainted: its revision failed"
            if tainted_services(state) else f"in the state as tainted: {', '.join(tainted_kept(state, config))}")
    return (f"\n{what}, and with deletion_protection or prevent_destroy on, the replacement Terraform now plans "
            "would be refused. Keep it, protection on:\n"
            + "\n".join(f"  {command}" for command in commands) + "\n(docs/rehearsal.md, \"A first deploy that "
            "fails\")")


# Where `make rehearse` writes the rehearsal's allowlist.json and allowlist.csv: <this>/<stack>/ in the folder the
# app writes to (output_folder).
ALLOWLISTS = "rehearsal"


def rehearse(config_file: Path, *, from_file: Path | None = None, seed_file: Path | None = None,
             engine: str = "cdktf", out: TextIO | None = None, err: TextIO | None = None,
             allowlist_root: Path | None = None,
             on_plan: Callable[[str, dict[str, Any]], None] | None = None, faults_file: Path | None = None,
             after_deploy: Callable[[LocalGcp], None] | None = None) -> int:
    """``make rehearse``: deploy, plan again (no change allowed), print the outputs. Returns the exit code.

    With ``from_file`` (``FROM=``), a change: FROM deployed first, then the file through the plan guard
    (``rehearsal/change.py``). With ``seed_file`` (``SEED=``), a brownfield project's neighbours are seeded first
    (``rehearsal/brownfield.py``). With ``faults_file`` (``FAULTS=``), the local API fails the calls its rules name
    during the deploy (``rehearsal/localgcp/faults.py``), and the plan after it runs without them. With
    ``allowlist_root``, also writes the rehearsal's allowlist (its IPs are the local API's) into
    ``allowlist_root/<stack>/``. ``on_plan(step, plan JSON)`` sees every plan it makes (``guarded``: FROM's change
    through the guard; ``second``: the plan that must be empty, seen only when it is not: one that changes nothing
    is never shown, ``Rehearsal.converged``). ``after_deploy(local API)`` runs between the deploy and the second
    plan: the tests' stand-in for what changes a resource outside Terraform, or a field Google Cloud rewrites.
    """
    out = sys.stdout if out is None else out  # the streams of the call, not those of the import
    err = sys.stderr if err is None else err
    # One line each: a seeded name, a file's path or a stack's name is what a user wrote.
    say = lambda text: print(one_line(f"rehearsal: {text}"), file=out, flush=True)  # noqa: E731
    # Every file read, and the problems of each said together: one run shows them all.
    loaded, problems = [], []
    for read, path in ((load_one, config_file), (load_one, from_file), (load_seed, seed_file),
                       (load_faults, faults_file)):
        try:
            loaded.append(read(path) if path is not None else None)
        except (ConfigError, SeedError, FaultsError) as problem:
            problems.append(problem)
    if problems:
        print("\n".join(f"error: {problem}" for problem in problems), file=err)
        return 1
    config, from_config, brownfield, faulted = loaded
    rules = faulted or []
    if isinstance(config, EnvironmentConfig) and config.state.backend != "gcs":
        print(one_line(f"error: {config_file}: state.backend is {config.state.backend!r}; a rehearsal deploys with "
                       "the stack's own GCS backend against a local GCS server, so it rehearses gcs-backed files "
                       "only"), file=err)
        return 1
    problem = _allowlist_problem(allowlist_root / config.stack) if allowlist_root is not None else None
    if problem is not None:
        print(one_line(f"error: {problem}: a rehearsal writes its allowlist there; move it away"), file=err)
        return 1
    if brownfield is not None and isinstance(config, BootstrapConfig):
        print(one_line(f"error: {seed_file}: a seed adds neighbours to an environment's network; "
                       f"{config_file} is a bootstrap file"), file=err)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="rehearsal-"))
    try:
        with Rehearsal(workdir, engine) as rehearsal:
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
            if after_deploy is not None:
                after_deploy(rehearsal.gcp)
            say("deployed; planning again, which must show no change …")
            plan = rehearsal.converged(stack_dir)  # shown only when it changes something
            if on_plan is not None and plan.shown:
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
    except OSError as failure:  # the allowlist's folder, changed during the rehearsal: checked before it started
        print(one_line(f"error: the rehearsal's allowlist was not written: {failure}"), file=err)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _allowlist_problem(folder: Path) -> str | None:
    """Why the rehearsal's allowlist could not be written to ``folder`` (``<output folder>/rehearsal/<stack>``),
    known before the rehearsal starts: something there that is not the folder, or a file, the app writes."""
    try:
        own_folder(folder.parent)
        own_folder(folder)
        for name in ALLOWLIST_FILES:
            regular_file(folder / name)
    except OutputFileError as problem:
        return str(problem)
    except OSError as problem:  # a file where the output folder belongs: the path cannot even be looked up
        return f"{folder}: {problem.strerror}"
    return None


def _what_is(path: Path) -> str:
    """What is at a path that is not a regular file, for a message: nothing, a dangling link, a pipe…"""
    return path_kind(path) or "no such file"


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
    parser.add_argument("--from-shell", default="", help="the variables of FROM, SEED and FAULTS that make found in "
                        "the shell's environment, not on its command line (for the message of one that is no file)")
    args = parser.parse_args(argv)
    for flag, path in (("FROM", args.from_file), ("SEED", args.seed_file), ("FAULTS", args.faults_file)):
        if path is not None and not path.is_file():
            shell = from_shell(flag) if flag in args.from_shell.split() else ""
            print(one_line(f"error: {flag}: expected the path of a file, got {str(path)!r} ({_what_is(path)})"
                           f"{shell}"), file=sys.stderr)
            return 2
    if not ENGINES[args.engine][0].is_file():
        print(f"error: the {args.engine} engine is not set up ({ENGINES[args.engine][0]} is missing): run "
              f"`make rehearse ENGINE={args.engine}`, which sets it up", file=sys.stderr)
        return 2
    return rehearse(args.file, from_file=args.from_file, seed_file=args.seed_file, engine=args.engine,
                    allowlist_root=output_folder({}) / ALLOWLISTS, faults_file=args.faults_file)
