# The plan guard (constructs_lib/guard/rules.py), rule for rule, for HCP Terraform's native OPA policies.
#
# Input: HCP Terraform's documented OPA input, the run's plan under input.plan (the JSON of
# `terraform show -json`) and the run under input.run
# (https://developer.hashicorp.com/terraform/cloud-docs/policy-enforcement/define-policies/opa, "OPA input").
# Only input.plan is read: resource_changes, resource_drift, prior_state and the stack's outputs release_ips and
# forget_ips in planned_values (written only while the environment file names addresses; an output, unlike a
# variable, cannot be set from a workspace).
#
# `deny` is the array of messages HCP Terraform shows (empty: the policy passes); `violations` holds the same
# refusals as objects {rule, address, name, ip, message}, the Python guard's Violation, for the tests.
package terraform.policies.egress_ip_guard

import rego.v1

address_type := "google_compute_address"

nat_type := "google_compute_router_nat"

nat_address_type := "google_compute_router_nat_address"

router_type := "google_compute_router"

plan := input.plan

deny := sort([v.message | some v in violations])

# --- reading the plan -------------------------------------------------------------------------------------

obj(x) := x if is_object(x)

else := {}

outputs := obj(object.get(obj(object.get(plan, "planned_values", {})), "outputs", {}))

names_of(key) := {v | some v in obj(object.get(outputs, key, {})).value; is_string(v)}

release := names_of("release_ips")

forget := names_of("forget_ips")

allowed := release | forget

changes_of(types) := [c |
	some c in object.get(plan, "resource_changes", [])
	c.mode == "managed"
	c.type in types
]

relative(link) := substring(link, i, -1) if {
	i := indexof(link, "projects/")
	i >= 0
} else := link

last(link) := parts[count(parts) - 1] if {
	parts := split(trim_right(link, "/"), "/")
}

ip_text(ip) := sprintf(" (%s)", [ip]) if {
	is_string(ip)
	ip != ""
} else := ""

lost := [obj(c.change.before) |
	some c in object.get(plan, "resource_drift", [])
	c.mode == "managed"
	c.type == address_type
	"delete" in c.change.actions
]

module_step(i, e) if {
	i % 2 == 0
	e == "child_modules"
}

module_step(i, e) if {
	i % 2 == 1
	is_number(e)
}

state_root := obj(object.get(obj(object.get(obj(object.get(plan, "prior_state", {})), "values", {})), "root_module", {}))

state_resources := [r |
	walk(state_root, [p, rs])
	count(p) > 0
	p[count(p) - 1] == "resources"
	every i, e in array.slice(p, 0, count(p) - 1) {
		module_step(i, e)
	}
	some r in rs
]

entry(mode, v) := {"mode": mode, "name": v.name, "ip": object.get(v, "address", null), "link": link} if {
	is_string(v.name)
	is_string(v.self_link)
	link := relative(v.self_link)
}

known_entries := array.concat(
	array.concat(
		[e | some r in state_resources; r.type == address_type; e := entry(r.mode, obj(r.values))],
		[e | some c in changes_of({address_type}); e := entry("managed", obj(c.change.before))],
	),
	[e | some v in lost; e := entry("managed", v)],
)

# (name, IP) of a NAT's IP link: the first address the plan knows with that self link.
describe(link) := [m[0].name, m[0].ip] if {
	m := [e | some e in known_entries; e.link == relative(link)]
	count(m) > 0
} else := [last(link), null]

# --- release ----------------------------------------------------------------------------------------------

verb(actions) := "forgets" if {
	actions == ["forget"]
} else := "replaces" if {
	"create" in actions
} else := "deletes"

release_allowed(name, _) if name in release

release_allowed(name, true) if name in forget

violations contains v if {
	some c in changes_of({address_type})
	actions := c.change.actions
	some act in actions
	act in {"delete", "forget"}
	before := obj(c.change.before)
	name := object.get(before, "name", "")
	ip := object.get(before, "address", null)
	forgetting := actions == ["forget"]
	not release_allowed(name, forgetting)
	releasing := {true: "", false: ", releasing its IP"}[forgetting]
	v := {"rule": "release", "address": c.address, "name": name, "ip": ip, "message": sprintf(
		"%s %s address %s%s%s: to retire it, name it in [egress] release_ips (release the IP) or forget_ips (keep it reserved, out of this stack)",
		[c.address, verb(actions), name, ip_text(ip), releasing],
	)}
}

