"""EGRESS-001: every Cloud Run service and job has ``vpc_access`` with ``egress = ALL_TRAFFIC``."""

from __future__ import annotations

from typing import Iterator

from ...facts.resources import JOB
from ..document import StackDocument
from ..engine import Result, rule
from ._text import quoted, service_label


@rule(
    "EGRESS-001",
    "every Cloud Run service and job sends all its traffic into the VPC (vpc_access with egress = ALL_TRAFFIC)",
    'set template.vpc_access (a job\'s template.template.vpc_access) { connector or network_interfaces, egress = '
    '"ALL_TRAFFIC" } on the service or job (constructs_lib\'s CloudRunService and CloudRunJob always do)',
)
def service_egress_all_traffic(doc: StackDocument) -> Iterator[Result]:
    for path in doc.egress_paths():
        service = path.service
        if path.mode == "none":
            where = "template.template" if service.type == JOB else "template"
            yield Result(service.path, False,
                         f"{service_label(service)} has no {where}.vpc_access: its requests leave from Google's "
                         "shared IPs, not the chain's")
            continue
        egress = doc.vpc_access(service).get("egress")
        if egress == "ALL_TRAFFIC":
            yield Result(service.path, True, f"{service_label(service)} has egress = \"ALL_TRAFFIC\" ({path.mode})")
        else:
            given = f"egress = {quoted(egress)}" if egress else "no egress (the API then uses PRIVATE_RANGES_ONLY)"
            yield Result(service.path, False,
                         f"{service_label(service)} has {given}: internet traffic skips the NAT and its static IPs")
