"""The plan guard on real plans: the google provider 6.50.0 against the local GCP API, as in test_rehearsal.py.

Each scenario deploys a stack, then plans a change that would lose an allowlisted IP: a changed ``name``, a lower
``static_ip_count``, an address lost from state by a 404 during refresh, a NAT left without an active IP. The
guard (``constructs_lib.guard.check``) must refuse each plan; the same changes with ``[egress] release_ips`` or
``forget_ips`` must pass it and, applied, release the address (gone from the local API) or forget it (still
there, out of state). ``make rehearse FROM=`` is rehearsed too. The scenarios are background work, like test_rehearsal's;
the last test holds the HCP Terraform policy set's Rego to the Python guard on every plan of every scenario and
every other plan a rehearsal made in the session (tests/support/plans_seen.py).
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.guard import Violation, check, notices, recreated_egress, retire_reminders
from constructs_lib.deploy.terraform import PLAN_FILE
from constructs_lib.report.plan_allowlist import allowlist_change
from rehearsal.driver import Plan, Rehearsal, load_one
from rehearsal.localgcp import gcloud
from rehearsal.rehearse import rehearse
from rehearsal.tomlfile import dumps as toml_dumps
from tests.integration import test_rehearsal
from tests.integration.test_rehearsal import Recorded, Steps, example_doc, last, recorded
from tests.support import background, plans_seen
from tests.support.background import Work
from tests.support.paths import ROOT
from tests.support.synth import ADDRESS, CONNECTOR, NAT, NAT_ADDRESS, ROUTER

pytestmark = pytest.mark.integration

P, R = "my-gcp-project", "asia-northeast3"
ADDRESSES = f"projects/{P}/regions/{R}/addresses/"
OPA = ROOT / ".tools" / "opa" / "opa"
POLICY_SET = ROOT / "policy-set"


def _count(n: int, **egress: Any) -> dict[str, Any]:
    doc = example_doc()
    doc["egress"] = {"static_ip_count": n, **egress}
    return doc


def _addresses(rehearsal: Rehearsal) -> list[str]:
    return sorted(k[len(ADDRESSES):] for k in rehearsal.gcp.store if k.startswith(ADDRESSES))


def _state(steps: Steps) -> list[str]:
    assert steps.stack_dir is not None
    return steps.rehearsal.terraform(steps.stack_dir, "state", "list").stdout.split()


def lowered_count(workdir: Path) -> Recorded:
    """static_ip_count 3 → 2: refused; with release_ips the third address is released; a second stack forgets it."""
    with Rehearsal(workdir / "release") as rehearsal:
        steps = Steps(rehearsal, "lowered")
        steps.apply("three", _count(3))
        steps.plan("two", _count(2))
        steps.apply("two-released", _count(2, release_ips=["cloud-run-origin-ip-3"]))
        steps.recorded.facts["released"] = _addresses(rehearsal)
        steps.recorded.facts["released_state"] = _state(steps)
        steps.apply("key-removed", _count(2))
        recorded = steps.recorded
    with Rehearsal(workdir / "forget") as rehearsal:
        steps = Steps(rehearsal, "lowered")
        steps.apply("three", _count(3))
        steps.apply("two-forgotten", _count(2, forget_ips=["cloud-run-origin-ip-3"]))
        recorded.facts["forgotten"] = _addresses(rehearsal)
        recorded.facts["forgotten_state"] = _state(steps)
        recorded.plans.update({f"forget:{k}": v for k, v in steps.recorded.plans.items()})
    return recorded


def changed_name(workdir: Path) -> Recorded:
    """name = "cloud-run" → "edge": every resource renamed, the address released with it unless the file says so.
    Planned without a key (refused), then applied in two estates: with release_ips (the address is released) and
    with forget_ips (it stays reserved, out of state)."""
    def renamed(**egress: list[str]) -> dict[str, Any]:
        doc = example_doc()
        doc["name"] = "edge"
        doc["network"]["subnet_cidr"] = "10.124.0.16/28"
        doc["egress"].update(egress)
        return doc

    recorded = Recorded()
    for case, key in (("released", "release_ips"), ("forgotten", "forget_ips")):
        with Rehearsal(workdir / case) as rehearsal:
            steps = Steps(rehearsal, "renamed")
            steps.apply("deployed", example_doc())
            if case == "released":
                steps.plan("renamed", renamed())
            steps.apply(f"renamed-{case}", renamed(**{key: ["cloud-run-origin-ip"]}))
            recorded.facts[case] = _addresses(rehearsal)
            recorded.facts[f"{case}_state"] = _state(steps)
            recorded.plans.update({f"{case}:{k}": v for k, v in steps.recorded.plans.items()})
    return recorded


def lost_on_refresh(workdir: Path) -> Recorded:
    """The address answers 404 while Terraform refreshes: it leaves the state, and the plan creates it anew."""
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "lost")
        steps.apply("deployed", example_doc())
        rehearsal.gcp.lost_on_read.add(ADDRESSES + "cloud-run-origin-ip")
        steps.plan("lost", example_doc())
        steps.recorded.facts["addresses"] = _addresses(rehearsal)
        return steps.recorded


def changed_ip(workdir: Path) -> Recorded:
    """Two addresses of the NAT deleted and reserved again outside Terraform, as gcloud does it (out of the NAT,
    deleted, created, back into the NAT): one the stack created, one it adopted (``existing_ips``, a data source).
    The refresh finds each name with a new IP, and the plan changes no address. Planned, then applied (the state
    and the outputs take the new IPs); then the adopted one is deleted for good, and make diff's plan fails."""
    created, adopted = "cloud-run-origin-ip-2", "kept-ip"
    doc = _count(2, existing_ips=[adopted])
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "changed")
        steps.apply("deployed", doc)
        gcp = rehearsal.gcp
        steps.recorded.facts["before"] = {n: gcp.store[ADDRESSES + n]["address"] for n in (created, adopted)}
        pool = [last(link) for link in steps.nat("cloud-run-router")["natIps"]]
        gcloud.nats_update_ips(gcp, P, R, "cloud-run-nat", router="cloud-run-router",
                               addresses=[n for n in pool if n not in (created, adopted)])
        for name in (created, adopted):
            gcloud.addresses_delete(gcp, P, R, name)
            gcloud.addresses_create(gcp, P, R, name)
        gcloud.nats_update_ips(gcp, P, R, "cloud-run-nat", router="cloud-run-router", addresses=pool)
        steps.recorded.facts["after"] = {n: gcp.store[ADDRESSES + n]["address"] for n in (created, adopted)}
        steps.apply("changed", doc)
        assert steps.stack_dir is not None
        steps.recorded.facts["outputs"] = rehearsal.outputs(steps.stack_dir)["static_ips"]
        # Then deleted for good: the adopted address's read fails, and make diff names the file's key.
        gcloud.nats_update_ips(gcp, P, R, "cloud-run-nat", router="cloud-run-router",
                               addresses=[n for n in pool if n != adopted])
        gcloud.addresses_delete(gcp, P, R, adopted)
        steps.recorded.facts["gone"] = steps.deploy_command("diff", doc)
        return steps.recorded