# --- recreate ---------------------------------------------------------------------------------------------

prior := array.concat(
	[{"name": object.get(b, "name", ""), "ip": object.get(b, "address", null)} | some b in lost],
	[{"name": object.get(b, "name", ""), "ip": object.get(b, "address", null)} |
		some c in changes_of({address_type})
		c.change.actions != ["create"]
		b := obj(c.change.before)
	],
)

violations contains v if {
	some c in changes_of({address_type})
	c.change.actions == ["create"]
	name := obj(c.change.after).name
	matches := [p | some p in prior; p.name == name]
	count(matches) > 0
	not name in release
	ip := matches[0].ip
	v := {"rule": "recreate", "address": c.address, "name": name, "ip": ip, "message": sprintf(
		"%s creates address %s anew, but it was in this stack's state%s: a new address gets a new IP. If it still exists in GCP, import it ([adopt] or terraform import); if it is gone and a new IP is wanted, name it in [egress] release_ips",
		[c.address, name, ip_text(ip)],
	)}
}

# --- the NATs: who holds their IPs on each side of the plan ------------------------------------------------

holder_after(c) := c.change.before if c.change.actions == ["forget"]

else := null if {
	"delete" in c.change.actions
	not "create" in c.change.actions
} else := c.change.after

holder_unknown(c) := obj(object.get(c.change, "after_unknown", {})) if {
	c.change.actions != ["forget"]
	not deleted_only(c.change.actions)
} else := {}

deleted_only(actions) if {
	"delete" in actions
	not "create" in actions
}

nat_values(c) := obj(c.change.before) if is_object(c.change.before)

else := obj(c.change.after)

null_text(x) := "null" if x == null

else := sprintf("%v", [x])

nat_key(c) := joined([object.get(v, f, null) | some f in ["project", "region", "router", nat_field]]) if {
	v := nat_values(c)
	nat_field := {true: "router_nat", false: "name"}[c.type == nat_address_type]
}

joined(values) := concat("/", [null_text(x) | some x in values])

holders := [{
	"key": nat_key(c), "type": c.type, "address": c.address,
	"before": c.change.before, "after": holder_after(c), "unknown": holder_unknown(c),
	"changed": not_noop(c.change.actions), "values": nat_values(c), "actions": c.change.actions,
} |
	some c in changes_of({nat_type, nat_address_type})
]

not_noop(actions) := false if actions in {["no-op"], ["read"]}

else := true

nat_keys := {h.key | some h in holders}

# The holder of a NAT's IPs on one side: its IP list beside it, else the NAT. Of two resources of one type for one
# NAT (a changed construct ID), the one with the greater address, as the Python guard chooses.
side_holder(key, side) := h if {
	h := last_by_address([x | some x in holders; x.key == key; x.type == nat_address_type; is_object(x[side])])
} else := h if {
	h := last_by_address([x | some x in holders; x.key == key; x.type == nat_type; is_object(x[side])])
}

last_by_address(hs) := h if {
	count(hs) > 0
	top := max({x.address | some x in hs})
	some h in hs
	h.address == top
}

links(values, field) := {relative(x) | some x in object.get(values, field, []); is_string(x)}

# A provider built on the plugin SDK plans a whole set as unknown when one element is (a NAT whose nat_ips gains
# an address being created): the addresses kept are then those the configuration's expression refers to.
config_links(address, field) := {l |
	some r in config_resources
	r.address == address
	some l in referenced(object.get(obj(object.get(r, "expressions", {})), field, {}))
}

config_resources := object.get(obj(object.get(obj(object.get(plan, "configuration", {})), "root_module", {})), "resources", [])

# The self link of a resource address: in the refreshed state, else as the refresh lost it (same name, same link).
state_link(target) := l if {
	some s in state_resources
	s.address == target
	l := object.get(obj(s.values), "self_link", null)
	is_string(l)
} else := l if {
	some c in object.get(plan, "resource_drift", [])
	c.address == target
	"delete" in c.change.actions
	l := object.get(obj(c.change.before), "self_link", null)
	is_string(l)
}

