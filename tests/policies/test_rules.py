"""Each chain rule on a synthesized stack: a compliant case and the violations it must catch.

The rules are pure functions of the synthesized JSON, so each test takes the
JSON of a real EgressStack (``to_terraform()``, metadata included), changes
what it tests, and applies one rule. Both forms of ``vpc_access`` are covered:
through a connector, and Direct VPC egress (``network_interfaces``).
"""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from constructs_lib.facts.resources import IAM_BINDING
from constructs_lib.policies import RULES, Result, evaluate, findings
from constructs_lib.policies.document import StackDocument
from tests.support.environments import config
from tests.support.synth import CONNECTOR, IAM_MEMBER, NAT, NAT_ADDRESS, ROUTER, RUN, SUBNET


SERVICE_PATH = "test/Chain/Service-api/Resource"
CONNECTOR_PATH = "test/Chain/Connector/Resource"
NAT_PATH = "test/Chain/RouterNat/Nat"


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    """The JSON of a compliant stack with one service, as the Aspect sees it."""
    from constructs_lib._provider.cdk import Testing
    from constructs_lib.stacks.egress_stack import EgressStack

    stack = EgressStack(Testing.app(), "test", config=config(services=[{"name": "api", "image": "nginx"}]))
    return stack.to_terraform()


def body(doc: dict[str, Any], rtype: str) -> dict[str, Any]:
    """The one resource of a type, to change in place."""
    (found,) = doc["resource"][rtype].values()
    return found


def logical(doc: dict[str, Any], rtype: str) -> str:
    (name,) = doc["resource"][rtype]
    return name


def check(rule_id: str, baseline: dict[str, Any], change: Callable[[dict[str, Any]], None] = lambda d: None
          ) -> list[Result]:
    """Apply one rule to a copy of the baseline after ``change``."""
    doc = copy.deepcopy(baseline)
    change(doc)
    (rule,) = [r for r in RULES if r.id == rule_id]
    return list(rule.check(StackDocument(doc)))


def direct_egress(doc: dict[str, Any], subnetwork: str | None = None) -> None:
    """Turn the service into Direct VPC egress through the chain's subnet (or ``subnetwork``) and drop the connector."""
    subnet = subnetwork or f"${{{SUBNET}.{logical(doc, SUBNET)}.name}}"
    body(doc, RUN)["template"]["vpc_access"] = {
        "network_interfaces": [{"network": "default", "subnetwork": subnet}], "egress": "ALL_TRAFFIC"}
    del doc["resource"][CONNECTOR]


def test_pack_has_the_six_rules_in_order():
    assert [r.id for r in RULES] == ["EGRESS-001", "EGRESS-002", "EGRESS-003", "EGRESS-004", "EGRESS-005",
                                     "EGRESS-006"]


def test_the_stack_as_built_passes_every_rule(baseline):
    assert findings(StackDocument(baseline)) == []
    assert [o.status for o in evaluate(StackDocument(baseline))] == ["pass", "pass", "pass", "pass", "n/a", "pass"]


# EGRESS-001: vpc_access with egress ALL_TRAFFIC


def test_001_connector_with_all_traffic_is_compliant(baseline):
    assert check("EGRESS-001", baseline) == [
        Result(SERVICE_PATH, True, 'service "api" has egress = "ALL_TRAFFIC" (connector)')]


def test_001_direct_egress_with_all_traffic_is_compliant(baseline):
    assert check("EGRESS-001", baseline, direct_egress) == [
        Result(SERVICE_PATH, True, 'service "api" has egress = "ALL_TRAFFIC" (direct)')]


def test_001_private_ranges_only_fails(baseline):
    def change(doc):
        body(doc, RUN)["template"]["vpc_access"]["egress"] = "PRIVATE_RANGES_ONLY"
    assert check("EGRESS-001", baseline, change) == [Result(
        SERVICE_PATH, False, 'service "api" has egress = "PRIVATE_RANGES_ONLY": internet traffic skips the NAT '
                             "and its static IPs")]


def test_001_missing_egress_fails_because_the_api_default_is_private_ranges(baseline):
    def change(doc):
        del body(doc, RUN)["template"]["vpc_access"]["egress"]
    (result,) = check("EGRESS-001", baseline, change)
    assert (result.compliant, result.detail) == (
        False, 'service "api" has no egress (the API then uses PRIVATE_RANGES_ONLY): internet traffic skips the '
               "NAT and its static IPs")


