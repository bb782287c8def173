"""The environment file model turned into the chain's props: the one place where ``config`` meets ``chain``.

Every name the file implies (``{name}-subnet``, ``{name}-connector`` …) and every
choice the egress mode makes (which subnets, whether a connector) is decided
here, so the constructs take plain values and can be composed by hand.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..chain.addresses import StaticAddressesProps
from ..chain.cloud_run import CloudRunServiceProps
from ..chain.cloud_run_job import CloudRunJobProps
from ..chain.cloud_run_worker_pool import CloudRunWorkerPoolProps
from ..chain.connector import ConnectorProps
from ..chain.egress_chain import EgressChainProps
from ..chain.router_nat import NatRuleProps, RouterNatProps
from ..chain.secrets import SecretAccessProps, SecretEnv
from ..chain.subnetwork import SubnetworkProps
from ..config import EnvironmentConfig, JobConfig, NatConfig, SecretRef, ServiceConfig, WorkerPoolConfig
from ..config.container import WorkloadConfig
from ..facts.nat import NAT_TIMEOUT_DEFAULTS

__all__ = ["chain_props", "endpoint_independent_mapping_sent", "job_props", "nat_timeouts", "secret_access_props",
           "service_props", "worker_pool_props"]


def chain_props(c: EnvironmentConfig) -> EgressChainProps:
    """The chain an environment describes."""
    net = c.network

    def subnet(name: str, cidr: str | None) -> SubnetworkProps | None:
        if cidr is None:
            return None
        return SubnetworkProps(
            name=name,
            project=c.network_project,
            region=c.region,
            network=net.vpc,
            ip_cidr_range=cidr,
            private_ip_google_access=net.private_ip_google_access,
            flow_logs=net.flow_logs,
            flow_logs_aggregation_interval=net.flow_logs_aggregation_interval,
            flow_logs_sampling=net.flow_logs_sampling,
        )

    main_subnet = subnet(c.subnet_name, net.subnet_cidr)
    connector = None
    if main_subnet is not None and c.has_connector:
        connector = ConnectorProps(
            name=c.connector_name,
            project=c.project,
            region=c.region,
            machine_type=c.connector.machine_type,
            min_instances=c.connector.min_instances,
            max_instances=c.connector.max_instances,
        )
    return EgressChainProps(
        subnet=main_subnet,
        direct_subnet=subnet(c.direct_subnet_name, net.direct_subnet_cidr),
        connector=connector,
        addresses=StaticAddressesProps(names=c.address_names, project=c.network_project, region=c.region,
                                       existing_names=c.existing_ips, draining_names=c.draining_ips,
                                       standby_names=c.standby_ips, rule_names=c.nat.rule_ip_names),
        router_nat=RouterNatProps(
            router_name=c.router_name,
            nat_name=c.nat_name,
            project=c.network_project,
            region=c.region,
            network=net.vpc,
            min_ports_per_vm=c.nat.min_ports_per_vm,
            log_filter=c.nat.log_filter,
            max_ports_per_vm=c.nat.max_ports_per_vm,
            enable_dynamic_port_allocation=c.nat.dynamic_port_allocation,
            enable_endpoint_independent_mapping=endpoint_independent_mapping_sent(c.nat),
            **nat_timeouts(c),
            # An adopted NAT keeps the timeouts the file does not set: adoption changes nothing.
            kept_timeouts=tuple(k for k in NAT_TIMEOUT_DEFAULTS if getattr(c.nat, k) is None) if c.adopt.chain else (),
            rules=tuple(NatRuleProps(number=r.number, destinations=r.destinations, ips=r.ips,
                                     description=r.description,
                                     draining=tuple(n for n in r.ips if n in c.draining_ips)) for r in c.nat.rules),
        ),
        services=tuple(service_props(s, project=c.project, region=c.region) for s in c.services),
        direct_egress=c.egress_mode == "direct",
        jobs=tuple(job_props(j, project=c.project, region=c.region) for j in c.jobs),
        secret_access=secret_access_props(c),
        worker_pools=tuple(worker_pool_props(p, project=c.project, region=c.region) for p in c.worker_pools),
    )


def endpoint_independent_mapping_sent(nat: NatConfig) -> bool | None:
    """What the NAT sends for endpoint-independent mapping: the file's value, else off where Cloud NAT needs it
    off (dynamic port allocation or ``[[nat.rules]]``), else nothing (the API's, or the NAT's own).

    Off is sent, never left out, where it must be off: the provider keeps the field Optional+Computed, so a NAT
    that had it on (an adopted one) would keep sending true, and GCP refuses it beside either.
    """
    if nat.endpoint_independent_mapping is None and (nat.dynamic_port_allocation is True or nat.rules):
        return False
    return nat.endpoint_independent_mapping


def nat_timeouts(c: EnvironmentConfig) -> dict[str, int]:
    """Every timeout of the NAT: the file's, else ``facts.nat.NAT_TIMEOUT_DEFAULTS``."""
    given = {k: getattr(c.nat, k) for k in NAT_TIMEOUT_DEFAULTS}
    return {k: default if given[k] is None else given[k] for k, default in NAT_TIMEOUT_DEFAULTS.items()}


