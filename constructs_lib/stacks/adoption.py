"""Adopting a chain built by hand: Terraform ``import`` blocks for what already exists.

Most users of this product first followed Google's guide with gcloud: a /28
subnet, a connector, a router, a reserved IP already on a partner's allowlist,
a NAT, services. ``[adopt]`` makes the first deploy import those resources
instead of failing with "already exists" (or, worse, of recreating them and
releasing the allowlisted IP). Each import ID is the provider's own import
format at 6.50.0 (the ``ParseImportId`` patterns of each resource); network
resources live in the host project with a Shared VPC.

Import blocks need Terraform ≥ 1.5. Once the first deploy has imported them,
an import block of a resource already in the state is a no-op: ``[adopt]``
can stay or go.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from .apis import COMPUTE_API, CONNECTOR_API, RUN_API

if TYPE_CHECKING:
    from ..config import EnvironmentConfig
    from ..chain.egress_chain import EgressChain
    from .._provider.google import ProjectService


# The chain's children in the order EgressChain creates them (``Service-<name>`` as ``Service``).
_TREE_ORDER = ("Subnet", "DirectSubnet", "Connector", "Addresses", "RouterNat", "Service", "Job", "WorkerPool")


def import_ids(config: EnvironmentConfig) -> dict[str, str]:
    """Construct path (below the stack) → the provider's import ID, for everything ``[adopt]`` names.

    Paths are the constructs' IDs, a contract: ``Chain/Subnet/Resource``,
    ``Chain/RouterNat/Nat``, ``Chain/RouterNat/NatAddress``, ``Chain/Addresses/Address-<name>``, ``Api-compute``...
    """
    c = config
    net, region = c.network_project, c.region
    ids: dict[str, str] = {}
    if c.adopt.chain:
        if c.network.subnet_cidr is not None:
            ids["Chain/Subnet/Resource"] = f"projects/{net}/regions/{region}/subnetworks/{c.subnet_name}"
        if c.network.direct_subnet_cidr is not None:
            ids["Chain/DirectSubnet/Resource"] = f"projects/{net}/regions/{region}/subnetworks/{c.direct_subnet_name}"
        if c.network.subnet_cidr is not None and c.has_connector:
            ids["Chain/Connector/Resource"] = f"projects/{c.project}/locations/{region}/connectors/{c.connector_name}"
        ids["Chain/RouterNat/Router"] = f"projects/{net}/regions/{region}/routers/{c.router_name}"
        ids["Chain/RouterNat/Nat"] = f"projects/{net}/regions/{region}/routers/{c.router_name}/{c.nat_name}"
        # The NAT's nat_ips and drain_nat_ips: google_compute_router_nat_address takes the NAT's own import ID.
        ids["Chain/RouterNat/NatAddress"] = ids["Chain/RouterNat/Nat"]
        for name in (*c.address_names, *c.standby_ips):
            ids[f"Chain/Addresses/Address-{name}"] = f"projects/{net}/regions/{region}/addresses/{name}"
    for name in c.adopt.services:
        ids[f"Chain/Service-{name}/Resource"] = f"projects/{c.project}/locations/{region}/services/{name}"
    for name in c.adopt.jobs:
        # google_cloud_run_v2_job's import formats at 6.50.0: resource_cloud_run_v2_job.go:1373-1377.
        ids[f"Chain/Job-{name}/Resource"] = f"projects/{c.project}/locations/{region}/jobs/{name}"
    for name in c.adopt.worker_pools:
        # resource_cloud_run_v2_worker_pool.go:1328-1332 at 6.50.0.
        ids[f"Chain/WorkerPool-{name}/Resource"] = f"projects/{c.project}/locations/{region}/workerPools/{name}"
    return ids


def proven_apis(config: EnvironmentConfig) -> frozenset[str]:
    """The APIs of the stack that what ``[adopt]`` names shows to be enabled in its project: Compute Engine when the
    chain's network resources are in that project, Serverless VPC Access with a connector, Cloud Run with a
    workload. Those are imported; any other is created, which enables it (a no-op for one already on). Importing
    one that is off fails the plan ("Cannot import non-existent remote object"): a project with only Cloud Run
    enabled could not adopt its services."""
    c = config
    proven = set()
    if c.adopt.chain and c.network_project == c.project:
        proven.add(COMPUTE_API)
    if c.adopt.chain and c.network.subnet_cidr is not None and c.has_connector:
        proven.add(CONNECTOR_API)
    if c.adopt.services or c.adopt.jobs or c.adopt.worker_pools:
        proven.add(RUN_API)
    return frozenset(proven)


def import_existing(chain: EgressChain, apis: Mapping[str, ProjectService], config: EnvironmentConfig) -> None:
    """Add an ``import`` block for each resource ``[adopt]`` names, and for the APIs of the stack it shows to be
    enabled (``proven_apis``).

    The blocks are written by one element of the stack (``chain.import_blocks.ImportBlocks``), not by each
    resource's ``import_from``, which runs ``terraform version`` at every synth, 50-85 ms each: 500 adopted
    services took 25-45 s more to synthesize. The JSON is the same (``{"id", "to"}`` per resource, in the same
    order).

    Args:
        chain: the stack's chain (its construct is ``Chain``).
        apis: service name (``compute.googleapis.com``) → its ``google_project_service``.

    Raises:
        LookupError: a path of ``import_ids`` names no resource of the chain (a construct ID changed).
    """
    if not config.adopt.any:
        return
    from ..chain.import_blocks import ImportBlocks

    ids = import_ids(config)
    if config.draining_ips:
        # RouterNat imports its NatAddress itself when addresses drain (the provider cannot create it then): a
        # second block for one resource is an error in Terraform.
        ids.pop("Chain/RouterNat/NatAddress", None)
    # In the order of the construct tree, as cdktf wrote them: the APIs, then the chain's pieces.
    ordered = sorted(ids.items(), key=lambda item: _TREE_ORDER.index(item[0].split("/")[1].split("-")[0]))
    blocks = []
    for path, import_id in ordered:
        child = chain
        for part in path.split("/")[1:]:
            child = child.node.try_find_child(part)
            if child is None:
                raise LookupError(f"[adopt]: no construct at {path}")
        blocks.append((child, import_id))
    # google_project_service: "{project}/{service}".
    proven = proven_apis(config)
    blocks = [(api, f"{config.project}/{service}") for service, api in apis.items() if service in proven] + blocks
    ImportBlocks(chain.node.scope, "ImportBlocks", blocks)
