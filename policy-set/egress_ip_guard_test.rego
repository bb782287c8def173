# `opa test policy-set/` (tests/guard/test_policy_set.py runs it): the policy's rules on small plans, shaped as
# HCP Terraform's OPA input ({"plan": <terraform show -json>, "run": …}). The Python guard's own tests
# (tests/guard/) hold the same cases; tests/integration/test_guard.py holds both to each other on real plans.
package terraform.policies.egress_ip_guard_test

import rego.v1

import data.terraform.policies.egress_ip_guard as guard

link(name) := sprintf("https://www.googleapis.com/compute/v1/projects/p/regions/r/addresses/%s", [name])

address(name, ip) := {"name": name, "address": ip, "self_link": link(name), "project": "p", "region": "r"}

addr_a := "google_compute_address.Chain_Addresses_Address-ip-a_00000000"

nat_addr := "google_compute_router_nat.Chain_RouterNat_Nat_00000000"

nat(active, draining) := {
	"name": "edge-nat", "router": "edge-router", "project": "p", "region": "r",
	"nat_ip_allocate_option": "MANUAL_ONLY",
	"nat_ips": [link(n) | some n in active], "drain_nat_ips": [link(n) | some n in draining],
}

change(addr, type, actions, before, after) := {
	"address": addr, "mode": "managed", "type": type,
	"change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
}

with_outputs(changes, outputs) := {"plan": {
	"resource_changes": changes,
	"planned_values": {"outputs": outputs},
	"prior_state": {"values": {"root_module": {"resources": [{
		"address": addr_a, "mode": "managed", "type": "google_compute_address",
		"values": address("ip-a", "203.0.113.1"),
	}]}}},
}}

deleted_a := change(addr_a, "google_compute_address", ["delete"], address("ip-a", "203.0.113.1"), null)

test_a_deleted_address_is_denied_with_its_name_and_ip if {
	v := guard.violations with input as with_outputs([deleted_a], {})
	v == {{
		"rule": "release", "address": addr_a, "name": "ip-a", "ip": "203.0.113.1",
		"message": concat("", [
			addr_a, " deletes address ip-a (203.0.113.1), releasing its IP: to retire it, name it in [egress] ",
			"release_ips (release the IP) or forget_ips (keep it reserved, out of this stack)",
		]),
	}}
	count(guard.deny) == 1 with input as with_outputs([deleted_a], {})
}

test_release_ips_allows_the_delete if {
	count(guard.deny) == 0 with input as with_outputs([deleted_a], {"release_ips": {"value": ["ip-a"]}})
}

test_forget_ips_allows_a_forget_but_not_a_delete if {
	forgotten := change(addr_a, "google_compute_address", ["forget"], address("ip-a", "203.0.113.1"), null)
	count(guard.deny) == 0 with input as with_outputs([forgotten], {"forget_ips": {"value": ["ip-a"]}})
	count(guard.deny) == 1 with input as with_outputs([deleted_a], {"forget_ips": {"value": ["ip-a"]}})
}

test_an_address_lost_on_refresh_and_created_again_is_a_recreate if {
	lost := change(addr_a, "google_compute_address", ["delete"], address("ip-a", "203.0.113.1"), null)
	created := change(addr_a, "google_compute_address", ["create"], null, {"name": "ip-a"})
	v := guard.violations with input as {"plan": {"resource_changes": [created], "resource_drift": [lost]}}
	[x.rule | some x in v] == ["recreate"]
	[x.ip | some x in v] == ["203.0.113.1"]
}

test_an_address_another_resource_of_the_plan_forgets_or_deletes_created_again_is_a_recreate if {
	addr_b := "google_compute_address.Chain_Addresses_Address-ip-b_00000001"
	forgotten := change(addr_a, "google_compute_address", ["forget"], address("ip-a", "203.0.113.1"), null)
	created := change(addr_b, "google_compute_address", ["create"], null, {"name": "ip-a"})
	v := guard.violations with input as with_outputs([forgotten, created], {"forget_ips": {"value": ["ip-a"]}})
	[[x.rule, x.address, x.name, x.ip] | some x in v] == [["recreate", addr_b, "ip-a", "203.0.113.1"]]
	released := guard.violations with input as with_outputs([deleted_a, created], {"release_ips": {"value": ["ip-a"]}})
	count(released) == 0
}

test_an_ip_leaving_the_nat_undrained_is_denied if {
	update := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a", "ip-b"], []), nat(["ip-b"], []))
	v := guard.violations with input as with_outputs([update], {})
	[[x.rule, x.name, x.ip] | some x in v] == [["undrained", "ip-a", "203.0.113.1"]]
}

