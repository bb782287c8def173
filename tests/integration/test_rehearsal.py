"""What Terraform does with our stacks, shown by Terraform: the real google provider 6.50.0 plans and
applies them against the local GCP API (``localgcp``), with their GCS backend on fake-gcs-server.

Every scenario runs once per session, as background work started with the session, several at a time
(tests/support/background.py); each test then asserts on what its scenario recorded: the
plan JSON of each step (``resource_changes[].change.actions``), the outputs, the local API's store.
A scenario that failed fails the tests that read it, with Terraform's own message.
"""

from __future__ import annotations

import copy
import io
import json
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any, Callable

import pytest

from constructs_lib.deploy.recovery import recovery_commands, tainted_services
from constructs_lib.guard import check
from constructs_lib.facts.resources import ALERT_POLICY as POLICY, NAT_ADDRESS
from constructs_lib.report.allowlist import allowlist_entries
from constructs_lib.report.plan_allowlist import allowlist_change
from tests.support import background
from tests.support.background import Work
from tests.support.paths import FIXTURE_EXAMPLE, FIXTURES, ROOT, SHIPPED, SHIPPED_BOOTSTRAP, shipped, shipped_estate
from tests.support.environments import stated_address_names
from tests.support.processes import snapshot
from tests.support.project import project_copy
from rehearsal.driver import CDKTF, Plan, Rehearsal, RehearsalError, load_one, readable
from rehearsal.localgcp import LocalGcp
from rehearsal.rehearse import rehearse
from tests.support import steps
from tests.support.steps import Recorded
from tests.support.synth import ADDRESS, API, CONNECTOR, NAT, ROUTER, RUN, SUBNET
from rehearsal.tomlfile import dumps as toml_dumps

pytestmark = pytest.mark.integration
# Every shipped file: environments/example.toml, the examples of examples/ (kept out of environments/, so of
# every make diff), the bootstrap file.
REHEARSED = [*SHIPPED, SHIPPED_BOOTSTRAP]
ADOPT_EXAMPLE = shipped("adopt-guide-chain")
# Resources whose replacement or deletion would change the outbound IP or cut egress (a deleted NatAddress
# leaves the NAT with its first IP only: the provider's delete crops nat_ips to one).
KEPT = (ADDRESS, ROUTER, NAT, NAT_ADDRESS)


def example_doc() -> dict[str, Any]:
    """The tests' own copy of the example, which the scenarios change step by step."""
    return tomllib.loads(FIXTURE_EXAMPLE.read_text(encoding="utf-8"))


class Steps(steps.Steps):
    """The shared steps (tests/support/steps.py), and the world after a step."""

    def world(self, name: str, router: str = "cloud-run-router") -> None:
        """The local API's NAT, its addresses and the stack's allowlist after a step, as ``facts[name]``."""
        assert self.stack_dir is not None
        nat = self.nat(router)
        addresses = {v["name"]: v["address"] for k, v in self.rehearsal.gcp.store.items() if "/addresses/" in k}
        entries = allowlist_entries(self.rehearsal.state(self.stack_dir), stack=self.file.stem)
        self.recorded.facts[name] = {
            "nat_ips": sorted(last(link) for link in nat.get("natIps", [])),
            "drain_nat_ips": sorted(last(link) for link in nat.get("drainNatIps", [])),
            "addresses": addresses,
            "allowlist": sorted((e.name, e.ip, e.role, e.stack, e.project, e.region) for e in entries),
        }


def last(link: str) -> str:
    return link.rsplit("/", 1)[-1]


# --- the scenarios -----------------------------------------------------------------------------------


def environment_rehearsal(path: Path, workdir: Path) -> Recorded:
    """``make rehearse`` of one file (cdktf deploy, empty second plan, outputs), then ``terraform validate``."""
    out = io.StringIO()
    recorded = Recorded()
    before = [snapshot(ROOT / folder) for folder in ("environments", "examples")]
    code = rehearse(path, out=out, err=out, allowlist_root=workdir / "allowlists")
    recorded.facts["environments_untouched"] = [snapshot(ROOT / f) for f in ("environments", "examples")] == before
    recorded.facts["code"] = code
    recorded.facts["output"] = out.getvalue()
    recorded.facts["allowlists"] = {p.parent.name: json.loads(p.read_text()) for p in
                                    sorted((workdir / "allowlists").glob("*/allowlist.json"))}
    return recorded


def perpetual_diff(workdir: Path) -> Recorded:
    """``make rehearse`` of the example, where the Cloud Run service's image changes between the deploy and the
    second plan (a console edit; a field Google Cloud rewrites and the stack does not write as it does looks the
    same to Terraform): the rehearsal must fail on the second plan and name what it would change."""
    def edit_by_hand(gcp: LocalGcp) -> None:
        with gcp.lock:
            (key,) = [k for k in gcp.store if k.endswith("/services/production")]
            gcp.store[key]["template"]["containers"][0]["image"] += "-edited"

    out = io.StringIO()
    recorded = Recorded()
    recorded.facts["code"] = rehearse(shipped("example"), out=out, err=out, after_deploy=edit_by_hand)
    recorded.facts["output"] = out.getvalue()
    return recorded


def validate_every_stack(workdir: Path) -> Recorded:
    """``terraform validate`` with the real provider's schema on every shipped stack: ``make synth ENV=`` in a folder
    whose environments/ holds every shipped file."""
    recorded = Recorded()
    with Rehearsal(workdir) as rehearsal:
        env = rehearsal.env()
        env.pop("EGRESS_CONFIG", None)
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "main.py")],
                       cwd=shipped_estate(workdir / "estate"), env=env, check=True, capture_output=True, timeout=300)
        for stack_dir in sorted((rehearsal.outdir / "stacks").iterdir()):
            rehearsal.terraform(stack_dir, "init", "-no-color", "-input=false", "-backend=false")
            result = rehearsal.terraform(stack_dir, "validate", "-no-color", "-json", ok=(0, 1))
            recorded.facts[stack_dir.name] = json.loads(result.stdout)
    return recorded


def connector_to_direct(workdir: Path) -> Recorded:
    """The move from the connector (docs/operations.md) to Direct VPC egress, each step applied in turn to one state."""
    doc = example_doc()
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "moving")
        steps.apply("connector", doc)
        doc["network"]["direct_subnet_cidr"] = "10.124.80.0/24"
        steps.apply("prepare", doc)
        doc["egress"]["mode"] = "direct"
        steps.apply("switch", doc)
        del doc["network"]["subnet_cidr"]
        doc.pop("connector", None)
        steps.apply("finish", doc)
        steps.recorded.facts["store"] = sorted(rehearsal.gcp.store)
        return steps.recorded


def leaving_direct_egress(workdir: Path) -> Recorded:
    """Back from Direct VPC egress to the connector with direct_subnet_cidr removed in the same deploy: the services
    move, then the subnet's delete fails while Cloud Run keeps their IPs (1-2 hours, docs/operations.md); the same
    deploy after that finishes it."""
    doc = example_doc()
    doc["network"]["direct_subnet_cidr"] = "10.124.80.0/24"
    doc["egress"]["mode"] = "direct"
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "leaving")
        steps.apply("direct", doc)
        doc["egress"]["mode"] = "connector"
        del doc["network"]["direct_subnet_cidr"]
        try:
            steps.apply("leave", doc)
        except RehearsalError as err:
            steps.recorded.facts["error"] = str(err)
        assert steps.stack_dir is not None
        steps.recorded.facts["recovery"] = recovery_commands(
            rehearsal.state(steps.stack_dir), stack_dir="d", stack="leaving", output=steps.recorded.facts.get(
                "error", ""))
        rehearsal.gcp.release_direct_ips()  # two hours later
        steps.apply("later", doc)
        steps.recorded.facts["store"] = sorted(rehearsal.gcp.store)
        return steps.recorded