def put_in_outside(workdir: Path) -> Recorded:
    """An operator reserves an address and adds it to the NAT by hand (gcloud): the next plan takes it out of the
    NAT. Refused; planned again with it adopted (existing_ips: the NAT keeps it); applied with forget_ips (out of
    the NAT, still reserved)."""
    extra = "ops-extra-ip"
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "outside")
        steps.apply("deployed", example_doc())
        gcp = rehearsal.gcp
        gcloud.addresses_create(gcp, P, R, extra)
        gcloud.nats_update_ips(gcp, P, R, "cloud-run-nat", router="cloud-run-router",
                               addresses=["cloud-run-origin-ip", extra])
        steps.plan("outside", example_doc())
        steps.plan("adopted", _count(1, existing_ips=[extra]))
        steps.apply("forgotten", _count(1, forget_ips=[extra]))
        steps.recorded.facts["nat_ips"] = sorted(last(link) for link in steps.nat("cloud-run-router")["natIps"])
        steps.recorded.facts["addresses"] = _addresses(rehearsal)
        return steps.recorded


def nat_ips_deleted(workdir: Path) -> Recorded:
    """The NAT's IP list (its google_compute_router_nat_address) left out of the synthesized JSON, as a changed
    construct ID would: planned (refused), then applied anyway, to see what the provider's delete leaves the NAT."""
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "cropped")
        steps.apply("two", _count(2))
        before = steps.nat("cloud-run-router")["natIps"]
        stack_dir = rehearsal.synth(steps.file)
        path = stack_dir / "cdk.tf.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        del doc["resource"][NAT_ADDRESS]
        for resources in doc["resource"].values():  # and every depends_on naming it (the workloads')
            for resource in resources.values():
                if "depends_on" in resource:
                    resource["depends_on"] = [d for d in resource["depends_on"] if not d.startswith(NAT_ADDRESS)]
        path.write_text(json.dumps(doc), encoding="utf-8")
        steps.recorded.plans["deleted"] = rehearsal.plan(stack_dir)
        rehearsal.terraform(stack_dir, "apply", "-no-color", "-input=false", "rehearsal.tfplan")
        steps.recorded.facts["nat_ips"] = {"before": [last(link) for link in before],
                                           "after": [last(link) for link in steps.nat("cloud-run-router")["natIps"]]}
        return steps.recorded


