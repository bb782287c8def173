"""What a failed deploy leaves behind, and the one step that recovers it.

Read from the state (``terraform show -json``), the failed command's output and the synthesized stack
(``cdk.tf.json``); no cdktf, no provider, no GCP call. Each situation is one that the google provider 6.50.0
cannot recover alone (docs/operations.md, "When a deploy is interrupted"):

- a Cloud Run service left **tainted** by a first deploy whose revision failed: the provider stores the
  service's ID before it waits for the operation (``resourceCloudRunV2ServiceCreate``), so the next plan
  replaces it, which ``deletion_protection`` refuses. Recovery: ``terraform untaint``, fix the image, deploy.
  The same for an **address** whose create was interrupted (Ctrl-C) during its label update, after Google Cloud
  reserved it: ``prevent_destroy`` refuses the replacement, and the IP must stay. Recovery: ``untaint``.
- an **orphan**: an object of ours that exists in Google Cloud but not in the state, because a create's
  answer was lost after Google Cloud made it (a connection reset that the provider retries into a 409,
  ``transport/error_retry_predicates.go:114``; a clean EOF it does not retry; an operation that ended in an
  error, after which the provider clears the ID; an apply killed before its state write). The next create
  of the same name answers 409 ``already exists``. Recovery: ``terraform import`` under the name the stack
  gives it, which the deploy does itself (``orphans`` → ``import_commands``, ``flow.run``).
- an address **lost by a refresh** (a 404): the plan wants to create it again with a new IP; the plan guard
  refuses that (``recreate``). The state still holds it (a plan writes no state): the next deploy finds it
  again. One no longer in the state is imported under its name (``flow.advise_lost``).
- a **state lock** left by a killed apply: ``terraform force-unlock -force <ID>`` with the lock's ID.
- a **state write lost** at the end of an apply (the network, or GCS, failed it; the gcs backend's write is not
  retried): Terraform keeps the applied state in ``errored.tfstate`` in the stack's folder, and another apply before
  it is pushed would create everything again. Recovery: ``terraform state push errored.tfstate``.
- a **subnet still in use** after the workloads left it: Cloud Run keeps a workload's Direct VPC egress IPs in a
  subnet for 1–2 hours after it moves or goes ("wait 1–2 hours for Cloud Run to release the IPs before you delete
  the subnet"), so a deploy that moves the workloads off a subnet and deletes it fails at the delete
  (``resourceInUseByAnotherResource``); everything before it is applied. Recovery: deploy again once they are
  released (``subnets_in_use``).
- an **API not yet on** although the stack enabled it: an enable takes minutes to reach every Google Cloud system
  ("If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry"),
  and the provider does not retry that 403. Recovery: deploy again a few minutes later (``apis_not_yet_on``).
- an **adopted address that does not exist** (``existing_ips``): misspelt, or deleted outside Terraform, which
  released its IP for good; the plan fails reading it. Not a command: the file must change (``adopted_missing``).
- an **adopted object that does not exist** (``[adopt]``): a name or region that differs from what was built by
  hand, or something never built; the plan fails on its import block. Not a command: the file must change
  (``missing_imports``).
- an **alert policy created twice**: a create retried after a reset that came after the commit makes a second
  policy (alert policies have no name of their own to answer 409), and an apply killed before its state write
  leaves the policies it made. Terraform cannot see them; the commands list the policies of each display name,
  to delete any that is not the state's (``duplicate_alert_checks``).
"""

from __future__ import annotations

import re
import shlex
from typing import Any, Iterator, Mapping

from ..facts.resources import ADDRESS, ALERT_POLICY, CONNECTOR, NAT, ROUTER, SERVICE, SUBNET, WORKLOADS

__all__ = ["tainted_services", "tainted_kept", "recovery_commands", "orphans", "import_id", "lock_id",
           "duplicate_alert_checks", "subnets_in_use", "apis_not_yet_on", "adopted_missing",
           "missing_imports"]

