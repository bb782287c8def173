"""EGRESS-001: every Cloud Run service has ``vpc_access`` with ``egress = ALL_TRAFFIC``."""

from __future__ import annotations

from typing import Iterator

from ..document import StackDocument
from ..engine import Result, rule
from ._text import quoted, service_label


@rule(
    "EGRESS-001",
    "every Cloud Run service sends all its traffic into the VPC (vpc_access with egress = ALL_TRAFFIC)",
    'set template.vpc_access { connector or network_interfaces, egress = "ALL_TRAFFIC" } on the service '
    "(constructs_lib's CloudRunService always does)",
)
def service_egress_all_traffic(doc: StackDocument) -> Iterator[Result]:
    for path in doc.egress_paths():
        service = path.service
        if path.mode == "none":
            yield Result(service.path, False,
                         f"{service_label(service)} has no template.vpc_access: its requests leave from Google's "
                         "shared IPs, not the chain's")
            continue
        egress = service.get("template", {}).get("vpc_access", {}).get("egress")
        if egress == "ALL_TRAFFIC":
            yield Result(service.path, True, f"{service_label(service)} has egress = \"ALL_TRAFFIC\" ({path.mode})")
        else:
            given = f"egress = {quoted(egress)}" if egress else "no egress (the API then uses PRIVATE_RANGES_ONLY)"
            yield Result(service.path, False,
                         f"{service_label(service)} has {given}: internet traffic skips the NAT and its static IPs")