def nat_without_ip(workdir: Path) -> Recorded:
    """Every IP of the NAT sent to drain_nat_ips (an override of the synthesized JSON: validation refuses it in the
    file): the NAT is left with no active IP."""
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "drained")
        steps.apply("two", _count(2))
        stack_dir = rehearsal.synth(steps.file)
        path = stack_dir / "cdk.tf.json"
        doc = json.loads(path.read_text(encoding="utf-8"))
        # The NAT's IPs live in its NatAddress (google_compute_router_nat_address) beside it.
        (ips,) = doc["resource"][NAT_ADDRESS].values()
        ips["drain_nat_ips"], ips["nat_ips"] = ips["nat_ips"], []
        path.write_text(json.dumps(doc), encoding="utf-8")
        steps.recorded.plans["all-draining"] = rehearsal.plan(stack_dir)
        return steps.recorded


def moved_network(workdir: Path) -> Recorded:
    """The router re-created (a -replace; Google Cloud deletes a router's NATs with it): the NAT and its IP list are
    re-created with it (replace_triggered_by) and the NAT comes back with its IPs. Fewer connector instances re-create
    the connector (planned, with the guard's notice). Then [network] vpc changed, and
    subnet_cidr moved to a range that does not contain the deployed one: both replace the subnet under its own
    name, which GCP refuses mid-apply after the router and NAT went (refused: name-taken). Then the documented
    move: another network with new names (name) and the address kept by its name (static_ip_names)."""
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "moved")
        steps.apply("deployed", example_doc())
        assert steps.stack_dir is not None
        before = steps.nat("cloud-run-router")["natIps"]
        steps.recorded.facts["ip"] = rehearsal.gcp.store[ADDRESSES + "cloud-run-origin-ip"]["address"]
        (router,) = [a for a in _state(steps) if a.startswith(f"{ROUTER}.")]
        steps.recorded.plans["router-replaced"] = rehearsal.plan(steps.stack_dir, f"-replace={router}")
        rehearsal.terraform(steps.stack_dir, "apply", "-no-color", "-input=false", "rehearsal.tfplan")
        steps.recorded.facts["nat_ips"] = {"before": [last(link) for link in before],
                                           "after": [last(link) for link in steps.nat("cloud-run-router")["natIps"]]}
        steps.recorded.plans["router-replaced:after"] = rehearsal.converged(steps.stack_dir)
        fewer = example_doc()
        fewer["connector"] = {"max_instances": 5}  # from gcloud's 10: only growing is in place
        steps.plan("fewer-instances", fewer)
        rehearsal.gcp.compute.add_network(P, "other")
        moved = example_doc()
        moved["network"]["vpc"] = "other"
        steps.plan("other-vpc", moved)
        disjoint = example_doc()
        disjoint["network"]["subnet_cidr"] = "10.124.0.16/28"
        steps.plan("other-range", disjoint)
        renamed = copy.deepcopy(moved)
        renamed["name"] = "edge"
        renamed["egress"] = {"static_ip_names": ["cloud-run-origin-ip"]}
        steps.apply("renamed", renamed)
        steps.recorded.facts["moved_nat_ips"] = [last(link) for link in steps.nat("edge-router")["natIps"]]
        steps.recorded.facts["addresses"] = {name: rehearsal.gcp.store[ADDRESSES + name]["address"]
                                             for name in _addresses(rehearsal)}
        steps.recorded.facts["routers"] = sorted(k.rsplit("/", 1)[-1] for k in rehearsal.gcp.store
                                                 if k.startswith(f"projects/{P}/regions/{R}/routers/"))
        return steps.recorded


def rehearsed_change(workdir: Path) -> Recorded:
    """make rehearse FROM=…: a lowered count refused with the guard's message, then allowed by release_ips. Every
    plan ``rehearse`` makes is recorded, for the policy set's equivalence test."""
    recorded = Recorded()
    files = workdir / "files"
    (files / "from").mkdir(parents=True)
    before = files / "from" / "change.toml"
    before.write_text(toml_dumps(_count(3)), encoding="utf-8")
    for case, doc in (("refused", _count(2)), ("released", _count(2, release_ips=["cloud-run-origin-ip-3"]))):
        after = files / case / "change.toml"
        after.parent.mkdir()
        after.write_text(toml_dumps(doc), encoding="utf-8")
        out = io.StringIO()

        def record(step: str, plan: dict[str, Any], case: str = case) -> None:
            recorded.plans[f"{case}:{step}"] = Plan(plan)

        recorded.facts[case] = (rehearse(after, from_file=before, out=out, err=out, on_plan=record), out.getvalue())
    return recorded