ref_target(ref) := concat(".", array.slice(parts, 0, 3)) if {
	parts := split(ref, ".")
	parts[0] == "data"
} else := concat(".", array.slice(split(ref, "."), 0, 2))

after_links(h, field) := links(h.after, field) | config_links(h.address, field) if {
	is_unknown(object.get(h.unknown, field, false))
} else := links(h.after, field)

kept_after(key) := set() if {
	dropping_router(key)
} else := {f | f := cropped_first(key)} if {
	cropped_holder(key)
} else := after_links(h, "nat_ips") | after_links(h, "drain_nat_ips") if {
	h := side_holder(key, "after")
} else := set()

# The provider's delete of a NAT's IP list (google_compute_router_nat_address) leaves the NAT with its first IP only;
# a replace deletes too. The last such holder of a NAT that stays and had an IP.
cropped_holder(key) := crops[count(crops) - 1] if {
	crops := [h |
		some h in holders
		h.key == key
		h.type == nat_address_type
		"delete" in h.actions
		is_object(h.before)
	]
	count(crops) > 0
	stays(key)
	first_link(crops[count(crops) - 1].before)
	not dropping_router(key)
}

# A NAT there before the plan that no resource of the plan deletes or replaces.
stays(key) if {
	side_holder(key, "before")
	not nat_deleted(key)
}

# Google Cloud deletes a router's NATs with it: the first resource (by address) that deletes or replaces the router
# of a NAT that stays in the plan.
dropping_router(key) := routers[0] if {
	stays(key)
	routers := sort([c.address |
		some c in changes_of({router_type})
		"delete" in c.change.actions
		is_object(c.change.before)
		router_key(c.change.before) == nat_router_key(key)
	])
	count(routers) > 0
}

router_key(v) := joined([object.get(v, f, null) | some f in ["project", "region", "name"]])

nat_router_key(key) := concat("/", array.slice(parts, 0, count(parts) - 1)) if {
	parts := split(key, "/")
}

cropped_first(key) := relative(first_link(cropped_holder(key).before))

first_link(values) := links[0] if {
	links := [x | some x in object.get(values, "nat_ips", []); is_string(x)]
	count(links) > 0
}

# The NAT itself deleted or replaced: its IPs are the new NAT's, or none.
nat_deleted(key) if {
	some h in holders
	h.key == key
	h.type == nat_type
	"delete" in h.actions
}

nat_name(key) := n if {
	some h in holders
	h.key == key
	h.type == nat_type
	n := object.get(h.values, "name", null)
	is_string(n)
	n != ""
} else := last(key)

nat_resource(key) := max(addresses) if {
	addresses := {h.address | some h in holders; h.key == key; h.type == nat_type}
	count(addresses) > 0
} else := a.address if {
	a := side_holder(key, "after")
} else := side_holder(key, "before").address

is_unknown(m) if m == true

is_unknown(m) if {
	is_array(m)
	some x in m
	x == true
}

# --- undrained --------------------------------------------------------------------------------------------

violations contains v if {
	some key in nat_keys
	b := side_holder(key, "before")
	some link in links(b.before, "nat_ips")
	not link in kept_after(key)
	[name, ip] := describe(link)
	not name in allowed
	holder := holder_address(key, b)
	v := {"rule": "undrained", "address": holder, "name": name, "ip": ip, "message": undrained_message(key, holder, name, ip, link)}
}

