"""The Google APIs an environment's stack enables (a fact written once; no cdktf import, so the
rehearsal can read it without starting jsii)."""

COMPUTE_API = "compute.googleapis.com"
# Only a chain with a connector needs Serverless VPC Access.
CONNECTOR_API = "vpcaccess.googleapis.com"
RUN_API = "run.googleapis.com"
# APIs the chain needs in the project that runs the services.
REQUIRED_APIS = (COMPUTE_API, CONNECTOR_API, RUN_API)
# Only a stack with [alerts] needs Cloud Monitoring (its alert policies).
MONITORING_API = "monitoring.googleapis.com"
# Only a stack whose services or jobs read secrets needs Secret Manager (the accessor bindings, and Cloud Run
# reading the versions).
SECRET_MANAGER_API = "secretmanager.googleapis.com"


def required_apis(has_connector: bool, *, has_alerts: bool = False, has_secrets: bool = False) -> tuple[str, ...]:
    """The APIs of one stack, in the order the stack creates them."""
    return tuple(api for api in REQUIRED_APIS if api != CONNECTOR_API or has_connector) + (
        (MONITORING_API,) if has_alerts else ()) + ((SECRET_MANAGER_API,) if has_secrets else ())