def deploy_command(workdir: Path) -> Recorded:
    """``python -m constructs_lib.deploy`` (what make diff and make deploy run after the synth) against the local API:
    a first deploy, a refused lower count (diff and deploy), then the same with release_ips."""
    recorded = Recorded()
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "made")
        env = rehearsal.env()

        def run(command: str, doc: dict[str, Any], *extra: str) -> tuple[int, str]:
            code, output = steps.deploy_command(command, doc, *extra, env=env)
            stack_dir = rehearsal.stack_dir(steps.file.stem)
            if (stack_dir / PLAN_FILE).is_file():  # the saved plan the guard read, for the equivalence test
                shown = rehearsal.terraform(stack_dir, "show", "-no-color", "-json", PLAN_FILE)
                recorded.plans[f"{len(recorded.plans)}-{command}"] = Plan(json.loads(shown.stdout))
            return code, output

        steps.write(_count(3))
        rehearsal.seed(load_one(steps.file))
        recorded.facts["unconfirmed"] = run("deploy", _count(3))
        recorded.facts["first"] = run("deploy", _count(3), "--auto-approve")
        recorded.facts["deployed"] = _addresses(rehearsal)
        recorded.facts["diff"] = run("diff", _count(2))
        recorded.facts["refused"] = run("deploy", _count(2), "--auto-approve")
        recorded.facts["after_refusal"] = _addresses(rehearsal)
        recorded.facts["released"] = run("deploy", _count(2, release_ips=["cloud-run-origin-ip-3"]), "--auto-approve")
        recorded.facts["after_release"] = _addresses(rehearsal)
        recorded.facts["again"] = run("deploy", _count(2, release_ips=["cloud-run-origin-ip-3"]), "--auto-approve")
        renamed = _count(2)
        renamed["services"][0]["name"] = "payments"  # deletion_protection on (the default)
        recorded.facts["renamed"] = run("deploy", renamed, "--auto-approve")
        recorded.facts["services"] = sorted(k.rsplit("/", 1)[-1] for k in rehearsal.gcp.store if "/services/" in k)
    return recorded


GUARD_SCENARIOS = {
    "guard:deploy-command": deploy_command,
    "guard:lowered-count": lowered_count,
    "guard:changed-name": changed_name,
    "guard:lost-on-refresh": lost_on_refresh,
    "guard:changed-ip": changed_ip,
    "guard:put-in-outside": put_in_outside,
    "guard:nat-without-ip": nat_without_ip,
    "guard:nat-ips-deleted": nat_ips_deleted,
    "guard:moved-network": moved_network,
    "guard:rehearsed-change": rehearsed_change,
}
# Seconds in a whole warm `make test` (test_rehearsal.ESTIMATES); with test_rehearsal's two scenarios these tests
# read too (the same Work objects: each runs once).
ESTIMATES = {"guard:lowered-count": 120, "guard:changed-name": 120, "guard:rehearsed-change": 110,
             "guard:deploy-command": 105, "guard:moved-network": 90}
BACKGROUND = [*(Work(name, run, ESTIMATES.get(name, 40)) for name, run in GUARD_SCENARIOS.items()),
              *(w for w in test_rehearsal.BACKGROUND if w.name in ("connector-to-direct", "pool"))]


def rules(plan) -> list[tuple[str, str]]:
    return [(v.rule, v.name) for v in check(plan.json)]


# --- refused ----------------------------------------------------------------------------------------------


def test_a_lower_static_ip_count_is_refused_naming_the_address_and_its_ip():
    rec = recorded("guard:lowered-count")
    violations = check(rec.plans["two"].json)
    assert [(v.rule, v.name) for v in violations] == [("release", "cloud-run-origin-ip-3"),
                                                       ("undrained", "cloud-run-origin-ip-3")]
    release, undrained = violations
    assert release.address.startswith(f"{ADDRESS}.Chain_Addresses_Address-cloud-run-origin-ip-3_")
    assert release.ip and release.ip.startswith("203.0.113.") and undrained.ip == release.ip
    assert undrained.address.startswith(f"{NAT_ADDRESS}.")  # the NAT's IPs are its NatAddress's
    assert f"address cloud-run-origin-ip-3 ({release.ip}), releasing its IP" in release.message
    assert "release_ips" in release.message and "forget_ips" in release.message


