"""The guard's rules on small plans: each refusal, and what the file's release_ips/forget_ips allow."""

from __future__ import annotations

from constructs_lib.facts.resources import ADDRESS, CONNECTOR, NAT, NAT_ADDRESS, ROUTER, SERVICE, SUBNET
from constructs_lib.guard import check, notices
from tests.guard.plans import (A, B, CONNECTOR_ADDR, EDGE_ROUTER, NAT_ADDR, NAT_IPS_ADDR, ROUTER_ADDR, SUBNET_ADDR,
                               address, change, nat, nat_address, nat_with_rules, plan, replaced, subnet)


def found(p) -> list[tuple[str, str, str, str | None]]:
    return [(v.rule, v.address, v.name, v.ip) for v in check(p)]


def test_deleting_an_address_is_a_release_naming_address_name_and_ip():
    (v,) = check(plan(change(A, ADDRESS, ["delete"], before=address("ip-a"))))
    assert (v.rule, v.address, v.name, v.ip) == ("release", A, "ip-a", "203.0.113.1")
    assert v.message == (f"{A} deletes address ip-a (203.0.113.1), releasing its IP: to retire it, name it in "
                         "[egress] release_ips (release the IP) or forget_ips (keep it reserved, out of this stack)")


def test_release_ips_allows_the_delete_and_a_replace():
    assert check(plan(change(A, ADDRESS, ["delete"], before=address("ip-a")), release=["ip-a"])) == []
    assert check(plan(change(A, ADDRESS, ["create", "delete"], before=address("ip-a"), after={"name": "ip-a"}),
                      release=["ip-a"])) == []


def test_a_replace_is_a_release():
    p = plan(change(A, ADDRESS, ["create", "delete"], before=address("ip-a"), after={"name": "ip-a"}))
    assert [(v.rule, v.message.split(" address")[0]) for v in check(p)] == [("release", f"{A} replaces")]


def test_forget_ips_allows_a_forget_but_never_a_delete():
    forgotten = change(A, ADDRESS, ["forget"], before=address("ip-a"))
    assert found(plan(forgotten)) == [("release", A, "ip-a", "203.0.113.1")]
    # A forget keeps the address reserved: the message must not say its IP is released.
    assert [v.message for v in check(plan(forgotten))] == [
        f"{A} forgets address ip-a (203.0.113.1): to retire it, name it in [egress] release_ips (release the IP) or "
        "forget_ips (keep it reserved, out of this stack)"]
    assert check(plan(forgotten, forget=["ip-a"])) == []
    assert found(plan(change(A, ADDRESS, ["delete"], before=address("ip-a")), forget=["ip-a"]))[0][0] == "release"


def test_creating_an_address_the_refresh_lost_is_a_recreate():
    lost = change(A, ADDRESS, ["delete"], before=address("ip-a"))
    created = change(A, ADDRESS, ["create"], after={"name": "ip-a"}, after_unknown={"address": True})
    assert found(plan(created, drift=[lost])) == [("recreate", A, "ip-a", "203.0.113.1")]
    assert [v.message for v in check(plan(created, drift=[lost]))] == [
        f"{A} creates address ip-a anew, but it was in this stack's state (203.0.113.1): a new address gets a new "
        "IP. If it still exists in GCP, import it ([adopt] or terraform import); if it is gone and a new IP is "
        "wanted, name it in [egress] release_ips"]
    assert check(plan(created, drift=[lost], release=["ip-a"])) == []


def test_creating_an_address_under_a_name_another_resource_of_the_plan_forgets_or_deletes_is_a_recreate():
    # A construct ID that changed (the same address name under a new resource address): the old resource leaves
    # the state, the new one creates the name anew with a new IP. forget_ips lets the old one go, not the new IP.
    forgotten = change(A, ADDRESS, ["forget"], before=address("ip-a"))
    created = change(B, ADDRESS, ["create"], after={"name": "ip-a"}, after_unknown={"address": True})
    assert found(plan(forgotten, created, forget=["ip-a"])) == [("recreate", B, "ip-a", "203.0.113.1")]
    deleted = change(A, ADDRESS, ["delete"], before=address("ip-a"))
    assert found(plan(deleted, created)) == [("recreate", B, "ip-a", "203.0.113.1"),
                                             ("release", A, "ip-a", "203.0.113.1")]
    assert check(plan(deleted, created, release=["ip-a"])) == []


