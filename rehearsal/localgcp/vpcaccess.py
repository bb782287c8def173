"""Serverless VPC Access v1 connectors, as the google provider 6.50.0 uses them (GCP-API-FACTS §2).

Create takes the name in ``?connectorId=``; GCP computes the throughput from the
instance counts (100 Mbps an instance), the network from the subnet, the state;
every write answers a long-running operation that ends at its first poll
(operations.py): a new connector is ``CREATING`` until then, ``READY`` after.
Deleting a connector that a Cloud Run service still uses is allowed, as on GCP
(the REST reference's ``connectors.delete`` has no precondition): the service's
egress then breaks silently, which the rehearsal can show.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from .server import ApiError, JSON, Request, invalid

if TYPE_CHECKING:
    from . import LocalGcp

BASE = "/vpcaccess/v1/"
# The API's rules (cloud.google.com/vpc/docs/serverless-vpc-access, and GCP-NOTES.md).
MACHINE_TYPES = ("f1-micro", "e2-micro", "e2-standard-4")
MIN_INSTANCES, MAX_INSTANCES = 2, 10
MBPS_PER_INSTANCE = 100
UPDATABLE = ("machineType", "minInstances", "maxInstances", "minThroughput", "maxThroughput")


class VpcAccess:
    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        connectors = BASE + "projects/{project}/locations/{location}/connectors"
        gcp.router.add("POST", connectors, self.create)
        gcp.router.add("GET", connectors + "/{name}", self.get)
        gcp.router.add("PATCH", connectors + "/{name}", self.patch)
        gcp.router.add("DELETE", connectors + "/{name}", self.delete)
        gcp.router.add("GET", BASE + "projects/{project}/locations/{location}/operations/{name}", self.get_operation)

    def _key(self, req: Request, name: str | None = None) -> str:
        self.gcp.require_project(req.params["project"])
        return f"projects/{req.params['project']}/locations/{req.params['location']}/connectors/" + (
            name if name is not None else req.params["name"])

    def _existing(self, key: str) -> JSON:
        found = self.gcp.store.get(key)
        if found is None:
            raise ApiError(404, "The connector is not found.", status="NOT_FOUND")
        return found

    def _operation(self, req: Request, verb: str, connector: JSON | None, target: str) -> JSON:
        name = f"projects/{req.params['project']}/locations/{req.params['location']}/operations/{self.gcp.uuid()}"
        metadata = {"@type": "type.googleapis.com/google.cloud.vpcaccess.v1.OperationMetadata",
                    "method": f"google.cloud.vpcaccess.v1.VpcAccessService.{verb}",
                    "createTime": self.gcp.timestamp(), "target": target}

        def finish() -> JSON:
            if connector is not None:
                connector["state"] = "READY"
                response = {"@type": "type.googleapis.com/google.cloud.vpcaccess.v1.Connector", **connector}
            else:
                response = {"@type": "type.googleapis.com/google.protobuf.Empty"}
            return {"name": name, "done": True, "metadata": {**metadata, "endTime": self.gcp.timestamp()},
                    "response": response}

        return self.gcp.operations.start(name, {"name": name, "metadata": metadata}, finish)

    def get_operation(self, req: Request) -> JSON:
        return self.gcp.operation(
            f"projects/{req.params['project']}/locations/{req.params['location']}/operations/{req.params['name']}")

    def _sized(self, connector: JSON) -> JSON:
        """Instances and throughput filled from each other, then checked as the API checks them."""
        if "minInstances" not in connector and "minThroughput" in connector:
            connector["minInstances"] = connector["minThroughput"] // MBPS_PER_INSTANCE
        if "maxInstances" not in connector and "maxThroughput" in connector:
            connector["maxInstances"] = connector["maxThroughput"] // MBPS_PER_INSTANCE
        connector.setdefault("minInstances", MIN_INSTANCES)
        if "maxInstances" not in connector:
            raise invalid("Either max_instances or max_throughput must be set.")
        low, high = connector["minInstances"], connector["maxInstances"]
        if not (MIN_INSTANCES <= low < high <= MAX_INSTANCES):
            raise invalid(f"Connector instances must satisfy {MIN_INSTANCES} <= min ({low}) < max ({high}) "
                           f"<= {MAX_INSTANCES}.")
        connector["minThroughput"] = low * MBPS_PER_INSTANCE
        connector["maxThroughput"] = high * MBPS_PER_INSTANCE
        if connector.get("machineType") not in MACHINE_TYPES:
            raise invalid(f"Machine type {connector.get('machineType')!r} is not one of {', '.join(MACHINE_TYPES)}.")
        return connector

    def create(self, req: Request) -> JSON:
        name = req.query.get("connectorId", "")
        key = self._key(req, name)
        if key in self.gcp.store:
            raise ApiError(409, f"Requested entity already exists: connector {key}", status="ALREADY_EXISTS")
        body = dict(req.body)
        subnet = body.get("subnet")
        if not subnet or "ipCidrRange" in body:
            # The chain always names its own subnet; a connector with a hidden subnet is not what it builds.
            raise invalid("this local API models connectors on a named subnet only (subnet.name)")
        host = subnet.get("projectId") or req.params["project"]
        subnet_key = f"projects/{host}/regions/{req.params['location']}/subnetworks/{subnet['name']}"
        found = self.gcp.store.get(subnet_key)
        if found is None:
            raise invalid(f"Subnet {subnet['name']} not found in project {host}, region {req.params['location']}.")
        if ipaddress.ip_network(found["ipCidrRange"]).prefixlen != 28:
            raise invalid(f"Subnet {subnet['name']} must have a /28 netmask, got {found['ipCidrRange']}.")
        if users := self.gcp.serverless_users(subnet_key):
            # The message is this API's; no recorded exchange holds Google's.
            raise invalid(f"Subnet {subnet['name']} is already used by {users[0]}: a connector's subnet must be used "
                          "by nothing else.")
        connector = self._sized({"machineType": "e2-micro", **body})
        # A real GET holds no network nor connectedProjects for a connector on a named subnet
        # (KCC vpcaccessconnector/subnetconnector/_http.log).
        connector.update(name=key, state="CREATING", subnet={"name": subnet["name"], "projectId": host})
        self.gcp.store[key] = connector
        return self._operation(req, "CreateConnector", connector, key)

    def get(self, req: Request) -> JSON:
        return self._existing(self._key(req))

    def patch(self, req: Request) -> JSON:
        key = self._key(req)
        current = dict(self._existing(key))
        mask = [f for f in req.query.get("updateMask", "").split(",") if f]
        for field in mask:
            if field not in UPDATABLE:
                raise invalid(f"field {field} cannot be updated")
            if field in req.body:
                current[field] = req.body[field]
        before = self.gcp.store[key]
        if current.get("minInstances", 0) < before["minInstances"] or current.get("maxInstances", 0) < before[
                "maxInstances"]:
            raise invalid("Connector instances can only be increased; lower them by replacing the connector.")
        for field in ("minThroughput", "maxThroughput"):
            if field not in mask:
                current.pop(field, None)
        self.gcp.store[key] = self._sized(current)
        return self._operation(req, "UpdateConnector", self.gcp.store[key], key)

    def delete(self, req: Request) -> JSON:
        key = self._key(req)
        self._existing(key)
        del self.gcp.store[key]
        return self._operation(req, "DeleteConnector", None, key)
