"""The Terraform resource types of google provider 6.50.0 that the chain creates and that its readers look for.

The constructs make them through the provider's classes (``_provider.google``); the policies, the report and the
tests find them by these names in the synthesized JSON.
"""

__all__ = [
    "ADDRESS", "ALERT_POLICY", "API", "BUCKET", "CONNECTOR", "IAM_BINDING", "IAM_MEMBER", "IAM_POLICY", "NAT",
    "JOB", "JOB_IAM_BINDING", "JOB_IAM_MEMBER", "JOB_IAM_POLICY", "NAT_ADDRESS", "ROUTER", "SECRET_IAM_MEMBER",
    "SERVICE", "SUBNET", "WORKER_POOL", "WORKLOADS",
]

SERVICE = "google_cloud_run_v2_service"
IAM_MEMBER = "google_cloud_run_v2_service_iam_member"
IAM_BINDING = "google_cloud_run_v2_service_iam_binding"
IAM_POLICY = "google_cloud_run_v2_service_iam_policy"
JOB = "google_cloud_run_v2_job"
JOB_IAM_MEMBER = "google_cloud_run_v2_job_iam_member"
JOB_IAM_BINDING = "google_cloud_run_v2_job_iam_binding"
JOB_IAM_POLICY = "google_cloud_run_v2_job_iam_policy"
WORKER_POOL = "google_cloud_run_v2_worker_pool"
# What sends traffic into the chain: Cloud Run services, jobs (their vpc_access in template.template) and worker pools.
WORKLOADS = (SERVICE, JOB, WORKER_POOL)
# A workload's access to a Secret Manager secret it reads (roles/secretmanager.secretAccessor).
SECRET_IAM_MEMBER = "google_secret_manager_secret_iam_member"
CONNECTOR = "google_vpc_access_connector"
SUBNET = "google_compute_subnetwork"
ROUTER = "google_compute_router"
NAT = "google_compute_router_nat"
# The NAT's nat_ips and drain_nat_ips, managed beside a NAT created with initial_nat_ips: unlike the NAT's own
# drain_nat_ips (Optional+Computed at 6.50.0), its drain_nat_ips can be emptied by a deploy.
NAT_ADDRESS = "google_compute_router_nat_address"
ADDRESS = "google_compute_address"
API = "google_project_service"
BUCKET = "google_storage_bucket"
ALERT_POLICY = "google_monitoring_alert_policy"