def _secret_env(secrets: Mapping[str, SecretRef]) -> dict[str, SecretEnv]:
    return {name: SecretEnv(secret=ref.secret, version=ref.version) for name, ref in secrets.items()}


def secret_access_props(c: EnvironmentConfig) -> tuple[SecretAccessProps, ...]:
    """One accessor binding per (secret, service account) that the services and jobs read, in file order."""
    pairs = {(ref.secret, w.service_account): None for w in (*c.services, *c.jobs, *c.worker_pools)
             for ref in w.secrets.values()
             if w.service_account is not None}
    return tuple(SecretAccessProps(secret=secret, project=c.project, service_account=account)
                 for secret, account in pairs)


def _workload(w: WorkloadConfig, *, project: str, region: str) -> dict[str, Any]:
    """The ``WorkloadProps`` fields of a job or a worker pool."""
    return dict(name=w.name, project=project, region=region, image=w.image, command=w.command, args=w.args,
                labels=w.labels, service_account=w.service_account, env=w.env, secrets=_secret_env(w.secrets),
                cpu=w.cpu, memory=w.memory, deletion_protection=w.deletion_protection)


def job_props(j: JobConfig, *, project: str, region: str) -> CloudRunJobProps:
    """One ``[[jobs]]`` entry as the props of its Cloud Run job."""
    return CloudRunJobProps(**_workload(j, project=project, region=region), task_count=j.task_count,
                            parallelism=j.parallelism, max_retries=j.max_retries,
                            task_timeout_sec=j.task_timeout_sec)


def service_props(s: ServiceConfig, *, project: str, region: str) -> CloudRunServiceProps:
    """One ``[[services]]`` entry as the props of its Cloud Run service."""
    return CloudRunServiceProps(
        name=s.name,
        project=project,
        region=region,
        image=s.image,
        labels=s.labels,
        service_account=s.service_account,
        ingress=s.ingress,
        deletion_protection=s.deletion_protection,
        env=s.env,
        secrets=_secret_env(s.secrets),
        min_instances=s.min_instances,
        max_instances=s.max_instances,
        cpu=s.cpu,
        memory=s.memory,
        port=s.port,
        allow_unauthenticated=s.allow_unauthenticated,
    )


def worker_pool_props(p: WorkerPoolConfig, *, project: str, region: str) -> CloudRunWorkerPoolProps:
    """One ``[[worker_pools]]`` entry as the props of its Cloud Run worker pool."""
    return CloudRunWorkerPoolProps(**_workload(p, project=project, region=region), instances=p.instances)
