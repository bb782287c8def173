"""The Serverless VPC Access connector that carries Cloud Run's egress into the VPC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..facts.gcp import CONNECTOR_MACHINE_TYPE, CONNECTOR_MAX_INSTANCES, CONNECTOR_MIN_INSTANCES
from .._provider.cdk import Construct, ITerraformDependable
from .._provider.google import VpcAccessConnector, VpcAccessConnectorSubnet
from .subnetwork import Subnetwork


@dataclass(frozen=True, kw_only=True)
class ConnectorProps:
    """Serverless VPC Access connector settings.

    Attributes:
        name: connector name, at most 25 characters (``{name}-connector``).
        project: project of the Cloud Run services using the connector.
        region: must be the region of the subnet and of the services.
        machine_type: f1-micro, e2-micro or e2-standard-4; e2-micro when left out (gcloud's default).
        min_instances: 2..9; 2 when left out.
        max_instances: 3..10 and greater than min_instances; 10 when left out.
    """

    name: str
    project: str
    region: str
    machine_type: str = CONNECTOR_MACHINE_TYPE
    min_instances: int = CONNECTOR_MIN_INSTANCES
    max_instances: int = CONNECTOR_MAX_INSTANCES


class Connector(Construct):
    """A connector attached to the chain's subnet by name.

    The connector always uses ``subnet { name, project_id }``: with
    ``ip_cidr_range`` Google creates a hidden subnet that Cloud NAT cannot
    select, and the static IP would silently not apply.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        subnet: Subnetwork,
        props: ConnectorProps,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, id)
        self.resource = VpcAccessConnector(
            self,
            "Resource",
            name=props.name,
            project=props.project,
            region=props.region,
            machine_type=props.machine_type,
            min_instances=props.min_instances,
            max_instances=props.max_instances,
            # A reference to the subnet's name, so Terraform creates the subnet first.
            subnet=VpcAccessConnectorSubnet(name=subnet.resource.name, project_id=subnet.project),
            depends_on=list(depends_on) or None,
        )

    @property
    def connector_id(self) -> str:
        """``projects/{project}/locations/{region}/connectors/{name}``: what Cloud Run's vpc_access takes."""
        return self.resource.id