def without_its_apis(workdir: Path) -> Recorded:
    """The example's stack without its google_project_service resources (and the waits on them), deployed into the
    rehearsal's fresh project, which has no API enabled: the first call into each API is GCP's 403
    SERVICE_DISABLED, which the provider does not retry (rehearsal/localgcp/apis.py). Every other rehearsal deploys
    the stack as synthesized, its APIs enabled before anything uses them."""
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "apis")
        steps.write(example_doc())
        stack = json.loads((rehearsal.synth(steps.file) / "cdk.tf.json").read_text(encoding="utf-8"))
        stack["resource"].pop(API)
        for resources in stack["resource"].values():
            for body in resources.values():
                kept = [d for d in body.pop("depends_on", []) if not d.startswith(f"{API}.")]
                if kept:
                    body["depends_on"] = kept
        try:
            steps.deploy_json(stack, steps.file)
        except RehearsalError as err:
            steps.recorded.facts["error"] = str(err)
        steps.recorded.facts["store"] = sorted(rehearsal.gcp.store)
        return steps.recorded


def pool_growth_and_rotation(workdir: Path) -> Recorded:
    """The pool procedures of docs/operations.md: grow by naming, then "Rotating an IP" steps 1-6 (standby, into the
    pool, drain, remove), each a plain apply of the file: no command outside the product. After each step the
    local API's NAT, its addresses and the stack's allowlist are recorded (``facts[step]``)."""
    doc = example_doc()
    first, second, third = "cloud-run-origin-ip", "cloud-run-origin-ip-2", "cloud-run-origin-ip-3"
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "pool")
        steps.apply("one", doc)
        steps.recorded.facts["first_ip"] = rehearsal.outputs(steps.stack_dir)["static_ips"][first]
        steps.world("one")
        del doc["egress"]["static_ip_count"]
        doc["egress"]["static_ip_names"] = [first, second]
        # The plan every step's plan after it is (Rehearsal.converged), on a file that does change something.
        steps.write(doc)
        steps.recorded.facts["converged_on_a_change"] = rehearsal.converged(rehearsal.synth(steps.file))
        steps.apply("grow", doc)
        steps.world("grow")
        doc["egress"]["standby_ips"] = [third]  # step 1; step 2 is the partner's
        steps.apply("standby", doc)
        steps.world("standby")
        del doc["egress"]["standby_ips"]
        doc["egress"]["static_ip_names"] = [first, second, third]  # step 3
        steps.apply("into-pool", doc)
        steps.world("into-pool")
        doc["egress"]["draining_ips"] = [first]  # step 4
        steps.apply("drain", doc)
        steps.world("drain")
        del doc["egress"]["draining_ips"]
        doc["egress"]["static_ip_names"] = [second, third]  # step 5; step 6 is the partner's
        steps.apply("remove", doc, show_after=True)  # its allowlist change is read: "No IP starts or stops being used"
        steps.world("remove")
        return steps.recorded