def test_a_changed_name_is_refused():
    plans = recorded("guard:changed-name").plans
    assert ("release", "cloud-run-origin-ip") in rules(plans["released:renamed"])
    assert ("undrained", "cloud-run-origin-ip") in rules(plans["released:renamed"])


def test_an_address_lost_by_a_404_on_refresh_is_refused_as_a_recreate():
    rec = recorded("guard:lost-on-refresh")
    plan = rec.plans["lost"]
    assert list(plan.actions(ADDRESS).values()) == [["create"]]
    (violation,) = check(plan.json)
    assert (violation.rule, violation.name) == ("recreate", "cloud-run-origin-ip")
    assert violation.ip and violation.ip.startswith("203.0.113.")
    assert rec.facts["addresses"] == ["cloud-run-origin-ip"]  # still in GCP: only the refresh lost it


def test_an_address_created_again_outside_terraform_is_named_with_its_new_ip_in_the_allowlist_change():
    # Nothing in the plan releases or re-creates an address (the guard has nothing to refuse): the IPs changed
    # before it, outside Terraform, and the partner must hear of it from the plan's allowlist change.
    rec = recorded("guard:changed-ip")
    before, after = rec.facts["before"], rec.facts["after"]
    assert all(before[n] != after[n] for n in before)
    plan = rec.plans["changed"]
    assert set(map(tuple, plan.actions(ADDRESS).values())) == {("no-op",)}
    assert check(plan.json) == []
    text = "\n".join(allowlist_change(plan.json))
    assert "**the partner must allowlist the new IP now**, and may remove the old one:\n\n" + "\n".join(
        f"- `{after[n]}` ({n}), was `{before[n]}`" for n in ("cloud-run-origin-ip-2", "kept-ip")) + "\n" in text
    assert "starts using" not in text and "stops using" not in text
    assert not rec.plans["changed:after"].shown  # converged: the apply wrote the new IPs into the state
    assert {n: rec.facts["outputs"][n] for n in after} == after


def test_an_adopted_address_deleted_outside_terraform_is_named_by_make_diff_with_its_key():
    code, output = recorded("guard:changed-ip").facts["gone"]
    assert code == 1 and "Traceback" not in output
    assert f"[egress] existing_ips names kept-ip, which is no address of project {P} in {R}: a misspelt name, or an " \
           "address deleted outside Terraform" in output


def test_an_ip_put_into_the_nat_by_hand_is_refused_until_the_file_adopts_or_forgets_it():
    rec = recorded("guard:put-in-outside")
    (violation,) = check(rec.plans["outside"].json)
    assert (violation.rule, violation.name, violation.ip) == ("undrained", "ops-extra-ip", None)
    assert "it was put there outside Terraform (no address of this stack's state): keep it by adopting it " \
           "([egress] existing_ips; it can drain from there), or name it in [egress] forget_ips" in violation.message
    adopted = rec.plans["adopted"]
    assert check(adopted.json) == [] and adopted.actions(NAT_ADDRESS) and \
        set(map(tuple, adopted.actions(NAT_ADDRESS).values())) == {("no-op",)}
    assert check(rec.plans["forgotten"].json) == []
    assert notices(rec.plans["forgotten"].json) == [
        "[egress] forget_ips names ops-extra-ip, an address put into a NAT outside Terraform: this deploy takes it "
        "out of the NAT and it stays reserved (the stack never held it); once applied, remove it from the file"]
    assert "IPs this deploy stops using: they can leave the allowlist after it:\n\n- ops-extra-ip (put into the NAT " \
           "outside Terraform: its IP is not in this stack's state)" in "\n".join(
               allowlist_change(rec.plans["forgotten"].json))
    assert not rec.plans["forgotten:after"].shown
    assert rec.facts["nat_ips"] == ["cloud-run-origin-ip"]
    assert rec.facts["addresses"] == ["cloud-run-origin-ip", "ops-extra-ip"]


def test_deleting_the_nats_ip_list_is_refused_for_every_ip_the_providers_delete_takes_out():
    rec = recorded("guard:nat-ips-deleted")
    plan = rec.plans["deleted"]
    assert list(plan.actions(NAT_ADDRESS).values()) == [["delete"]]
    before, after = rec.facts["nat_ips"]["before"], rec.facts["nat_ips"]["after"]
    assert len(before) == 2 and after == before[:1]  # what the guard's model of the delete says
    assert [(v.rule, v.name) for v in check(plan.json)] == [("undrained", before[1])]
    said = "\n".join(allowlist_change(plan.json))
    assert "IPs this deploy stops using: they can leave the allowlist after it:\n\n- `" in said
    assert f"({before[1]})\n" in said and f"({before[0]})" not in said