def test_001_service_without_vpc_access_fails(baseline):
    def change(doc):
        del body(doc, RUN)["template"]["vpc_access"]
    assert check("EGRESS-001", baseline, change) == [Result(
        SERVICE_PATH, False, 'service "api" has no template.vpc_access: its requests leave from Google\'s shared IPs, '
                             "not the chain's")]


# EGRESS-002: the egress subnet is covered by a MANUAL_ONLY NAT with IPs, same region and network


def test_002_connector_subnet_covered_by_manual_nat_is_compliant(baseline):
    assert check("EGRESS-002", baseline) == [Result(
        CONNECTOR_PATH, True, 'connector "cloud-run-connector": subnet "cloud-run-subnet" is translated by NAT '
                              '"cloud-run-nat" (MANUAL_ONLY, 1 IP)')]


def test_002_direct_egress_subnet_covered_is_compliant(baseline):
    assert check("EGRESS-002", baseline, direct_egress) == [Result(
        SERVICE_PATH, True, 'service "api": subnet "cloud-run-subnet" is translated by NAT "cloud-run-nat" '
                            "(MANUAL_ONLY, 1 IP)")]


def test_002_direct_egress_subnet_named_literally_is_recognised(baseline):
    assert check("EGRESS-002", baseline, lambda doc: direct_egress(doc, "cloud-run-subnet")) == [Result(
        SERVICE_PATH, True, 'service "api": subnet "cloud-run-subnet" is translated by NAT "cloud-run-nat" '
                            "(MANUAL_ONLY, 1 IP)")]


def test_002_direct_egress_through_another_subnet_fails(baseline):
    assert check("EGRESS-002", baseline, lambda doc: direct_egress(doc, "other-subnet")) == [Result(
        SERVICE_PATH, False, 'service "api" egresses through subnet "other-subnet", which no NAT in this stack '
                             "translates: its traffic would not leave from the static IPs")]


def test_002_auto_only_nat_fails(baseline):
    def change(doc):
        body(doc, NAT)["nat_ip_allocate_option"] = "AUTO_ONLY"
    assert check("EGRESS-002", baseline, change) == [Result(
        CONNECTOR_PATH, False, 'connector "cloud-run-connector" egresses through subnet "cloud-run-subnet", but '
                               'NAT "cloud-run-nat": nat_ip_allocate_option = "AUTO_ONLY" (Google adds ephemeral '
                               "IPs that no third party has allowlisted)")]


def test_002_nat_without_ips_fails(baseline):
    def change(doc):
        body(doc, NAT_ADDRESS)["nat_ips"] = []
    (result,) = check("EGRESS-002", baseline, change)
    assert (result.compliant, result.detail.endswith('NAT "cloud-run-nat": no nat_ips')) == (False, True)


def test_002_a_nat_holding_its_own_ips_is_read_as_well(baseline):
    """A hand-built chain, or a stack of the earlier shape: nat_ips on the NAT, no google_compute_router_nat_address."""
    def own_ips(ips):
        def change(doc):
            holder = doc["resource"].pop(NAT_ADDRESS)
            nat = body(doc, NAT)
            del nat["initial_nat_ips"]
            nat["nat_ips"] = ips if ips is not None else next(iter(holder.values()))["nat_ips"]
        return change
    (good,) = check("EGRESS-002", baseline, own_ips(None))
    assert (good.compliant, good.detail.endswith('translated by NAT "cloud-run-nat" (MANUAL_ONLY, 1 IP)')) == (True, True)
    (bad,) = check("EGRESS-002", baseline, own_ips([]))
    assert (bad.compliant, bad.detail.endswith('NAT "cloud-run-nat": no nat_ips')) == (False, True)


def test_002_nat_ips_as_an_expression_cannot_be_counted(baseline):
    def change(doc):
        body(doc, NAT_ADDRESS)["nat_ips"] = "${concat(local.a, local.b)}"
    (result,) = check("EGRESS-002", baseline, change)
    assert (result.compliant, result.detail.endswith(
        'NAT "cloud-run-nat": nat_ips is the expression ${concat(local.a, local.b)}, whose addresses cannot be '
        "counted at synth (give a list)")) == (False, True)


