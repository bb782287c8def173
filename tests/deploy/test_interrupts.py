"""Ctrl-C, SIGTERM and SIGHUP during ``make deploy``: each reaches Terraform exactly once, as an interrupt, and the
deploy waits for it to stop, reading all it prints, then says what happened without a traceback
(constructs_lib/deploy/terraform.py, ``Interrupts``).

The deploy runs in a child process of its own session, as ``python -m constructs_lib.deploy`` does, with a stand-in
Terraform that logs every command and signal it gets, then, on its first interrupt, keeps printing for a while as
Terraform does while it stops (``Still creating...``), and on its second exits at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from constructs_lib.deploy.terraform import INTERRUPTED
from tests.support.paths import ROOT
from tests.support.scripts import python_script

FAKE_TERRAFORM = '''\
import os, signal, sys, time
log = open(os.environ["FAKE_LOG"], "a", buffering=1)
command = sys.argv[1]
log.write(f"start {command} {os.getpid()}\\n")
if command == "show":
    print("{}")
    sys.exit(0)
received = []
def on_signal(number, frame):
    received.append(number)
    log.write(f"signal {signal.Signals(number).name}\\n")
    if len(received) == 2:
        log.write("exit at once\\n")
        os._exit(1)
signal.signal(signal.SIGINT, on_signal)
signal.signal(signal.SIGTERM, on_signal)
print(f"{command}: running", flush=True)
while not received:
    time.sleep(0.05)
try:
    print("Interrupt received. Gracefully shutting down...", flush=True)
    for tick in range(int(os.environ.get("FAKE_STOPPING_TICKS", "20"))):
        time.sleep(0.1)
        print(f"google_vpc_access_connector.connector: Still creating... [{tick}s elapsed]" + "." * 4000, flush=True)
    log.write("stopped gracefully\\n")
except BrokenPipeError:
    log.write("broken pipe\\n")
    os._exit(1)
sys.exit(1)
'''

# The deploy's own entry point, with the stand-in as its Terraform; ``HANG_BETWEEN`` makes ``init`` end at once and
# the deploy then wait in Python (between two Terraform commands) for a signal.
DRIVER = '''\
import functools, os, sys, time
import constructs_lib.deploy.__main__ as cli
from constructs_lib.deploy.terraform import Terraform

class Between(Terraform):
    def init(self):
        open(os.environ["FAKE_LOG"], "a").write("between\\n")
        time.sleep(60)

cls = Between if os.environ.get("HANG_BETWEEN") else Terraform
cli.Terraform = functools.partial(cls, binary=os.environ["FAKE_TERRAFORM"])
sys.exit(cli.main(["deploy", "environments/prod.toml", "--auto-approve"]))
'''


class Deploy:
    """``make deploy``'s Python in a session of its own (a terminal's job), with the stand-in Terraform."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        fake = python_script(tmp_path / "terraform", FAKE_TERRAFORM)
        (tmp_path / "out" / "stacks" / "prod").mkdir(parents=True)
        (tmp_path / "out" / "stacks" / "prod" / "cdk.tf.json").write_text("{}")
        self.log = tmp_path / "fake.log"
        self.log.touch()
        self.process = subprocess.Popen(
            [sys.executable, "-c", DRIVER], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "CDKTF_OUTDIR": str(tmp_path / "out"),
                 "FAKE_TERRAFORM": str(fake), "FAKE_LOG": str(self.log), **env})

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def wait_for(self, line: str) -> None:
        deadline = time.monotonic() + 60
        while not any(seen.startswith(line) for seen in self.lines()):
            assert self.process.poll() is None, f"the deploy ended before {line!r}: {self.process.communicate()}"
            assert time.monotonic() < deadline, f"never logged {line!r}: {self.lines()}"
            time.sleep(0.05)

    def ctrl_c(self) -> None:
        """What a terminal does: SIGINT to every process of the foreground job's group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def finish(self) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=120)
        return self.process.returncode, out, err

    def stop(self) -> None:
        """Whatever happened, nothing is left running."""
        for line in self.lines():
            if line.startswith("start "):
                try:
                    os.kill(int(line.split()[2]), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.communicate()


@pytest.fixture
def deploy(tmp_path):
    started: list[Deploy] = []

    def start(**env: str) -> Deploy:
        started.append(Deploy(tmp_path, **env))
        return started[-1]
    yield start
    for each in started:
        each.stop()


def test_ctrl_c_reaches_terraform_once_and_the_deploy_reads_all_it_prints_while_it_stops(deploy):
    run = deploy()
    run.wait_for("start init")
    run.ctrl_c()
    code, out, err = run.finish()
    assert run.lines().count("signal SIGINT") == 1, run.lines()
    assert "stopped gracefully" in run.lines(), run.lines()  # no broken pipe: its output was read to the end
    assert code == INTERRUPTED, err
    assert "Traceback" not in err
    assert "error: environments/prod.toml: `terraform init` in" in err
    assert "was interrupted (SIGINT, each passed on to Terraform as Ctrl-C); it stopped (exit 1)" in err
    assert "Still creating... [19s elapsed]" in err
    # Nothing but reading the state after it (the recovery advice): no plan, no apply.
    assert [line.split()[1] for line in run.lines() if line.startswith("start ")] == ["init", "show"]


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP], ids=lambda number: number.name)
def test_sigterm_or_sighup_to_the_deploy_alone_is_passed_on_as_one_interrupt(deploy, number):
    """A CI runner cancelling the job; the terminal gone (a dropped SSH session): Terraform stops as on Ctrl-C,
    state written and lock released, instead of dying mid-apply."""
    run = deploy()
    run.wait_for("start init")
    run.process.send_signal(number)
    code, _, err = run.finish()
    assert run.lines().count("signal SIGINT") == 1 and "signal SIGTERM" not in run.lines(), run.lines()
    assert "stopped gracefully" in run.lines()
    assert code == INTERRUPTED
    assert f"was interrupted ({number.name}, each passed on to Terraform as Ctrl-C)" in err


def test_a_second_ctrl_c_is_terraforms_second_interrupt(deploy):
    run = deploy(FAKE_STOPPING_TICKS="1200")  # still stopping at the second Ctrl-C, however slow the machine
    run.wait_for("start init")
    run.ctrl_c()
    run.wait_for("signal SIGINT")
    run.ctrl_c()
    code, _, err = run.finish()
    assert run.lines().count("signal SIGINT") == 2 and "exit at once" in run.lines(), run.lines()
    assert code == INTERRUPTED
    assert "(SIGINT, SIGINT, each passed on to Terraform as Ctrl-C)" in err


@pytest.mark.parametrize("stop", ["ctrl_c", "SIGTERM", "SIGHUP"])
def test_an_interrupt_between_terraform_commands_stops_the_deploy_without_a_traceback(deploy, stop):
    run = deploy(HANG_BETWEEN="1")
    run.wait_for("between")
    if stop == "ctrl_c":
        run.ctrl_c()
    else:
        run.process.send_signal(getattr(signal, stop))
    code, _, err = run.finish()
    assert code == INTERRUPTED
    assert "Traceback" not in err
    assert err.strip() == ("error: environments/prod.toml: interrupted between Terraform commands; nothing more was "
                           "run. `make diff` shows what is left to apply")