def test_creating_a_new_name_is_no_recreate():
    assert check(plan(change(B, ADDRESS, ["create"], after={"name": "ip-b"}),
                      change(A, ADDRESS, ["no-op"], before=address("ip-a"), after=address("ip-a")))) == []


def test_an_ip_leaving_the_nat_undrained_is_refused_with_its_ip_from_state():
    p = plan(change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-a"])),
             state=[address("ip-a"), address("ip-b")])
    assert found(p) == [("undrained", NAT_ADDR, "ip-b", "203.0.113.2")]
    assert [v.message for v in check(p)] == [
        f"{NAT_ADDR} takes address ip-b (203.0.113.2) out of NAT edge-nat's active IPs without draining it: drain it "
        "first (its name in [egress] draining_ips, one deploy), or name it in [egress] release_ips or forget_ips"]


def test_draining_first_then_leaving_the_drain_list_is_allowed():
    to_drain = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-a"], ["ip-b"]))
    out_of_drain = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a"], ["ip-b"]), after=nat(["ip-a"]))
    assert check(plan(to_drain)) == [] and check(plan(out_of_drain)) == []


def test_release_or_forget_ips_allow_leaving_undrained():
    update = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-a"]))
    assert check(plan(update, release=["ip-b"])) == [] and check(plan(update, forget=["ip-b"])) == []


def test_an_ip_put_into_the_nat_outside_terraform_is_adopted_or_forgotten_never_drained():
    # An IP an operator added to the NAT by hand (no address of the state): the plan takes it out. Draining needs an
    # address of the pool, so the way out is adopting it (existing_ips) or letting it go (forget_ips).
    update = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ops-ip"]), after=nat(["ip-a"]))
    p = plan(update, state=[address("ip-a")])
    assert found(p) == [("undrained", NAT_ADDR, "ops-ip", None)]
    assert [v.message for v in check(p)] == [
        f"{NAT_ADDR} takes address ops-ip out of NAT edge-nat's active IPs without draining it: it was put there "
        "outside Terraform (no address of this stack's state): keep it by adopting it ([egress] existing_ips; it can "
        "drain from there), or name it in [egress] forget_ips to take it out now (it stays reserved)"]
    forgotten = plan(update, state=[address("ip-a")], forget=["ops-ip"])
    assert check(forgotten) == []
    assert notices(forgotten) == [
        "[egress] forget_ips names ops-ip, an address put into a NAT outside Terraform: this deploy takes it out of "
        "the NAT and it stays reserved (the stack never held it); once applied, remove it from the file"]
    ruled = change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-b", "ops-ip"], [])}),
                   after=nat_with_rules({100: (["ip-b"], [])}))
    (v,) = check(plan(ruled, state=[address("ip-b"), address("ip-c")]))
    assert "of NAT edge-nat without draining it: the partner allowlists it; it was put there outside Terraform" in \
        v.message and "([egress] existing_ips, and the rule's ips; it can drain from there)" in v.message