def make_allowlist(workdir: Path) -> Recorded:
    """``make allowlist STACK=example`` in a copy of the project, reading the state of a rehearsal's deploy (an active
    and a standby address); the local API's addresses and NAT beside what it wrote."""
    doc = example_doc()
    doc["egress"]["standby_ips"] = ["cloud-run-origin-ip-2"]
    folder = project_copy(workdir / "project")
    (folder / "environments" / "example.toml").write_text(toml_dumps(doc), encoding="utf-8")
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "example")
        steps.apply("deploy", doc)
        steps.world("deploy")
        steps.recorded.facts["states"] = state_pair(rehearsal, steps.stack_dir)
        env = rehearsal.env()
        env.pop("CDKTF_OUTDIR")
        result = subprocess.run(["make", "-s", "allowlist", "STACK=example"], cwd=folder, env=env,
                                capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
        stack_dir = folder / "cdktf.out" / "stacks" / "example"
        steps.recorded.facts.update(
            code=result.returncode, output=result.stdout + result.stderr,
            json=json.loads((stack_dir / "allowlist.json").read_text()) if result.returncode == 0 else None,
            csv=(stack_dir / "allowlist.csv").read_text() if result.returncode == 0 else None)
        # The same with CDKTF_OUTDIR: the app synthesizes there, and the allowlist is read and written there.
        shutil.rmtree(folder / "cdktf.out")
        elsewhere = subprocess.run(["make", "-s", "allowlist", "STACK=example", "CDKTF_OUTDIR=elsewhere"], cwd=folder,
                                   env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
        written = folder / "elsewhere" / "stacks" / "example" / "allowlist.json"
        steps.recorded.facts.update(
            elsewhere_code=elsewhere.returncode, elsewhere_output=elsewhere.stdout + elsewhere.stderr,
            elsewhere_json=json.loads(written.read_text()) if written.is_file() else None,
            cdktf_out_after=(folder / "cdktf.out" / "stacks").exists())
        return steps.recorded


BEFORE_NAT_ADDRESS = FIXTURES / "before-nat-address"


def from_the_earlier_shape(workdir: Path) -> Recorded:
    """Stacks deployed by the code before NatAddress (the NAT holding nat_ips and drain_nat_ips itself, saved as
    synthesized then: tests/fixtures/before-nat-address/), then planned and applied with today's code: the example,
    and the draining example (deployed first with both addresses active, as before draining), whose drained address
    is then removed with a plain deploy."""
    with Rehearsal(workdir) as rehearsal:
        example = Steps(rehearsal, "example")
        example.deploy_json(json.loads((BEFORE_NAT_ADDRESS / "example.tf.json").read_text()), shipped("example"))
        example.world("example:before")
        example.apply("example", tomllib.loads(shipped("example").read_text(encoding="utf-8")))
        example.world("example:after")
        draining = Steps(rehearsal, "drain-ip")
        earlier = json.loads((BEFORE_NAT_ADDRESS / "drain-ip.tf.json").read_text())
        active = copy.deepcopy(earlier)
        (nat,) = active["resource"][NAT].values()
        nat["nat_ips"] = nat.pop("drain_nat_ips") + nat["nat_ips"]
        del active["output"]["draining_ips"]
        draining.deploy_json(active, shipped("drain-ip"))
        draining.deploy_json(earlier, shipped("drain-ip"))
        draining.world("drain-ip:before", "rotate-router")
        doc = tomllib.loads(shipped("drain-ip").read_text(encoding="utf-8"))
        draining.apply("drain-ip", doc)
        draining.world("drain-ip:after", "rotate-router")
        del doc["egress"]["draining_ips"]
        doc["egress"]["static_ip_names"] = ["rotate-origin-ip-2"]
        draining.apply("drain-ip:remove", doc)
        draining.world("drain-ip:removed", "rotate-router")
        return Recorded(plans={**example.recorded.plans, **draining.recorded.plans},
                        facts={**example.recorded.facts, **draining.recorded.facts})


def adopt_guide_chain(workdir: Path) -> Recorded:
    """The guide's chain built with gcloud, then the adopting example: first a file that still differs from
    what exists (flow logs and Private Google Access left at the file's defaults), then the aligned one."""
    doc = tomllib.loads(ADOPT_EXAMPLE.read_text(encoding="utf-8"))
    misaligned = copy.deepcopy(doc)
    del misaligned["network"]["flow_logs"], misaligned["network"]["private_ip_google_access"]
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, ADOPT_EXAMPLE.stem)
        steps.plan("misaligned", misaligned)
        steps.apply("adopt", doc)
        steps.recorded.facts["creates"] = [f"{m} {p}" for m, p, _ in rehearsal.gcp.requests  # Terraform's only
                                           if m == "POST" and p.endswith(("/subnetworks", "/addresses", "/routers",
                                                                          "/connectors", "/services"))]
        return steps.recorded


def adopt_services_only(workdir: Path) -> Recorded:
    """``make rehearse`` of a file that adopts the project's Cloud Run service and builds the chain: a project whose
    service ran before any chain, with only the Cloud Run API on (gcloud run deploy, no VPC access)."""
    doc = example_doc()
    doc["adopt"] = {"services": ["production"]}
    path = workdir / "files" / "services-first.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(toml_dumps(doc), encoding="utf-8")
    recorded = environment_rehearsal(path, workdir)
    # A service the file adopts that was never deployed: make diff names the [adopt] key and the import ID.
    with Rehearsal(workdir / "never-deployed") as rehearsal:
        steps = Steps(rehearsal, "never-deployed")
        steps.write(doc)
        rehearsal.seed(load_one(steps.file))
        with rehearsal.gcp.lock:
            del rehearsal.gcp.store["projects/my-gcp-project/locations/asia-northeast3/services/production"]
        recorded.facts["never-deployed"] = steps.deploy_command("diff", doc)
    return recorded


def hand_built_chain_without_adopt(workdir: Path) -> Recorded:
    """The guide's chain exists, the file has no [adopt]: what users meet today, "already exists"."""
    doc = tomllib.loads(ADOPT_EXAMPLE.read_text(encoding="utf-8"))
    recorded = Recorded()
    with Rehearsal(workdir) as rehearsal:
        rehearsal.seed(load_one(ADOPT_EXAMPLE))  # builds the chain as gcloud does
        del doc["adopt"]
        steps = Steps(rehearsal, ADOPT_EXAMPLE.stem)
        try:
            steps.apply("create", doc)
        except RehearsalError as err:
            recorded.facts["error"] = str(err)
        recorded.facts["addresses"] = sorted(k for k in rehearsal.gcp.store if "/addresses/" in k)
    recorded.plans = steps.recorded.plans
    return recorded


def adopted_address_checks(workdir: Path) -> Recorded:
    """existing_ips read by the data source: an INTERNAL address stops the plan at the postcondition,
    a name that is not reserved stops it at the read."""
    recorded = Recorded()
    key = "projects/my-gcp-project/regions/asia-northeast3/addresses/partner-ip"
    for case in ("internal", "missing"):
        doc = example_doc()
        doc["egress"] = {"static_ip_count": 0, "existing_ips": ["partner-ip"]}
        with Rehearsal(workdir / case) as rehearsal:
            steps = Steps(rehearsal, "adopted")
            steps.write(doc)
            stack_dir = rehearsal.synth(steps.file)
            rehearsal.seed(load_one(steps.file))
            if case == "internal":
                rehearsal.gcp.store[key].update(addressType="INTERNAL", purpose="GCE_ENDPOINT")
            else:
                del rehearsal.gcp.store[key]
            rehearsal.init(stack_dir)
            try:
                rehearsal.plan(stack_dir)
            except RehearsalError as err:
                recorded.facts[case] = str(err)
    # The address as it should be (EXTERNAL, reserved): deployed, read by the data source into the state.
    with Rehearsal(workdir / "reserved") as rehearsal:
        steps = Steps(rehearsal, "adopted")
        steps.apply("reserved", doc)
        recorded.plans = steps.recorded.plans
        recorded.facts["states"] = state_pair(rehearsal, steps.stack_dir)
    return recorded


def state_pair(rehearsal: Rehearsal, stack_dir: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state as every rehearsal reads it (``state pull``, in ``show -json``'s shape) and as ``show -json``
    prints it, to compare."""
    assert stack_dir is not None
    return rehearsal.state(stack_dir), rehearsal.shown_state(stack_dir)


def public_service(workdir: Path) -> Recorded:
    """allow_unauthenticated: the invoker binding for allUsers, applied through the IAM policy calls."""
    doc = example_doc()
    doc["services"][0]["allow_unauthenticated"] = True
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "public")
        steps.apply("public", doc)
        steps.recorded.facts["policy"] = rehearsal.gcp.store[
            "projects/my-gcp-project/locations/asia-northeast3/services/production:iamPolicy"]
        return steps.recorded


def destroy_is_refused(workdir: Path) -> Recorded:
    """``cdktf destroy`` of a deployed stack stops at the addresses' prevent_destroy."""
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "example")
        steps.apply("deploy", example_doc())
        env = rehearsal.env()
        env["EGRESS_CONFIG"] = str(steps.file)
        result = subprocess.run([str(CDKTF), "destroy", "example", "--auto-approve", "--skip-provider-lock",
                                 "--no-color", "--output", str(rehearsal.outdir)], cwd=ROOT, env=env,
                                capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
        deletes = [f"{m} {p}" for m, p, _ in rehearsal.gcp.requests if m == "DELETE"]
        # cdktf prints the destroy plan and "Invoking Terraform CLI failed" but not Terraform's reason:
        # Terraform's own plan shows it.
        reason = rehearsal.terraform(steps.stack_dir, "plan", "-destroy", "-no-color", "-input=false", ok=(1,))
        steps.recorded.facts.update(code=result.returncode, output=readable(result.stdout + result.stderr),
                                    deletes=deletes, reason=reason.stderr, store=sorted(rehearsal.gcp.store))
        return steps.recorded


def service_removal(workdir: Path) -> Recorded:
    """Removing a service: refused while deletion_protection is on, done in the two deploys of docs/operations.md."""
    doc = example_doc()
    doc["services"].append({"name": "reports", "image": "asia.gcr.io/my-gcp-project/reports:1.0.0"})
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "services")
        steps.apply("two-services", doc)
        protected = copy.deepcopy(doc)
        protected["services"].pop()
        try:
            steps.apply("remove-protected", protected)
        except RehearsalError as err:
            steps.recorded.facts["protected_error"] = str(err)
        steps.recorded.facts["after_refusal"] = sorted(k for k in rehearsal.gcp.store if "/services/" in k)
        doc["services"][1]["deletion_protection"] = False
        steps.apply("unprotect", doc)
        steps.apply("remove", protected)
        steps.recorded.facts["after_removal"] = sorted(k for k in rehearsal.gcp.store if "/services/" in k)
        return steps.recorded


def alert_policies(workdir: Path) -> Recorded:
    """The alerting example ([alerts]) applied, a threshold changed, then the table removed, on one state."""
    doc = tomllib.loads(shipped("alerting").read_text(encoding="utf-8"))
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "alerting")
        steps.apply("alerts", doc)
        steps.recorded.facts["policies"] = copy.deepcopy(rehearsal.gcp.monitoring.policies())
        doc["alerts"]["connector_cpu_percent"] = 90
        steps.apply("cpu-90", doc)
        steps.recorded.facts["changed"] = copy.deepcopy(rehearsal.gcp.monitoring.policies())
        del doc["alerts"]
        steps.apply("no-alerts", doc)
        steps.recorded.facts["after_removal"] = sorted(rehearsal.gcp.monitoring.policies())
        steps.recorded.facts["internal_errors"] = list(rehearsal.gcp.internal_errors)
        return steps.recorded


# --- a Google Cloud that pushes back ---------------------------------------------------------------------

FIXED_IMAGE = "asia.gcr.io/my-gcp-project/app:1.0.1"
BAD_IMAGE = "asia.gcr.io/my-gcp-project/app:2.0.0"


def _service_of(rehearsal: Rehearsal) -> dict[str, Any]:
    return copy.deepcopy(rehearsal.gcp.store["projects/my-gcp-project/locations/asia-northeast3/services/production"])


def bad_image_first_deploy(workdir: Path) -> Recorded:
    """A first deploy whose image does not exist, then docs/rehearsal.md's recovery: untaint, fix the image,
    deploy again, deletion_protection on throughout."""
    doc = example_doc()
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "first")
        steps.plan("first", doc)
        rehearsal.gcp.run.images.discard(doc["services"][0]["image"])  # the image was never pushed
        facts = steps.recorded.facts
        try:
            steps.apply("first", doc)
        except RehearsalError as err:
            facts["first_error"] = str(err)
        state = rehearsal.state(steps.stack_dir)
        facts["states"] = state_pair(rehearsal, steps.stack_dir)
        facts["tainted"] = tainted_services(state)
        facts["commands"] = recovery_commands(state, stack_dir=str(steps.stack_dir), stack="first")
        facts["service_after_failure"] = _service_of(rehearsal)
        try:  # the same file again: Terraform wants to replace the tainted service
            steps.apply("again", doc)
        except RehearsalError as err:
            facts["again_error"] = str(err)
        for command in facts["commands"]:
            if not command.startswith("#"):
                rehearsal.terraform(steps.stack_dir, *shlex.split(command)[2:])  # `terraform -chdir=… untaint …`
        rehearsal.gcp.run.images.add(FIXED_IMAGE)  # the fixed image, pushed
        doc["services"][0]["image"] = FIXED_IMAGE
        steps.apply("fixed", doc)
        facts["service"] = _service_of(rehearsal)
        facts["deletion_protection"] = [r["values"]["deletion_protection"] for r in rehearsal.state(
            steps.stack_dir)["values"]["root_module"]["resources"] if r["type"] == RUN]
        return steps.recorded


