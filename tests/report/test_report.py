"""The review report of the tests' copy of the example (tests/fixtures/environments/), written next to its JSON."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.app import build_app
from constructs_lib.config import load_environment
from constructs_lib.report import main, render, write_reports
from constructs_lib.policies.document import StackDocument
from tests.support.paths import FIXTURE_BOOTSTRAP, FIXTURE_EXAMPLE



@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    build_app([load_environment(FIXTURE_EXAMPLE)], outdir=str(out)).synth()
    write_reports(out)
    return out


@pytest.fixture(scope="module")
def report(outdir: Path) -> str:
    return (outdir / "stacks" / "example" / "REVIEW.md").read_text()


@pytest.fixture(scope="module")
def doc(outdir: Path) -> dict[str, Any]:
    return json.loads((outdir / "stacks" / "example" / "cdk.tf.json").read_text())


def section(report: str, title: str) -> list[str]:
    """The lines of one ``## title`` section."""
    lines = report.splitlines()
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return [line for line in lines[start:end] if line]


def rows(report: str, title: str) -> list[list[str]]:
    """The body rows of the table of a section, as cells."""
    table = [line for line in section(report, title) if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table[1:]]


def test_report_is_written_next_to_the_synthesized_json(outdir):
    assert sorted(p.name for p in (outdir / "stacks" / "example").iterdir()) == ["REVIEW.md", "cdk.tf.json"]


def test_resource_table_lists_every_resource_with_type_name_region_and_project(report):
    table = rows(report, "Resources")
    assert [(r[0], r[1], r[2], r[3]) for r in table] == [
        ("`google_cloud_run_v2_service`", "production", "asia-northeast3", "my-gcp-project"),
        ("`google_compute_address`", "cloud-run-origin-ip", "asia-northeast3", "my-gcp-project"),
        ("`google_compute_router`", "cloud-run-router", "asia-northeast3", "my-gcp-project"),
        ("`google_compute_router_nat`", "cloud-run-nat", "asia-northeast3", "my-gcp-project"),
        ("`google_compute_router_nat_address`", "cloud-run-nat (nat_ips)", "asia-northeast3", "my-gcp-project"),
        ("`google_compute_subnetwork`", "cloud-run-subnet", "asia-northeast3", "my-gcp-project"),
        ("`google_project_service`", "compute.googleapis.com", "—", "my-gcp-project"),
        ("`google_project_service`", "run.googleapis.com", "—", "my-gcp-project"),
        ("`google_project_service`", "vpcaccess.googleapis.com", "—", "my-gcp-project"),
        ("`google_vpc_access_connector`", "cloud-run-connector", "asia-northeast3", "my-gcp-project"),
    ]


def test_resource_table_shows_the_settings_that_matter(report):
    settings = {r[1]: r[4] for r in rows(report, "Resources")}
    assert settings["cloud-run-nat"] == ("router cloud-run-router; MANUAL_ONLY; 1 IP(s); subnets cloud-run-subnet "
                                         "(ALL_IP_RANGES); min_ports_per_vm 64; logs off")
    assert settings["cloud-run-nat (nat_ips)"] == "the IPs of NAT cloud-run-nat; 1 IP(s)"
    assert settings["production"].startswith("egress ALL_TRAFFIC; connector cloud-run-connector; ")
    assert settings["cloud-run-subnet"] == ("range 10.124.0.0/28; network default; private_ip_google_access true; "
                                            "flow logs INTERVAL_5_SEC, sampling 0.5")


def test_ip_pool_lists_the_addresses_and_the_output_that_holds_them(report):
    assert rows(report, "IP pool") == [["cloud-run-origin-ip", "reserved by this stack", "in use"]]
    assert ("- output `static_ips`: The static outbound IPs by address name: give these to the third party to "
            "allowlist.") in section(report, "IP pool")


def test_allowlist_change_says_what_the_json_alone_can_tell_and_points_to_the_plan(report):
    lines = section(report, "Allowlist change")
    assert lines[0].startswith("This report reads only the synthesized JSON: it knows the addresses by name, not "
                               "their IPs, and not what is deployed now.")
    assert lines[0].endswith("Traffic will leave from `cloud-run-origin-ip`.")
    assert "`make diff STACK=example` prints this section from the plan" in lines[1]
    assert "`make allowlist STACK=example` writes the list the partner needs" in lines[1]