def test_a_router_re_created_re_creates_its_nat_which_comes_back_with_its_ips():
    # Google Cloud deletes a router's NATs with it: without replace_triggered_by the plan kept the NAT (a no-op),
    # the apply left the chain with no NAT, and only the next plan found it gone.
    rec = recorded("guard:moved-network")
    plan = rec.plans["router-replaced"]
    replaced = {c["type"]: (c["change"]["actions"], c.get("action_reason")) for c in plan.changes}
    assert replaced == {ROUTER: (["delete", "create"], "replace_by_request"),
                        NAT: (["delete", "create"], "replace_by_triggers"),
                        NAT_ADDRESS: (["delete", "create"], "replace_by_triggers")}
    assert check(plan.json) == []
    (notice,) = notices(plan.json)
    assert notice.startswith(f"{NAT}.") and " re-creates NAT cloud-run-nat (lifecycle.replace_triggered_by: " in notice
    assert "nothing leaves the chain" in notice and "(cloud-run-origin-ip (203.0.113." in notice
    assert rec.facts["nat_ips"] == {"before": ["cloud-run-origin-ip"], "after": ["cloud-run-origin-ip"]}
    assert not rec.plans["router-replaced:after"].changes


def test_fewer_connector_instances_re_create_the_connector_with_a_notice():
    plan = recorded("guard:moved-network").plans["fewer-instances"]
    assert list(plan.actions(CONNECTOR).values()) == [["delete", "create"]]
    assert check(plan.json) == []
    (notice,) = notices(plan.json)
    assert " re-creates connector cloud-run-connector (max_instances cannot change in place): from its delete until " \
        "the new one is ready, the workloads on it reach nothing outside the VPC" in notice


def test_a_subnet_replaced_under_its_own_name_is_refused_before_the_nat_goes():
    # Applied, the other-vpc plan deleted the NAT and its router, re-created the router, then failed on the subnet
    # (409): the chain was left with no NAT, and the guard had let it through.
    rec = recorded("guard:moved-network")
    for step, forced in (("other-vpc", "network"), ("other-range", "ip_cidr_range")):
        violations = check(rec.plans[step].json)
        assert [(v.rule, v.name) for v in violations] == [("name-taken", "cloud-run-subnet")], step
        assert f"cloud-run-subnet ({forced} cannot change in place) by creating the new one first" in \
            violations[0].message
    actions = rec.plans["other-vpc"].actions(NAT)
    assert list(actions.values()) == [["delete", "create"]]


def test_moving_the_chain_with_new_names_keeps_the_address_and_its_ip():
    rec = recorded("guard:moved-network")
    plan = rec.plans["renamed"]
    assert check(plan.json) == []
    assert any(" re-creates NAT cloud-run-nat as edge-nat (router, name cannot change in place): " in n
               for n in notices(plan.json))
    assert not any("delete" in a for a in plan.actions(ADDRESS).values())
    assert rec.facts["moved_nat_ips"] == ["cloud-run-origin-ip"]
    assert rec.facts["addresses"] == {"cloud-run-origin-ip": rec.facts["ip"]}  # the IP deployed first
    assert rec.facts["routers"] == ["edge-router"]
    assert not rec.plans["renamed:after"].changes


def test_a_nat_left_without_an_active_ip_is_refused():
    plan = recorded("guard:nat-without-ip").plans["all-draining"]
    assert rules(plan) == [("no-active-ip", "cloud-run-nat")]


# --- allowed by the file --------------------------------------------------------------------------------


def test_release_ips_lets_the_lower_count_through_and_releases_the_address():
    rec = recorded("guard:lowered-count")
    assert check(rec.plans["two-released"].json) == []
    assert rec.facts["released"] == ["cloud-run-origin-ip-1", "cloud-run-origin-ip-2"]
    assert not [a for a in rec.facts["released_state"] if "origin-ip-3" in a]
    test_rehearsal.assert_converged(rec)


def test_forget_ips_lets_the_lower_count_through_and_keeps_the_address_out_of_state():
    rec = recorded("guard:lowered-count")
    plan = rec.plans["forget:two-forgotten"]
    assert check(plan.json) == []
    assert [a for a, act in plan.actions(ADDRESS).items() if act == ["forget"]] == [
        a for a in plan.actions(ADDRESS) if "origin-ip-3" in a]
    assert rec.facts["forgotten"] == ["cloud-run-origin-ip-1", "cloud-run-origin-ip-2", "cloud-run-origin-ip-3"]
    assert not [a for a in rec.facts["forgotten_state"] if "origin-ip-3" in a]
    assert [a for a in rec.facts["forgotten_state"] if a.startswith(ADDRESS)] and \
        len([a for a in rec.facts["forgotten_state"] if a.startswith(ADDRESS)]) == 2


