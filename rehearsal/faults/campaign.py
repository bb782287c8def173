"""``make faults``: every fault of ``cases.CASES`` deployed, recovered as a user would, and checked.

For each fault, against a fresh local GCP API and GCS server: the product's deploy
(``python -m constructs_lib.deploy deploy``, what ``make deploy`` runs) with the fault → the one recovery step the
deploy printed, if any, run as printed → deploys without faults until one succeeds (each may print one more step,
but no more than one step in all) → a plan. One line per fault, then ``faults survived: N of M``:

- S1 converges: after at most one printed recovery step, the plan is empty;
- S2, S4: ``checks.Watch`` at every call of the local API;
- S3: ``checks.orphans_and_duplicates`` on the final state;
- S5 bounded: every deploy ends by itself within ``DEPLOY_BOUND`` seconds; one that does not is killed by the
  campaign and the fault is not survived.
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from constructs_lib.config import EnvironmentConfig
from constructs_lib.facts.text import one_line
from constructs_lib.stacks.apis import required_apis
from rehearsal.driver import ROOT, VENV_BIN, Rehearsal, load_one, state_bucket_env
from rehearsal.faults import sessions
from rehearsal.faults.cases import CASES, Case
from rehearsal.faults.checks import Watch, orphans_and_duplicates
from rehearsal.faults.pool import in_order
from rehearsal.gcs_faults import StateWriteLost

CHAIN = Path(__file__).with_name("faults.toml")
# S5: the longest a deploy of the chain may take, faults included, before the campaign kills it. A deploy without
# faults takes about 20 s on 2 busy cores; the slowest fault (an operation that never ends) adds its 20 s timeout.
DEPLOY_BOUND = 180
# Faults at once: each is its own local API, GCS server and deploys, which mostly wait on the provider's own
# pauses (its 5 s after a connector's create, a deadline, the transport's retries), not on a core.
PARALLEL = 4
# After a Ctrl-C: how long the campaign waits for its faults to end (their deploys killed, no Terraform command
# started any more) before it stops without them.
STOP_GRACE = 30
# The printed commands a user runs: ``terraform -chdir=…`` and the gcloud check of duplicate alert policies.
# A printed recovery command: two spaces in, as make deploy prints them (Terraform's own advice is four in).
_STEP = re.compile(r"^ {2}((?:terraform|gcloud) .*)$")


@dataclass
class Deployed:
    """One deploy: its exit code (None: killed, by the campaign or on purpose), its output, how long it took."""

    code: int | None
    output: str
    seconds: float


@dataclass
class Outcome:
    case: Case
    problems: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Each deploy's exit code (None: killed) and output: the faulted one first (after the first deploy of a
    # first_deploy case), then those without faults.
    deploys: list[Deployed] = field(default_factory=list)

    @property
    def survived(self) -> bool:
        return not self.problems

    def line(self) -> str:
        step = f"1 step: {len(self.steps)} command" + ("" if len(self.steps) == 1 else "s") if self.steps else "no step"
        if self.survived:
            return f"fault {self.case.name}: survived (S1-S5 hold; {step}; {self.seconds:.0f} s)"
        return f"fault {self.case.name}: NOT survived ({step}; {self.seconds:.0f} s): {'; '.join(self.problems)}"


@dataclass(frozen=True)
class Chain:
    """The chain every fault deploys: its file, the file read, and its stack synthesized once for every fault."""

    config_file: Path
    config: EnvironmentConfig
    synthesized: Path  # its cdk.tf.json


def prepare_chain(workdir: Path, config_file: Path = CHAIN) -> Chain:
    config = load_one(config_file)
    if not isinstance(config, EnvironmentConfig):
        raise TypeError(f"{config_file} must be an environment file")
    with Rehearsal(workdir) as rehearsal:
        return Chain(config_file, config, rehearsal.synth(config_file) / "cdk.tf.json")


class Run:
    """One fault's rehearsal: its servers, its copy of the stack, its deploys."""

    def __init__(self, rehearsal: Rehearsal, config_file: Path, synthesized: Path, case: Case) -> None:
        self.rehearsal = rehearsal
        self.config_file = config_file
        self.case = case
        self.stack_dir = rehearsal.stack_dir(config_file.stem)
        self.document = json.loads(synthesized.read_text(encoding="utf-8"))
        self.write_stack(self.document)

    def write_stack(self, document: dict) -> None:
        (self.stack_dir / "cdk.tf.json").write_text(json.dumps(document, indent=2), encoding="utf-8")

    def with_timeouts(self) -> dict:
        """The stack with the case's short ``timeouts`` on its resources of each type."""
        document = json.loads(json.dumps(self.document))
        for kind, timeouts in self.case.timeouts.items():
            for resource in document.get("resource", {}).get(kind, {}).values():
                resource["timeouts"] = timeouts
        return document

    def deploy(self, *, deadline: int | None = None, on_call: Callable[[int], None] | None = None,
               gcs: str | None = None) -> Deployed:
        """The product's deploy, bounded by ``DEPLOY_BOUND`` (S5); ``on_call`` gets the process group's id, to
        kill it from the local API's watcher; ``gcs``: the state bucket's server, when not the rehearsal's own."""
        sessions.may_start()
        env = self.rehearsal.env()
        if deadline:
            env["DEPLOY_DEADLINE"] = str(deadline)
        if gcs:
            env.update(state_bucket_env(gcs))
        started = time.monotonic()
        # A session of its own (the faults kill all of it), watched (sessions.Watchdog: nothing of it outlives the
        # campaign).
        with subprocess.Popen([str(VENV_BIN / "python"), "-m", "constructs_lib.deploy", "deploy",
                               str(self.config_file), "--auto-approve"], cwd=ROOT, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              start_new_session=True) as process, sessions.Watchdog(process.pid):
            if on_call is not None:
                on_call(process.pid)
            try:
                output, _ = process.communicate(timeout=DEPLOY_BOUND)
                code: int | None = process.returncode if process.returncode >= 0 else None
            except subprocess.TimeoutExpired:
                sessions.kill(process.pid)
                output, _ = process.communicate()
                code = None
        return Deployed(code, output, time.monotonic() - started)

    def run_step(self, command: str) -> str:
        """One printed command, run as printed (``terraform`` is the project's; ``gcloud`` the local API's)."""
        sessions.may_start()
        argv = shlex.split(command, comments=True)
        if argv[0] == "gcloud":
            return self._gcloud(command)
        result = subprocess.run([str(VENV_BIN / "terraform"), *argv[1:]], cwd=ROOT, env=self.rehearsal.env(),
                                capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=DEPLOY_BOUND)
        if result.returncode:
            raise StepFailed(f"`{command}` failed: {(result.stdout + result.stderr).strip()[-400:]}")
        return result.stdout

    def _gcloud(self, command: str) -> str:
        """The gcloud check of duplicate alert policies, against the local API: list the display name's policies,
        delete each one that is not the state's. Returns what it deleted."""
        argv = shlex.split(command, comments=True)
        if argv[:4] != ["gcloud", "monitoring", "policies", "list"]:  # the delete: done here, for each name listed
            return ""
        options = dict(a[2:].split("=", 1) for a in argv[4:] if a.startswith("--") and "=" in a)
        shown = options["filter"].split("=", 1)[1].strip('"')
        keep = command.rsplit("# keep ", 1)[1].split()[0]  # "none": the state holds none, delete every one
        gcp = self.rehearsal.gcp
        with gcp.lock:
            extra = [key for key, policy in gcp.monitoring.policies().items()
                     if policy.get("displayName") == shown and key != keep]
            for key in extra:
                gcp.store.pop(key)
        return " ".join(extra)