undrained_message(key, holder, name, ip, link) := sprintf(
	"%s deletes or re-creates router %s, and Google Cloud deletes a router's NATs with it, while this plan keeps NAT %s: address %s%s leaves its active IPs without draining, and the NAT stays gone until a later deploy creates it. Re-create the NAT with its router (lifecycle.replace_triggered_by, as the stack writes it: synthesize it again), or keep the router",
	[holder, split(key, "/")[2], nat_name(key), name, ip_text(ip)],
) if {
	dropping_router(key)
} else := sprintf(
	"%s is deleted, and the provider's delete of a NAT's IP list leaves NAT %s with its first IP only: address %s%s leaves its active IPs without draining. Keep that resource (a changed construct ID, a taint or a -replace deletes it), or name the address in [egress] release_ips or forget_ips",
	[holder, nat_name(key), name, ip_text(ip)],
) if {
	cropped_holder(key)
} else := sprintf(
	"%s takes address %s%s out of NAT %s's active IPs without draining it: %s",
	[holder, name, ip_text(ip), nat_name(key), way_out(link, false)],
)

# How the file lets an IP leave undrained: for an address of the stack, drain it or name it; for one put into the
# NAT outside Terraform (no address of the state), adopt it or let it go (the stack never releases it).
way_out(link, rule) := "drain it first (its name in [egress] draining_ips, one deploy), or name it in [egress] release_ips or forget_ips" if {
	known_link(link)
} else := sprintf(
	"it was put there outside Terraform (no address of this stack's state): keep it by adopting it (%s; it can drain from there), or name it in [egress] forget_ips to take it out now (it stays reserved)",
	[adopt_text(rule)],
)

adopt_text(true) := "[egress] existing_ips, and the rule's ips"

adopt_text(false) := "[egress] existing_ips"

known_link(link) if {
	some e in known_entries
	e.link == relative(link)
}

# The Terraform address of the resource that holds the IPs after the plan (before it, for a NAT deleted).
holder_address(key, b) := r if {
	r := dropping_router(key)
} else := c.address if {
	c := cropped_holder(key)
} else := a.address if {
	a := side_holder(key, "after")
} else := b.address

# --- undrained, in a NAT rule (a partner's IPs) -------------------------------------------------------------
# A rule kept by the plan (the same rule_number on both sides) must keep each of its active IPs, active or
# draining; the configuration's references count when the plan cannot know the list yet. A rule removed or
# renumbered is out of scope: the file says where that partner's traffic goes.

violations contains v if {
	some c in changes_of({nat_type})
	c.change.actions != ["forget"]
	before := c.change.before
	after := c.change.after
	is_object(before)
	is_object(after)
	some rule in object.get(before, "rules", [])
	is_object(rule)
	number := object.get(rule, "rule_number", null)
	some after_rule in object.get(after, "rules", [])
	is_object(after_rule)
	object.get(after_rule, "rule_number", null) == number
	configured := first_action(config_rule(c.address, number))
	kept := ((rule_links(after_rule, "source_nat_active_ips") | rule_links(after_rule, "source_nat_drain_ips")) | referenced(object.get(configured, "source_nat_active_ips", {}))) | referenced(object.get(configured, "source_nat_drain_ips", {}))
	some link in rule_links(rule, "source_nat_active_ips")
	not link in kept
	[name, ip] := describe(link)
	not name in allowed
	v := {"rule": "undrained", "address": c.address, "name": name, "ip": ip, "message": sprintf(
		"%s takes address %s%s out of rule %v (%s) of NAT %s without draining it: the partner allowlists it; %s",
		[c.address, name, ip_text(ip), number, text(object.get(rule, "description", null)), text(object.get(before, "name", null)), way_out(link, true)],
	)}
}

text(x) := x if is_string(x)

else := ""

first_action(rule) := obj(a[0]) if {
	a := object.get(rule, "action", [])
	is_array(a)
	count(a) > 0
} else := {}

rule_links(rule, field) := links(first_action(rule), field)

config_rule(address, number) := r if {
	some res in config_resources
	res.address == address
	some r in object.get(obj(object.get(res, "expressions", {})), "rules", [])
	obj(object.get(obj(r), "rule_number", {})).constant_value == number
} else := {}

referenced(expression) := {relative(l) |
	some ref in object.get(obj(expression), "references", [])
	l := state_link(ref_target(ref))
}

# --- no-active-ip -----------------------------------------------------------------------------------------

manual_after(key) if {
	not auto_after(key)
}

# The NAT's allocation option after the plan: its resource's, the one with the greater address of two (as in
# side_holder).
auto_after(key) if {
	h := last_by_address([x | some x in holders; x.key == key; x.type == nat_type; is_object(x.after)])
	h.after.nat_ip_allocate_option == "AUTO_ONLY"
}