def test_deleting_or_replacing_the_nats_ip_list_while_the_nat_stays_leaves_it_its_first_ip_only():
    # The provider's delete of a google_compute_router_nat_address crops the NAT's nat_ips to their first; the NAT's
    # own list in the plan is stale. A construct ID that changed, a taint or a -replace does it.
    kept = change(NAT_ADDR, NAT, ["no-op"], before=nat(["ip-b", "ip-a"]), after=nat(["ip-b", "ip-a"]))
    deleted = change(NAT_IPS_ADDR, NAT_ADDRESS, ["delete"], before=nat_address(["ip-b", "ip-a"]))
    p = plan(kept, deleted, state=[address("ip-a"), address("ip-b")])
    assert found(p) == [("undrained", NAT_IPS_ADDR, "ip-a", "203.0.113.1")]
    assert [v.message for v in check(p)] == [
        f"{NAT_IPS_ADDR} is deleted, and the provider's delete of a NAT's IP list leaves NAT edge-nat with its first "
        "IP only: address ip-a (203.0.113.1) leaves its active IPs without draining. Keep that resource (a changed "
        "construct ID, a taint or a -replace deletes it), or name the address in [egress] release_ips or forget_ips"]
    replaced = change(NAT_IPS_ADDR, NAT_ADDRESS, ["create", "delete"], before=nat_address(["ip-b", "ip-a"]),
                      after=nat_address(["ip-b", "ip-a"]))
    assert [v.name for v in check(plan(kept, replaced))] == ["ip-a"]
    assert check(plan(kept, deleted, release=["ip-a"])) == []
    # The NAT itself deleted or replaced: the NAT's rules apply, not the crop; a forget changes nothing in GCP.
    nat_replaced = change(NAT_ADDR, NAT, ["delete", "create"], before=nat(["ip-b", "ip-a"]),
                          after=nat(["ip-b", "ip-a"]))
    assert check(plan(nat_replaced, replaced)) == []
    forgotten = change(NAT_IPS_ADDR, NAT_ADDRESS, ["forget"], before=nat_address(["ip-b", "ip-a"]))
    assert check(plan(kept, forgotten)) == []


def test_a_deleted_nat_takes_its_ips_out_undrained():
    assert [v.name for v in check(plan(change(NAT_ADDR, NAT, ["delete"], before=nat(["ip-a"]))))] == ["ip-a"]


