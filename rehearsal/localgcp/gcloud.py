"""The chain as Google's static-outbound-IP guide builds it with gcloud, for adopting it.

Each function sends what the gcloud command sends (its defaults included:
no flow logs, no Private Google Access, connector e2-micro with 2..10
instances, NAT with the API's defaults, ``gcloud run deploy`` recording
itself as the service's client) through the local API's own routes, so the
resources are exactly what the API makes of such requests.

    gcloud services enable compute.googleapis.com vpcaccess.googleapis.com run.googleapis.com
    gcloud compute networks subnets create SUBNET --network=NET --range=RANGE --region=R
    gcloud compute networks vpc-access connectors create CONNECTOR --subnet=SUBNET --region=R
    gcloud compute routers create ROUTER --network=NET --region=R
    gcloud compute addresses create ADDRESS --region=R
    gcloud compute addresses delete ADDRESS --region=R
    gcloud compute routers nats create NAT --router=ROUTER --region=R \\
        --nat-custom-subnet-ip-ranges=SUBNET --nat-external-ip-pool=ADDRESS
    gcloud compute routers nats update NAT --router=ROUTER --region=R --nat-external-ip-pool=ADDRESS,...
    gcloud run deploy SERVICE --image=IMAGE --vpc-connector=CONNECTOR --vpc-egress=all-traffic --region=R
    gcloud run deploy SERVICE --image=IMAGE --region=R   (a service deployed before any chain existed)
    gcloud run jobs create JOB --image=IMAGE --vpc-connector=CONNECTOR --vpc-egress=all-traffic --region=R
    gcloud beta run worker-pools deploy POOL --image=IMAGE --network=NET --subnet=SUBNET --vpc-egress=all-traffic \
        --instances=1 --region=R
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .server import JSON

if TYPE_CHECKING:
    from . import LocalGcp

GCLOUD_VERSION = "550.0.0"


def _send(gcp: LocalGcp, method: str, path: str, body: JSON, query: dict[str, str] | None = None) -> JSON:
    """One call, and gcloud's wait for its operation (without --async)."""
    with gcp.lock:
        reply = gcp.router.dispatch(method, path, query or {}, body)
        gcp.operations.finish_all()
        return reply


def services_enable(gcp: LocalGcp, project: str, *services: str) -> None:
    _send(gcp, "POST", f"/serviceusage/v1/projects/{project}/services:batchEnable", {"serviceIds": list(services)})


def subnets_create(gcp: LocalGcp, project: str, region: str, name: str, *, network: str, ip_range: str) -> None:
    _send(gcp, "POST", f"/compute/v1/projects/{project}/regions/{region}/subnetworks",
          {"name": name, "network": f"projects/{project}/global/networks/{network}", "ipCidrRange": ip_range,
           "region": f"projects/{project}/regions/{region}"})


def connectors_create(gcp: LocalGcp, project: str, region: str, name: str, *, subnet: str,
                      subnet_project: str) -> None:
    _send(gcp, "POST", f"/vpcaccess/v1/projects/{project}/locations/{region}/connectors",
          {"subnet": {"name": subnet, "projectId": subnet_project}, "machineType": "e2-micro", "minInstances": 2,
           "maxInstances": 10}, {"connectorId": name})


def routers_create(gcp: LocalGcp, project: str, region: str, name: str, *, network: str) -> None:
    _send(gcp, "POST", f"/compute/v1/projects/{project}/regions/{region}/routers",
          {"name": name, "network": f"projects/{project}/global/networks/{network}"})


def addresses_create(gcp: LocalGcp, project: str, region: str, name: str) -> None:
    _send(gcp, "POST", f"/compute/v1/projects/{project}/regions/{region}/addresses", {"name": name})


def addresses_delete(gcp: LocalGcp, project: str, region: str, name: str) -> None:
    _send(gcp, "DELETE", f"/compute/v1/projects/{project}/regions/{region}/addresses/{name}", {})