class StepFailed(Exception):
    pass


# Case.kill_with: how the faulted deploy is stopped.
STOPS: dict[str, Callable[[int], None]] = {"SIGKILL": sessions.kill, "SIGINT": sessions.ctrl_c}


def steps_of(output: str) -> list[str]:
    """The recovery commands a deploy printed (``to recover …`` and the guard's import), in order."""
    return [m.group(1) for m in map(_STEP.match, output.splitlines()) if m]


def run_case(case: Case, chain: Chain) -> Outcome:
    """One fault against its own local API and GCS server; never raises (a failure to run it is its problem)."""
    config_file, config = chain.config_file, chain.config
    outcome = Outcome(case)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix=f"faults-{case.name}-"))
    try:
        with Rehearsal(workdir) as rehearsal:
            rehearsal.seed(config)
            # The APIs already on, as in most projects: their enables (the provider batches them for 3 s and more)
            # would add seconds to every fault and meet none.
            rehearsal.gcp.enabled_services.setdefault(config.project, set()).update(
                required_apis(config.has_connector, has_alerts=config.alerts is not None))
            before = set(rehearsal.gcp.store)
            run = Run(rehearsal, config_file, chain.synthesized, case)
            region = f"projects/{config.project}/regions/{config.region}"
            watch = Watch({f"{region}/addresses/{name}" for name in config.address_names},
                          f"{region}/routers/{config.router_name}", config.nat_name)
            rehearsal.gcp.faults.watchers.append(watch)
            if case.first_deploy:
                first = run.deploy()
                if first.code != 0:
                    outcome.problems.append(f"the first deploy, without faults, failed: {_tail(first.output)}")
                    return outcome
            _faulted(run, case, outcome)
            if not outcome.problems:
                _recover(run, outcome)
            # The last deploy's own plan is the second plan when it had nothing to apply; else one more plan.
            if not outcome.problems and "nothing to apply for" not in outcome.deploys[-1].output:
                sessions.may_start()  # as before each Terraform command of the campaign's own
                plan = rehearsal.converged(run.stack_dir)
                if plan.changes:
                    outcome.problems.append(f"S1: the last plan is not empty:\n{plan.describe()}")
            if not outcome.problems:
                sessions.may_start()
                outcome.problems += orphans_and_duplicates(rehearsal.gcp, rehearsal.state(run.stack_dir), before)
            outcome.problems += watch.breaches
    except Exception as failure:  # noqa: BLE001 - one fault's failure is its line, and the campaign goes on
        outcome.problems.append(f"the campaign could not run it: {failure}")
    finally:
        outcome.seconds = time.monotonic() - started
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    return outcome