# The ID ``terraform import`` takes for each type the stack names itself (the provider's import formats).
IMPORT_IDS = {
    ADDRESS: "projects/{project}/regions/{region}/addresses/{name}",
    SUBNET: "projects/{project}/regions/{region}/subnetworks/{name}",
    ROUTER: "projects/{project}/regions/{region}/routers/{name}",
    NAT: "projects/{project}/regions/{region}/routers/{router}/{name}",
    CONNECTOR: "projects/{project}/locations/{region}/connectors/{name}",
    SERVICE: "projects/{project}/locations/{location}/services/{name}",
}
# Terraform's diagnostics: ``Error: <summary>`` … ``with <address>,``.
_DIAGNOSTIC = re.compile(r"^(?:│ )?Error: (?P<summary>.*?)\n(?:(?:│ )?.*\n)*?(?:│ )?\s*with (?P<address>[^\s,]+),",
                         re.MULTILINE)
# Compute's answer to deleting a subnet something uses; a destroy's diagnostic has no ``with <address>`` line (the
# resource is no longer in the configuration), so the subnet is read from the message.
_SUBNET_IN_USE = re.compile(r"The subnetwork resource '(?P<subnet>[^']+)' is already being used by")
# Google's 403 for an API a project has not enabled (SERVICE_DISABLED), as its message names it.
_API_DISABLED = re.compile(r"has not been used in project \S+ before or it is disabled\. Enable it by visiting "
                           r"https://console\.developers\.google\.com/apis/api/(?P<service>[a-z0-9.-]+)/overview")
# Terraform's words when it could not write the state to the backend and kept it beside the configuration.
ERRORED_STATE = "errored.tfstate"
_STATE_KEPT = re.compile(f'the state has been written to the file "{re.escape(ERRORED_STATE)}"')
# The provider's error for a data source whose object Google Cloud does not have.
_NOT_FOUND = re.compile(r"(?P<id>projects/[^/\s]+/regions/[^/\s]+/addresses/[^/\s]+) not found")
# Terraform's words for an import block whose object does not exist (its address, then a " (<name>)" of the CLI's).
_NOT_IMPORTABLE = re.compile(r'While attempting to import an existing object to "(?P<address>[^"\s]+)(?: \([^)]*\))?", '
                             r"the provider detected that no object exists")
_ALREADY_EXISTS = re.compile(r"\b409\b.*already exists|alreadyExists|ALREADY_EXISTS", re.IGNORECASE)
_LOCK_ID = re.compile(r"Error acquiring the state lock[\s\S]*?\bID:\s+(?P<id>\S+)")
_LOCK_INFO = re.compile(r"^(?:│)?\s*(?P<key>Who|Created|Operation):[ \t]*(?P<value>\S[^\n]*)$", re.MULTILINE)
_REFERENCE = re.compile(r"^\$\{(?P<type>[a-z0-9_]+)\.(?P<name>[^.}]+)\.name\}$")


def _resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def held_addresses(state: Mapping[str, Any]) -> set[str]:
    """The resource addresses a ``terraform show -json`` state holds."""
    return {r["address"] for r in _resources(state.get("values", {}).get("root_module", {}))}


def tainted_services(state: Mapping[str, Any]) -> list[str]:
    """The addresses of the tainted Cloud Run workloads (services, jobs, worker pools) in a ``terraform show -json``
    document: the provider keeps one whose first revision failed in the state, tainted."""
    root = state.get("values", {}).get("root_module", {})
    return [r["address"] for r in _resources(root) if r.get("type") in WORKLOADS and r.get("tainted")]