def nats_update_ips(gcp: LocalGcp, project: str, region: str, name: str, *, router: str,
                    addresses: list[str]) -> None:
    """``--nat-external-ip-pool``: the NAT's active IPs become these addresses, the rest of the router as it is."""
    router_path = f"/compute/v1/projects/{project}/regions/{region}/routers/{router}"
    nats = copy.deepcopy(_send(gcp, "GET", router_path, {}).get("nats", []))
    for nat in nats:
        if nat["name"] == name:
            nat["natIps"] = [f"projects/{project}/regions/{region}/addresses/{a}" for a in addresses]
    _send(gcp, "PATCH", router_path, {"nats": nats})


def nats_create(gcp: LocalGcp, project: str, region: str, name: str, *, router: str, subnets: list[str],
                addresses: list[str]) -> None:
    nat: dict[str, Any] = {
        "name": name, "natIpAllocateOption": "MANUAL_ONLY",
        "natIps": [f"projects/{project}/regions/{region}/addresses/{a}" for a in addresses],
        "sourceSubnetworkIpRangesToNat": "LIST_OF_SUBNETWORKS",
        "subnetworks": [{"name": f"projects/{project}/regions/{region}/subnetworks/{s}",
                         "sourceIpRangesToNat": ["ALL_IP_RANGES"]} for s in subnets],
    }
    router_path = f"/compute/v1/projects/{project}/regions/{region}/routers/{router}"
    existing = _send(gcp, "GET", router_path, {}).get("nats", [])
    _send(gcp, "PATCH", router_path, {"nats": [*existing, nat]})


def _vpc(project: str, region: str, connector: str | None, network: str | None, subnet: str | None) -> JSON:
    """``--vpc-connector=CONNECTOR``, or Direct VPC egress (``--network=NET --subnet=SUBNET``), all traffic; nothing
    without either: a workload deployed before any chain existed."""
    if connector:
        vpc: JSON = {"connector": f"projects/{project}/locations/{region}/connectors/{connector}"}
    elif network:
        vpc = {"networkInterfaces": [{"network": network, "subnetwork": subnet}]}
    else:
        return {}
    return {"vpcAccess": {**vpc, "egress": "ALL_TRAFFIC"}}


def run_deploy(gcp: LocalGcp, project: str, region: str, name: str, *, image: str,
               connector: str | None = None) -> None:
    """``--vpc-connector=CONNECTOR --vpc-egress=all-traffic``; without a connector, a plain ``gcloud run deploy``."""
    _send(gcp, "POST", f"/run/v2/projects/{project}/locations/{region}/services",
          {"template": {"containers": [{"image": image}], **_vpc(project, region, connector, None, None)},
           "client": "gcloud", "clientVersion": GCLOUD_VERSION}, {"serviceId": name})


def run_jobs_create(gcp: LocalGcp, project: str, region: str, name: str, *, image: str,
                    connector: str | None = None, network: str | None = None, subnet: str | None = None) -> None:
    """``--vpc-connector=CONNECTOR``, or Direct VPC egress with ``--network=NET --subnet=SUBNET``, or neither."""
    _send(gcp, "POST", f"/run/v2/projects/{project}/locations/{region}/jobs",
          {"template": {"template": {"containers": [{"image": image}],
                                     **_vpc(project, region, connector, network, subnet)}},
           "client": "gcloud", "clientVersion": GCLOUD_VERSION}, {"jobId": name})


def worker_pools_deploy(gcp: LocalGcp, project: str, region: str, name: str, *, image: str,
                        network: str | None = None, subnet: str | None = None) -> None:
    _send(gcp, "POST", f"/run/v2/projects/{project}/locations/{region}/workerPools",
          {"launchStage": "BETA", "scaling": {"scalingMode": "MANUAL", "manualInstanceCount": 1},
           "template": {"containers": [{"image": image}], **_vpc(project, region, None, network, subnet)},
           "client": "gcloud", "clientVersion": GCLOUD_VERSION}, {"workerPoolId": name})