def test_allowlist_change_of_a_draining_pool_names_the_draining_addresses():
    from constructs_lib.policies.document import StackDocument
    from constructs_lib.report import render
    doc = json.loads((Path(__file__).parents[1] / "golden" / "drain-ip.tf.json").read_text())
    lines = section(render(StackDocument(doc, stack="drain-ip")), "Allowlist change")
    assert lines[0].endswith("Traffic will leave from `rotate-origin-ip-2`.")
    assert lines[1] == "Draining (no new connections, still allowlisted): `rotate-origin-ip`."


def test_capacity_of_the_default_connector_chain(report):
    assert rows(report, "Capacity") == [["`cloud-run-nat`", "10", "64", "1", "64,512", "640"]]


def test_policy_results_are_listed_rule_by_rule(report):
    assert [(r[0], r[1]) for r in rows(report, "Policy results")] == [
        ("EGRESS-001", "pass"), ("EGRESS-002", "pass"), ("EGRESS-003", "pass"), ("EGRESS-004", "pass"),
        ("EGRESS-005", "n/a"), ("EGRESS-006", "pass")]


def test_diagram_goes_from_service_through_connector_subnet_nat_and_ip_to_the_internet(report):
    assert section(report, "Diagram") == [
        "```mermaid",
        "flowchart LR",
        '  svc0["Cloud Run production"]',
        '  conn1["connector cloud-run-connector"]',
        '  subnet2["subnet cloud-run-subnet<br/>10.124.0.0/28"]',
        '  nat3["Cloud NAT cloud-run-nat<br/>MANUAL_ONLY"]',
        '  internet4(("internet"))',
        '  ip5["IP cloud-run-origin-ip"]',
        '  svc0 -->|"egress ALL_TRAFFIC"| conn1',
        "  conn1 --> subnet2",
        "  subnet2 --> nat3",
        "  nat3 --> ip5",
        "  ip5 --> internet4",
        "```",
    ]


def test_report_reads_the_json_not_the_config(doc):
    changed = copy.deepcopy(doc)
    (nat,) = changed["resource"]["google_compute_router_nat"].values()
    nat["min_ports_per_vm"] = 1024
    assert rows(render(StackDocument(changed)), "Capacity") == [
        ["`cloud-run-nat`", "10", "1,024", "1", "64,512", "10,240"]]


def test_direct_vpc_egress_is_drawn_from_the_service_to_the_subnet_and_counts_its_instances(doc):
    changed = copy.deepcopy(doc)
    (subnet,) = changed["resource"]["google_compute_subnetwork"]
    (service,) = changed["resource"]["google_cloud_run_v2_service"].values()
    service["template"]["vpc_access"] = {"egress": "ALL_TRAFFIC", "network_interfaces": [
        {"network": "default", "subnetwork": f"${{google_compute_subnetwork.{subnet}.name}}"}]}
    service["template"]["scaling"] = {"max_instance_count": 20}
    del changed["resource"]["google_vpc_access_connector"]
    report = render(StackDocument(changed))
    assert '  svc0 -->|"direct VPC egress, ALL_TRAFFIC"| subnet1' in section(report, "Diagram")
    assert rows(report, "Capacity") == [["`cloud-run-nat`", "20", "64", "1", "64,512", "1,280"]]


def test_a_stack_without_a_chain_gets_only_its_resource_table():
    from constructs_lib.config.bootstrap import load_bootstrap
    from constructs_lib.stacks.bootstrap_stack import BootstrapStack
    from constructs_lib._provider.cdk import Testing

    stack = BootstrapStack(Testing.app(), "state-bucket",
                           config=load_bootstrap(FIXTURE_BOOTSTRAP),
                           state_path="state-bucket.tfstate")
    report = render(StackDocument(stack.to_terraform()))
    assert [line for line in report.splitlines() if line.startswith("## ")] == ["## Resources"]
    assert rows(report, "Resources")[1][4] == (
        "versioning true; uniform_bucket_level_access true; public_access_prevention enforced; force_destroy false; "
        "Delete when num_newer_versions 11, with_state ARCHIVED; prevent_destroy")


def test_without_a_synthesized_app_the_command_says_to_synth_first(tmp_path, capsys):
    assert main([str(tmp_path)]) == 1
    assert capsys.readouterr().err == (f"error: {tmp_path / 'manifest.json'} does not exist: run `make synth` "
                                       "(cdktf synth) first\n")


def test_standby_addresses_are_listed_apart_from_the_pool():
    from tests.support.environments import config
    from constructs_lib._provider.cdk import Testing
    from constructs_lib.stacks.egress_stack import EgressStack

    stack = EgressStack(Testing.app(), "test", config=config(egress={"standby_ips": ["cloud-run-origin-ip-next"]}))
    report = render(StackDocument(stack.to_terraform()))
    assert ["cloud-run-origin-ip-next", "reserved by this stack", "standby"] in rows(report, "IP pool")
    assert ["cloud-run-origin-ip", "reserved by this stack", "in use"] in rows(report, "IP pool")


