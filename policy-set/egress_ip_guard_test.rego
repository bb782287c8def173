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

test_an_ip_leaving_the_nat_undrained_is_denied if {
	update := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a", "ip-b"], []), nat(["ip-b"], []))
	v := guard.violations with input as with_outputs([update], {})
	[[x.rule, x.name, x.ip] | some x in v] == [["undrained", "ip-a", "203.0.113.1"]]
}

test_draining_first_is_allowed if {
	update := change(nat_addr, "google_compute_router_nat", ["update"], nat(["ip-a", "ip-b"], []), nat(["ip-b"], ["ip-a"]))
	count(guard.deny) == 0 with input as with_outputs([update], {})
}

test_ips_beside_the_nat_count_not_the_nats_stale_list if {
	kept := change(nat_addr, "google_compute_router_nat", ["no-op"], nat(["ip-a", "ip-b"], []), nat(["ip-a", "ip-b"], []))
	beside := change("google_compute_router_nat_address.Chain_RouterNat_NatAddress_00000000",
		"google_compute_router_nat_address", ["update"],
		{"router_nat": "edge-nat", "router": "edge-router", "project": "p", "region": "r", "nat_ips": [link("ip-a"), link("ip-b")]},
		{"router_nat": "edge-nat", "router": "edge-router", "project": "p", "region": "r", "nat_ips": [link("ip-b")]})
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