def bad_image_later_deploy(workdir: Path) -> Recorded:
    """A running service, then a deploy whose container never listens: the old revision keeps serving."""
    doc = example_doc()
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "later")
        steps.apply("good", doc)
        facts = steps.recorded.facts
        facts["before"] = _service_of(rehearsal)
        rehearsal.gcp.run.images |= {BAD_IMAGE, FIXED_IMAGE}
        rehearsal.gcp.run.not_listening.add(BAD_IMAGE)
        doc["services"][0]["image"] = BAD_IMAGE
        try:
            steps.apply("bad", doc)
        except RehearsalError as err:
            facts["bad_error"] = str(err)
        facts["after"] = _service_of(rehearsal)
        facts["tainted"] = tainted_services(rehearsal.state(steps.stack_dir))
        doc["services"][0]["image"] = FIXED_IMAGE
        steps.apply("fixed", doc)
        facts["fixed"] = _service_of(rehearsal)
        return steps.recorded


def gcp_rewrites_limits(workdir: Path) -> Recorded:
    """A service with memory only, one with cpu = "1000m" and one below 1 CPU: Cloud Run's rewrites make no
    second-plan change, and the fraction is deployed with what Cloud Run requires with it (the local API refuses it
    otherwise)."""
    doc = example_doc()
    doc["services"][0]["memory"] = "1Gi"
    doc["services"].append({"name": "reports", "image": "asia.gcr.io/my-gcp-project/reports:1.0.0", "cpu": "1000m"})
    doc["services"].append({"name": "light", "image": "asia.gcr.io/my-gcp-project/light:1.0.0", "cpu": "0.25"})
    with Rehearsal(workdir) as rehearsal:
        steps = Steps(rehearsal, "limits")
        steps.apply("limits", doc)
        steps.recorded.facts["limits"] = {
            k.rsplit("/", 1)[1]: v["template"]["containers"][0]["resources"]["limits"]
            for k, v in rehearsal.gcp.store.items() if "/services/" in k and k.count("/") == 5}
        light = rehearsal.gcp.store["projects/my-gcp-project/locations/asia-northeast3/services/light"]["template"]
        steps.recorded.facts["fraction"] = (light["maxInstanceRequestConcurrency"], light.get("executionEnvironment"),
                                            light["containers"][0]["resources"].get("cpuIdle"))
        # Every operation started RUNNING and was finished by the provider's first poll (no 10 s wait).
        steps.recorded.facts["polls"] = dict(rehearsal.gcp.operations.polls)
        steps.recorded.facts["running"] = rehearsal.gcp.operations.running()
        return steps.recorded


SEEDS = {
    "auto-mode": ('[network]\nmode = "auto"\n', {"network": {"auto_mode": False, "subnet_cidr": "10.178.0.0/28"}}),
    "nat-for-all-subnets": ('[[nat]]\nrouter = "legacy-router"\nname = "legacy-nat"\n', {}),
    "nat-for-primary-ranges": ('[[nat]]\nrouter = "legacy-router"\nname = "legacy-nat"\nranges = "primary"\n', {}),
    "address-in-use": ('[[vm]]\nname = "bastion"\naddresses = ["partner-ip"]\n',
                       {"egress": {"static_ip_count": 0, "existing_ips": ["partner-ip"]}}),
    "quota": ("[quota]\nstatic_addresses = 0\n", {}),
    "missing-image": ('[images]\nmissing = ["asia.gcr.io/my-gcp-project/app:1.0.0"]\n', {}),
    "standard-tier": ('[addresses]\nstandard = ["partner-ip"]\n',
                      {"egress": {"static_ip_count": 1, "existing_ips": ["partner-ip"]}}),
    "domain-restricted-sharing": ("[org_policy]\ndomain_restricted_sharing = true\n",
                                  {"services": [{"allow_unauthenticated": True}]}),
}


def brownfield(name: str, workdir: Path) -> Recorded:
    """``make rehearse`` of the example changed as SEEDS says, with that seed file: it must fail with GCP's error."""
    seed_text, changes = SEEDS[name]
    doc = example_doc()
    for table, values in changes.items():
        if isinstance(values, list):  # an array of tables: each entry's keys over the example's entry
            doc[table] = [{**entry, **change} for entry, change in zip(doc[table], values)]
        else:
            doc[table] = {**doc.get(table, {}), **values}
    workdir.mkdir(parents=True, exist_ok=True)
    (file := workdir / "brownfield.toml").write_text(toml_dumps(doc), encoding="utf-8")
    (seed := workdir / f"{name}.toml").write_text(seed_text, encoding="utf-8")
    out = io.StringIO()
    recorded = Recorded()
    recorded.facts["code"] = rehearse(file, seed_file=seed, out=out, err=out)
    recorded.facts["output"] = out.getvalue()
    return recorded


SCENARIOS: dict[str, Callable[[Path], Recorded]] = {
    "validate": validate_every_stack,
    "connector-to-direct": connector_to_direct,
    "leaving-direct": leaving_direct_egress,
    "without-apis": without_its_apis,
    "pool": pool_growth_and_rotation,
    "earlier-shape": from_the_earlier_shape,
    "make-allowlist": make_allowlist,
    "destroy": destroy_is_refused,
    "service-removal": service_removal,
    "adopt": adopt_guide_chain,
    "adopt-services-only": adopt_services_only,
    "adopted-address-checks": adopted_address_checks,
    "hand-built-without-adopt": hand_built_chain_without_adopt,
    "public-service": public_service,
    "alerts": alert_policies,
    "bad-image-first": bad_image_first_deploy,
    "bad-image-later": bad_image_later_deploy,
    "limits": gcp_rewrites_limits,
    "perpetual-diff": perpetual_diff,
    **{f"brownfield:{name}": (lambda w, name=name: brownfield(name, w)) for name in SEEDS},
    **{f"rehearse:{p.stem}": (lambda w, p=p: environment_rehearsal(p, w)) for p in REHEARSED},
}


# Each scenario's seconds in a whole warm `make test` on the 2-core machine (6 at once, 2026-12-02), for the order
# of a session that has no times of its own (CI's): longest first (tests/support/background.py).
ESTIMATES = {"pool": 140, "earlier-shape": 90, "bad-image-first": 90, "connector-to-direct": 80, "rehearse:drain-ip": 80,
             "leaving-direct": 75,
             "service-removal": 75, "destroy": 65, "validate": 65, "alerts": 60, "bad-image-later": 55,
             "make-allowlist": 45}
BACKGROUND = [Work(name, run, ESTIMATES.get(name, 30)) for name, run in SCENARIOS.items()]


def recorded(name: str) -> Recorded:
    """What the named scenario recorded, once it ended (its failure, with Terraform's message, re-raised)."""
    return background.result(name)


def removed_or_replaced(plan: Plan, types: tuple[str, ...] = KEPT) -> list[str]:
    return [f"{c['address']}: {c['change']['actions']}" for c in plan.json.get("resource_changes", [])
            if c["type"] in types and "delete" in c["change"]["actions"]]


def assert_converged(rec: Recorded) -> None:
    """After every applied step, a second plan shows no change (and there is one: a scenario that applied nothing
    proves nothing)."""
    after = {name: plan for name, plan in rec.plans.items() if name.endswith(":after")}
    assert after, f"no step was applied and planned again: {sorted(rec.plans)}"
    for name, plan in after.items():
        assert not plan.changes, f"after {name[:-6]!r} the plan still shows changes:\n{plan.describe()}"


# --- every file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", REHEARSED, ids=lambda p: p.stem)
def test_every_environment_file_rehearses_with_an_empty_second_plan(path):
    rec = recorded(f"rehearse:{path.stem}")
    assert rec.facts["code"] == 0, rec.facts["output"]
    assert "rehearsal: second plan: no changes" in rec.facts["output"]


@pytest.mark.parametrize("path", REHEARSED, ids=lambda p: p.stem)
def test_a_rehearsal_writes_nothing_beside_the_real_file(path):
    """The bootstrap stack keeps its local state beside its file: a rehearsal deploys a copy."""
    assert recorded(f"rehearse:{path.stem}").facts["environments_untouched"]


@pytest.mark.parametrize("path", [p for p in SHIPPED if p != ADOPT_EXAMPLE], ids=lambda p: p.stem)
def test_rehearsal_prints_the_static_ips(path):
    output = recorded(f"rehearse:{path.stem}").facts["output"]
    assert "static_ips = {" in output
    assert "203.0.113." in output.split("static_ips = {", 1)[1]