def test_002_nat_covering_another_subnet_fails(baseline):
    def change(doc):
        body(doc, NAT)["subnetwork"] = [{"name": "other-subnet", "source_ip_ranges_to_nat": ["ALL_IP_RANGES"]}]
    (result,) = check("EGRESS-002", baseline, change)
    assert (result.compliant, result.detail) == (
        False, 'connector "cloud-run-connector" egresses through subnet "cloud-run-subnet", which no NAT in this '
               "stack translates: its traffic would not leave from the static IPs")


def test_002_nat_translating_only_secondary_ranges_does_not_cover(baseline):
    def change(doc):
        body(doc, NAT)["subnetwork"][0]["source_ip_ranges_to_nat"] = ["LIST_OF_SECONDARY_IP_RANGES"]
    assert check("EGRESS-002", baseline, change) == [Result(
        CONNECTOR_PATH, False, 'connector "cloud-run-connector" egresses through subnet "cloud-run-subnet", which no '
                               "NAT in this stack translates: its traffic would not leave from the static IPs")]


def test_002_nat_on_a_router_of_another_network_fails(baseline):
    def change(doc):
        body(doc, ROUTER)["network"] = "other-net"
    assert check("EGRESS-002", baseline, change) == [Result(
        CONNECTOR_PATH, False, 'connector "cloud-run-connector" egresses through subnet "cloud-run-subnet", but NAT '
                               '"cloud-run-nat": its router is in network "other-net", the subnet in "default"')]


def test_002_connector_outside_the_stack_cannot_be_checked(baseline):
    def change(doc):
        body(doc, RUN)["template"]["vpc_access"]["connector"] = "projects/p/locations/asia-northeast3/connectors/c"
    assert check("EGRESS-002", baseline, change) == [
        Result(CONNECTOR_PATH, True, 'connector "cloud-run-connector": subnet "cloud-run-subnet" is translated by '
                                     'NAT "cloud-run-nat" (MANUAL_ONLY, 1 IP)'),
        Result(SERVICE_PATH, False, 'service "api" uses connector "projects/p/locations/asia-northeast3/connectors/c", '
                                    "which is not in this stack, so its subnet and NAT cannot be checked")]


# EGRESS-003: one region


def test_003_one_region_is_compliant(baseline):
    assert [(r.path, r.compliant) for r in check("EGRESS-003", baseline)] == [
        (CONNECTOR_PATH, True), (SERVICE_PATH, True), (NAT_PATH, True)]


def test_003_connector_in_another_region_fails_against_its_subnet_and_its_services(baseline):
    def change(doc):
        body(doc, CONNECTOR)["region"] = "europe-west1"
    failed = [r for r in check("EGRESS-003", baseline, change) if not r.compliant]
    assert failed == [
        Result(CONNECTOR_PATH, False, 'connector "cloud-run-connector" is in europe-west1 but its subnet '
                                      '"cloud-run-subnet" is in asia-northeast3'),
        Result(SERVICE_PATH, False, 'service "api" is in asia-northeast3 but its connector "cloud-run-connector" '
                                    "is in europe-west1"),
    ]


def test_003_nat_in_another_region_than_its_router_fails(baseline):
    def change(doc):
        body(doc, NAT)["region"] = "us-central1"
    failed = [r for r in check("EGRESS-003", baseline, change) if not r.compliant]
    assert failed == [Result(NAT_PATH, False, 'NAT "cloud-run-nat" is in us-central1 but its router '
                                              '"cloud-run-router" is in asia-northeast3')]


def test_003_direct_egress_service_in_another_region_than_its_subnet_fails(baseline):
    def change(doc):
        direct_egress(doc)
        body(doc, RUN)["location"] = "europe-west1"
    failed = [r for r in check("EGRESS-003", baseline, change) if not r.compliant]
    assert failed == [Result(SERVICE_PATH, False, 'service "api" is in europe-west1 but its subnet '
                                                  '"cloud-run-subnet" is in asia-northeast3')]


def test_003_region_left_to_the_provider_counts_as_the_providers(baseline):
    def change(doc):
        del body(doc, NAT)["region"]
    # The provider block's region (asia-northeast3) stands in for the NAT's: checked, not skipped.
    assert check("EGRESS-003", baseline, change) == [
        Result(CONNECTOR_PATH, True, 'connector "cloud-run-connector" and its subnet "cloud-run-subnet" are in '
                                     "asia-northeast3"),
        Result(SERVICE_PATH, True, 'service "api" and its connector "cloud-run-connector" are in asia-northeast3'),
        Result(NAT_PATH, True, 'NAT "cloud-run-nat" and its router "cloud-run-router" are in asia-northeast3')]