violations contains v if {
	some key in nat_keys
	some h in holders
	h.key == key
	h.changed
	a := side_holder(key, "after")
	manual_after(key)
	not dropping_router(key) # its IPs are undrained's: every one leaves
	not cropped_holder(key) # the NAT keeps its first IP
	count(after_links(a, "nat_ips")) == 0
	not is_unknown(object.get(a.unknown, "nat_ips", false))
	address := nat_resource(key)
	v := {"rule": "no-active-ip", "address": address, "name": nat_name(key), "ip": null, "message": sprintf(
		"%s leaves NAT %s with no active IP: nothing would leave the chain. Keep at least one address of the pool active",
		[address, nat_name(key)],
	)}
}

# --- name-taken -------------------------------------------------------------------------------------------
# A resource replaced create-before-destroy under its own name, in the same project and region (a subnet moved to
# another network, or given a range that does not contain its own): Google Cloud refuses the second one, and the
# apply stops there, after deleting what goes first. Addresses are release's to refuse.

reasons := {
	"replace_because_tainted": "it is tainted",
	"replace_by_request": "-replace asks for it",
	"replace_by_triggers": "lifecycle.replace_triggered_by: what it belongs to is re-created",
}

replace_paths(c) := [concat(".", [sprintf("%v", [s]) | some s in p]) |
	some p in object.get(obj(c.change), "replace_paths", [])
	is_array(p)
]

why(c) := sprintf(" (%s cannot change in place)", [concat(", ", paths)]) if {
	paths := replace_paths(c)
	count(paths) > 0
} else := sprintf(" (%s)", [reasons[object.get(c, "action_reason", "")]]) if {
	reasons[object.get(c, "action_reason", "")]
} else := ""

violations contains v if {
	some c in object.get(plan, "resource_changes", [])
	c.mode == "managed"
	c.type != address_type
	c.change.actions == ["create", "delete"]
	is_object(c.change.before)
	is_object(c.change.after)
	name := object.get(c.change.before, "name", null)
	is_string(name)
	every k in ["name", "project", "region"] {
		object.get(c.change.after, k, null) == object.get(c.change.before, k, null)
	}
	v := {"rule": "name-taken", "address": c.address, "name": name, "ip": null, "message": sprintf(
		"%s replaces %s %s%s by creating the new one first (create_before_destroy), under the same name: Google Cloud refuses a second one of that name in the project and region (409 alreadyExists), so the apply would stop there, after deleting what goes first (a NAT re-created with its router stays deleted). Keep what forces it as deployed (a subnet's range can only widen in place: a range that contains the current one), or give the chain new names (name; static_ip_names with today's address names keeps their IPs)",
		[c.address, c.type, name, why(c)],
	)}
}

# --- deletion-protected -----------------------------------------------------------------------------------
# A delete (or replace) of a resource whose deletion_protection is on in the state: the provider checks the state's
# value in its delete, during the apply, after what goes first was applied.

violations contains v if {
	some c in object.get(plan, "resource_changes", [])
	c.mode == "managed"
	"delete" in object.get(obj(c.change), "actions", [])
	is_object(c.change.before)
	object.get(c.change.before, "deletion_protection", null) == true
	name := text(object.get(c.change.before, "name", null))
	v := {"rule": "deletion-protected", "address": c.address, "name": name, "ip": null, "message": sprintf(
		"%s deletes %s %s%s while its deletion_protection is on: the provider refuses that delete during the apply, after applying what goes first (a renamed service is created beside the old one). %s",
		[c.address, c.type, name, why(c), protected_way_out(c)],
	)}
}

protected_way_out(c) := "A deploy that failed after creating it left it tainted: keep it (terraform untaint, printed below), fix what failed, then deploy" if {
	object.get(c, "action_reason", "") == "replace_because_tainted"
} else := "Deleting takes two deploys: deletion_protection = false on it in the file, deployed, then the change (docs/operations.md, \"Deleting a service\")"