def test_a_changed_name_passes_with_release_ips_and_releases_the_address():
    rec = recorded("guard:changed-name")
    plan = rec.plans["released:renamed-released"]
    assert check(plan.json) == []
    deleted = [a for a, act in plan.actions(ADDRESS).items() if act == ["delete"]]
    assert len(deleted) == 1 and "cloud-run-origin-ip" in deleted[0]
    # The old reservation is gone from the local API and from state; only the new name's address is left.
    assert rec.facts["released"] == ["edge-origin-ip"]
    in_state = [a for a in rec.facts["released_state"] if a.startswith(ADDRESS)]
    assert len(in_state) == 1 and "edge-origin-ip" in in_state[0]
    assert not rec.plans["released:renamed-released:after"].changes


def test_a_changed_name_passes_with_forget_ips_and_keeps_the_address_out_of_state():
    rec = recorded("guard:changed-name")
    plan = rec.plans["forgotten:renamed-forgotten"]
    assert check(plan.json) == []
    forgotten = [a for a, act in plan.actions(ADDRESS).items() if act == ["forget"]]
    assert len(forgotten) == 1 and "cloud-run-origin-ip" in forgotten[0]
    # Still reserved in the local API, beside the new name's address; only the new one is in state.
    assert rec.facts["forgotten"] == ["cloud-run-origin-ip", "edge-origin-ip"]
    in_state = [a for a in rec.facts["forgotten_state"] if a.startswith(ADDRESS)]
    assert len(in_state) == 1 and "edge-origin-ip" in in_state[0]
    assert not rec.plans["forgotten:renamed-forgotten:after"].changes


def test_the_key_left_in_the_file_after_the_deploy_changes_nothing():
    rec = recorded("guard:lowered-count")
    assert not rec.plans["two-released:after"].changes
    assert check(rec.plans["key-removed"].json) == []


# --- the documented procedures pass -----------------------------------------------------------------------


def test_the_documented_moves_pass_the_guard_and_only_the_removal_needs_release_ips():
    """docs/operations.md's procedures, applied by test_rehearsal.py: the move to direct egress and the pool's growth,
    standby and drain change no allowlisted IP; removing the drained address is a release the file must allow."""
    moves = recorded("connector-to-direct").plans
    pool = recorded("pool").plans
    steps = [*moves.items(), *((n, p) for n, p in pool.items() if not n.startswith("remove"))]
    for name, plan in steps:
        # A plan after a step is shown only when it changes something (Rehearsal.converged).
        assert check(plan.json) == [] if plan.shown else not plan.changes, name
    assert sum(plan.shown for _, plan in steps) >= 8
    assert [(v.rule, v.name) for v in check(pool["remove"].json)] == [("release", "cloud-run-origin-ip")]


# --- make diff / make deploy (python -m constructs_lib.deploy) ------------------------------------------


def test_make_deploy_needs_a_confirmation_or_auto_approve():
    code, output = recorded("guard:deploy-command").facts["unconfirmed"]
    assert code == 1 and "AUTO_APPROVE=1" in output, output


def test_make_deploy_applies_a_guarded_first_deploy():
    facts = recorded("guard:deploy-command").facts
    assert facts["first"][0] == 0, facts["first"][1]
    assert "plan guard: no allowlisted IP is released" in facts["first"][1]
    assert facts["deployed"] == ["cloud-run-origin-ip-1", "cloud-run-origin-ip-2", "cloud-run-origin-ip-3"]


def test_make_diff_and_make_deploy_refuse_a_lower_count_and_apply_nothing():
    facts = recorded("guard:deploy-command").facts
    for case in ("diff", "refused"):
        code, output = facts[case]
        assert code == 1, output
        assert "error: " in output and "made.toml: [release] google_compute_address." in output
        assert "cloud-run-origin-ip-3 (203.0.113." in output and "[undrained]" in output
        assert "the plan guard refuses this plan" in output and "Traceback" not in output
    assert facts["after_refusal"] == facts["deployed"]


def test_make_deploy_applies_what_release_ips_allows_then_says_to_remove_the_key():
    facts = recorded("guard:deploy-command").facts
    code, output = facts["released"]
    assert code == 0, output
    assert facts["after_release"] == ["cloud-run-origin-ip-1", "cloud-run-origin-ip-2"]
    assert "release_ips names cloud-run-origin-ip-3: once this deploy is applied, remove it" in output
    assert ("made.toml releases cloud-run-origin-ip-3, as [egress] release_ips and forget_ips allow; no other "
            "allowlisted IP is released, recreated or left undrained") in output, output
    assert "no allowlisted IP is released" not in output
    code, output = facts["again"]
    assert code == 0, output
    assert "nothing to apply" in output
    assert "release_ips names cloud-run-origin-ip-3, which is no address of this stack" in output


