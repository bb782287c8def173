"""The policy pack on real stacks: a violation fails the synth with its rule id, path and fix,
and main.py's path (``run`` / ``synth_checked``) stops before anything is written."""

from __future__ import annotations

import io
import json

import pytest

from constructs_lib.app import build_app, run, synth_checked
from constructs_lib._provider.cdk import App, TerraformStack
from constructs_lib.chain.egress_chain import EgressChain
from constructs_lib.stacks.chain_props import chain_props
from constructs_lib.stacks.egress_stack import EgressStack
from constructs_lib._provider.google import CloudRunV2ServiceIamMember
from constructs_lib.policies.pack import apply_chain_policies, check_app
from tests.support.environments import config
from tests.support.processes import snapshot

SERVICES = [{"name": "api", "image": "nginx"}]



def public_binding(stack: EgressStack) -> None:
    CloudRunV2ServiceIamMember(stack, "Public", name=stack.chain.services[0].resource.name,
                               location="asia-northeast3", role="roles/run.invoker", member="allUsers")


# Each violation made through an escape hatch on the constructed resources: the pack reads what Terraform gets.
VIOLATIONS = {
    "EGRESS-001": ("test/Chain/Service-api/Resource",
                   lambda s: s.chain.services[0].resource.add_override("template.vpc_access.egress",
                                                                        "PRIVATE_RANGES_ONLY")),
    "EGRESS-002": ("test/Chain/Connector/Resource",
                   lambda s: s.chain.router_nat.nat.add_override("nat_ip_allocate_option", "AUTO_ONLY")),
    "EGRESS-003": ("test/Chain/Service-api/Resource",
                   lambda s: s.chain.services[0].resource.add_override("location", "europe-west1")),
    "EGRESS-004": ("test/Chain/Connector/Resource",
                   lambda s: s.chain.connector.resource.add_override("ip_cidr_range", "10.8.0.0/28")),
    "EGRESS-005": ("test/Public", public_binding),
    "EGRESS-006": ("test/Chain/RouterNat/Nat",
                   lambda s: s.chain.router_nat.nat.add_override("source_subnetwork_ip_ranges_to_nat",
                                                                 "ALL_SUBNETWORKS_ALL_IP_RANGES")),
}


@pytest.mark.parametrize("rule_id", sorted(VIOLATIONS))
def test_each_violation_fails_synth_with_its_rule_id_path_and_fix(rule_id, tmp_path):
    path, break_it = VIOLATIONS[rule_id]
    app = App(outdir=str(tmp_path))
    stack = EgressStack(app, "test", config=config(services=SERVICES))
    break_it(stack)

    with pytest.raises(RuntimeError) as err:
        app.synth()

    errors = [line for line in str(err.value).splitlines() if line.startswith("[")]
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"[{path}] {rule_id}: ")
    assert " Fix: " in errors[0]


def test_check_app_lists_the_same_violations_without_writing(tmp_path):
    app = App(outdir=str(tmp_path / "out"))
    stack = EgressStack(app, "test", config=config(services=SERVICES))
    VIOLATIONS["EGRESS-001"][1](stack)
    (finding,) = check_app(app)
    assert (finding.rule_id, finding.path) == ("EGRESS-001", "test/Chain/Service-api/Resource")
    assert not (tmp_path / "out" / "stacks" / "test").exists()


def test_allowed_public_service_synthesizes_and_is_recorded_for_review(tmp_path):
    cfg = config(services=[{"name": "web", "image": "nginx", "allow_unauthenticated": True}])
    build_app([cfg], outdir=str(tmp_path)).synth()
    doc = json.loads((tmp_path / "stacks" / "test" / "cdk.tf.json").read_text())
    assert doc["//"]["egress_policy"] == {"public_services": ["web"]}


def test_violation_through_mains_path_lists_rule_path_and_fix_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    (out / "stacks" / "old").mkdir(parents=True)
    (out / "stacks" / "old" / "cdk.tf.json").write_text("{}")
    before = snapshot(out)
    app = App(outdir=str(out))
    EgressStack(app, "good", config=config(stack="good"))
    bad = EgressStack(app, "test", config=config(services=SERVICES))
    VIOLATIONS["EGRESS-001"][1](bad)
    stderr = io.StringIO()

    assert synth_checked(app, stderr=stderr) == 1

    lines = stderr.getvalue().splitlines()
    assert lines[0] == "error: 1 chain policy violation; nothing was synthesized:"
    assert lines[1].startswith('  - EGRESS-001 test/Chain/Service-api/Resource: service "api" has egress = '
                               '"PRIVATE_RANGES_ONLY"')
    assert lines[1].endswith('. Fix: set template.vpc_access (a job\'s template.template.vpc_access) { connector or '
                             'network_interfaces, egress = "ALL_TRAFFIC" } on the service or job (constructs_lib\'s '
                             'CloudRunService and CloudRunJob always do)')
    assert "Traceback" not in stderr.getvalue()
    assert snapshot(out) == before
    assert sorted(p.name for p in (out / "stacks").iterdir()) == ["old"]


def test_violation_leaves_no_output_folder_that_did_not_exist(tmp_path):
    app = App(outdir=str(tmp_path / "out"))
    VIOLATIONS["EGRESS-006"][1](EgressStack(app, "test", config=config()))
    assert synth_checked(app, stderr=io.StringIO(), remove_if_empty=[tmp_path / "out" / "stacks",
                                                                      tmp_path / "out"]) == 1
    assert not (tmp_path / "out").exists()


def test_compliant_app_is_synthesized(tmp_path):
    app = App(outdir=str(tmp_path))
    EgressStack(app, "test", config=config())
    assert synth_checked(app, stderr=io.StringIO()) == 0
    assert (tmp_path / "stacks" / "test" / "cdk.tf.json").is_file()


def test_run_synthesizes_a_selected_file(tmp_path):
    env = tmp_path / "staging.toml"
    env.write_text('project = "my-gcp-project"\nregion = "asia-northeast3"\n[state]\nbackend = "local"\n'
                   '[network]\nsubnet_cidr = "10.124.0.0/28"\n')
    assert run(str(env), stderr=io.StringIO(), outdir=str(tmp_path / "out")) == 0
    assert sorted(p.name for p in (tmp_path / "out" / "stacks").iterdir()) == ["staging"]


def test_own_stack_gets_the_same_pack(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "mine")
    chain = EgressChain(stack, "Chain", props=chain_props(config(services=SERVICES)))
    CloudRunV2ServiceIamMember(stack, "Public", name=chain.services[0].resource.name, location="asia-northeast3",
                               role="roles/run.invoker", member="allUsers")
    apply_chain_policies(stack)
    (finding,) = check_app(app)
    assert (finding.rule_id, finding.path) == ("EGRESS-005", "mine/Public")


def test_own_stack_may_allow_a_public_service(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "mine")
    chain = EgressChain(stack, "Chain", props=chain_props(config(services=SERVICES)))
    CloudRunV2ServiceIamMember(stack, "Public", name=chain.services[0].resource.name, location="asia-northeast3",
                               role="roles/run.invoker", member="allUsers")
    apply_chain_policies(stack, public_services=["api"])
    assert check_app(app) == []