def test_ips_held_beside_the_nat_count_and_the_nats_own_stale_list_does_not():
    p = plan(change(NAT_ADDR, NAT, ["no-op"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-a", "ip-b"])),
             change(NAT_IPS_ADDR, NAT_ADDRESS, ["update"], before=nat_address(["ip-a", "ip-b"]),
                    after=nat_address(["ip-a"])))
    assert found(p) == [("undrained", NAT_IPS_ADDR, "ip-b", None)]
    drained = plan(change(NAT_IPS_ADDR, NAT_ADDRESS, ["update"], before=nat_address(["ip-a", "ip-b"]),
                          after=nat_address(["ip-a"], ["ip-b"])))
    assert check(drained) == []


def test_a_nat_left_without_an_active_ip_is_refused():
    p = plan(change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a"]), after=nat([], ["ip-a"])))
    assert found(p) == [("no-active-ip", NAT_ADDR, "edge-nat", None)]
    assert [v.message for v in check(p)] == [
        f"{NAT_ADDR} leaves NAT edge-nat with no active IP: nothing would leave the chain. Keep at least one address "
        "of the pool active"]
    emptied = plan(change(NAT_IPS_ADDR, NAT_ADDRESS, ["update"], before=nat_address(["ip-a"]),
                          after=nat_address([], ["ip-a"])),
                   change(NAT_ADDR, NAT, ["no-op"], before=nat(["ip-a"]), after=nat(["ip-a"])))
    assert found(emptied) == [("no-active-ip", NAT_ADDR, "edge-nat", None)]


def test_no_active_ip_spares_auto_allocation_unknown_ips_and_untouched_nats():
    auto = change(NAT_ADDR, NAT, ["update"], before=nat([], option="AUTO_ONLY"), after=nat([], option="AUTO_ONLY"))
    unknown = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a"], ["ip-b"]), after={**nat([]), "nat_ips": None},
                     after_unknown={"nat_ips": True})
    untouched = change(NAT_ADDR, NAT, ["no-op"], before=nat([]), after=nat([]))
    assert check(plan(auto)) == [] and check(plan(untouched)) == []
    assert [v.rule for v in check(plan(unknown))] == ["undrained"]  # ip-a: unknown is not kept


def test_notices_say_when_to_remove_the_keys_and_what_matches_nothing():
    p = plan(change(A, ADDRESS, ["delete"], before=address("ip-a")), release=["ip-a", "ip-z"])
    assert notices(p) == [
        "[egress] release_ips names ip-a: once this deploy is applied, remove it from the file (the key is for one "
        "deploy)",
        "[egress] release_ips names ip-z, which is no address of this stack (not in its state): nothing to do; "
        "remove it from the file"]


def test_an_empty_plan_is_fine():
    assert check({}) == [] and notices({}) == []


def _configured(p, refs):
    p["configuration"] = {"root_module": {"resources": [
        {"address": NAT_ADDR, "expressions": {"nat_ips": {"references": refs}}}]}}
    return p


def test_a_wholly_unknown_nat_ips_keeps_what_the_configuration_refers_to():
    # The plugin SDK plans the whole set unknown when one address is being created: growing the pool.
    grown = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a"]), after={**nat([]), "nat_ips": None},
                   after_unknown={"nat_ips": True})
    state = [address("ip-a")]
    p = plan(grown, state=state)
    p["prior_state"]["values"]["root_module"]["resources"][0]["address"] = A
    assert check(_configured(p, [f"{A}.self_link", A, f"{B}.self_link", B])) == []
    assert [v.rule for v in check(_configured(p, [f"{B}.self_link", B]))] == ["undrained"]


# --- a partner's IPs: NAT rules --------------------------------------------------------------------------------


def test_an_ip_leaving_a_rule_undrained_is_refused_naming_the_rule():
    p = plan(change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-a"], [])}),
                    after=nat_with_rules({100: (["ip-b"], [])})), state=[address("ip-a"), address("ip-b")])
    (v,) = check(p)
    assert (v.rule, v.address, v.name, v.ip) == ("undrained", NAT_ADDR, "ip-a", "203.0.113.1")
    assert "out of rule 100 (partner-100) of NAT edge-nat without draining it" in v.message


def test_an_ip_moving_from_a_rule_to_the_nats_own_list_leaves_the_rule():
    p = plan(change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-a", "ip-b"], [])}),
                    after=nat_with_rules({100: (["ip-b"], [])}, ("ip-c", "ip-a"))))
    assert [(v.rule, v.name) for v in check(p)] == [("undrained", "ip-a")]


def test_draining_in_the_rule_first_then_leaving_it_is_allowed_and_so_is_the_files_leave():
    to_drain = change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-a", "ip-b"], [])}),
                      after=nat_with_rules({100: (["ip-b"], ["ip-a"])}))
    out_of_drain = change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-b"], ["ip-a"])}),
                          after=nat_with_rules({100: (["ip-b"], [])}))
    undrained = change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-a", "ip-b"], [])}),
                       after=nat_with_rules({100: (["ip-b"], [])}))
    assert check(plan(to_drain)) == [] and check(plan(out_of_drain)) == []
    assert check(plan(undrained, release=["ip-a"])) == [] and check(plan(undrained, forget=["ip-a"])) == []


def test_a_rule_removed_or_renumbered_is_the_files_to_say():
    removed = change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-a"], []), 200: (["ip-b"], [])}),
                     after=nat_with_rules({200: (["ip-b"], [])}))
    renumbered = change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-a"], [])}),
                        after=nat_with_rules({110: (["ip-a"], [])}))
    assert check(plan(removed)) == [] and check(plan(renumbered)) == []