def test_a_rehearsal_whose_second_plan_changes_something_fails_and_names_the_change():
    facts = recorded("perpetual-diff").facts
    assert facts["code"] == 1, facts["output"]
    lines = facts["output"].splitlines()
    error = lines.index("error: the second plan of example is not empty (a perpetual diff):")
    assert [line.split(".")[0] for line in lines[error + 1:]] == ["  update: google_cloud_run_v2_service"]
    assert "second plan: no changes" not in facts["output"] and "static_ips = {" not in facts["output"]


def test_terraform_validate_passes_on_every_stack_with_the_real_provider():
    facts = recorded("validate").facts
    assert sorted(facts) == sorted(p.stem for p in REHEARSED)
    for stack, result in facts.items():
        assert result["valid"] is True, (stack, result["diagnostics"])
        assert result["warning_count"] == 0, (stack, result["diagnostics"])


# --- connector → direct --------------------------------------------------------------------------------


def test_connector_to_direct_never_deletes_or_replaces_an_address_router_or_nat():
    rec = recorded("connector-to-direct")
    for step in ("prepare", "switch", "finish"):
        assert removed_or_replaced(rec.plans[step]) == [], step
        assert rec.plans[step].actions(ADDRESS) and all(
            a == ["no-op"] for a in rec.plans[step].actions(ADDRESS).values()), step


def test_connector_to_direct_steps_change_what_the_readme_says():
    plans = recorded("connector-to-direct").plans
    changed = {step: {c["address"].split(".")[0]: c["change"]["actions"] for c in plans[step].changes}
               for step in ("prepare", "switch", "finish")}
    assert changed["prepare"] == {SUBNET: ["create"], NAT: ["update"]}
    assert changed["switch"] == {RUN: ["update"]}
    finish = {c["address"]: c["change"]["actions"] for c in plans["finish"].changes}
    # The Serverless VPC Access API leaves the stack with the connector; disable_on_destroy = false
    # only forgets it (it stays enabled in the project).
    assert sorted(a for a, act in finish.items() if act == ["delete"]) == sorted(
        [f"{API}.Api-vpcaccess", *(a for a in finish if a.startswith((CONNECTOR, SUBNET)))])
    assert {a.split(".")[0] for a, act in finish.items() if act == ["delete"]} == {CONNECTOR, SUBNET, API}
    assert [a.split(".")[0] for a, act in finish.items() if act == ["update"]] == [NAT]
    assert len(finish) == 4


def test_connector_to_direct_converges_after_each_step():
    rec = recorded("connector-to-direct")
    assert_converged(rec)
    store = rec.facts["store"]
    assert not [k for k in store if "/connectors/" in k]
    assert "projects/my-gcp-project/regions/asia-northeast3/subnetworks/cloud-run-direct-subnet" in store
    assert "projects/my-gcp-project/regions/asia-northeast3/subnetworks/cloud-run-subnet" not in store


def test_leaving_direct_egress_and_its_subnet_in_one_deploy_fails_at_the_subnet_as_on_gcp_and_finishes_later():
    rec = recorded("leaving-direct")
    subnet = "projects/my-gcp-project/regions/asia-northeast3/subnetworks/cloud-run-direct-subnet"
    error = " ".join(rec.facts["error"].split())
    assert f"The subnetwork resource '{subnet}' is already being used by" in error, error
    assert "resourceInUseByAnotherResource" in error
    # make deploy's recovery reads Terraform's own output of it (a destroy's diagnostic names no address).
    assert len(rec.facts["recovery"]) == 2 and rec.facts["recovery"][0].startswith(f"# {subnet}: still in use")
    assert "Direct VPC egress IPs there for 1-2 hours: wait that long" in rec.facts["recovery"][0]
    # Everything before the delete was applied: the services are on the connector; nothing else is left to do.
    later = {c["address"].split(".")[0]: c["change"]["actions"] for c in rec.plans["later"].changes}
    assert later == {SUBNET: ["delete"]}, later
    assert_converged(rec)
    assert subnet not in rec.facts["store"]
    assert removed_or_replaced(rec.plans["leave"]) == []


def test_a_stack_that_calls_an_api_before_enabling_it_fails_its_rehearsal_with_gcps_403():
    rec = recorded("without-apis")
    error = " ".join(rec.facts["error"].split())
    # Compute is on: the project holds the VPC network. The connector is the first call into an API it is not.
    assert "Error creating Connector: googleapi: Error 403: Serverless VPC Access API has not been used in project " \
           in error, error
    assert "before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/" \
           "vpcaccess.googleapis.com/overview?project=" in error
    assert '"reason": "SERVICE_DISABLED"' in error
    assert not [k for k in rec.facts["store"] if "/connectors/" in k or "/services/" in k]


# --- the pool --------------------------------------------------------------------------------------------


FIRST, SECOND, THIRD = "cloud-run-origin-ip", "cloud-run-origin-ip-2", "cloud-run-origin-ip-3"


def test_growing_and_rotating_the_pool_replaces_nothing():
    plans = recorded("pool").plans
    for step in ("grow", "standby", "into-pool", "drain", "remove"):
        assert step in plans, step
        replaced = [c["address"] for c in plans[step].changes if {"create", "delete"} <= set(c["change"]["actions"])]
        assert replaced == [], step
        assert list(plans[step].actions(NAT).values()) == [["no-op"]], step
        if step != "remove":
            assert removed_or_replaced(plans[step], (*KEPT, SUBNET, CONNECTOR, RUN)) == [], step


def test_each_rotation_step_leaves_the_nat_as_the_runbook_says():
    """docs/operations.md "Rotating an IP", steps 1-6 as plain deploys: the local API's NAT after each."""
    facts = recorded("pool").facts
    seen = {step: (facts[step]["nat_ips"], facts[step]["drain_nat_ips"], sorted(facts[step]["addresses"]))
            for step in ("one", "grow", "standby", "into-pool", "drain", "remove")}
    assert seen == {
        "one": ([FIRST], [], [FIRST]),
        "grow": ([FIRST, SECOND], [], [FIRST, SECOND]),
        "standby": ([FIRST, SECOND], [], [FIRST, SECOND, THIRD]),
        "into-pool": ([FIRST, SECOND, THIRD], [], [FIRST, SECOND, THIRD]),
        "drain": ([SECOND, THIRD], [FIRST], [FIRST, SECOND, THIRD]),
        # Step 5: the drain list is empty and the drained address released, with a plain deploy.
        "remove": ([SECOND, THIRD], [], [SECOND, THIRD]),
    }
    # No address changed its IP along the way: the allowlist holds.
    for step in ("grow", "standby", "into-pool", "drain"):
        assert facts[step]["addresses"][FIRST] == facts["one"]["addresses"][FIRST], step
    assert facts["remove"]["addresses"][THIRD] == facts["standby"]["addresses"][THIRD]


def test_removing_a_drained_address_updates_the_nat_address_then_deletes_only_that_address():
    plan = recorded("pool").plans["remove"]
    deleted = [a for a, act in plan.actions(ADDRESS).items() if act == ["delete"]]
    assert len(deleted) == 1 and f"{FIRST}_" in deleted[0], plan.describe()
    (holder,) = plan.actions(NAT_ADDRESS)
    assert sorted(c["address"] for c in plan.changes) == sorted([*deleted, holder]), plan.describe()
    assert plan.actions(NAT_ADDRESS)[holder] == ["update"]


def test_the_allowlist_after_each_rotation_step_matches_the_local_api():
    """make allowlist's content (allowlist_entries over the state) against the local API's NAT and addresses."""
    facts = recorded("pool").facts
    for step in ("one", "grow", "standby", "into-pool", "drain", "remove"):
        world = facts[step]
        roles = {name: ("draining" if name in world["drain_nat_ips"] else "active" if name in world["nat_ips"]
                        else "standby") for name in world["addresses"]}
        assert world["allowlist"] == sorted(
            (name, world["addresses"][name], role, "pool", "my-gcp-project", "asia-northeast3")
            for name, role in roles.items()), step


def test_a_plan_after_a_step_is_shown_when_it_changes_something_and_only_then():
    rec = recorded("pool")
    changed = rec.facts["converged_on_a_change"]
    assert changed.shown and rec.plans["grow"].shown
    assert [c["address"] for c in changed.changes] == [c["address"] for c in rec.plans["grow"].changes]
    assert any(c["type"] == ADDRESS and c["change"]["actions"] == ["create"] for c in changed.changes)
    unchanged = rec.plans["grow:after"]
    assert not unchanged.shown and unchanged.changes == []
    with pytest.raises(RehearsalError, match="never shown"):
        unchanged.json  # noqa: B018 (nothing may be asserted on JSON that was never read)