HOSTILE = "x`y\n## Policy results\n| forged | row |\n<script>*a*_b_ [l](u) ```\u2028#"


def test_every_string_from_the_json_is_escaped(doc):
    changed = copy.deepcopy(doc)
    changed["terraform"]["backend"] = {"gcs": {"bucket": "b", "prefix": HOSTILE}}
    (nat,) = changed["resource"]["google_compute_router_nat"].values()
    nat["name"] = HOSTILE
    (service,) = changed["resource"]["google_cloud_run_v2_service"].values()
    service["template"]["containers"][0]["image"] = HOSTILE
    service["template"]["vpc_access"]["egress"] = HOSTILE
    for output in changed["output"].values():
        output["description"] = HOSTILE
    report = render(StackDocument(changed))
    # Each string stays on its line and opens nothing: the sections and table rows are the report's own.
    assert [line for line in report.splitlines() if line.startswith("#")] == [
        "# Review of stack `example`", "## Resources", "## Addresses a change would rename", "## IP pool",
        "## Allowlist change", "## Capacity", "## NAT timeouts",
        "## Policy results", "## Diagram"]
    assert "\n| forged |" not in report and "\n```\u2028" not in report
    assert "State: `gcs` backend, bucket `b`, prefix ````x`y\\u000a## Policy results\\u000a| forged | row " \
           "|\\u000a<script>*a*_b_ [l](u) ```\\u2028#````." in report
    assert rows(report, "Capacity")[0][0] == "````x`y\\u000a## Policy results\\u000a\\| forged \\| row " \
                                             "\\|\\u000a<script>*a*_b_ [l](u) ```\\u2028#````"
    assert section(report, "Diagram")[-1] == "```"
    assert report.count("```mermaid") == 1
    mermaid = section(report, "Diagram")[1:-1]
    assert all(line.startswith("  ") and "<script>" not in line and "`" not in line for line in mermaid[1:]), mermaid
    outputs = [line for line in report.splitlines() if line.startswith("- output `static_ips`: ")]
    assert outputs == ["- output `static_ips`: x\\`y\\\\u000a\\#\\# Policy results\\\\u000a| forged | row |\\\\u000a"
                       "\\<script\\>\\*a\\*\\_b\\_ \\[l\\](u) \\`\\`\\`\\\\u2028\\#"]


def test_the_review_of_an_adopt_stack_says_what_is_imported_and_calls_no_import_reserved(tmp_path):
    from constructs_lib.config import parse_environment
    from tests.support.environments import environment

    data = environment(state={"backend": "local"}, egress={"static_ip_names": ["partner-ip"]},
                       adopt={"chain": True, "services": ["production"]})
    config = parse_environment(data, stack="adopted", source="adopted.toml")
    build_app([config], outdir=str(tmp_path)).synth()
    (written,) = write_reports(tmp_path)
    review = written.read_text()
    imports = {b["to"]: b["id"] for b in json.loads((tmp_path / "stacks" / "adopted" / "cdk.tf.json").read_text())
               ["import"]}
    adoption = rows(review, "Adoption")
    # One row per import block of the JSON, each with its import ID.
    assert sorted(row[1].strip("`") for row in adoption) == sorted(imports.values())
    assert ["`google_compute_address` `partner-ip`",
            "`projects/my-gcp-project/regions/asia-northeast3/addresses/partner-ip`"] in adoption
    assert ["`google_cloud_run_v2_service` `production`",
            "`projects/my-gcp-project/locations/asia-northeast3/services/production`"] in adoption
    assert "1 of them is an IP address that exists already" in "\n".join(section(review, "Adoption"))
    assert rows(review, "IP pool") == [["partner-ip", "existing, imported by the first deploy", "in use"]]
    assert "reserved by this stack" not in review


def test_the_review_of_a_stack_without_adopt_has_no_adoption_section(report):
    assert "## Adoption" not in report


def test_the_command_takes_one_folder_at_most_and_says_so(tmp_path, capsys):
    assert main([str(tmp_path), "extra\nerror: forged"]) == 2
    assert capsys.readouterr().err == (f"usage: python -m constructs_lib.report [OUTDIR]: got 2 arguments: {tmp_path} "
                                       "extra\\nerror: forged\n")
    assert main(["--help"]) == 0
    assert capsys.readouterr().out == "usage: python -m constructs_lib.report [OUTDIR]\n"
    assert list(tmp_path.iterdir()) == []