def test_a_rules_unknown_ips_keep_what_the_configuration_refers_to():
    # An address being created joins the rule: the provider plans the rule's active IPs unknown.
    after = nat_with_rules({100: ([], [])})
    del after["rules"][0]["action"][0]["source_nat_active_ips"]
    grown = change(NAT_ADDR, NAT, ["update"], before=nat_with_rules({100: (["ip-a"], [])}), after=after,
                   after_unknown={"rules": [{"action": [{"source_nat_active_ips": True}]}]})

    def configured(refs: list[str]) -> dict:
        p = plan(grown, state=[address("ip-a")])
        p["prior_state"]["values"]["root_module"]["resources"][0]["address"] = A
        p["configuration"] = {"root_module": {"resources": [{"address": NAT_ADDR, "expressions": {"rules": [
            {"rule_number": {"constant_value": 100},
             "action": [{"source_nat_active_ips": {"references": refs}}]}]}}]}}
        return p

    assert check(configured([f"{A}.self_link", A, f"{B}.self_link", B])) == []
    assert [(v.rule, v.name) for v in check(configured([f"{B}.self_link", B]))] == [("undrained", "ip-a")]


# --- name-taken, and a NAT re-created ---------------------------------------------------------------------

def test_a_subnet_replaced_first_under_its_own_name_is_refused_saying_what_forces_it():
    # [network] vpc changed: the subnet is replaced create-before-destroy with the same name; GCP refuses the
    # second one (409) and the apply stops after the router and its NAT were deleted (rehearsed: guard:moved-network).
    moved = replaced(subnet("a"), subnet("b"), paths=[["network"]], reason="replace_because_cannot_update")
    (v,) = check(plan(moved))
    assert (v.rule, v.address, v.name, v.ip) == ("name-taken", SUBNET_ADDR, "edge-subnet", None)
    assert v.message == (
        f"{SUBNET_ADDR} replaces {SUBNET} edge-subnet (network cannot change in place) by creating the new one first "
        "(create_before_destroy), under the same name: Google Cloud refuses a second one of that name in the project "
        "and region (409 alreadyExists), so the apply would stop there, after deleting what goes first (a NAT "
        "re-created with its router stays deleted). Keep what forces it as deployed (a subnet's range can only widen "
        "in place: a range that contains the current one), or give the chain new names (name; static_ip_names with "
        "today's address names keeps their IPs)")
    two = replaced(subnet(cidr="10.0.0.0/28"), subnet(cidr="10.0.0.16/28"), paths=[["ip_cidr_range"], ["network"]])
    assert "(ip_cidr_range, network cannot change in place)" in check(plan(two))[0].message
    tainted = replaced(subnet(), subnet(), reason="replace_because_tainted")
    assert "edge-subnet (it is tainted) by creating" in check(plan(tainted))[0].message
    # release_ips and forget_ips name addresses: they do not make the create succeed
    assert [v.rule for v in check(plan(moved, release=["edge-subnet"], forget=["edge-subnet"]))] == ["name-taken"]


def test_a_replace_that_deletes_first_or_takes_another_name_or_place_is_not_name_taken():
    assert check(plan(replaced(subnet("a"), subnet("b"), actions=("delete", "create")))) == []
    assert check(plan(replaced(subnet("a"), subnet("b", name="other-subnet")))) == []
    assert check(plan(replaced(subnet("a"), subnet("a", region="s")))) == []
    assert check(plan(replaced(subnet("a"), subnet("a", project="q")))) == []
    # an address replaced first under its name is release's (one refusal, not two)
    p = plan(change(A, ADDRESS, ["create", "delete"], before=address("ip-a"), after={"name": "ip-a"}))
    assert [v.rule for v in check(p)] == ["release"]


