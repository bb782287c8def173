"""``make faults``: every fault of rehearsal/faults/cases.py, with the real google provider 6.50.0 against the local
GCP API, is survived (S1-S5), and each one goes the way the provider's source says it does.

Each fault runs once per session, as background work beside the rest of the suite; each test reads outcomes. The
provider's behaviour each fault meets (google/ of terraform-provider-google at v6.50.0):

- 429/503: retried by the transport, 0.5 s first, Retry-After ignored (transport/retry_transport.go:113-158,
  error_retry_predicates.go:504-515); an alert policy's create aborts on a 429 only once the transport gave up
  (Is429QuotaError, error_retry_predicates.go:518-525).
- a 429 on every Cloud Run getIamPolicy: a loop with no deadline (tpgiamresource/iam.go:106-112), bounded by the
  deploy's DEPLOY_DEADLINE (constructs_lib/deploy/terraform.py).
- a reset after the commit: retried (isConnectionResetNetworkError, error_retry_predicates.go:114-119), into a 409
  for a named create (an orphan, adopted by the deploy) and a second object for an alert policy.
- a clean EOF after the commit: not retried (isIoEOFError wants io.ErrUnexpectedEOF, error_retry_predicates.go:
  98-111).
- an operation that ends in an error: the ID cleared for compute and connectors, the Cloud Run service tainted.
- a 404 right after a create: "Provider produced inconsistent result after apply"; during a refresh: the address
  is dropped from the state and planned as a create, which the plan guard refuses (rule recreate).
- SIGKILL of the apply: the GCS lock and an orphan are left.
- the router's NAT PATCH: a read-modify-write of nats with no fingerprint (services/compute/
  resource_compute_router_nat.go:2085-2108).
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from constructs_lib.deploy.terraform import INTERRUPTED
from rehearsal.driver import PROVIDER_BINARY, ROOT, provider_missing_message
from rehearsal.faults import sessions
from rehearsal.faults.campaign import Chain, Outcome, prepare_chain, run_case
from rehearsal.faults.cases import CASES, Case
from tests.support import background
from tests.support.background import Work
from tests.support.processes import child_env

pytestmark = pytest.mark.integration

ADOPTED = "exist in Google Cloud but not in its state"


_chain: list[Chain] = []
_chain_lock = threading.Lock()


def _fault(case: Case, folder: Path) -> Outcome:
    """One fault of the campaign, as ``make faults`` runs it; the chain is synthesized once, by the first."""
    with _chain_lock:
        if not _chain:
            _chain.append(prepare_chain(folder / "chain"))
    return run_case(case, _chain[0])


# Each fault is background work of its own (tests/support/background.py); its seconds in a whole warm `make test`:
# those that wait out a deadline or a timeout are the longest.
BACKGROUND = [Work(f"fault:{case.name}", functools.partial(_fault, case),
                   80 if case.deadline or case.timeouts else 35) for case in CASES]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    assert PROVIDER_BINARY.is_file(), provider_missing_message()
    return {case.name: background.result(f"fault:{case.name}") for case in CASES}


def test_the_campaign_covers_at_least_fourteen_faults():
    assert len(CASES) >= 14 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_the_fault_is_survived(outcomes, name):
    outcome = outcomes[name]
    assert outcome.survived, outcome.line()


def _codes(outcome: Outcome) -> list[int | None]:
    return [d.code for d in outcome.deploys]


def _said(outcome: Outcome, index: int) -> str:
    return outcome.deploys[index].output


@pytest.mark.parametrize("name", ["429-address-insert", "503-nat-router-patch", "429-alert-policy-create",
                                  "concurrent-router-edit"])
def test_a_throttled_or_raced_call_is_retried_within_the_same_deploy_with_no_step(outcomes, name):
    """The transport retries 429/503 at once (0.5 s), not after Retry-After's 60 s; a concurrent edit is not an
    error at all (last writer wins)."""
    outcome = outcomes[name]
    assert _codes(outcome)[0] == 0 and outcome.steps == []
    assert outcome.deploys[0].seconds < 60


def test_a_404_on_an_operations_poll_is_polled_again_in_the_same_deploy(outcomes):
    """An operation GCP has not made visible yet is not done, not failed: the provider polls it again 10 s later."""
    outcome = outcomes["404-operation-poll"]
    assert _codes(outcome) == [0, 0] and outcome.steps == []
    assert outcome.deploys[0].seconds >= 10


def test_an_api_enabled_moments_ago_fails_the_deploy_which_says_to_wait_and_the_next_one_succeeds(outcomes):
    """The provider does not retry Google's 403 SERVICE_DISABLED; make deploy names the API and says to wait."""
    outcome = outcomes["403-api-not-yet-on-run-create"]
    assert _codes(outcome) == [1, 0] and outcome.steps == []
    assert "# run.googleapis.com: Google Cloud answered that the API is not enabled, although the stack enables it " \
           "before anything uses it" in _said(outcome, 0)


