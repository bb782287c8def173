"""One environment's stack: provider, state backend, APIs, the chain and its outputs."""

from __future__ import annotations

from .._provider.cdk import (
    CloudBackend,
    Construct,
    GcsBackend,
    LocalBackend,
    NamedCloudWorkspace,
    TaggedCloudWorkspaces,
    TerraformOutput,
    TerraformStack,
)
from .._provider.google import GoogleProvider, ProjectService
from ..chain.alerts import ChainAlerts
from ..chain.egress_chain import EgressChain
from ..config import EnvironmentConfig
from ..facts.outputs import DRAINING_IPS, PARTNER_IPS, STANDBY_IPS, STATIC_IPS
from ..policies.pack import apply_chain_policies
from .adoption import import_existing
from .alert_policies import chain_alerts_props
from .apis import required_apis
from .chain_props import chain_props
from .retired import retire


class EgressStack(TerraformStack):
    """The stack of one environment file; its name is the file stem.

    Outputs: ``static_ips`` (address name to IP of every active address:
    hand these to the third party), ``draining_ips`` (while addresses are
    being retired), ``standby_ips`` (while addresses wait to be
    allowlisted), ``connector_id`` (when there is a connector), ``router_name``,
    ``nat_name`` and ``service_urls`` (service name to URL); ``release_ips`` and ``forget_ips`` while the file
    names addresses to retire (``retired.py``).

    The chain policy pack (``policies.pack``) is applied: a stack that breaks a
    chain rule fails to synthesize. Services with ``allow_unauthenticated`` are
    the only ones allowed to be public.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig, state_path: str | None = None) -> None:
        """Args:
            state_path: with ``backend = "local"``, the state file relative to the stack's folder
                (``<outdir>/stacks/<id>``); ``terraform.<id>.tfstate`` inside that folder when None.
        """
        super().__init__(scope, id)
        self.config = config
        GoogleProvider(self, "google", project=config.project, region=config.region)
        if config.state.backend == "gcs":
            GcsBackend(self, bucket=config.state.bucket, prefix=config.state.prefix)
        elif config.state.backend == "cloud":
            # Runs and state in Terraform Cloud: one workspace by name, or the workspaces with these tags.
            workspaces = (NamedCloudWorkspace(config.state.workspace) if config.state.workspace
                          else TaggedCloudWorkspaces(list(config.state.workspace_tags)))
            CloudBackend(self, organization=config.state.organization, workspaces=workspaces,
                         hostname=config.state.hostname)
        else:
            LocalBackend(self, path=state_path or f"terraform.{id}.tfstate")

        # Enabled and left enabled on destroy: other workloads in the project may need them.
        apis = {
            api: ProjectService(
                self,
                f"Api-{api.split('.')[0]}",
                project=config.project,
                service=api,
                disable_on_destroy=False,
                disable_dependent_services=False,
            )
            for api in required_apis(config.has_connector, has_alerts=config.alerts is not None,
                                     has_secrets=config.has_secrets)
        }
        self.apis = tuple(apis.values())
        self.chain = EgressChain(self, "Chain", props=chain_props(config), depends_on=self.apis)
        # [adopt]: the first deploy imports what was built by hand instead of creating it.
        import_existing(self.chain, apis, config)

        # [alerts]: policies on the chain's NAT (and connector) metrics, children Alerts/<what they watch>.
        self.alerts = (None if config.alerts is None else
                       ChainAlerts(self, "Alerts", props=chain_alerts_props(config), depends_on=self.apis))
        TerraformOutput(
            self,
            STATIC_IPS,
            value=self.chain.addresses.active_addresses_by_name,
            description="The static outbound IPs by address name: give these to the third party to allowlist.",
        )
        if config.draining_ips:
            TerraformOutput(
                self,
                DRAINING_IPS,
                value=self.chain.addresses.draining_addresses_by_name,
                description="Addresses being retired: no new connections; remove them from the file once drained.",
            )
        if set(config.standby_ips) - set(config.nat.rule_ip_names):
            TerraformOutput(
                self,
                STANDBY_IPS,
                value=self.chain.addresses.standby_addresses_by_name,
                description="Reserved, not yet in the NAT: have these allowlisted, then move them into the pool.",
            )
        if config.nat.rules:
            TerraformOutput(
                self,
                PARTNER_IPS,
                value=self.chain.router_nat.partner_addresses,
                description="The IPs of each NAT rule by partner: each partner allowlists its own rule's.",
            )
        if self.chain.connector is not None:
            TerraformOutput(
                self,
                "connector_id",
                value=self.chain.connector.connector_id,
                description="The Serverless VPC Access connector that services attach to.",
            )
        TerraformOutput(self, "router_name", value=self.chain.router_nat.router_name,
                        description="The Cloud Router carrying the NAT.")
        TerraformOutput(self, "nat_name", value=self.chain.router_nat.nat_name,
                        description="The Cloud NAT gateway translating the chain's subnet.")
        # Only with a service: an empty map is the one value the two engines write differently ({} or {\n}), and
        # a stack's JSON is the same on both (docs/migration.md).
        if self.chain.services:
            TerraformOutput(
                self,
                "service_urls",
                value={s.service_name: s.uri for s in self.chain.services},
                description="The URL of each Cloud Run service egressing through the chain.",
            )
        # [egress] release_ips/forget_ips: the outputs the plan guard reads, the removed blocks.
        retire(self, self.chain, config)
        apply_chain_policies(self, public_services=[s.name for s in config.services if s.allow_unauthenticated])
