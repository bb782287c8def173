"""The faults of ``make faults``: what fails, where, and what the google provider 6.50.0 does about it.

Each case is one deploy with its rules installed in the local API (``rehearsal/localgcp/faults.py``), or killed
on purpose; the campaign (``campaign.py``) then does what a user does next and deploys without faults. The
provider's behaviour that each case meets is cited from its source at v6.50.0 (``google/`` of
terraform-provider-google; docs/operations.md, "When a deploy is interrupted", has the runbooks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rehearsal.localgcp.apis import service_disabled
from rehearsal.localgcp.faults import Rule

REGION = "/compute/v1/projects/*/regions/*"
ADDRESSES = f"{REGION}/addresses"
ALERT_POLICIES = "/monitoring/v3/projects/*/alertPolicies"
SERVICES = "/run/v2/projects/*/locations/*/services"


@dataclass(frozen=True)
class Case:
    """One fault of the campaign.

    Attributes:
        name: the fault's id, printed on its line.
        what: the fault, for people.
        rules: the local API's rules during the faulted deploy.
        first_deploy: deploy once without faults before the faulted one (a fault of a refresh or an update).
        kill_on: (method, path pattern): stop the faulted deploy the moment the API has made this call (between a
            create and the state write), with ``kill_with``.
        kill_with: ``SIGKILL`` (every process of the deploy, as a machine that dies) or ``SIGINT`` (a Ctrl-C in
            the deploy's terminal: to its process group).
        timeouts: Terraform ``timeouts`` set on resources of a type in the faulted deploy's stack (a hang bounded
            by the resource's timeout, made short so the campaign fits its budget).
        deadline: DEPLOY_DEADLINE of the faulted deploy, seconds (a hang the deploy itself bounds).
        state_write_lost: the state bucket answers every write of the state with a 503 during the faulted deploy
            (``rehearsal/gcs_faults.py``): a network or GCS outage at the end of an apply.
        provider: what the provider 6.50.0 does, with file:line.
    """

    name: str
    what: str
    rules: tuple[Rule, ...] = ()
    first_deploy: bool = False
    kill_on: tuple[str, str] | None = None
    kill_with: str = "SIGKILL"
    timeouts: dict[str, dict[str, str]] = field(default_factory=dict)
    deadline: int | None = None
    state_write_lost: bool = False
    provider: str = ""


CASES = (
    Case("429-address-insert", "429 with Retry-After: 60 on the first address insert",
         (Rule(method="POST", path=ADDRESSES, status=429, retry_after=60),),
         provider="retried by the transport after 0.5 s, Retry-After ignored (transport/retry_transport.go:113-158, "
                  "error_retry_predicates.go:504-515)"),
    Case("503-nat-router-patch", "503 on the router PATCH that creates the NAT",
         (Rule(method="PATCH", path=f"{REGION}/routers/*", status=503),),
         provider="retried by the transport (error_retry_predicates.go:504-515)"),
    Case("429-alert-policy-create", "429 on the first alert-policy create",
         (Rule(method="POST", path=ALERT_POLICIES, status=429),),
         provider="retried by the transport before the create's Is429QuotaError abort applies "
                  "(error_retry_predicates.go:518-525, resource_monitoring_alert_policy.go)"),
    Case("persistent-429-run-getiampolicy", "429 on every Cloud Run getIamPolicy",
         (Rule(method="GET", path=f"{SERVICES}/*:getIamPolicy", call=0, status=429),
          Rule(method="POST", path=f"{SERVICES}/*:getIamPolicy", call=0, status=429)),
         # Long enough for the apply to reach the service's IAM on a loaded machine: at 25 s, one CI run under load
         # was interrupted before the first getIamPolicy (the fault never happened).
         deadline=60,
         provider="an endless loop, no deadline (tpgiamresource/iam.go:106-112): bounded by the deploy's "
                  "DEPLOY_DEADLINE, which interrupts Terraform"),
    Case("404-operation-poll", "404 on the first poll of a regional operation (an operation GCP has not made "
         "visible yet)", (Rule(method="GET", path=f"{REGION}/operations/*", status=404),),
         provider="a 404 on an operation's GET counts as not done (tpgresource/common_operation.go:126-134, "
                  "IsNotFoundRetryableError(\"GET operation\")): polled again after the provider's 10 s poll "
                  "interval (transport/config.go:1727), within the same deploy; only 20 in a row fail it"),
    Case("403-api-not-yet-on-run-create", "403 SERVICE_DISABLED on the Cloud Run service's create: the API the "
         "stack enabled has not reached every Google Cloud system yet",
         (Rule(method="POST", path=SERVICES, status=403, message=service_disabled(
             "my-gcp-project", "run.googleapis.com", "Cloud Run Admin API", compute=False).message),),
         provider="not retried (no predicate of transport/error_retry_predicates.go takes a 403 but the quota's): "
                  "the deploy fails and says to wait; the next one creates the service"),
    Case("503-state-write", "503 on every write of the state to its GCS bucket during the deploy (the lock and the "
         "reads pass)", state_write_lost=True,
         provider="not the provider's: Terraform's gcs backend writes the state with no precondition, which the Go "
                  "storage client does not retry; Terraform keeps the applied state in errored.tfstate beside the "
                  "stack (\"Failed to persist state to backend\"): the deploy prints the state push"),
    Case("reset-after-commit-address-insert", "connection reset after the address insert was committed",
         (Rule(method="POST", path=ADDRESSES, fault="reset_after_commit"),),
         provider="retried (isConnectionResetNetworkError, error_retry_predicates.go:114-119) into a 409: the "
                  "address is an orphan, which the deploy imports"),
    Case("reset-after-commit-alert-policy-create", "connection reset after an alert-policy create was committed",
         (Rule(method="POST", path=ALERT_POLICIES, fault="reset_after_commit"),),
         provider="retried (error_retry_predicates.go:114-119): the policy, which has no name of its own, is "
                  "created twice; the deploy lists the check and the delete of the duplicate"),
    Case("close-after-commit-subnetwork-insert", "clean close (EOF, no answer) after the subnetwork insert",
         (Rule(method="POST", path=f"{REGION}/subnetworks", fault="close_after_commit"),),
         provider="not retried (an EOF is not io.ErrUnexpectedEOF, error_retry_predicates.go:98-111): the deploy "
                  "fails; the next one meets a 409 and imports the orphan"),
    Case("connector-operation-error", "the connector's create operation ends in an error",
         (Rule(method="POST", path="/vpcaccess/v1/projects/*/locations/*/connectors", fault="operation_error"),),
         provider="the create clears the ID once the wait fails (services/vpcaccess/resource_vpc_access_connector."
                  "go:313-317): the next deploy meets a 409 and imports the orphan"),
    Case("run-operation-error", "the Cloud Run service's create operation ends in an error (a bad revision)",
         (Rule(method="POST", path=SERVICES, fault="operation_error",
               message="Revision 'faults-00001-abc' is not ready and cannot serve traffic."),),
         provider="the ID is set before the wait (services/cloudrunv2/resource_cloud_run_v2_service.go:1430-1438), "
                  "so the service stays in the state, tainted: the deploy prints the untaint"),
    Case("operation-never-done", "the address insert's operation never finishes (create timeout 20 s)",
         (Rule(method="POST", path=ADDRESSES, fault="operation_never_done"),),
         timeouts={"google_compute_address": {"create": "20s"}},
         provider="bounded by the resource's create timeout (tpgresource/common_operation.go:155, OperationWait), "
                  "then the ID is cleared (services/compute/resource_compute_address.go:381): the next deploy "
                  "imports the orphan"),
    Case("404-first-read-after-create", "404 on the first read of the router after its create",
         (Rule(method="GET", path=f"{REGION}/routers/*", status=404),),
         provider="Create ends with Read, which drops it (tpgresource.HandleNotFoundError): Terraform reports an "
                  "inconsistent result after apply; the next deploy imports the orphan"),
    Case("404-address-refresh", "404 on the address during the refresh of a second deploy",
         (Rule(method="GET", path=f"{ADDRESSES}/*", status=404),), first_deploy=True,
         provider="the refresh drops it from the state and the plan creates it again (a new IP): the plan guard's "
                  "recreate rule refuses, and prints the import that takes it back"),
    Case("sigkill-apply-after-create", "SIGKILL of terraform apply right after the address insert",
         kill_on=("POST", ADDRESSES),
         provider="the state lock stays in GCS and the address is an orphan: the deploy prints the force-unlock, "
                  "then imports the orphan"),
    Case("setlabels-operation-error", "the operation of the address's setLabels, right after its insert, ends in "
         "an error", (Rule(method="POST", path=f"{ADDRESSES}/*/setLabels", fault="operation_error"),),
         provider="labels cannot be set in the insert, so the create sets them after it with the ID already stored "
                  "(services/compute/resource_compute_address.go:368-423): the address stays in the state, "
                  "tainted, and its replacement (a new IP) is refused by prevent_destroy: the deploy prints the "
                  "untaint"),
    Case("ctrl-c-address-insert", "Ctrl-C in make deploy's terminal while the address insert's operation runs",
         (Rule(method="POST", path=ADDRESSES, fault="operation_never_done"),),
         kill_on=("POST", ADDRESSES), kill_with="SIGINT",
         provider="the deploy passes one interrupt on to Terraform, which stops the provider: its wait for the "
                  "operation ends (\"context has been cancelled\", tpgresource/common_operation.go) and the ID is "
                  "cleared (services/compute/resource_compute_address.go:381); Terraform writes the state and "
                  "releases the lock. The next deploy meets a 409 and imports the orphan"),
    Case("ctrl-c-address-labels", "Ctrl-C in make deploy's terminal while the address's setLabels operation runs",
         (Rule(method="POST", path=f"{ADDRESSES}/*/setLabels", fault="operation_never_done"),),
         kill_on=("POST", f"{ADDRESSES}/*/setLabels"), kill_with="SIGINT",
         provider="the create fails after the insert with the ID kept, so the address stays in the state, tainted; "
                  "its replacement is refused by prevent_destroy (a new IP): the deploy prints the untaint"),
    Case("concurrent-router-edit", "another writer edits the router just before the NAT's PATCH",
         (Rule(method="PATCH", path=f"{REGION}/routers/*", fault="concurrent_edit"),),
         provider="the NAT's PATCH is a read-modify-write of the router's nats with no fingerprint "
                  "(resource_compute_router_nat.go:2085-2108): the last writer wins; the next deploy puts back "
                  "what the file says"),
)