def test_a_state_write_lost_at_the_end_of_an_apply_is_pushed_and_nothing_is_made_twice(outcomes):
    """Terraform keeps the applied state in errored.tfstate; make deploy prints its push, which the campaign runs, and
    the next deploy has nothing to apply (S3 holds: nothing created again, no orphan)."""
    outcome = outcomes["503-state-write"]
    assert _codes(outcome) == [1, 0]
    assert 'the state has been written to the file "errored.tfstate"' in " ".join(_said(outcome, 0).split())
    (step,) = outcome.steps
    assert step.startswith("terraform -chdir=") and step.endswith("/stacks/faults state push errored.tfstate")
    assert "nothing to apply for" in _said(outcome, 1)


def test_a_getiampolicy_429_loop_is_interrupted_at_the_deploys_deadline(outcomes):
    outcome = outcomes["persistent-429-run-getiampolicy"]
    assert _codes(outcome)[0] == 1
    deadline = next(case.deadline for case in CASES if case.name == "persistent-429-run-getiampolicy")
    assert f"was still running after {deadline} s (the deploy's deadline, DEPLOY_DEADLINE)" in _said(outcome, 0)
    assert _codes(outcome)[-1] == 0


@pytest.mark.parametrize("name", ["reset-after-commit-address-insert"])
def test_a_lost_answer_retried_into_a_409_is_adopted_by_the_same_deploy(outcomes, name):
    outcome = outcomes[name]
    assert ADOPTED in _said(outcome, 0) and _codes(outcome)[0] == 0 and outcome.steps == []


@pytest.mark.parametrize("name", ["close-after-commit-subnetwork-insert", "connector-operation-error",
                                  "operation-never-done", "404-first-read-after-create"])
def test_a_create_that_fails_after_the_commit_leaves_an_orphan_the_next_deploy_adopts(outcomes, name):
    outcome = outcomes[name]
    assert _codes(outcome)[0] == 1 and outcome.steps == []
    assert ADOPTED in _said(outcome, 1) and _codes(outcome)[1] == 0


def test_a_404_right_after_create_is_an_inconsistent_result(outcomes):
    assert "Provider produced inconsistent result after apply" in _said(outcomes["404-first-read-after-create"], 0)


def test_an_unnamed_create_retried_after_a_reset_leaves_a_duplicate_that_the_printed_check_removes(outcomes):
    outcome = outcomes["reset-after-commit-alert-policy-create"]
    assert _codes(outcome)[0] == 0
    assert outcome.steps and all(step.startswith("gcloud monitoring policies ") for step in outcome.steps)


def test_a_failed_revision_leaves_the_service_tainted_and_the_printed_untaint_recovers_it(outcomes):
    outcome = outcomes["run-operation-error"]
    assert _codes(outcome) == [1, 0]
    (step,) = outcome.steps
    assert " untaint google_cloud_run_v2_service." in step


def test_a_failed_label_update_leaves_the_address_tainted_and_the_printed_untaint_keeps_it(outcomes):
    """Without the untaint every deploy would stop at prevent_destroy: the next plan replaces a tainted address."""
    outcome = outcomes["setlabels-operation-error"]
    assert _codes(outcome) == [1, 0]
    assert "Error waiting for Updating ComputeAddress Labels" in _said(outcome, 0)
    (step,) = outcome.steps
    assert " untaint google_compute_address.Chain_Addresses_Address-faults-origin-ip_" in step
    assert not any(ADOPTED in d.output for d in outcome.deploys)


def test_an_address_lost_by_refresh_is_refused_by_the_guard_and_kept_by_the_state(outcomes):
    """The plan's refresh drops the address and plans a create (a new IP); the guard refuses it, nothing is applied,
    so the state, which a plan does not write, still holds it: the next deploy finds it again, with no step."""
    outcome = outcomes["404-address-refresh"]
    assert _codes(outcome) == [1, 0] and outcome.steps == []
    assert "[recreate]" in _said(outcome, 0) and "the state still holds google_compute_address." in _said(outcome, 0)


def test_a_killed_apply_leaves_a_lock_the_printed_force_unlock_releases_then_the_orphan_is_adopted(outcomes):
    outcome = outcomes["sigkill-apply-after-create"]
    assert _codes(outcome)[0] is None and _codes(outcome)[-1] == 0
    assert " force-unlock -force " in outcome.steps[0]
    assert all(step.startswith("gcloud monitoring policies ") for step in outcome.steps[1:])
    assert any(ADOPTED in d.output for d in outcome.deploys[1:])