def test_the_allowlist_change_of_each_rotation_plan():
    rec = recorded("pool")
    ip = {name: rec.facts["standby"]["addresses"][name] for name in (FIRST, SECOND, THIRD)}
    section = {step: "\n".join(allowlist_change(rec.plans[step].json)) for step in ("standby", "into-pool", "drain",
                                                                                  "remove", "remove:after")}
    assert "No IP starts or stops being used" in section["standby"]
    assert [part.strip() for part in section["into-pool"].split("\n\n")[1:3]] == [
        "IPs this deploy starts using: **the partner must allowlist them before this deploy**:",
        f"- `{ip[THIRD]}` ({THIRD})"]
    assert f"starts draining (no new connections; keep them allowlisted until removed):\n\n- `{ip[FIRST]}` ({FIRST})" \
        in section["drain"]
    assert "stops using" not in section["drain"] and "releases" not in section["drain"]
    assert f"stops using: they can leave the allowlist after it:\n\n- `{ip[FIRST]}` ({FIRST})" in section["remove"]
    assert f"releases (the IP is gone for good):\n\n- `{ip[FIRST]}` ({FIRST})" in section["remove"]
    assert "No IP starts or stops being used" in section["remove:after"]


def test_make_allowlist_writes_every_ip_of_the_local_api_with_its_role():
    rec = recorded("make-allowlist")
    assert rec.facts["code"] == 0, rec.facts["output"]
    ips = rec.facts["deploy"]["addresses"]
    expected = [
        {"ip": ips[FIRST], "name": FIRST, "role": "active", "stack": "example", "project": "my-gcp-project",
         "region": "asia-northeast3", "partner": ""},
        {"ip": ips[SECOND], "name": SECOND, "role": "standby", "stack": "example", "project": "my-gcp-project",
         "region": "asia-northeast3", "partner": ""},
    ]
    assert rec.facts["deploy"]["nat_ips"] == [FIRST] and sorted(ips) == [FIRST, SECOND]
    assert rec.facts["json"] == expected
    assert rec.facts["csv"].splitlines() == ["ip,name,role,stack,project,region,partner", *(
        ",".join(e[k] for k in ("ip", "name", "role", "stack", "project", "region", "partner")) for e in expected)]
    # With CDKTF_OUTDIR, read and written in that folder, as the app synthesized it; nothing in cdktf.out/.
    assert rec.facts["elsewhere_code"] == 0, rec.facts["elsewhere_output"]
    assert rec.facts["elsewhere_json"] == expected
    assert not rec.facts["cdktf_out_after"]