test_an_ip_put_into_the_nat_outside_terraform_is_adopted_or_forgotten if {
	update := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a", "ops-ip"], []), nat(["ip-a"], []))
	v := guard.violations with input as with_outputs([update], {})
	[[x.rule, x.name, x.ip] | some x in v] == [["undrained", "ops-ip", null]]
	some x in v
	contains(x.message, "it was put there outside Terraform (no address of this stack's state): keep it by adopting it ([egress] existing_ips; it can drain")
	count(guard.deny) == 0 with input as with_outputs([update], {"forget_ips": {"value": ["ops-ip"]}})
	known := guard.violations with input as with_outputs([change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a"], []), nat([], []))], {})
	some k in known
	k.rule == "undrained"
	contains(k.message, "drain it first (its name in [egress] draining_ips, one deploy)")
}

test_deleting_the_nats_ip_list_while_the_nat_stays_leaves_it_its_first_ip_only if {
	kept := change(nat_addr, "google_compute_router_nat", ["no-op"], nat(["ip-b", "ip-a"], []), nat(["ip-b", "ip-a"], []))
	beside := "google_compute_router_nat_address.Chain_RouterNat_NatAddress_00000000"
	deleted := change(
		beside, "google_compute_router_nat_address", ["delete"],
		{"router_nat": "edge-nat", "router": "edge-router", "project": "p", "region": "r", "nat_ips": [link("ip-b"), link("ip-a")]},
		null,
	)
	v := guard.violations with input as with_outputs([kept, deleted], {})
	[[x.rule, x.address, x.name] | some x in v] == [["undrained", beside, "ip-a"]]
	some x in v
	contains(x.message, "leaves NAT edge-nat with its first IP only: address ip-a (203.0.113.1) leaves its active IPs")
	count(guard.deny) == 0 with input as with_outputs([kept, deleted], {"release_ips": {"value": ["ip-a"]}})
}

test_draining_first_is_allowed if {
	update := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a", "ip-b"], []), nat(["ip-b"], ["ip-a"]))
	count(guard.deny) == 0 with input as with_outputs([update], {})
}

test_ips_beside_the_nat_count_not_the_nats_stale_list if {
	kept := change(nat_addr, "google_compute_router_nat", ["no-op"], nat(["ip-a", "ip-b"], []), nat(["ip-a", "ip-b"], []))
	beside := change(
		"google_compute_router_nat_address.Chain_RouterNat_NatAddress_00000000",
		"google_compute_router_nat_address", ["update"],
		{"router_nat": "edge-nat", "router": "edge-router", "project": "p", "region": "r", "nat_ips": [link("ip-a"), link("ip-b")]},
		{"router_nat": "edge-nat", "router": "edge-router", "project": "p", "region": "r", "nat_ips": [link("ip-b")]},
	)
	v := guard.violations with input as with_outputs([kept, beside], {})
	[[x.rule, x.address] | some x in v] == [["undrained", "google_compute_router_nat_address.Chain_RouterNat_NatAddress_00000000"]]
}

test_a_nat_left_without_an_active_ip_is_denied if {
	update := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a"], []), nat([], ["ip-a"]))
	v := guard.violations with input as with_outputs([update], {})
	[[x.rule, x.name] | some x in v] == [["no-active-ip", "edge-nat"]]
}

test_an_empty_plan_passes if {
	count(guard.deny) == 0 with input as {"plan": {}}
}

# --- a partner's IPs: NAT rules ---------------------------------------------------------------------------

with_rules(rules) := object.union(nat(["ip-c"], []), {"rules": [{
	"rule_number": n, "description": sprintf("partner-%v", [n]),
	"action": [{"source_nat_active_ips": [link(a) | some a in r[0]], "source_nat_drain_ips": [link(d) | some d in r[1]]}],
} |
	some n, r in rules
]})

rule_update(before, after) := change(nat_addr, "google_compute_router_nat", ["update"], with_rules(before), with_rules(after))

test_an_ip_leaving_a_rule_undrained_is_denied_naming_the_rule if {
	v := guard.violations with input as with_outputs([rule_update({100: [["ip-a"], []]}, {100: [["ip-b"], []]})], {})
	[[x.rule, x.name, x.ip] | some x in v] == [["undrained", "ip-a", "203.0.113.1"]]
	some x in v
	contains(x.message, "out of rule 100 (partner-100) of NAT edge-nat without draining it")
}

test_draining_in_the_rule_first_and_the_files_leave_are_allowed if {
	count(guard.deny) == 0 with input as with_outputs([rule_update({100: [["ip-a", "ip-b"], []]}, {100: [["ip-b"], ["ip-a"]]})], {})
	count(guard.deny) == 0 with input as with_outputs([rule_update({100: [["ip-b"], ["ip-a"]]}, {100: [["ip-b"], []]})], {})
	undrained := rule_update({100: [["ip-a", "ip-b"], []]}, {100: [["ip-b"], []]})
	count(guard.deny) == 1 with input as with_outputs([undrained], {})
	count(guard.deny) == 0 with input as with_outputs([undrained], {"release_ips": {"value": ["ip-a"]}})
	count(guard.deny) == 0 with input as with_outputs([undrained], {"forget_ips": {"value": ["ip-a"]}})
}

test_a_rule_removed_or_renumbered_is_the_files_to_say if {
	count(guard.deny) == 0 with input as with_outputs([rule_update({100: [["ip-a"], []], 200: [["ip-b"], []]}, {200: [["ip-b"], []]})], {})
	count(guard.deny) == 0 with input as with_outputs([rule_update({100: [["ip-a"], []]}, {110: [["ip-a"], []]})], {})
}

grown_rule := change(
	nat_addr, "google_compute_router_nat", ["update"], with_rules({100: [["ip-a"], []]}),
	object.union(nat(["ip-c"], []), {"rules": [{"rule_number": 100, "description": "partner-100", "action": [{}]}]}),
)

configured_rule(refs) := object.union(with_outputs([grown_rule], {}), {"plan": {"configuration": {"root_module": {"resources": [{
	"address": nat_addr,
	"expressions": {"rules": [{"rule_number": {"constant_value": 100}, "action": [{"source_nat_active_ips": {"references": refs}}]}]},
}]}}}})

test_a_rules_unknown_ips_keep_what_the_configuration_refers_to if {
	count(guard.deny) == 0 with input as configured_rule([sprintf("%s.self_link", [addr_a]), addr_a])
	count(guard.deny) == 1 with input as configured_rule(["google_compute_address.Other_00000000"])
}

subnet(network, cidr) := {"name": "edge-subnet", "project": "p", "region": "r", "network": network, "ip_cidr_range": cidr}

subnet_addr := "google_compute_subnetwork.Chain_Subnet_00000000"

test_a_subnet_replaced_first_under_its_own_name_is_name_taken if {
	moved := object.union(
		change(subnet_addr, "google_compute_subnetwork", ["create", "delete"], subnet("a", "10.0.0.0/28"), subnet("b", "10.0.0.0/28")),
		{"action_reason": "replace_because_cannot_update", "change": {"replace_paths": [["network"]]}},
	)
	v := guard.violations with input as with_outputs([moved], {})
	[[x.rule, x.address, x.name, x.ip] | some x in v] == [["name-taken", subnet_addr, "edge-subnet", null]]
	some x in v
	startswith(x.message, concat("", [subnet_addr, " replaces google_compute_subnetwork edge-subnet (network cannot change in place) by creating the new one first"]))

	# deleted first (no create_before_destroy), renamed, or in another region: no name is taken twice
	count(guard.deny) == 0 with input as with_outputs([change(subnet_addr, "google_compute_subnetwork", ["delete", "create"], subnet("a", "10.0.0.0/28"), subnet("b", "10.0.0.0/28"))], {})
	renamed := object.union(subnet("b", "10.0.0.0/28"), {"name": "other-subnet"})
	count(guard.deny) == 0 with input as with_outputs([change(subnet_addr, "google_compute_subnetwork", ["create", "delete"], subnet("a", "10.0.0.0/28"), renamed)], {})
	moved_region := object.union(subnet("a", "10.0.0.0/28"), {"region": "s"})
	count(guard.deny) == 0 with input as with_outputs([change(subnet_addr, "google_compute_subnetwork", ["create", "delete"], subnet("a", "10.0.0.0/28"), moved_region)], {})
}

test_a_tainted_subnet_says_why if {
	tainted := object.union(
		change(subnet_addr, "google_compute_subnetwork", ["create", "delete"], subnet("a", "10.0.0.0/28"), subnet("a", "10.0.0.0/28")),
		{"action_reason": "replace_because_tainted"},
	)
	some x in guard.violations with input as with_outputs([tainted], {})
	contains(x.message, "edge-subnet (it is tainted) by creating the new one first")
}

router_addr := "google_compute_router.Chain_RouterNat_Router_00000000"

edge_router := {"name": "edge-router", "project": "p", "region": "r", "network": "a"}

test_a_router_re_created_while_its_nat_stays_takes_every_ip_out if {
	router := change(router_addr, "google_compute_router", ["delete", "create"], edge_router, edge_router)
	kept := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a"], []), nat(["ip-a"], []))
	v := guard.violations with input as with_outputs([router, kept], {})
	[[x.rule, x.address, x.name] | some x in v] == [["undrained", router_addr, "ip-a"]]
	some x in v
	contains(x.message, "deletes or re-creates router edge-router, and Google Cloud deletes a router's NATs with it, while this plan keeps NAT edge-nat")

	# re-created with its router (replace_triggered_by): the new NAT's IPs count
	replaced := change(nat_addr, "google_compute_router_nat", ["delete", "create"], nat(["ip-a"], []), nat(["ip-a"], []))
	count(guard.deny) == 0 with input as with_outputs([router, replaced], {})
}

service_addr := "google_cloud_run_v2_service.Chain_Service-reports_00000000"

service(protected) := {"name": "reports", "project": "p", "location": "r", "deletion_protection": protected}

test_a_protected_service_deleted_is_refused_and_an_unprotected_one_is_not if {
	deleted := change(service_addr, "google_cloud_run_v2_service", ["delete"], service(true), null)
	v := guard.violations with input as with_outputs([deleted], {})
	[[x.rule, x.address, x.name] | some x in v] == [["deletion-protected", service_addr, "reports"]]
	some x in v
	endswith(x.message, "deletion_protection = false on it in the file, deployed, then the change (docs/operations.md, \"Deleting a service\")")
	count(guard.deny) == 0 with input as with_outputs([change(service_addr, "google_cloud_run_v2_service", ["delete"], service(false), null)], {})

	tainted := object.union(change(service_addr, "google_cloud_run_v2_service", ["delete", "create"], service(true), service(true)), {"action_reason": "replace_because_tainted"})
	some t in guard.violations with input as with_outputs([tainted], {})
	contains(t.message, "reports (it is tainted) while its deletion_protection is on")
	contains(t.message, "keep it (terraform untaint, printed below)")
}

test_a_nat_or_connector_re_created_is_a_note_never_a_refusal if {
	nat_re_created := object.union(
		change(nat_addr, "google_compute_router_nat", ["delete", "create"], nat(["ip-a"], []), nat(["ip-a"], [])),
		{"action_reason": "replace_by_triggers"},
	)
	connector := {"name": "edge-connector", "max_instances": 10}
	fewer := object.union(
		change("google_vpc_access_connector.c", "google_vpc_access_connector", ["delete", "create"], connector, object.union(connector, {"max_instances": 5})),
		{"change": {"replace_paths": [["max_instances"]]}},
	)
	plan := with_outputs([nat_re_created, fewer], {})
	count(guard.deny) == 0 with input as plan
	guard.notes == [
		"google_compute_router_nat.Chain_RouterNat_Nat_00000000 re-creates NAT edge-nat (lifecycle.replace_triggered_by: what it belongs to is re-created): from its delete until the new NAT is up, nothing leaves the chain and every open connection through it is cut (ip-a (203.0.113.1)); deploy it when that gap is acceptable",
		"google_vpc_access_connector.c re-creates connector edge-connector (max_instances cannot change in place): from its delete until the new one is ready, the workloads on it reach nothing outside the VPC; deploy it when that gap is acceptable",
	] with input as plan
	count(guard.notes) == 0 with input as with_outputs([change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a"], []), nat(["ip-a"], []))], {})
}

test_each_name_of_release_ips_and_forget_ips_gets_its_reminder if {
	# ip-a: an address of the stack; ops: put into the NAT by hand (no address of the state); gone: neither.
	by_hand := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a", "ops"], []), nat(["ip-a"], []))
	plan := with_outputs([by_hand], {"release_ips": {"value": ["ip-a", "gone"]}, "forget_ips": {"value": ["ops"]}})
	count(guard.deny) == 0 with input as plan
	guard.reminders == [
		"[egress] forget_ips names ops, an address put into a NAT outside Terraform: this deploy takes it out of the NAT and it stays reserved (the stack never held it); once applied, remove it from the file",
		"[egress] release_ips names gone, which is no address of this stack (not in its state): nothing to do; remove it from the file",
		"[egress] release_ips names ip-a: once this deploy is applied, remove it from the file (the key is for one deploy)",
	] with input as plan
	count(guard.reminders) == 0 with input as with_outputs([by_hand], {})
}
