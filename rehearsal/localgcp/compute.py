"""Compute Engine v1 as the google provider 6.50.0 uses it: networks, subnetworks, regional
addresses, routers (with their ``nats``) and region operations.

Shapes and server-filled fields follow recorded GCP exchanges (Config Connector's
``compute{subnetwork,address,router,routernat}`` ``_http.log``; the field names are
held to them by tests/rehearsal/test_conformance.py): 64-bit ids as JSON strings,
``selfLink`` URLs on ``www.googleapis.com`` whatever the endpoint, every write
answered by a ``RUNNING`` operation that is ``DONE`` at its first poll
(``operations.py``), a failed write by a ``DONE`` operation carrying ``error``.

What GCP refuses where a deploy can go wrong (``brownfield.py`` seeds the
neighbours): a subnet overlapping another of the network (an auto-mode network's
regional /20s included); a second NAT where one covers
ALL_SUBNETWORKS_ALL_IP_RANGES, or a subnet already in another NAT; an address
another NAT or a VM uses; dynamic port allocation with endpoint-independent
mapping; the STATIC_ADDRESSES quota; deleting what something still uses
(a synchronous 400 ``resourceInUseByAnotherResource``).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from constructs_lib.facts.nat import MAX_ROUTERS_PER_NETWORK_REGION

from .apis import service_of
from .names import refuse_compute_name
from .nat_rules import check_nats, network_routers
from .server import JSON, ApiError, Request

if TYPE_CHECKING:
    from . import LocalGcp

BASE = "/compute/v1/"
LINK = "https://www.googleapis.com/compute/v1/"

# What GCP fills in on a subnetwork, router NAT, address (GCP-API-FACTS §1). A NAT created today without a
# TIME_WAIT timeout gets 30 s, not the 120 s of the recordings: Google's default for new gateways since the
# rollout of June 30 - September 29, 2026 (Cloud NAT release notes, March 31, 2026; constructs_lib/facts/nat.py).
SUBNET_DEFAULTS: JSON = {"privateIpGoogleAccess": False, "privateIpv6GoogleAccess": "DISABLE_GOOGLE_ACCESS",
                         "purpose": "PRIVATE", "stackType": "IPV4_ONLY"}
NAT_DEFAULTS: JSON = {"udpIdleTimeoutSec": 30, "icmpIdleTimeoutSec": 30, "tcpEstablishedIdleTimeoutSec": 1200,
                      "tcpTransitoryIdleTimeoutSec": 30, "tcpTimeWaitTimeoutSec": 30, "type": "PUBLIC",
                      "autoNetworkTier": "PREMIUM", "endpointTypes": ["ENDPOINT_TYPE_VM"]}
SINGULAR = {"subnetworks": "subnetwork", "addresses": "address", "routers": "router"}
# What the provider sends that the API does not keep.
NAT_REQUEST_ONLY = ("initialNatIps",)
# The regional quota of external addresses a project has when nothing says otherwise (a seed may lower it).
STATIC_ADDRESSES_QUOTA = 8


def last(link: str) -> str:
    """The last path segment of a URL or relative name (``…/addresses/ip-1`` → ``ip-1``)."""
    return link.rstrip("/").rsplit("/", 1)[-1]


def relative(link: str) -> str:
    """``projects/…`` from a self link or a relative name."""
    index = link.find("projects/")
    return link[index:] if index >= 0 else link


def not_found(name: str) -> ApiError:
    return ApiError(404, f"The resource '{name}' was not found", reason="notFound")


class Compute:
    """The Compute v1 surface, its resources in the shared ``LocalGcp`` store."""

    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        r = gcp.router.add
        r("GET", BASE + "projects/{project}/global/networks/{name}", self.get_network)
        region = BASE + "projects/{project}/regions/{region}/"
        for collection in ("subnetworks", "addresses", "routers"):
            r("GET", region + collection + "/{name}", self.get)
            r("DELETE", region + collection + "/{name}", self.delete)
            r("GET", region + collection, self.list)
        r("POST", region + "subnetworks", self.insert_subnetwork)
        r("PATCH", region + "subnetworks/{name}", self.patch_subnetwork)
        r("POST", region + "subnetworks/{name}/setPrivateIpGoogleAccess", self.set_private_google_access)
        r("POST", region + "subnetworks/{name}/expandIpCidrRange", self.expand_subnetwork)
        r("POST", region + "addresses", self.insert_address)
        r("POST", region + "addresses/{name}/setLabels", self.set_address_labels)
        r("POST", region + "routers", self.insert_router)
        r("PATCH", region + "routers/{name}", self.patch_router)
        r("GET", region + "operations/{name}", self.get_operation)

    # --- seeding: what exists before the stack is applied ------------------------------------------

    def add_network(self, project: str, name: str, *, auto_subnets: dict[str, str] | None = None) -> None:
        """A VPC network; with ``auto_subnets`` (region → range) an auto-mode one and its regional subnets,
        each named after the network as GCP names them; else a custom-mode network with no subnet."""
        key = f"projects/{project}/global/networks/{name}"
        self.gcp.enable(project, service_of(BASE))
        self.gcp.store[key] = {"kind": "compute#network", "id": self.gcp.next_id(), "name": name,
                               "creationTimestamp": self.gcp.timestamp(), "selfLink": LINK + key,
                               "autoCreateSubnetworks": auto_subnets is not None,
                               "routingConfig": {"routingMode": "REGIONAL"},
                               "networkFirewallPolicyEnforcementOrder": "AFTER_CLASSIC_FIREWALL"}
        for region, cidr in (auto_subnets or {}).items():
            subnet_key = f"projects/{project}/regions/{region}/subnetworks/{name}"
            net = ipaddress.ip_network(cidr)
            self.gcp.store[subnet_key] = {
                "kind": "compute#subnetwork", **SUBNET_DEFAULTS, "id": self.gcp.next_id(),
                "creationTimestamp": self.gcp.timestamp(), "name": name, "network": LINK + key,
                "ipCidrRange": cidr, "gatewayAddress": str(net.network_address + 1),
                "fingerprint": self.gcp.fingerprint(), "region": f"{LINK}projects/{project}/regions/{region}",
                "selfLink": LINK + subnet_key}

    def add_address(self, project: str, region: str, name: str, body: JSON | None = None) -> JSON:
        """Reserve an external address, as ``gcloud compute addresses create`` does."""
        key = f"projects/{project}/regions/{region}/addresses/{name}"
        address = {"kind": "compute#address", "id": self.gcp.next_id(), "creationTimestamp": self.gcp.timestamp(),
                   "name": name, "description": "", "address": self.gcp.next_external_ip(),
                   "addressType": "EXTERNAL", "networkTier": "PREMIUM", "status": "RESERVED",
                   "region": f"{LINK}projects/{project}/regions/{region}", "selfLink": LINK + key,
                   "labelFingerprint": self.gcp.fingerprint()}
        address.update({k: v for k, v in (body or {}).items() if k not in ("region",)})
        self.gcp.enable(project, service_of(BASE))
        self.gcp.store[key] = address
        return address

    def use_address(self, key: str, user: str) -> None:
        """An address in use by ``user`` (a VM's self link, say), as GCP shows it: IN_USE, with its users."""
        address = self._existing(key)
        address.update(status="IN_USE", users=[*address.get("users", []), user])

    # --- generic -------------------------------------------------------------------------------------

    def _key(self, req: Request, collection: str, name: str | None = None) -> str:
        project, region = req.params["project"], req.params["region"]
        self.gcp.require_project(project)
        return f"projects/{project}/regions/{region}/{collection}/{name or req.params['name']}"

    @staticmethod
    def _collection(req: Request) -> str:
        return req.path[len(BASE):].split("/")[4]

    def _existing(self, key: str) -> JSON:
        found = self.gcp.store.get(key)
        if found is None:
            raise not_found(key)
        return found

    def get_network(self, req: Request) -> JSON:
        self.gcp.require_project(req.params["project"])
        return self._existing(f"projects/{req.params['project']}/global/networks/{req.params['name']}")

    def get(self, req: Request) -> JSON:
        key = self._key(req, self._collection(req))
        if key in self.gcp.lost_on_read:  # LocalGcp.lost_on_read: a 404 although the store keeps it
            raise not_found(key)
        return self._existing(key)

    def list(self, req: Request) -> JSON:
        prefix = self._key(req, self._collection(req), "")
        items = [v for k, v in sorted(self.gcp.store.items()) if k.startswith(prefix) and "/" not in k[len(prefix):]]
        return {"kind": "compute#list", "items": items} if items else {"kind": "compute#list"}

    def delete(self, req: Request) -> JSON:
        collection = self._collection(req)
        key = self._key(req, collection)
        self._existing(key)
        users = self.gcp.users_of(key) + self._existing(key).get("users", [])
        if users:
            # Synchronous, before any operation: the provider's docs for router NAT show this 400.
            raise ApiError(400, f"The {SINGULAR[collection]} resource '{key}' is already being used by "
                                f"'{users[0]}'", reason="resourceInUseByAnotherResource")
        target_id = self.gcp.store.pop(key)["id"]
        return self._operation(req, "delete", key, target_id=target_id)

    def _refuse_taken(self, req: Request, collection: str) -> str:
        """The new resource's key; 409, as GCP answers before it looks at anything else, when the name is taken;
        400 for a name Compute never takes."""
        key = self._key(req, collection, req.body.get("name", ""))
        if key in self.gcp.store:
            raise ApiError(409, f"The resource '{key}' already exists", reason="alreadyExists")
        refuse_compute_name(req.body.get("name", ""))
        return key

    def _create(self, req: Request, collection: str, resource: JSON) -> JSON:
        name = req.body.get("name", "")
        key = self._refuse_taken(req, collection)
        project, region = req.params["project"], req.params["region"]
        resource.update(id=self.gcp.next_id(), creationTimestamp=self.gcp.timestamp(), name=name,
                        region=f"{LINK}projects/{project}/regions/{region}", selfLink=LINK + key)
        self.gcp.store[key] = resource
        return self._operation(req, "insert", key)

    def _operation(self, req: Request, kind: str, target: str, *, error: tuple[str, str, int] | None = None,
                   target_id: str | None = None) -> JSON:
        """A region operation, RUNNING as the write answers it; DONE at its first poll, with ``error``
        (code, message, HTTP status) inside it when the write fails there."""
        project, region = req.params["project"], req.params["region"]
        name = f"operation-{self.gcp.next_id()}"
        running: JSON = {"kind": "compute#operation", "id": self.gcp.next_id(), "name": name, "operationType": kind,
                         "targetLink": LINK + target,
                         "targetId": target_id or self.gcp.store.get(target, {}).get("id", "0"),
                         "status": "RUNNING", "progress": 0, "user": "rehearsal@local",
                         "insertTime": self.gcp.timestamp(), "startTime": self.gcp.timestamp(),
                         "region": f"{LINK}projects/{project}/regions/{region}",
                         "selfLink": f"{LINK}projects/{project}/regions/{region}/operations/{name}"}

        def finish() -> JSON:
            done = {**running, "status": "DONE", "progress": 100, "endTime": self.gcp.timestamp()}
            if error:
                done["error"] = {"errors": [{"code": error[0], "message": error[1]}]}
                done["httpErrorStatusCode"] = error[2]
                done["httpErrorMessage"] = {400: "BAD REQUEST", 403: "FORBIDDEN"}.get(error[2], "ERROR")
            return done

        return self.gcp.operations.start(f"projects/{project}/regions/{region}/operations/{name}", running, finish)

    def get_operation(self, req: Request) -> JSON:
        key = self._key(req, "operations")
        found = self.gcp.operations.poll(key)
        if found is None:
            raise not_found(key)
        return found

    def _network(self, project: str, link: str) -> str:
        """The network's self link; 404 (as GCP answers) when it does not exist."""
        key = relative(link)
        if not key.startswith("projects/"):
            key = f"projects/{project}/global/networks/{last(link)}"
        return self._existing(key)["selfLink"]

    def _require_fingerprint(self, current: JSON, given: str | None, what: str) -> None:
        if given != current.get(what):
            raise ApiError(412, f"Supplied {what} does not match current {what}.", reason="conditionNotMet")

    # --- subnetworks ---------------------------------------------------------------------------------

    def insert_subnetwork(self, req: Request) -> JSON:
        self._refuse_taken(req, "subnetworks")
        body = dict(req.body)
        project = req.params["project"]
        network = self._network(project, body.get("network", ""))
        cidr = body.get("ipCidrRange", "")
        try:
            net = ipaddress.ip_network(cidr)
        except ValueError:
            raise ApiError(400, f"Invalid value for field 'resource.ipCidrRange': '{cidr}'. Invalid IPv4 CIDR range.",
                           reason="invalid") from None
        self._refuse_overlap(network, net, cidr)
        second = list(net.hosts())[0] if net.num_addresses > 2 else net.network_address
        resource = {"kind": "compute#subnetwork", **SUBNET_DEFAULTS, **body, "network": network,
                    "gatewayAddress": str(second), "fingerprint": self.gcp.fingerprint()}
        resource.setdefault("logConfig", {"enable": False})
        return self._create(req, "subnetworks", resource)

    def _refuse_overlap(self, network: str, net: ipaddress.IPv4Network | ipaddress.IPv6Network, cidr: str, *,
                        besides: str = "") -> None:
        """Compute's 400 when ``net`` overlaps a subnet of the network (``besides``: the one being expanded)."""
        for other in self.gcp.subnetworks_of(network):
            if relative(other["selfLink"]) != besides and ipaddress.ip_network(other["ipCidrRange"]).overlaps(net):
                raise ApiError(400, f"Invalid IPCidrRange: {cidr} conflicts with existing subnetwork "
                                    f"'{other['name']}' in region '{last(other['region'])}'.", reason="invalid")

    def patch_subnetwork(self, req: Request) -> JSON:
        key = self._key(req, "subnetworks")
        current = self._existing(key)
        self._require_fingerprint(current, req.body.get("fingerprint"), "fingerprint")
        current.update({k: v for k, v in req.body.items() if k != "fingerprint"})
        current["fingerprint"] = self.gcp.fingerprint()
        return self._operation(req, "patch", key)

    def set_private_google_access(self, req: Request) -> JSON:
        key = self._key(req, "subnetworks")
        self._existing(key)["privateIpGoogleAccess"] = bool(req.body.get("privateIpGoogleAccess"))
        return self._operation(req, "setPrivateIpGoogleAccess", key)

    def expand_subnetwork(self, req: Request) -> JSON:
        key = self._key(req, "subnetworks")
        current = self._existing(key)
        old, new = ipaddress.ip_network(current["ipCidrRange"]), ipaddress.ip_network(req.body["ipCidrRange"])
        if not (new.prefixlen < old.prefixlen and old.subnet_of(new)):
            raise ApiError(400, f"Invalid IPCidrRange: {new} does not contain {old}", reason="invalid")
        self._refuse_overlap(current["network"], new, str(new), besides=key)
        current["ipCidrRange"] = str(new)
        current["fingerprint"] = self.gcp.fingerprint()
        return self._operation(req, "expandIpCidrRange", key)

    # --- addresses -----------------------------------------------------------------------------------

    def insert_address(self, req: Request) -> JSON:
        project, region = req.params["project"], req.params["region"]
        limit = self.gcp.quotas.get((project, region, "STATIC_ADDRESSES"), STATIC_ADDRESSES_QUOTA)
        prefix = f"projects/{project}/regions/{region}/addresses/"
        external = [v for k, v in self.gcp.store.items() if k.startswith(prefix) and v.get("addressType") == "EXTERNAL"]
        if req.body.get("addressType", "EXTERNAL") == "EXTERNAL" and len(external) >= limit:
            # The write is accepted; its operation ends in the quota error (Terraform: "Error waiting for
            # Creating Address: Quota 'STATIC_ADDRESSES' exceeded.  Limit: 8.0 in region us-central1.").
            self._refuse_taken(req, "addresses")
            return self._operation(req, "insert", prefix + req.body.get("name", ""), error=(
                "QUOTA_EXCEEDED", f"Quota 'STATIC_ADDRESSES' exceeded.  Limit: {float(limit)} in region {region}.",
                403))
        body = {k: v for k, v in req.body.items() if k != "region"}
        body.setdefault("addressType", "EXTERNAL")
        body.setdefault("networkTier", "PREMIUM")
        resource = {"kind": "compute#address", "description": "", "status": "RESERVED",
                    "address": body.pop("address", None) or self.gcp.next_external_ip(),
                    "labelFingerprint": self.gcp.fingerprint(), **body}
        return self._create(req, "addresses", resource)

    def set_address_labels(self, req: Request) -> JSON:
        key = self._key(req, "addresses")
        current = self._existing(key)
        self._require_fingerprint(current, req.body.get("labelFingerprint"), "labelFingerprint")
        current["labels"] = dict(req.body.get("labels") or {})
        if not current["labels"]:
            del current["labels"]
        current["labelFingerprint"] = self.gcp.fingerprint()
        return self._operation(req, "setLabels", key)

    # --- routers and their NATs ----------------------------------------------------------------------

    def insert_router(self, req: Request) -> JSON:
        body = {k: v for k, v in req.body.items() if v is not None and k != "region"}
        body["network"] = self._network(req.params["project"], body.get("network", ""))
        self._refuse_taken(req, "routers")  # a taken name is a 409 before the limit
        region = f"projects/{req.params['project']}/regions/{req.params['region']}"
        if len(network_routers(self.gcp, region, body["network"])) >= MAX_ROUTERS_PER_NETWORK_REGION:
            # Cloud Router's system limit (facts/nat.py); the words follow Compute's "Exceeded limit" errors, not a
            # recorded answer.
            raise ApiError(403, f"Exceeded limit 'ROUTERS_PER_NETWORK_PER_REGION' on resource '{body['network']}'. "
                                f"Limit: {float(MAX_ROUTERS_PER_NETWORK_REGION)}", reason="limitExceeded")
        nats = [self._nat(req, nat) for nat in body.pop("nats", [])]
        resource = {"kind": "compute#router", "description": "", "encryptedInterconnectRouter": False, **body}
        if nats:
            resource["nats"] = nats
        return self._create(req, "routers", resource)

    def patch_router(self, req: Request) -> JSON:
        """A key present replaces (``nats: []`` removes every NAT); a key absent keeps what is there."""
        key = self._key(req, "routers")
        current = self._existing(key)
        for field, value in req.body.items():
            if field == "nats":
                nats = [self._nat(req, nat) for nat in value or []]
                check_nats(self.gcp, key, nats)
                if nats:
                    current["nats"] = nats
                else:
                    current.pop("nats", None)
            elif field not in ("name", "region", "network", "selfLink", "id", "kind", "creationTimestamp"):
                if value is None:
                    current.pop(field, None)
                else:
                    current[field] = value
        return self._operation(req, "patch", key)

    def _nat(self, req: Request, nat: JSON) -> JSON:
        """One NAT as GCP stores it: the defaults filled, empty lists and nulls dropped, links absolute."""
        project, region = req.params["project"], req.params["region"]
        stored = {**NAT_DEFAULTS}
        for field, value in nat.items():
            if field in NAT_REQUEST_ONLY or value is None or value == []:
                continue
            stored[field] = value
        for field in ("natIps", "drainNatIps"):
            if field in stored:
                stored[field] = [self._address_link(project, region, link) for link in stored[field]]
        if "rules" in stored:
            stored["rules"] = [self._nat_rule(project, region, rule) for rule in stored["rules"]]
        if "subnetworks" in stored:
            stored["subnetworks"] = [{**s, "name": self._subnetwork_link(project, region, s["name"])}
                                     for s in stored["subnetworks"]]
        # Nothing more: a real GET shows minPortsPerVm, enableDynamicPortAllocation and
        # enableEndpointIndependentMapping only when they were sent (KCC computerouternatbasic/_http.log).
        stored["effectiveTcpTimeWaitTimeoutSec"] = stored["tcpTimeWaitTimeoutSec"]
        return stored

    def _nat_rule(self, project: str, region: str, rule: JSON) -> JSON:
        """A NAT rule as GCP keeps it: empty fields dropped, the action's addresses as absolute links."""
        stored = {k: v for k, v in rule.items() if v is not None and v != [] and v != ""}
        action = {k: [self._address_link(project, region, link) for link in v]
                  for k, v in (stored.get("action") or {}).items() if k in ("sourceNatActiveIps", "sourceNatDrainIps")
                  and v}
        if action:
            stored["action"] = action
        else:
            stored.pop("action", None)
        return stored

    def _address_link(self, project: str, region: str, link: str) -> str:
        key = relative(link) if "/" in link else f"projects/{project}/regions/{region}/addresses/{link}"
        return self._existing(key)["selfLink"]

    def _subnetwork_link(self, project: str, region: str, link: str) -> str:
        key = relative(link) if "/" in link else f"projects/{project}/regions/{region}/subnetworks/{link}"
        return self._existing(key)["selfLink"]