def stated_allowlist(path: Path) -> set[tuple[str, str, str]]:
    """(address name, role, partner) of every static IP the file says its stack has, read from the file with the
    rules docs/operations.md gives for the allowlist: created addresses are active, ``existing_ips`` adopted,
    ``draining_ips`` draining, ``standby_ips`` standby, and a NAT rule's addresses its partner's."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    egress = data.get("egress", {})
    created = stated_address_names(data)
    partners = {ip: rule.get("description") or f"rule {rule.get('number', 100 * i)}"
                for i, rule in enumerate(data.get("nat", {}).get("rules", []), start=1) for ip in rule["ips"]}
    existing, draining = egress.get("existing_ips", []), egress.get("draining_ips", [])
    entries = set()
    for address in [*created, *existing]:
        role = ("draining" if address in draining else "rule" if address in partners else
                "adopted" if address in existing else "active")
        entries.add((address, role, partners.get(address, "")))
    return entries | {(a, "standby", "") for a in egress.get("standby_ips", [])}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_make_rehearse_writes_the_rehearsals_allowlist(path):
    rec = recorded(f"rehearse:{path.stem}")
    ((stack, entries),) = rec.facts["allowlists"].items()
    assert {e["stack"] for e in entries} == {stack}
    assert all(e["ip"].startswith("203.0.113.") for e in entries), entries
    assert len({e["ip"] for e in entries}) == len(entries), entries
    assert {(e["name"], e["role"], e["partner"]) for e in entries} == stated_allowlist(path)


# --- stacks deployed before NatAddress --------------------------------------------------------------------


def test_the_earlier_shape_moves_to_nat_address_without_replacing_or_deleting_anything():
    plans = recorded("earlier-shape").plans
    for step in ("example", "drain-ip"):
        plan = plans[step]
        assert removed_or_replaced(plan, (*KEPT, SUBNET, CONNECTOR, RUN)) == [], step
        assert [c["address"] for c in plan.changes if c["type"] != NAT_ADDRESS] == [], plan.describe()
        assert all(act == ["no-op"] for act in plan.actions(NAT).values()), step
    # Without draining addresses NatAddress is created (a PATCH of the NAT with the IPs it has); while they drain
    # it is imported, as the provider refuses to create one with drain_nat_ips.
    assert list(plans["example"].actions(NAT_ADDRESS).values()) == [["create"]]
    (imported,) = [c for c in plans["drain-ip"].json["resource_changes"] if c["type"] == NAT_ADDRESS]
    assert imported["change"]["actions"] == ["no-op"]
    assert imported["change"]["importing"]["id"] == "projects/my-gcp-project/regions/asia-northeast3/routers/" \
                                                    "rotate-router/rotate-nat"


def test_the_earlier_shape_keeps_its_nat_and_addresses_and_converges():
    rec = recorded("earlier-shape")
    facts = rec.facts
    assert facts["example:after"] == facts["example:before"]
    assert (facts["example:after"]["nat_ips"], facts["example:after"]["drain_nat_ips"]) == ([FIRST], [])
    assert facts["drain-ip:after"] == facts["drain-ip:before"]
    assert (facts["drain-ip:after"]["nat_ips"], facts["drain-ip:after"]["drain_nat_ips"]) == (
        ["rotate-origin-ip-2"], ["rotate-origin-ip"])
    assert_converged(rec)


def test_a_drained_address_of_the_earlier_shape_is_removed_with_a_plain_deploy():
    facts = recorded("earlier-shape").facts
    removed = facts["drain-ip:removed"]
    assert (removed["nat_ips"], removed["drain_nat_ips"]) == (["rotate-origin-ip-2"], [])
    assert "rotate-origin-ip" not in removed["addresses"]
    assert removed["addresses"]["rotate-origin-ip-2"] == facts["drain-ip:before"]["addresses"]["rotate-origin-ip-2"]


def test_the_pool_converges_after_each_step():
    assert_converged(recorded("pool"))


# --- adopting a chain built by hand ------------------------------------------------------------------


def test_adopting_the_guides_chain_imports_each_resource_and_changes_nothing():
    rec = recorded("adopt")
    changes = rec.plans["adopt"].json["resource_changes"]
    imported = {c["address"].split(".")[0] + " " + c["change"]["importing"]["id"] for c in changes
                if "importing" in c["change"]}
    p, r = "my-gcp-project", "asia-northeast3"
    assert imported == {
        f"{API} {p}/compute.googleapis.com", f"{API} {p}/vpcaccess.googleapis.com", f"{API} {p}/run.googleapis.com",
        f"{SUBNET} projects/{p}/regions/{r}/subnetworks/my-subnet",
        f"{CONNECTOR} projects/{p}/locations/{r}/connectors/my-connector",
        f"{ROUTER} projects/{p}/regions/{r}/routers/my-router",
        f"{NAT} projects/{p}/regions/{r}/routers/my-router/my-nat",
        f"{NAT_ADDRESS} projects/{p}/regions/{r}/routers/my-router/my-nat",
        f"{ADDRESS} projects/{p}/regions/{r}/addresses/my-static-ip",
        f"{RUN} projects/{p}/locations/{r}/services/my-service",
    }
    assert {tuple(c["change"]["actions"]) for c in changes} == {("no-op",)}, rec.plans["adopt"].describe()
    summary = rec.plans["adopt"].json
    assert len(changes) == len(imported)
    assert "resource_drift" not in summary or summary["resource_drift"] == []


def test_adopting_creates_nothing_in_gcp_and_converges():
    rec = recorded("adopt")
    # gcloud's creates go to the API directly (localgcp/gcloud.py); over HTTP, Terraform created nothing.
    assert rec.facts["creates"] == []
    assert_converged(rec)


def test_a_file_that_differs_from_what_exists_plans_the_difference_beside_the_imports():
    plan = recorded("adopt").plans["misaligned"]
    changed = {c["address"].split(".")[0]: c["change"]["actions"] for c in plan.changes}
    assert changed == {SUBNET: ["update"]}
    (subnet,) = [c for c in plan.changes]
    assert subnet["change"]["importing"]["id"].endswith("/subnetworks/my-subnet")
    assert subnet["change"]["after"]["private_ip_google_access"] is True


def test_a_service_that_ran_before_any_chain_is_adopted_in_a_project_with_only_cloud_run_on():
    # Importing an API that is off fails the plan ("Cannot import non-existent remote object"): only Cloud Run's
    # is imported, the others the deploy enables.
    facts = recorded("adopt-services-only").facts
    assert facts["code"] == 0, facts["output"]
    output = facts["output"]
    assert "rehearsal: seeded: gcloud services enable run.googleapis.com\n" in output
    assert "rehearsal: seeded: gcloud run deploy production --image=asia.gcr.io/my-gcp-project/app:1.0.0\n" in output
    imported = sorted(line.split(" <- ")[1] for line in output.splitlines() if line.startswith("rehearsal: imported: "))
    assert imported == ["my-gcp-project/run.googleapis.com",
                        "projects/my-gcp-project/locations/asia-northeast3/services/production"]
    assert "rehearsal: second plan: no changes" in output


def test_an_adopted_service_that_does_not_exist_is_named_by_make_diff_with_its_adopt_key():
    code, output = recorded("adopt-services-only").facts["never-deployed"]
    assert code == 1 and "Traceback" not in output
    assert "[adopt] services makes the deploy import projects/my-gcp-project/locations/asia-northeast3/services/" \
           "production, which Google Cloud does not have" in output


def test_without_adopt_a_hand_built_chain_fails_with_already_exists():
    rec = recorded("hand-built-without-adopt")
    assert all(a == ["create"] for a in rec.plans["create"].actions(ADDRESS).values())
    assert "already exists" in rec.facts["error"]
    # Nothing was released: the allowlisted address is still the one gcloud reserved.
    assert rec.facts["addresses"] == ["projects/my-gcp-project/regions/asia-northeast3/addresses/my-static-ip"]


def test_an_adopted_address_that_is_internal_stops_the_plan_at_the_postcondition():
    facts = recorded("adopted-address-checks").facts
    assert "existing_ips: partner-ip must be an EXTERNAL address to serve as a NAT IP." in facts["internal"]


def test_an_adopted_address_that_is_not_reserved_stops_the_plan():
    facts = recorded("adopted-address-checks").facts
    assert "Error: projects/my-gcp-project/regions/asia-northeast3/addresses/partner-ip not found" in facts["missing"]


@pytest.mark.parametrize("scenario", ["make-allowlist", "bad-image-first", "adopted-address-checks"])
def test_the_state_a_rehearsal_reads_is_terraform_shows(scenario):
    """Rehearsals read a stack's state with ``terraform state pull`` (no provider start) written in ``show -json``'s
    shape (rehearsal/state.py): here beside ``show -json`` itself, on a state with an active and a standby address,
    one with a tainted service, one with an address read by a data source."""
    pulled, shown = recorded(scenario).facts["states"]
    resources = shown["values"]["root_module"]["resources"]
    for resource in resources:
        resource.pop("sensitive_values")  # the one field it does not write (it needs the schema)
    assert pulled["values"] == shown["values"]
    kinds = {(r["mode"], bool(r.get("tainted"))) for r in resources}
    assert {"make-allowlist": ("managed", False), "bad-image-first": ("managed", True),
            "adopted-address-checks": ("data", False)}[scenario] in kinds


def test_an_adopted_address_that_is_reserved_is_deployed_and_listed_as_adopted():
    rec = recorded("adopted-address-checks")
    assert_converged(rec)
    pulled, _ = rec.facts["states"]
    (entry,) = allowlist_entries(pulled, stack="adopted")
    assert (entry.name, entry.role) == ("partner-ip", "adopted")


def test_a_public_service_gets_the_invoker_binding_for_all_users_and_converges():
    rec = recorded("public-service")
    assert rec.facts["policy"]["bindings"] == [{"role": "roles/run.invoker", "members": ["allUsers"]}]
    assert_converged(rec)


# --- refusals ----------------------------------------------------------------------------------------------


def test_cdktf_destroy_is_refused_by_prevent_destroy():
    facts = recorded("destroy").facts
    assert facts["code"] != 0
    assert "Invoking Terraform CLI failed" in facts["output"]
    assert facts["deletes"] == []
    assert "Error: Instance cannot be destroyed" in facts["reason"]
    assert "google_compute_address.Chain_Addresses_Address-cloud-run-origin-ip_" in facts["reason"]
    assert "projects/my-gcp-project/regions/asia-northeast3/addresses/cloud-run-origin-ip" in facts["store"]
    assert "projects/my-gcp-project/locations/asia-northeast3/services/production" in facts["store"]


def test_removing_a_protected_service_fails_and_keeps_it():
    rec = recorded("service-removal")
    assert list(rec.plans["remove-protected"].actions(RUN).values()).count(["delete"]) == 1
    assert "cannot destroy service without setting deletion_protection=false" in rec.facts["protected_error"]
    assert "projects/my-gcp-project/locations/asia-northeast3/services/reports" in rec.facts["after_refusal"]
    # make deploy never gets that far: the guard refuses the plan, with the two deploys to do instead
    assert [(v.rule, v.name) for v in check(rec.plans["remove-protected"].json)] == [("deletion-protected", "reports")]


def test_removing_a_service_takes_the_readmes_two_deploys():
    rec = recorded("service-removal")
    assert [c["change"]["actions"] for c in rec.plans["unprotect"].changes] == [["update"]]
    assert [c["change"]["actions"] for c in rec.plans["remove"].changes] == [["delete"]]
    assert check(rec.plans["remove"].json) == []
    assert rec.facts["after_removal"] == ["projects/my-gcp-project/locations/asia-northeast3/services/production"]


# --- alert policies ([alerts]) -------------------------------------------------------------------------


def test_the_alerting_example_leaves_its_four_policies_in_the_local_monitoring_api():
    policies = recorded("alerts").facts["policies"]
    assert len(policies) == 4
    region = tomllib.loads(shipped("alerting").read_text(encoding="utf-8"))["region"]  # the file's, as deployed
    nat = (f'resource.type = "nat_gateway" AND resource.labels.region = "{region}" AND '
           'resource.labels.gateway_name = "alerting-nat" AND metric.type = ')
    connector = (f'resource.type = "vpc_access_connector" AND resource.labels.location = "{region}" AND '
                 'resource.labels.connector_name = "alerting-connector" AND ')
    assert sorted(c["conditionThreshold"]["filter"] for p in policies.values() for c in p["conditions"]) == sorted([
        nat + '"router.googleapis.com/nat/nat_allocation_failed"',
        nat + '"router.googleapis.com/nat/dropped_sent_packets_count" AND metric.labels.reason = "OUT_OF_RESOURCES"',
        connector + 'metric.type = "vpcaccess.googleapis.com/connector/instances"',
        connector + 'metric.type = "vpcaccess.googleapis.com/connector/cpu/utilizations"',
    ])
    for name, policy in policies.items():
        assert name.startswith("projects/my-gcp-project/alertPolicies/")
        assert policy["enabled"] is True and policy["combiner"] == "OR"
        assert policy["notificationChannels"] == ["projects/my-gcp-project/notificationChannels/4837293847561234567",
                                                  "projects/my-gcp-project/notificationChannels/9182736450918273645"]
        assert policy["documentation"]["mimeType"] == "text/markdown"
        assert "Fix it in `alerting.toml`" in policy["documentation"]["content"]


def test_changing_an_alert_threshold_updates_that_policy_in_place():
    rec = recorded("alerts")
    assert sorted(rec.plans["cpu-90"].actions(POLICY).values()) == [["no-op"]] * 3 + [["update"]]
    assert [c["type"] for c in rec.plans["cpu-90"].changes] == [POLICY]
    before, after = rec.facts["policies"], rec.facts["changed"]
    assert sorted(before) == sorted(after)
    (changed,) = [name for name in after if after[name] != before[name]]
    (condition,) = after[changed]["conditions"]
    assert condition["conditionThreshold"]["thresholdValue"] == 0.9
    assert condition["name"] == before[changed]["conditions"][0]["name"]


def test_removing_the_alerts_table_deletes_the_policies_and_nothing_of_the_chain():
    rec = recorded("alerts")
    deleted = sorted(c["address"] for c in rec.plans["no-alerts"].changes if c["change"]["actions"] == ["delete"])
    assert len(rec.plans["no-alerts"].changes) == len(deleted) == 5
    assert [a for a in deleted if not a.startswith(POLICY)] == [f"{API}.Api-monitoring"]
    assert rec.facts["after_removal"] == []
    assert_converged(rec)
    assert rec.facts["internal_errors"] == []


# --- a Google Cloud that pushes back ---------------------------------------------------------------------------


def test_a_first_deploy_with_a_missing_image_fails_with_cloud_runs_error_and_taints_the_service():
    facts = recorded("bad-image-first").facts
    assert "Error waiting to create Service" in facts["first_error"]
    assert "is not ready and cannot serve traffic. Image 'asia.gcr.io/my-gcp-project/app:1.0.0' not found." in \
        facts["first_error"]
    (address,) = facts["tainted"]
    assert address.startswith(f"{RUN}.")
    assert facts["service_after_failure"]["terminalCondition"]["reason"] == "CONTAINER_MISSING"


def test_after_a_failed_first_deploy_the_replacement_is_refused_by_deletion_protection():
    rec = recorded("bad-image-first")
    assert list(rec.plans["again"].actions(RUN).values()) == [["delete", "create"]]
    assert "cannot destroy service without setting deletion_protection=false" in rec.facts["again_error"]
    (refused,) = check(rec.plans["again"].json)  # make deploy's guard refuses it before the apply
    assert refused.rule == "deletion-protected" and "production (it is tainted) while its deletion_protection is on" \
        in refused.message


def test_the_documented_recovery_deploys_the_fixed_image_with_deletion_protection_on():
    rec = recorded("bad-image-first")
    (untaint, deploy) = rec.facts["commands"]
    assert untaint.startswith("terraform -chdir=") and " untaint " in untaint
    assert deploy == "# fix the image in the file if its revision failed, then deploy again: make deploy STACK=first"
    assert list(rec.plans["fixed"].actions(RUN).values()) == [["update"]]
    assert rec.facts["service"]["template"]["containers"][0]["image"] == FIXED_IMAGE
    assert rec.facts["service"]["latestReadyRevision"] == rec.facts["service"]["latestCreatedRevision"]
    assert rec.facts["deletion_protection"] == [True]
    assert not rec.plans["fixed:after"].changes


def test_a_later_bad_deploy_fails_and_the_old_revision_keeps_serving_its_traffic():
    facts = recorded("bad-image-later").facts
    assert "Error updating Service" in facts["bad_error"] or "Error waiting" in facts["bad_error"]
    assert "failed to start and listen on the port defined provided by the PORT=8080" in facts["bad_error"]
    before, after = facts["before"], facts["after"]
    assert after["latestReadyRevision"] == before["latestReadyRevision"] != after["latestCreatedRevision"]
    assert after["trafficStatuses"] == before["trafficStatuses"]
    assert facts["tainted"] == []  # an update that fails leaves no taint: the next deploy updates in place
    assert facts["fixed"]["latestReadyRevision"] == facts["fixed"]["latestCreatedRevision"]


def test_a_later_bad_deploy_recovers_with_the_next_deploy_and_converges():
    rec = recorded("bad-image-later")
    assert list(rec.plans["fixed"].actions(RUN).values()) == [["update"]]
    assert not rec.plans["fixed:after"].changes


def test_every_operation_runs_and_is_done_at_the_providers_first_poll():
    facts = recorded("limits").facts
    kinds = {key.split("/operations/")[0].split("/")[-1] if "/operations/" in key else key.split("/")[0]
             for key in facts["polls"]}
    assert facts["running"] == []
    assert len(facts["polls"]) >= 8 and set(facts["polls"].values()) == {1}, facts["polls"]
    assert {"asia-northeast3", "operations"} <= kinds  # compute's region operations and Service Usage's


def test_memory_only_cpu_in_milli_cpus_and_a_fraction_of_a_cpu_rehearse_with_an_empty_second_plan():
    rec = recorded("limits")
    assert_converged(rec)
    assert rec.facts["limits"] == {"production": {"cpu": "1000m", "memory": "1Gi"},
                                   "reports": {"cpu": "1000m", "memory": "512Mi"},
                                   "light": {"cpu": "250m", "memory": "512Mi"}}
    assert rec.facts["fraction"] == (1, "EXECUTION_ENVIRONMENT_GEN1", True)


@pytest.mark.parametrize("name, error", [
    ("auto-mode", "Invalid IPCidrRange: 10.178.0.0/28 conflicts with existing subnetwork 'default' in region "
                  "'asia-northeast3'."),
    ("nat-for-all-subnets", "Can not create new Nats since a Nat with option ALL_SUBNETWORKS_ALL_IP_RANGES exists."),
    ("nat-for-primary-ranges", "The primary IP ranges of the region's subnetworks are already used by nat "
                               "'legacy-nat' (ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES); nat 'cloud-run-nat' cannot "
                               "also serve them."),
    ("address-in-use", "The address resource 'projects/my-gcp-project/regions/asia-northeast3/addresses/partner-ip' "
                       "is already being used by 'https://www.googleapis.com/compute/v1/projects/my-gcp-project/"
                       "zones/asia-northeast3-a/instances/bastion'"),
    ("quota", "Quota 'STATIC_ADDRESSES' exceeded.  Limit: 0.0 in region asia-northeast3."),
    ("missing-image", "is not ready and cannot serve traffic. Image 'asia.gcr.io/my-gcp-project/app:1.0.0' not found."),
    # Not GCP's: the stack's precondition stops the plan first (Cloud NAT takes one tier in a rule). Only the
    # message's first line: the cdktf CLI that make rehearse runs may print no more of Terraform's detail.
    ("standard-tier", "existing_ips: the network tiers PREMIUM, STANDARD in the IPs of NAT"),
    ("domain-restricted-sharing", "One or more users named in the policy do not belong to a permitted customer, "
                                  "perhaps due to an organization policy."),
])
def test_each_brownfield_seed_fails_the_rehearsal_with_gcps_error(name, error):
    facts = recorded(f"brownfield:{name}").facts
    assert facts["code"] == 1, facts["output"]
    # Terraform wraps a diagnostic's detail at 78 columns when its output is no terminal.
    assert " ".join(error.split()) in " ".join(facts["output"].split()), facts["output"]
    assert "rehearsal: seeded: " in facts["output"]


def test_make_rehearse_prints_the_recovery_of_a_tainted_service():
    output = recorded("brownfield:missing-image").facts["output"]
    assert "the Cloud Run service is in the state as tainted" in output
    assert "  terraform -chdir=cdktf.out/stacks/brownfield untaint google_cloud_run_v2_service.Chain_Service-" \
           "production_" in output
    assert "  # fix the image in the file if its revision failed, then deploy again: make deploy STACK=brownfield" \
        in output


def test_rehearsing_an_adopting_file_prints_what_it_seeded_and_what_was_imported():
    output = recorded(f"rehearse:{ADOPT_EXAMPLE.stem}").facts["output"]
    assert "rehearsal: seeded: gcloud compute routers create my-router\n" in output
    assert "rehearsal: seeded: gcloud run deploy my-service --image=" in output
    imported = [line for line in output.splitlines() if line.startswith("rehearsal: imported: ")]
    assert f"rehearsal: imported: {ROUTER}." in "\n".join(imported)
    assert any(line.endswith("<- projects/my-gcp-project/regions/asia-northeast3/routers/my-router")
               for line in imported)
    # The three APIs, the six resources of the adopt test above and the NAT's IPs (its NatAddress, imported with
    # the NAT it belongs to).
    assert len(imported) == 10
    assert any(line.startswith(f"rehearsal: imported: {NAT_ADDRESS}.") for line in imported)