def _faulted(run: Run, case: Case, outcome: Outcome) -> None:
    """The deploy with the fault; its printed step, if any, is run (the user's next step)."""
    gcp = run.rehearsal.gcp
    if case.timeouts:
        run.write_stack(run.with_timeouts())
    kill: list[Callable[[], None]] = []  # the kill (or Ctrl-C) of the faulted deploy, once it started
    if case.kill_on is not None:
        method, pattern = case.kill_on
        matcher = re.compile(pattern.replace("*", "[^/]*"))

        def killer(api) -> None:
            recent = api.requests[-1] if api.requests else None
            if recent and recent[0] == method and matcher.fullmatch(recent[1]) and kill:
                kill.pop()()

        gcp.faults.watchers.append(killer)
    gcp.faults.install(case.rules)
    stop = STOPS[case.kill_with]
    # The first state write passes: a first deploy writes the empty state as it starts, before it applies.
    with StateWriteLost(run.rehearsal.gcs.url, passes=0 if case.first_deploy else 1) if case.state_write_lost \
            else contextlib.nullcontext() as lossy:
        faulted = run.deploy(deadline=case.deadline, on_call=lambda pid: kill.append(lambda: stop(pid)),
                             gcs=lossy.url if lossy else None)
    outcome.deploys.append(faulted)
    gcp.faults.clear()
    if lossy is not None and not lossy.lost:
        outcome.problems.append("the fault never happened: no write of the state reached the bucket")
    if case.timeouts:
        run.write_stack(run.document)
    if faulted.code is None and case.kill_on is None:
        outcome.problems.append(f"S5: the deploy with the fault did not end within {DEPLOY_BOUND} s: killed")
        return
    if case.kill_on is not None and kill:
        outcome.problems.append(f"the fault never happened: no {case.kill_on[0]} {case.kill_on[1]} during the deploy")
    if case.rules and not gcp.faults.hits:
        outcome.problems.append("the fault never happened: no call matched its rules")
    _take_steps(run, faulted.output, outcome)