def _interrupted(outcome: Outcome) -> str:
    """The Ctrl-C'd deploy's output: passed on to Terraform once, waited for, said without a traceback."""
    said = _said(outcome, 0)
    assert _codes(outcome)[0] == INTERRUPTED, said[-3000:]
    assert "`terraform apply` in " in said and "was interrupted (SIGINT, each passed on to Terraform as Ctrl-C)" in said
    assert "Traceback" not in said and "force-unlock" not in said  # Terraform released the lock itself
    assert "unable to finish polling, context has been cancelled" in said  # the provider's wait, stopped
    return said


def test_ctrl_c_during_an_address_insert_leaves_an_orphan_the_next_deploy_adopts(outcomes):
    outcome = outcomes["ctrl-c-address-insert"]
    said = _interrupted(outcome)
    assert "Error waiting to create Address" in said
    assert _codes(outcome)[1:] == [0] and outcome.steps == []
    assert ADOPTED in _said(outcome, 1)


def test_ctrl_c_during_an_addresss_label_update_leaves_it_tainted_and_the_deploy_prints_its_untaint(outcomes):
    """A tainted address would be replaced by the next plan (a new IP), which prevent_destroy refuses: every
    deploy would fail until it is untainted."""
    outcome = outcomes["ctrl-c-address-labels"]
    said = _interrupted(outcome)
    assert "Error waiting for Updating ComputeAddress Labels" in said
    (step,) = outcome.steps
    assert " untaint google_compute_address.Chain_Addresses_Address-faults-origin-ip_" in step
    assert _codes(outcome)[1:] == [0] and not any(ADOPTED in d.output for d in outcome.deploys)


def _deploys_of(parent: int) -> list[int]:
    """The product deploys (``python -m constructs_lib.deploy``) that ``parent`` started."""
    found = []
    for pid, ppid, _ in sessions.processes():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if ppid == parent and b"constructs_lib.deploy" in command:
            found.append(pid)
    return found


def test_ctrl_c_of_make_faults_kills_its_deploys_and_says_so(tmp_path):
    """The deploys run in sessions of their own, out of reach of the terminal's Ctrl-C: the campaign kills them
    itself, instead of waiting for each running fault to end before it stops (a traceback then)."""
    # PYTHONFAULTHANDLER: a campaign still running long after the Ctrl-C is sent SIGABRT, and prints where each of
    # its threads waits.
    campaign = subprocess.Popen([sys.executable, "-m", "rehearsal.faults", "operation-never-done"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                env=child_env(PYTHONFAULTHANDLER="1"))
    try:
        deadline = time.monotonic() + 240
        while not (deploys := _deploys_of(campaign.pid)):
            assert campaign.poll() is None, campaign.communicate()
            assert time.monotonic() < deadline, "no deploy started"
            time.sleep(0.1)
        os.killpg(campaign.pid, signal.SIGINT)  # the terminal's Ctrl-C: the campaign's process group
        try:
            out, err = campaign.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            campaign.send_signal(signal.SIGABRT)
            out, err = campaign.communicate()
            raise AssertionError(f"make faults still ran 120 s after a Ctrl-C; its threads:\n{err[-6000:]}") from None
        assert campaign.returncode == 130, out + err
        assert out == "error: faults interrupted (Ctrl-C); their deploys were killed and their local APIs thrown away\n"
        assert "Traceback" not in err
        assert all(sessions.members(deploy) == [] for deploy in deploys)
    finally:
        if campaign.poll() is None:
            os.killpg(campaign.pid, signal.SIGKILL)
            campaign.communicate()


def test_make_rehearse_with_a_faults_file_deploys_through_the_fault_and_says_where_it_hit(tmp_path):
    """FAULTS= (``rehearse(faults_file=)``): the rules hold during the deploy, each hit is printed, and the plan
    after it runs without them. A 429 on the first address insert is retried by the transport, so the deploy
    passes."""
    from io import StringIO

    from rehearsal.driver import ROOT
    from rehearsal.rehearse import rehearse

    faults = tmp_path / "faults.toml"
    faults.write_text('[[fault]]\nmethod = "POST"\npath = "/compute/v1/projects/*/regions/*/addresses"\n'
                      'status = 429\nretry_after = 60\n')
    out, err = StringIO(), StringIO()
    code = rehearse(ROOT / "environments" / "example.toml", faults_file=faults, out=out, err=err)
    assert code == 0, err.getvalue()
    said = out.getvalue()
    assert f"rehearsal: faults: 1 rule from {faults}, until the deploy ends\n" in said
    assert ("rehearsal: fault: status 429 on POST /compute/v1/projects/my-gcp-project/regions/asia-northeast3/"
            "addresses\n") in said
    assert "rehearsal: second plan: no changes\n" in said