# --- notes (policies.hcl's advisory egress_gap) -------------------------------------------------------------
# A NAT or a connector the plan deletes and creates again: egress stops for the time between, whatever IPs the new
# NAT gets. Never a refusal: what the Python guard prints as its notes (constructs_lib/guard/rules.py,
# recreated_egress).

connector_type := "google_vpc_access_connector"

notes := sort([n |
	some c in changes_of({nat_type, connector_type})
	"delete" in c.change.actions
	"create" in c.change.actions
	is_object(c.change.before)
	n := recreated_note(c)
])

recreated_note(c) := sprintf(
	"%s re-creates connector %s: from its delete until the new one is ready, the workloads on it reach nothing outside the VPC; deploy it when that gap is acceptable",
	[c.address, recreated_what(c)],
) if {
	c.type == connector_type
} else := sprintf(
	"%s re-creates NAT %s: from its delete until the new NAT is up, nothing leaves the chain and every open connection through it is cut (%s); deploy it when that gap is acceptable",
	[c.address, recreated_what(c), held_text(c)],
)

recreated_what(c) := concat("", [text(object.get(c.change.before, "name", null)), renamed_text(c), why(c)])

renamed_text(c) := sprintf(" as %s", [n]) if {
	n := object.get(obj(c.change.after), "name", null)
	is_string(n)
	n != object.get(c.change.before, "name", null)
} else := ""

# The NAT's active IPs before the plan, by name (and IP), when this resource is the one that stands for the NAT.
held_text(c) := "no IP" if {
	count(held_names(c)) == 0
} else := concat(", ", [sprintf("%s%s", [d[0], ip_text(d[1])]) | some d in held_names(c)])

held_names(c) := sort([describe(l) | some l in held_links(c)])

held_links(c) := links(b.before, "nat_ips") if {
	key := nat_key(c)
	nat_resource(key) == c.address
	b := side_holder(key, "before")
} else := set()

# --- reminders (policies.hcl's advisory retire_reminders) -----------------------------------------------------
# release_ips and forget_ips are for one deploy: each name, once this run is applied, is to be removed from the
# file. What the Python guard prints as its reminders (constructs_lib/guard/rules.py, retire_reminders).

reminders := sort([n |
	some key in ["release_ips", "forget_ips"]
	some name in names_of(key)
	n := reminder(key, name)
])

reminder(key, name) := sprintf(
	"[egress] %s names %s, an address put into a NAT outside Terraform: this deploy takes it out of the NAT and it stays reserved (the stack never held it); once applied, remove it from the file",
	[key, name],
) if {
	name in put_in_outside
} else := sprintf(
	"[egress] %s names %s: once this deploy is applied, remove it from the file (the key is for one deploy)",
	[key, name],
) if {
	name in address_names
} else := sprintf(
	"[egress] %s names %s, which is no address of this stack (not in its state): nothing to do; remove it from the file",
	[key, name],
)

# Every address name the plan knows: the state's (managed and adopted), the changes' before, the refresh's lost.
address_names := {n |
	some v in array.concat(
		array.concat(
			[obj(r.values) | some r in state_resources; r.type == address_type],
			[obj(c.change.before) | some c in changes_of({address_type})],
		),
		lost,
	)
	n := object.get(v, "name", null)
	is_string(n)
}

# The names of the IPs a NAT (its IP list, else itself) or one of its rules kept by the plan held before it that
# are no address of the stack.
put_in_outside := {describe(l)[0] | some l in held_before; not known_link(l)}

held_before := nat_held_before | rule_held_before

nat_held_before := {l |
	some key in nat_keys
	b := side_holder(key, "before")
	some l in (links(b.before, "nat_ips") | links(b.before, "drain_nat_ips"))
}

rule_held_before := {l |
	some c in changes_of({nat_type})
	c.change.actions != ["forget"]
	is_object(c.change.before)
	is_object(c.change.after)
	some rule in object.get(c.change.before, "rules", [])
	is_object(rule)
	number := object.get(rule, "rule_number", null)
	some after_rule in object.get(c.change.after, "rules", [])
	is_object(after_rule)
	object.get(after_rule, "rule_number", null) == number
	some l in rule_links(rule, "source_nat_active_ips")
}
