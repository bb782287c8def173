"""What exists before a rehearsed deploy: the world as the file says it is, what ``[adopt]`` names (built as
Google's guide builds it with gcloud), and a brownfield seed's neighbours (``brownfield.py``)."""

from __future__ import annotations

from constructs_lib.config import EnvironmentConfig
from constructs_lib.config.bootstrap import BootstrapConfig
from constructs_lib.stacks.apis import COMPUTE_API, CONNECTOR_API, RUN_API, required_apis
from rehearsal.brownfield import Seed, auto_mode_subnets
from rehearsal.localgcp import LocalGcp, gcloud

__all__ = ["seed_gcp", "build_by_hand"]


def seed_gcp(gcp: LocalGcp, config: EnvironmentConfig | BootstrapConfig, brownfield: Seed | None = None) -> list[str]:
    """What must exist in the local GCP API before the stack: its projects, the VPC network (an auto-mode one
    with its regional subnets when the file says so), adopted addresses, notification channels, the images the
    file names, what ``[adopt]`` names, then the brownfield seed's neighbours. Returns one line per thing seeded
    by ``[adopt]`` or the seed."""
    said: list[str] = []
    if isinstance(config, BootstrapConfig):
        gcp.add_project(config.project)
        return said
    for project in {config.project, config.network_project}:
        if project not in gcp.projects:
            gcp.add_project(project)
    network = f"projects/{config.network_project}/global/networks/{config.network.vpc}"
    if network not in gcp.store:
        gcp.compute.add_network(config.network_project, config.network.vpc,
                                auto_subnets=auto_mode_subnets() if config.network.auto_mode else None)
    # The images a rehearsed file names exist (a seed may say otherwise), and so do the secrets it reads.
    workloads = (*config.services, *config.jobs, *config.worker_pools)
    gcp.run.images = (gcp.run.images or set()) | {w.image for w in workloads}
    for secret, version in sorted({(ref.secret, ref.version) for w in workloads for ref in w.secrets.values()}):
        versions = 1 if version == "latest" else int(version)
        if gcp.store.get(gcp.secretmanager.key(config.project, secret), {}).get("versions", 0) < versions:
            gcp.secretmanager.add_secret(config.project, secret, versions=versions)
    for name in config.existing_ips:
        key = f"projects/{config.network_project}/regions/{config.region}/addresses/{name}"
        if key not in gcp.store:
            gcp.compute.add_address(config.network_project, config.region, name)
    for channel in config.alerts.notification_channels if config.alerts else ():
        if channel not in gcp.store:  # [alerts]: channels exist before a file names them
            gcp.monitoring.add_notification_channel(channel)
    if config.adopt.any:
        said.extend(build_by_hand(gcp, config))
    if brownfield is not None:
        said.extend(brownfield.apply(gcp, config))
    return said


def build_by_hand(gcp: LocalGcp, c: EnvironmentConfig) -> list[str]:
    """What ``[adopt]`` names, as the guide's gcloud commands create it (rehearsal/localgcp/gcloud.py)."""
    net, region = c.network_project, c.region
    said = []
    # The APIs of what is built by hand, and no other: a project whose services ran before any chain has no
    # Compute Engine or Serverless VPC Access API on; what else the stack needs, it enables itself. Stated from what
    # is built here, not read from stacks.adoption.proven_apis, which the rehearsals of adopting files hold to it.
    workloads = bool(c.adopt.services or c.adopt.jobs or c.adopt.worker_pools)
    built = {COMPUTE_API: c.adopt.chain and c.network_project == c.project,
             CONNECTOR_API: c.adopt.chain and c.has_connector and c.network.subnet_cidr is not None,
             RUN_API: workloads}
    apis = [api for api in required_apis(c.has_connector) if built.get(api)]
    if apis:
        gcloud.services_enable(gcp, c.project, *apis)
        said.append(f"gcloud services enable {' '.join(apis)}")
    if c.adopt.chain:
        subnets = [(c.subnet_name, c.network.subnet_cidr), (c.direct_subnet_name, c.network.direct_subnet_cidr)]
        subnets = [(name, cidr) for name, cidr in subnets if cidr is not None]
        for name, cidr in subnets:
            gcloud.subnets_create(gcp, net, region, name, network=c.network.vpc, ip_range=cidr)
            said.append(f"gcloud compute networks subnets create {name} --range={cidr}")
        if c.has_connector and c.network.subnet_cidr is not None:
            gcloud.connectors_create(gcp, c.project, region, c.connector_name, subnet=c.subnet_name,
                                     subnet_project=net)
            said.append(f"gcloud compute networks vpc-access connectors create {c.connector_name}")
        gcloud.routers_create(gcp, net, region, c.router_name, network=c.network.vpc)
        said.append(f"gcloud compute routers create {c.router_name}")
        for name in (*c.address_names, *c.standby_ips):
            gcloud.addresses_create(gcp, net, region, name)
            said.append(f"gcloud compute addresses create {name}")
        gcloud.nats_create(gcp, net, region, c.nat_name, router=c.router_name,
                           subnets=[name for name, _ in subnets], addresses=list(c.active_ip_names))
        said.append(f"gcloud compute routers nats create {c.nat_name} --router={c.router_name}")
    # On the chain built above (its connector, or Direct VPC egress from the direct subnet during a move, else from
    # the chain's subnet); without it, workloads deployed before any chain existed, with no VPC access.
    connector = c.connector_name if c.adopt.chain and c.has_connector else None
    subnet = c.direct_subnet_name if c.network.direct_subnet_cidr is not None else c.subnet_name
    network = c.network.vpc if c.adopt.chain else None
    shown = f" --vpc-connector={connector}" if connector else ""
    for service in c.services:
        if service.name in c.adopt.services:
            gcloud.run_deploy(gcp, c.project, region, service.name, image=service.image, connector=connector)
            said.append(f"gcloud run deploy {service.name} --image={service.image}{shown}")
    for job in c.jobs:
        if job.name in c.adopt.jobs and c.egress_mode == "direct" and network:
            gcloud.run_jobs_create(gcp, c.project, region, job.name, image=job.image, network=network, subnet=subnet)
            said.append(f"gcloud run jobs create {job.name} --image={job.image} --subnet={subnet}")
        elif job.name in c.adopt.jobs:
            gcloud.run_jobs_create(gcp, c.project, region, job.name, image=job.image, connector=connector)
            said.append(f"gcloud run jobs create {job.name} --image={job.image}{shown}")
    for pool in c.worker_pools:
        if pool.name in c.adopt.worker_pools:
            gcloud.worker_pools_deploy(gcp, c.project, region, pool.name, image=pool.image, network=network,
                                       subnet=subnet if network else None)
            said.append(f"gcloud beta run worker-pools deploy {pool.name} --image={pool.image}"
                        + (f" --subnet={subnet}" if network else ""))
    return said