def _take_steps(run: Run, output: str, outcome: Outcome) -> None:
    steps = steps_of(output)
    if not steps:
        return
    changed = [run.run_step(step) for step in steps]
    if any(line.strip() for line in changed) or any(not s.startswith("gcloud") for s in steps):
        if outcome.steps:
            outcome.problems.append(f"S1: a second recovery step was needed: {steps}")
        outcome.steps = steps


def _recover(run: Run, outcome: Outcome) -> None:
    """Deploys without faults until one succeeds: at most one printed step in all (S1), each bounded (S5)."""
    for _ in range(3):
        deployed = run.deploy()
        outcome.deploys.append(deployed)
        if deployed.code is None:
            outcome.problems.append(f"S5: a deploy without faults did not end within {DEPLOY_BOUND} s: killed")
            return
        try:
            _take_steps(run, deployed.output, outcome)
        except StepFailed as failure:
            outcome.problems.append(f"S1: {failure}")
            return
        if deployed.code == 0 or outcome.problems:
            if deployed.code != 0:
                outcome.problems.append(f"S1: the deploy without faults failed: {_tail(deployed.output)}")
            return
    outcome.problems.append(f"S1: three deploys without faults did not converge: {_tail(deployed.output)}")


def _tail(output: str, lines: int = 12) -> str:
    return " | ".join(line.strip() for line in output.strip().splitlines()[-lines:] if line.strip())


def select(names: list[str] | None) -> list[Case]:
    """The cases named (every one when none is).

    Raises:
        ValueError: naming each unknown fault and the known ones.
    """
    unknown = sorted(set(names or ()) - {c.name for c in CASES})
    if unknown:
        raise ValueError(f"unknown fault(s) {', '.join(unknown)}; expected some of {', '.join(c.name for c in CASES)}")
    return [c for c in CASES if not names or c.name in names]


def run_all(cases: list[Case], *, each: Callable[[Outcome], None] = lambda outcome: None,
            parallel: int = PARALLEL) -> list[Outcome]:
    """Every case against its own local API, ``parallel`` at a time; ``each`` gets each outcome in the cases'
    order, as soon as it and those before it ended."""
    workdir = Path(tempfile.mkdtemp(prefix="faults-"))
    sessions.begin()
    try:
        chain = prepare_chain(workdir)
        return in_order(cases, lambda case: run_case(case, chain), each=each, parallel=parallel, grace=STOP_GRACE)
    finally:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


def campaign(names: list[str] | None = None, *, out: TextIO) -> int:
    """Run the faults (all, or those named); print one line each and the count. Returns the exit code."""
    try:
        cases = select(names)
    except ValueError as problem:
        print(one_line(f"error: FAULT: {problem}"), file=out)  # FAULT holds what a user typed
        return 2
    try:
        outcomes = run_all(cases, each=lambda outcome: print(outcome.line(), file=out, flush=True))
    except KeyboardInterrupt:
        print("error: faults interrupted (Ctrl-C); their deploys were killed and their local APIs thrown away",
              file=out, flush=True)
        return 130
    survived = sum(o.survived for o in outcomes)
    print(f"faults survived: {survived} of {len(cases)}", file=out, flush=True)
    return 0 if survived == len(cases) else 1