def tainted_kept(state: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> list[str]:
    """The tainted resources that must be untainted before any deploy can pass: the Cloud Run workloads
    (``tainted_services``), and every other one whose replacement, which the next plan makes of a tainted
    resource, is refused: ``lifecycle.prevent_destroy`` in the synthesized stack (each address the stack reserves,
    the state bucket) or ``deletion_protection`` on in the state.

    Each exists in Google Cloud: the provider stored its ID before the step that failed (a workload's revision; an
    address's label update, cut by an interrupt: its IP is the allowlisted one, and a replacement would change it).
    """
    kept = {f"{kind}.{name}" for kind, resources in (config or {}).get("resource", {}).items()
            if isinstance(resources, Mapping)
            for name, values in resources.items()
            if isinstance(values, Mapping) and isinstance(values.get("lifecycle"), Mapping)
            and values["lifecycle"].get("prevent_destroy") is True}
    root = state.get("values", {}).get("root_module", {})
    return [r["address"] for r in _resources(root)
            if r.get("tainted") and (r.get("type") in WORKLOADS or r["address"] in kept
                                     or (r.get("values") or {}).get("deletion_protection") is True)]


def lock_id(output: str) -> str | None:
    """The ID of the state lock a command could not take (``Error acquiring the state lock``), or None."""
    found = _LOCK_ID.search(output)
    return found.group("id") if found else None


def lock_holder(output: str) -> str:
    """Who holds the state lock a command could not take, since when, for what: Terraform's ``Lock Info`` (its
    ``Who``, ``Created`` and ``Operation``), in words; empty when the output says none of them."""
    block = output[output.find("Error acquiring the state lock"):]
    info = {m["key"]: m["value"].strip() for m in _LOCK_INFO.finditer(block)}
    said = [info.get("Who", ""), f"since {info['Created']}" if info.get("Created") else "",
            f"for {info['Operation'].removeprefix('OperationType').lower() or 'a command'}"
            if info.get("Operation") else ""]
    return ", ".join(part for part in said if part)


def import_id(config: Mapping[str, Any], address: str) -> str | None:
    """The ``terraform import`` ID of ``address`` (``type.name``) from the synthesized stack, or None when the
    stack does not name it itself (a type without a name of its own, a value known only after apply)."""
    kind, _, name = address.partition(".")
    values = config.get("resource", {}).get(kind, {}).get(name)
    if kind not in IMPORT_IDS or not isinstance(values, Mapping):
        return None
    fields = {}
    for key in re.findall(r"\{(\w+)\}", IMPORT_IDS[kind]):
        value = values.get(key)
        reference = _REFERENCE.match(value) if isinstance(value, str) else None
        if reference:
            value = config.get("resource", {}).get(reference["type"], {}).get(reference["name"], {}).get("name")
        if not isinstance(value, str) or "${" in value:
            return None
        fields[key] = value
    return IMPORT_IDS[kind].format(**fields)


def orphans(output: str, config: Mapping[str, Any], state: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(address, import ID) of each create the output says failed with ``already exists`` for a resource the
    stack names and the state does not hold: an object of ours that Google Cloud has and the state lost."""
    held = held_addresses(state)
    found: list[tuple[str, str]] = []
    for diagnostic in _DIAGNOSTIC.finditer(output):
        address = diagnostic["address"]
        if not _ALREADY_EXISTS.search(diagnostic["summary"]) or address in held:
            continue
        identifier = import_id(config, address)
        if identifier and (address, identifier) not in found:
            found.append((address, identifier))
    return found


def subnets_in_use(output: str) -> list[str]:
    """The subnets (``projects/…/subnetworks/…``) whose delete the output says failed as something uses them."""
    return list(dict.fromkeys(m["subnet"] for m in _SUBNET_IN_USE.finditer(" ".join(output.split()))))


def apis_not_yet_on(output: str) -> list[str]:
    """The APIs (``run.googleapis.com``) a call of the output found not enabled in its project."""
    return list(dict.fromkeys(m["service"] for m in _API_DISABLED.finditer(" ".join(output.split()))))


def adopted_missing(output: str) -> list[str]:
    """The addresses (``projects/P/regions/R/addresses/N``) whose read as an adopted address (``existing_ips``, a
    ``google_compute_address`` data source) failed because Google Cloud has no such address."""
    found = []
    for m in _DIAGNOSTIC.finditer(output):
        missing = _NOT_FOUND.fullmatch(m["summary"].strip())
        if missing and m["address"].startswith(f"data.{ADDRESS}."):
            found.append(missing["id"])
    return list(dict.fromkeys(found))


def new_nat_draining(output: str) -> list[str]:
    """The NATs (or their IP lists: Terraform addresses) a plan re-creates while their IPs drain: the provider
    refuses a new NAT with ``drain_nat_ips`` at plan ("New RouterNat cannot have drain_nat_ips")."""
    return list(dict.fromkeys(m["address"] for m in _DIAGNOSTIC.finditer(output)
                              if m["summary"].startswith("New RouterNat cannot have drain_nat_ips")))


def missing_imports(output: str, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(Terraform address, import ID) of each import block whose object Google Cloud does not have ("Cannot import
    non-existent remote object"), the ID from the synthesized stack's ``import`` blocks."""
    ids = {block.get("to"): block.get("id") for block in config.get("import") or [] if isinstance(block, dict)}
    found = [m["address"] for m in _NOT_IMPORTABLE.finditer(" ".join(output.split()))]
    return [(address, str(ids.get(address) or "")) for address in dict.fromkeys(found)]


def import_commands(folder: str, found: list[tuple[str, str]]) -> list[str]:
    return [f"terraform -chdir={folder} import {shlex.quote(address)} {shlex.quote(identifier)}"
            for address, identifier in found]


def duplicate_alert_checks(state: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> list[str]:
    """For each alert policy of the stack (the synthesized stack's, else the state's): the command that lists the
    policies of its display name, and which one to keep (the state's; none when the state holds none, as after a
    killed apply), then the delete of any other: a duplicate of a retried create, or an orphan."""
    held = {r["address"]: r.get("values", {}) for r in _resources(state.get("values", {}).get("root_module", {}))
            if r.get("type") == ALERT_POLICY}
    wanted = {f"{ALERT_POLICY}.{name}": values
              for name, values in (config or {}).get("resource", {}).get(ALERT_POLICY, {}).items()} or held
    commands = []
    for address, values in wanted.items():
        project, shown = values.get("project", ""), values.get("display_name", "")
        if not isinstance(shown, str) or "${" in shown:
            continue
        keep = held.get(address, {}).get("name") or "none (the state holds no policy of this name)"
        wanted_name = shlex.quote(f'displayName="{shown}"')
        commands.append(f"gcloud monitoring policies list --project={shlex.quote(project)} --filter={wanted_name} "
                        f"--format='value(name)'  # keep {keep}")
    if commands:
        commands.append("gcloud monitoring policies delete NAME --quiet  # each name listed that is not kept")
    return commands


def recovery_commands(state: Mapping[str, Any], *, stack_dir: str, stack: str, output: str = "",
                      config: Mapping[str, Any] | None = None) -> list[str]:
    """The commands that take a failed deploy to a good one, deletion protection left on.

    Args:
        state: ``terraform show -json`` of the stack's state (``{}`` when it cannot be read).
        stack_dir: the stack's Terraform folder (``cdktf.out/stacks/<stack>``), where ``terraform`` runs.
        stack: the stack name, for the deploy that follows.
        output: what the failed command printed (its lock error, its ``already exists`` errors).
        config: the synthesized stack (``cdk.tf.json``), for the import IDs.

    Returns:
        ``state push`` of a state Terraform could not write (``errored.tfstate``); ``force-unlock`` of a lock left
        behind; ``untaint`` of each tainted resource that cannot be replaced
        (``tainted_kept``); ``import`` of each orphan; the wait for an API just enabled (``apis_not_yet_on``) or a
        subnet still in use (``subnets_in_use``); then the deploy. Nothing when there is nothing to recover.
    """
    folder = shlex.quote(stack_dir)
    commands = []
    if _STATE_KEPT.search(" ".join(output.split())):  # first: every other step reads the state
        commands.append(f"terraform -chdir={folder} state push {ERRORED_STATE}")
    held = lock_id(output)
    if held:
        holder = lock_holder(output)
        commands.append(f"# the state is locked{f' ({holder})' if holder else ''}: release it only once that run is "
                        "over (killed, its runner gone); while a deploy runs, its lock keeps a second one out")
        commands.append(f"terraform -chdir={folder} force-unlock -force {shlex.quote(held)}")
    commands += [f"terraform -chdir={folder} untaint {shlex.quote(address)}"
                 for address in tainted_kept(state, config)]
    commands += import_commands(folder, orphans(output, config or {}, state))
    if held:  # a killed apply: the alert policies it made before the state write are orphans, unnamed
        commands += duplicate_alert_checks(state, config)
    waiting, apis = subnets_in_use(output), apis_not_yet_on(output)
    if not commands and not waiting and not apis:
        return []
    if apis:
        commands.append(f"# {', '.join(apis)}: Google Cloud answered that the API is not enabled, although the stack "
                        "enables it before anything uses it: an API enabled moments ago takes a few minutes to reach "
                        "every Google Cloud system; wait a few minutes")
    if waiting:
        commands.append(f"# {', '.join(waiting)}: still in use; if Cloud Run workloads left it in this deploy, "
                        "Cloud Run keeps their Direct VPC egress IPs there for 1-2 hours: wait that long")
    if tainted_services(state):
        commands.append(f"# fix the image in the file if its revision failed, then deploy again: make deploy "
                        f"STACK={shlex.quote(stack)}")
    else:
        commands.append(f"# then deploy again: make deploy STACK={shlex.quote(stack)}")
    return commands