# EGRESS-004: connector attached by subnet


def test_004_connector_with_subnet_block_is_compliant(baseline):
    assert check("EGRESS-004", baseline) == [
        Result(CONNECTOR_PATH, True, 'connector "cloud-run-connector" uses subnet "cloud-run-subnet"')]


def test_004_connector_with_ip_cidr_range_fails(baseline):
    def change(doc):
        connector = body(doc, CONNECTOR)
        del connector["subnet"]
        connector.update(ip_cidr_range="10.8.0.0/28", network="default")
    assert check("EGRESS-004", baseline, change) == [Result(
        CONNECTOR_PATH, False, 'connector "cloud-run-connector" has ip_cidr_range = "10.8.0.0/28" and network = '
                               '"default" instead of a subnet block: Google creates a hidden subnet that Cloud '
                               "NAT cannot select")]


# EGRESS-005: no public service unless allowed


def public_binding(doc: dict[str, Any], member: str = "allUsers") -> None:
    doc["resource"][IAM_MEMBER] = {"Public": {
        "//": {"metadata": {"path": "test/Public"}},
        "name": f"${{{RUN}.{logical(doc, RUN)}.name}}", "role": "roles/run.invoker", "member": member}}


def test_005_no_binding_is_not_applicable(baseline):
    assert check("EGRESS-005", baseline) == []


def test_005_allowed_public_service_is_compliant(baseline):
    def change(doc):
        public_binding(doc)
        doc["//"]["egress_policy"] = {"public_services": ["api"]}
    assert check("EGRESS-005", baseline, change) == [Result(
        "test/Public", True, 'service "api" is public (allUsers), as the environment allows '
                             "(allow_unauthenticated = true)")]


def test_005_public_service_not_allowed_fails(baseline):
    assert check("EGRESS-005", baseline, public_binding) == [Result(
        "test/Public", False, 'service "api" is made public (allUsers, roles/run.invoker) but the environment '
                              "does not allow it")]


def test_005_all_authenticated_users_in_a_binding_fails(baseline):
    def change(doc):
        doc["resource"][IAM_BINDING] = {"B": {
            "name": "api", "role": "roles/run.invoker", "members": ["user:a@example.com", "allAuthenticatedUsers"]}}
    assert check("EGRESS-005", baseline, change) == [Result(
        f"{IAM_BINDING}.B", False, 'service "api" is made public (allAuthenticatedUsers, roles/run.invoker) but the '
                                   "environment does not allow it")]


def test_005_binding_to_a_named_member_is_compliant(baseline):
    assert check("EGRESS-005", baseline, lambda doc: public_binding(doc, "serviceAccount:x@p.iam.gserviceaccount.com")) \
        == [Result("test/Public", True, 'service "api": roles/run.invoker for serviceAccount:x@p.iam.gserviceaccount.com')]


# EGRESS-006: the NAT translates only the stack's subnets


def test_006_nat_listing_only_the_chain_subnet_is_compliant(baseline):
    assert check("EGRESS-006", baseline) == [
        Result(NAT_PATH, True, 'NAT "cloud-run-nat" translates only "cloud-run-subnet"')]


def test_006_nat_for_all_subnetworks_fails(baseline):
    def change(doc):
        nat = body(doc, NAT)
        nat["source_subnetwork_ip_ranges_to_nat"] = "ALL_SUBNETWORKS_ALL_IP_RANGES"
        del nat["subnetwork"]
    assert check("EGRESS-006", baseline, change) == [Result(
        NAT_PATH, False, 'NAT "cloud-run-nat" has source_subnetwork_ip_ranges_to_nat = '
                         '"ALL_SUBNETWORKS_ALL_IP_RANGES": every subnet of the network leaves from the allowlisted IPs')]


def test_006_nat_listing_a_subnet_the_stack_does_not_create_fails(baseline):
    def change(doc):
        body(doc, NAT)["subnetwork"].append({"name": "legacy-subnet", "source_ip_ranges_to_nat": ["ALL_IP_RANGES"]})
    assert check("EGRESS-006", baseline, change) == [Result(
        NAT_PATH, False, 'NAT "cloud-run-nat" translates subnets that this stack does not create: legacy-subnet')]
