# The plan guard of make deploy (constructs_lib/guard), as an HCP Terraform policy set of native OPA policies:
# attach this folder to the workspaces that run the stacks (docs/operations.md, "The plan guard in HCP
# Terraform"). Each query returns an array: the guard's refusals (mandatory: the run stops before its apply), its
# notes and its reminders (advisory: a warning on the run), each empty when there is nothing to say.
policy "egress_ip_guard" {
  query             = "data.terraform.policies.egress_ip_guard.deny"
  enforcement_level = "mandatory"
  description       = "An allowlisted egress IP is never released, recreated or taken out of its NAT undrained unless the environment file says so (release_ips, forget_ips), and no plan holds a change the apply would refuse halfway: a subnet re-created under its own name, a delete that deletion_protection forbids"
}

policy "egress_gap" {
  query             = "data.terraform.policies.egress_ip_guard.notes"
  enforcement_level = "advisory"
  description       = "A NAT or connector the plan re-creates: egress stops between its delete and its create, even with every IP kept"
}

policy "retire_reminders" {
  query             = "data.terraform.policies.egress_ip_guard.reminders"
  enforcement_level = "advisory"
  description       = "The names of [egress] release_ips and forget_ips are for one deploy: once this run is applied, remove each from the environment file"
}