def test_a_nat_re_created_is_a_notice_naming_its_ips_and_why():
    # Its router re-created (replace_triggered_by), a -replace, a new name: egress stops from its delete to its create.
    p = plan(change(NAT_ADDR, NAT, ["delete", "create"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-a", "ip-b"])),
             state=[address("ip-a"), address("ip-b")])
    p["resource_changes"][0]["action_reason"] = "replace_by_triggers"
    assert check(p) == []
    assert notices(p) == [
        f"{NAT_ADDR} re-creates NAT edge-nat (lifecycle.replace_triggered_by: what it belongs to is re-created): from "
        "its delete until the new NAT is up, nothing leaves the chain and every open connection through it is cut "
        "(ip-a (203.0.113.1), ip-b (203.0.113.2)); deploy it when that gap is acceptable"]
    renamed = plan(change(NAT_ADDR, NAT, ["delete", "create"], before=nat(["ip-a"]),
                          after={**nat(["ip-a"]), "name": "new-nat"}), state=[address("ip-a")])
    renamed["resource_changes"][0]["change"]["replace_paths"] = [["name"]]
    assert notices(renamed) == [
        f"{NAT_ADDR} re-creates NAT edge-nat as new-nat (name cannot change in place): from its delete until the new "
        "NAT is up, nothing leaves the chain and every open connection through it is cut (ip-a (203.0.113.1)); deploy "
        "it when that gap is acceptable"]
    # updated in place, or deleted for good (undrained's to refuse), it is no re-creation
    assert notices(plan(change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a"]), after=nat(["ip-a", "ip-b"])))) == []
    gone = plan(change(NAT_ADDR, NAT, ["delete"], before=nat(["ip-a"])), state=[address("ip-a")], release=["ip-a"])
    assert notices(gone) == ["[egress] release_ips names ip-a: once this deploy is applied, remove it from the file "
                             "(the key is for one deploy)"]


def test_a_router_deleted_or_re_created_while_its_nat_stays_takes_every_ip_out_undrained():
    # Google Cloud deletes a router's NATs with it: a plan that keeps the NAT (a stack synthesized before the NAT
    # named its router in replace_triggered_by, a taint or -replace of the router alone) leaves the chain without one.
    for actions in (["delete", "create"], ["delete"]):
        router = change(ROUTER_ADDR, ROUTER, actions, before=EDGE_ROUTER,
                        after=EDGE_ROUTER if "create" in actions else None)
        kept = change(NAT_ADDR, NAT, ["update"], before=nat(["ip-a", "ip-b"]), after=nat(["ip-a", "ip-b"]))
        p = plan(router, kept, state=[address("ip-a"), address("ip-b")])
        assert found(p) == [("undrained", ROUTER_ADDR, "ip-a", "203.0.113.1"),
                            ("undrained", ROUTER_ADDR, "ip-b", "203.0.113.2")], actions  # and no no-active-ip
        assert check(p)[0].message == (
            f"{ROUTER_ADDR} deletes or re-creates router edge-router, and Google Cloud deletes a router's NATs with "
            "it, while this plan keeps NAT edge-nat: address ip-a (203.0.113.1) leaves its active IPs without "
            "draining, and the NAT stays gone until a later deploy creates it. Re-create the NAT with its router "
            "(lifecycle.replace_triggered_by, as the stack writes it: synthesize it again), or keep the router")
        # the IPs beside the NAT (its google_compute_router_nat_address, a no-op) go with it too
        beside = change(NAT_IPS_ADDR, NAT_ADDRESS, ["no-op"], before=nat_address(["ip-a"]), after=nat_address(["ip-a"]))
        no_op = change(NAT_ADDR, NAT, ["no-op"], before=nat([]), after=nat([]))
        assert found(plan(router, no_op, beside, state=[address("ip-a")])) == [
            ("undrained", ROUTER_ADDR, "ip-a", "203.0.113.1")]
    # the NAT re-created with it (replace_triggered_by), or another router: nothing is refused
    router = change(ROUTER_ADDR, ROUTER, ["delete", "create"], before=EDGE_ROUTER, after=EDGE_ROUTER)
    with_nat = change(NAT_ADDR, NAT, ["delete", "create"], before=nat(["ip-a"]), after=nat(["ip-a"]))
    assert check(plan(router, with_nat, state=[address("ip-a")])) == []
    other = change(ROUTER_ADDR, ROUTER, ["delete"], before={**EDGE_ROUTER, "name": "old-router"})
    kept = change(NAT_ADDR, NAT, ["no-op"], before=nat(["ip-a"]), after=nat(["ip-a"]))
    assert check(plan(other, kept, state=[address("ip-a")])) == []
    assert check(plan(change(ROUTER_ADDR, ROUTER, ["update"], before=EDGE_ROUTER, after=EDGE_ROUTER), kept)) == []


def test_a_connector_re_created_is_a_notice():
    # Fewer instances re-create it (the provider: min_instances and max_instances only grow in place).
    connector = {"name": "edge-connector", "project": "p", "region": "r", "max_instances": 10}
    fewer = change(CONNECTOR_ADDR, CONNECTOR, ["delete", "create"], before=connector,
                   after={**connector, "max_instances": 5})
    fewer["change"]["replace_paths"] = [["max_instances"]]
    assert check(plan(fewer)) == []
    assert notices(plan(fewer)) == [
        f"{CONNECTOR_ADDR} re-creates connector edge-connector (max_instances cannot change in place): from its delete "
        "until the new one is ready, the workloads on it reach nothing outside the VPC; deploy it when that gap is "
        "acceptable"]
    grown = change(CONNECTOR_ADDR, CONNECTOR, ["update"], before=connector, after={**connector, "max_instances": 10})
    assert notices(plan(grown)) == []


# --- deletion-protected -----------------------------------------------------------------------------------

SERVICE_ADDR = f"{SERVICE}.Chain_Service-reports_00000000"


def service(protected: bool = True) -> dict:
    return {"name": "reports", "project": "p", "location": "r", "deletion_protection": protected}


def test_a_protected_workload_deleted_or_replaced_is_refused_with_the_way_to_delete_it():
    # Removed from the file, or renamed: the provider refuses the delete mid-apply, after creating the new one.
    (v,) = check(plan(change(SERVICE_ADDR, SERVICE, ["delete"], before=service())))
    assert (v.rule, v.address, v.name, v.ip) == ("deletion-protected", SERVICE_ADDR, "reports", None)
    assert v.message == (
        f"{SERVICE_ADDR} deletes {SERVICE} reports while its deletion_protection is on: the provider refuses that "
        "delete during the apply, after applying what goes first (a renamed service is created beside the old "
        "one). Deleting takes two deploys: deletion_protection = false on it in the file, deployed, then the change "
        "(docs/operations.md, \"Deleting a service\")")
    tainted = change(SERVICE_ADDR, SERVICE, ["delete", "create"], before=service(), after=service())
    tainted["action_reason"] = "replace_because_tainted"
    (v,) = check(plan(tainted))
    assert "reports (it is tainted) while its deletion_protection is on" in v.message
    assert v.message.endswith("A deploy that failed after creating it left it tainted: keep it (terraform untaint, "
                              "printed below), fix what failed, then deploy")


def test_an_unprotected_workload_may_go_and_a_protected_one_may_change():
    assert check(plan(change(SERVICE_ADDR, SERVICE, ["delete"], before=service(False)))) == []
    assert check(plan(change(SERVICE_ADDR, SERVICE, ["update"], before=service(), after=service(False)))) == []
    assert check(plan(change(SERVICE_ADDR, SERVICE, ["forget"], before=service()))) == []


def test_a_rule_of_no_known_shape_is_no_rule_change():
    """A rule that is not an object, beside an after-side rule with no number (neither is ever Terraform's), is
    read as no rule at all, never an AttributeError that stops make deploy."""
    before = {**nat_with_rules({100: (["ip-a"], [])}), "rules": ["not a rule", 7]}
    after = {**nat_with_rules({100: (["ip-a"], [])}), "rules": [{"description": "no number"}]}
    p = plan(change(NAT_ADDR, NAT, ["update"], before=before, after=after), state=[address("ip-a")])
    assert [v.rule for v in check(p)] == []
