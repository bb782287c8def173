"""The Terraform resource types of google provider 6.50.0 that the chain creates and that its readers look for.

The constructs make them through the provider's classes (``_provider.google``); the policies, the report and the
tests find them by these names in the synthesized JSON.
"""

__all__ = [
    "ADDRESS", "ALERT_POLICY", "API", "BUCKET", "CONNECTOR", "IAM_BINDING", "IAM_MEMBER", "IAM_POLICY", "NAT",
    "NAT_ADDRESS", "ROUTER", "SERVICE", "SUBNET",
]

SERVICE = "google_cloud_run_v2_service"
IAM_MEMBER = "google_cloud_run_v2_service_iam_member"
IAM_BINDING = "google_cloud_run_v2_service_iam_binding"
IAM_POLICY = "google_cloud_run_v2_service_iam_policy"
CONNECTOR = "google_vpc_access_connector"
SUBNET = "google_compute_subnetwork"
ROUTER = "google_compute_router"
NAT = "google_compute_router_nat"
# The NAT's IPs managed beside the NAT (its nat_ips and drain_nat_ips, keyed by router_nat); read by the guard.
NAT_ADDRESS = "google_compute_router_nat_address"
ADDRESS = "google_compute_address"
API = "google_project_service"
BUCKET = "google_storage_bucket"
ALERT_POLICY = "google_monitoring_alert_policy"