def test_make_deploy_refuses_renaming_a_protected_service_before_creating_the_new_one():
    # The provider refuses the old service's delete only during the apply: without the guard, payments was created
    # and production stayed, in the state and in Google Cloud, and every later deploy failed on the same delete.
    facts = recorded("guard:deploy-command").facts
    code, output = facts["renamed"]
    assert code == 1, output
    assert "[deletion-protected] google_cloud_run_v2_service.Chain_Service-production_" in output
    assert "Deleting takes two deploys: deletion_protection = false on it in the file, deployed, then the change" \
        in output
    assert "nothing was applied" in output
    assert facts["services"] == ["production"]


# --- make rehearse FROM= ----------------------------------------------------------------------------------


def test_rehearse_from_refuses_a_lower_count_with_the_guards_message():
    code, output = recorded("guard:rehearsed-change").facts["refused"]
    assert code == 1, output
    assert "[release]" in output and "cloud-run-origin-ip-3" in output
    assert "nothing was applied" in output


def test_rehearse_from_applies_a_released_change_and_plans_nothing_after():
    code, output = recorded("guard:rehearsed-change").facts["released"]
    assert code == 0, output
    assert "rehearsal: second plan: no changes" in output
    assert "release_ips names cloud-run-origin-ip-3: once this deploy is applied, remove it" in output
    assert ("change.toml releases cloud-run-origin-ip-3, as [egress] release_ips and forget_ips allow; no other "
            "allowlisted IP is released, recreated or left undrained") in output, output
    assert "no allowlisted IP is released" not in output


# --- the same rules in HCP Terraform ----------------------------------------------------------------------


def _every_plan() -> dict[str, dict[str, Any]]:
    """The plans of every scenario (``make rehearse FROM=``'s guarded plans included), then every other plan a
    rehearsal made in this session (the NAT rules', the engine tests', the migration guide's, the faults'), once all
    the session's background work ended (this test is marked to run last; tests/support/plans_seen.py)."""
    plans = {}
    for name, done in sorted(background.finished().items()):
        if not isinstance(done, Recorded):
            continue
        for step, plan in done.plans.items():
            if plan.shown:  # one never shown changes nothing (Rehearsal.converged): nothing to hold the rules to
                plans[f"{name} {step}"] = plan.json
    seen = {id(plan) for plan in plans.values()}
    for where, plan in list(plans_seen.SEEN):
        if id(plan) not in seen:
            plans[f"seen {where}"] = plan
    return plans


def _rego(plan: dict[str, Any], tmp_path: Path) -> tuple[list[dict[str, Any]], list[str], list[str], list[str]]:
    """The policy set's violations, deny, notes and reminders for one plan, as HCP Terraform's OPA input
    ({"plan": …})."""
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"plan": plan, "run": {"organization": {"name": "test"}}}), encoding="utf-8")
    result = subprocess.run([str(OPA), "eval", "--format", "json", "--data", str(POLICY_SET), "--input", str(path),
                             "data.terraform.policies.egress_ip_guard"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    value = json.loads(result.stdout)["result"][0]["expressions"][0]["value"]
    return value["violations"], value["deny"], value["notes"], value["reminders"]


def _as_python(found: list[Violation]) -> list[dict[str, Any]]:
    return sorted(({"rule": v.rule, "address": v.address, "name": v.name, "ip": v.ip, "message": v.message}
                   for v in found), key=lambda v: (v["rule"], v["address"], v["name"]))


@pytest.mark.after_every_rehearsal
def test_the_policy_sets_rego_and_the_guard_agree_on_every_plan_the_tests_produce(tmp_path):
    assert OPA.is_file(), f"{OPA} is missing: run through `make test`, which builds OPA (tools/opa.sh)"
    plans = _every_plan()
    assert len(plans) > 40
    refused = noted = reminded = 0
    for where, plan in plans.items():
        violations, deny, said, reminders = _rego(plan, tmp_path)
        expected = _as_python(check(plan))
        refused += bool(expected)
        assert sorted(violations, key=lambda v: (v["rule"], v["address"], v["name"])) == expected, where
        assert deny == sorted(v["message"] for v in expected), where
        assert said == sorted(recreated_egress(plan)), where
        assert reminders == sorted(retire_reminders(plan)), where
        noted += bool(said)
        reminded += bool(reminders)
    assert refused >= 4 and noted >= 3 and reminded >= 3, (refused, noted, reminded)
