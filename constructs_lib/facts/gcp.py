"""Facts about GCP (and its Terraform backend) that validation relies on, each written once with its source.

Every figure here is an outside fact: when Google changes one, this module
is the one place to change, and the date says how old the reading is.
Nothing here imports cdktf.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Sequence

__all__ = [
    "SUBNET_RANGES", "SUBNET_RANGES_SHOWN", "is_subnet_range", "MAX_STATE_PREFIX", "REGIONS", "REGIONS_READ",
    "closest", "closest_regions", "MAX_ENV_VARS", "RESERVED_ENV_NAMES", "RESERVED_ENV_PREFIX", "MAX_ENV_VALUE_BYTES", "MAX_LABELS",
    "ATTRIBUTION_LABEL",
    "milli_cpu", "cpu_expected", "WHOLE_CPUS", "MIN_WORKLOAD_MEMORY_MIB", "FRACTIONAL_CPU_CONCURRENCY", "FRACTIONAL_CPU_EXECUTION_ENVIRONMENT", "memory_mib", "bucket_name_problem", "CONNECTOR_MACHINE_TYPES", "CONNECTOR_MACHINE_TYPE",
    "CONNECTOR_MIN_INSTANCES", "CONNECTOR_MAX_INSTANCES", "CONNECTOR_MIN_INSTANCES_RANGE",
    "CONNECTOR_MAX_INSTANCES_RANGE", "MAX_STATIC_IPS", "CLOUD_RUN_MAX_INSTANCES", "DIRECT_MIN_PREFIX", "DIRECT_BLOCK",
    "DIRECT_IPS_PER_INSTANCE", "SUBNET_RESERVED_ADDRESSES", "SUBNET_PRIVATE_IP_GOOGLE_ACCESS", "SUBNET_FLOW_LOGS",
    "FLOW_LOGS_AGGREGATION_INTERVAL", "FLOW_LOGS_SAMPLING", "CLOUD_RUN_INGRESS", "CLOUD_RUN_DELETION_PROTECTION",
    "STATE_BUCKET_NONCURRENT_VERSIONS", "AUTO_MODE_BLOCK", "AUTO_MODE_SUBNETS", "AUTO_MODE_SOURCE", "DEFAULT_NETWORK",
    "canonical_cpu", "CLOUD_RUN_DEFAULT_CPU", "CLOUD_RUN_DEFAULT_MEMORY",
]

# -- subnet ranges ---------------------------------------------------------------------------------------------
# The private-use IPv4 ranges a subnet of the chain may take: RFC 1918 and RFC 6598. Cloud Run's Direct VPC
# egress and VPC networks also take Class E (240.0.0.0/4, "Use non-RFC 1918 IPv4 addresses" in
# https://cloud.google.com/run/docs/configuring/networking-best-practices, read 2026-11-27), but Class E is not
# private-use space, is unsupported on Windows and on some on-premises hardware, and is refused here on purpose
# (issue 13), like every public, loopback, link-local, multicast or "this network" (0.0.0.0/8) range.
SUBNET_RANGES = tuple(ipaddress.IPv4Network(r) for r in (
    "10.0.0.0/8",      # RFC 1918
    "172.16.0.0/12",   # RFC 1918
    "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",   # RFC 6598, shared address space
))
SUBNET_RANGES_SHOWN = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598)"


def is_subnet_range(net: ipaddress.IPv4Network) -> bool:
    """Whether ``net`` lies inside one of the private-use ranges a subnet may take."""
    return any(net.subnet_of(allowed) for allowed in SUBNET_RANGES)


# -- state -----------------------------------------------------------------------------------------------------
# GCS object names are at most 1,024 bytes of UTF-8 (https://cloud.google.com/storage/docs/objects#naming, read
# 2026-11-27); the gcs backend writes <prefix>/<workspace>.tfstate, so the prefix keeps half for the rest.
MAX_STATE_PREFIX = 512


# -- regions ---------------------------------------------------------------------------------------------------
# The Google Cloud regions that exist, from https://cloud.google.com/compute/docs/regions-zones (cross-checked
# with Filestore's and Memorystore's region tables), read 2026-11-27. A region Google opens later is refused
# until it is added here.
REGIONS_READ = "2026-11-27"
REGIONS = (
    "africa-south1",
    "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1",
    "asia-south2", "asia-southeast1", "asia-southeast2",
    "australia-southeast1", "australia-southeast2",
    "europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west2",
    "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10",
    "europe-west12",
    "me-central1", "me-central2", "me-west1",
    "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1",
    "southamerica-east1", "southamerica-west1",
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
)


# -- Cloud Storage bucket locations ------------------------------------------------------------------------------
# A bucket's location is a region above (Cloud Storage writes it in capitals), a multi-region or a predefined
# dual-region (https://cloud.google.com/storage/docs/locations, "Available locations"). Like REGIONS, a closed
# list: a name shaped like a dual-region that Google does not have (NAM9) would be refused only by Cloud Storage,
# at the deploy; one Google adds later is added here. (A configurable dual-region is a multi-region location with
# its two regions in the bucket's custom placement, which the state bucket does not use.)
# A zone (US-CENTRAL1-A) is a location of Rapid buckets only, never of a state bucket.
BUCKET_MULTI_REGIONS = ("ASIA", "EU", "US")
BUCKET_DUAL_REGIONS = ("ASIA1", "EUR4", "EUR5", "EUR7", "EUR8", "NAM4")


def is_bucket_location(location: str) -> bool:
    """Whether ``location`` (any case) names a place a Cloud Storage bucket can be created in."""
    upper = location.upper()
    return upper in BUCKET_MULTI_REGIONS or upper in BUCKET_DUAL_REGIONS or location.lower() in REGIONS


def closest_bucket_locations(location: str) -> list[str]:
    """Up to three bucket locations whose names are closest to ``location``."""
    known = [*BUCKET_MULTI_REGIONS, *BUCKET_DUAL_REGIONS, *(region.upper() for region in REGIONS)]
    return closest(location.upper(), known)


def closest(given: str, known: Sequence[str], *, n: int = 3, cutoff: float = 0.5) -> list[str]:
    """Up to ``n`` of ``known`` closest to ``given`` (difflib's ratio, case and ``-``/``_`` ignored): the "did you
    mean" of a region, a key or an environment's name."""
    import difflib

    folded: dict[str, str] = {}
    for name in known:
        folded.setdefault(name.lower().replace("-", "_"), name)
    matches = difflib.get_close_matches(given.lower().replace("-", "_"), list(folded), n=n, cutoff=cutoff)
    return [folded[m] for m in matches]


def closest_regions(region: str) -> list[str]:
    """Up to three existing regions whose names are closest to ``region`` (difflib's ratio)."""
    return closest(region, REGIONS)


# -- auto-mode VPC networks -------------------------------------------------------------------------------------
# An auto-mode network (the project's `default` network is one, unless someone made it by hand) has one subnet per
# region, each a /20 inside 10.128.0.0/9, and "as new Google Cloud regions become available, new subnets in those
# regions are automatically added to auto mode VPC networks by using an IP address range from that block": GCP keeps
# the whole /9 for them, so a subnet added by hand must stay outside it ("Auto mode IPv4 ranges" and "Considerations
# for auto mode VPC networks", https://cloud.google.com/vpc/docs/subnets and .../vpc/docs/vpc, read 2026-12-02).
# The table: the regions' /20s as Google's table lists them, the rows checked against `gcloud compute networks
# subnets list` of an auto-mode network; a region missing here still gets its /20 from the /9.
AUTO_MODE_SOURCE = "Google Cloud VPC, \"Auto mode IPv4 ranges\" (read 2026-12-02)"
DEFAULT_NETWORK = "default"
AUTO_MODE_BLOCK = ipaddress.IPv4Network("10.128.0.0/9")
AUTO_MODE_SUBNETS = {region: ipaddress.IPv4Network(cidr) for region, cidr in (
    ("us-central1", "10.128.0.0/20"), ("europe-west1", "10.132.0.0/20"), ("us-west1", "10.138.0.0/20"),
    ("asia-east1", "10.140.0.0/20"), ("us-east1", "10.142.0.0/20"), ("asia-northeast1", "10.146.0.0/20"),
    ("asia-southeast1", "10.148.0.0/20"), ("us-east4", "10.150.0.0/20"), ("australia-southeast1", "10.152.0.0/20"),
    ("europe-west2", "10.154.0.0/20"), ("europe-west3", "10.156.0.0/20"), ("southamerica-east1", "10.158.0.0/20"),
    ("asia-south1", "10.160.0.0/20"), ("northamerica-northeast1", "10.162.0.0/20"), ("europe-west4", "10.164.0.0/20"),
    ("europe-north1", "10.166.0.0/20"), ("us-west2", "10.168.0.0/20"), ("asia-east2", "10.170.0.0/20"),
    ("europe-west6", "10.172.0.0/20"), ("asia-northeast2", "10.174.0.0/20"), ("asia-northeast3", "10.178.0.0/20"),
    ("us-west3", "10.180.0.0/20"), ("us-west4", "10.182.0.0/20"), ("asia-southeast2", "10.184.0.0/20"),
)}


# -- the chain's subnets ----------------------------------------------------------------------------------------
# What a subnet of the chain gets when the file leaves a key out: Private Google Access and flow logs on (the
# safe choice, which the security scan checks), at the API's own aggregation interval and sampling
# (https://cloud.google.com/vpc/docs/using-flow-logs, read 2026-11-27).
SUBNET_PRIVATE_IP_GOOGLE_ACCESS = True
SUBNET_FLOW_LOGS = True
FLOW_LOGS_AGGREGATION_INTERVAL = "INTERVAL_5_SEC"
FLOW_LOGS_SAMPLING = 0.5


# -- Serverless VPC Access connector -----------------------------------------------------------------------------
# Machine types and instance bounds (https://cloud.google.com/vpc/docs/configure-serverless-vpc-access, read
# 2026-11-27): min 2..9, max 3..10; the defaults, used when a key is left out, are gcloud's.
CONNECTOR_MACHINE_TYPES = ("f1-micro", "e2-micro", "e2-standard-4")
CONNECTOR_MACHINE_TYPE = "e2-micro"
CONNECTOR_MIN_INSTANCES = 2
CONNECTOR_MAX_INSTANCES = 10
CONNECTOR_MIN_INSTANCES_RANGE = (2, 9)
CONNECTOR_MAX_INSTANCES_RANGE = (3, 10)


# -- Cloud NAT ---------------------------------------------------------------------------------------------------
MAX_STATIC_IPS = 50  # hard limit of NAT IPs per Cloud NAT gateway


# -- Direct VPC egress -------------------------------------------------------------------------------------------
# https://cloud.google.com/run/docs/configuring/vpc-direct-vpc, "IP address allocation": Cloud Run takes subnet
# IPs in /28 blocks of 16, wants a /26 or larger, and uses about twice as many addresses as instances; GCP keeps
# 4 addresses of every subnet for itself.
DIRECT_MIN_PREFIX = 26
DIRECT_BLOCK = 16
DIRECT_IPS_PER_INSTANCE = 2
SUBNET_RESERVED_ADDRESSES = 4


# -- Cloud Run ---------------------------------------------------------------------------------------------------
# "Environment variables for services", https://cloud.google.com/run/docs/configuring/services/
# overview-environment-variables, read 2026-11-27: at most 1,000 variables; names reserved by the container
# runtime contract; a name may not start with X_GOOGLE_. Values: at most 32 KiB (the documented ceiling for names
# and values together, for functions).
MAX_ENV_VARS = 1000
CLOUD_RUN_MAX_INSTANCES = 100  # a service's max_instances when left out (the API's default)
CLOUD_RUN_INGRESS = "INGRESS_TRAFFIC_ALL"  # the API's default ingress
CLOUD_RUN_DELETION_PROTECTION = True  # google_cloud_run_v2_service's default at 6.50.0: destroy refused until false
RESERVED_ENV_NAMES = ("PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION")
RESERVED_ENV_PREFIX = "X_GOOGLE_"
MAX_ENV_VALUE_BYTES = 32 * 1024
ENV_SOURCE = "Cloud Run, \"Environment variables for services\""
# Labels: at most 64 per resource (https://cloud.google.com/resource-manager/docs/labels-overview, read 2026-11-27),
# one of them the provider's on every create (add_terraform_attribution_label, CREATION_ONLY: 6.50.0's defaults).
MAX_LABELS = 64
ATTRIBUTION_LABEL = "goog-terraform-provisioned"

# CPU and memory limits ("Configure CPU limits" and "Configure memory limits" for services, jobs and worker pools,
# https://cloud.google.com/run/docs/configuring/services/cpu, .../jobs/cpu, .../workerpools/cpu and their
# memory-limits pages, read 2026-12-04). CPU: one of the table's whole numbers (1, 2, 4, 6 or 8: "values greater than
# 1 must be integer values", "any of the values shown in the table"), or, for a service only, from 0.08 to 1 in
# steps of 0.001; a job and a worker pool need at least 1 CPU. Memory at most 32 GiB and at least 128 MiB for a
# service (the first-generation environment's floor), 512 MiB for a job or a worker pool (the second generation's).
# Defaults when left out: 1 CPU, 512 MiB.
CPU_SOURCE = "Cloud Run, \"Configure CPU limits\""
MEMORY_SOURCE = "Cloud Run, \"Configure memory limits\""
MIN_FRACTIONAL_MILLI_CPU = 80
FRACTIONAL_CPU_STEP_MILLI = 1
WHOLE_CPUS = (1, 2, 4, 6, 8)
MIN_MEMORY_MIB = 128
MIN_WORKLOAD_MEMORY_MIB = 512
MAX_MEMORY_MIB = 32 * 1024
DEFAULT_MILLI_CPU = 1000
DEFAULT_MEMORY_MIB = 512
# Memory above this many MiB needs at least this many CPUs (milli-CPUs here).
MIN_CPU_FOR_MEMORY = ((24 * 1024, 8000), (16 * 1024, 6000), (8 * 1024, 4000), (4 * 1024, 2000), (1024, 1000),
                      (512, 500))
# This many CPUs need at least this many MiB.
MIN_MEMORY_FOR_CPU = ((8000, 4 * 1024), (6000, 4 * 1024), (4000, 2 * 1024))


# Below 1 CPU, Cloud Run requires a maximum concurrency of 1, CPU allocated only during requests (request-based
# billing: cpu_idle) and the first generation execution environment ("Configure CPU limits for services", "If you
# use less than 1 vCPU"); a revision without them is refused at deploy.
FRACTIONAL_CPU_CONCURRENCY = 1
FRACTIONAL_CPU_EXECUTION_ENVIRONMENT = "EXECUTION_ENVIRONMENT_GEN1"


def milli_cpu(cpu: str, *, fractional: bool = True) -> int | None:
    """A CPU limit ("2", "0.5", "500m") in milli-CPUs; None when it is no amount Cloud Run takes (below 1 CPU only
    when ``fractional``: a service's, not a job's or a worker pool's)."""
    try:
        if cpu.endswith("m"):
            milli = int(cpu[:-1])
        else:
            whole, _, fraction = cpu.partition(".")
            if len(fraction) > 3:
                return None
            milli = int(whole) * 1000 + int((fraction or "0").ljust(3, "0"))
    except ValueError:
        return None
    if milli < 1000:
        ok = fractional and milli >= MIN_FRACTIONAL_MILLI_CPU and milli % FRACTIONAL_CPU_STEP_MILLI == 0
        return milli if ok else None
    return milli if milli % 1000 == 0 and milli // 1000 in WHOLE_CPUS else None


def cpu_expected(*, fractional: bool) -> str:
    """What a ``cpu`` key takes, for a problem line."""
    whole = ", ".join(str(n) for n in WHOLE_CPUS[:-1]) + f" or {WHOLE_CPUS[-1]}"
    if not fractional:
        return f'a CPU limit such as "1", "2" or "4000m": {whole} CPUs ({CPU_SOURCE}; at least 1 for a job or a ' \
               f"worker pool)"
    return f'a CPU limit such as "1", "2" or "500m": {whole} CPUs, or from {MIN_FRACTIONAL_MILLI_CPU / 1000:g} to 1 ' \
           f"in steps of {FRACTIONAL_CPU_STEP_MILLI / 1000:g} ({CPU_SOURCE})"


# What Cloud Run v2 keeps of a service's limits: it adds the CPU limit when only memory is given (and the memory
# limit when only CPU is), and writes CPU in milli-CPUs, as its own default "1000m" (the default limits a GET shows,
# GCP-API-FACTS §3; provider issues #20399 and #28253: the provider 6.50.0 has no diff suppression on
# template.containers.resources.limits, a plain Optional+Computed map, so any rewrite is a change on every plan).
CLOUD_RUN_DEFAULT_CPU = "1000m"
CLOUD_RUN_DEFAULT_MEMORY = "512Mi"


def canonical_cpu(cpu: str) -> str:
    """A CPU limit as Cloud Run writes it back: milli-CPUs ("1" → "1000m", "0.5" → "500m", "2000m" as is).

    Raises:
        ValueError: ``cpu`` is no amount Cloud Run takes (see ``milli_cpu``).
    """
    milli = milli_cpu(cpu)
    if milli is None:
        raise ValueError(f"not a CPU limit Cloud Run takes: {cpu!r}")
    return f"{milli}m"


def memory_mib(memory: str) -> int:
    """A memory limit ("512Mi", "2Gi") in MiB."""
    return int(memory[:-2]) * (1024 if memory.endswith("Gi") else 1)


# -- Cloud Storage -----------------------------------------------------------------------------------------------
# Bucket names (https://cloud.google.com/storage/docs/buckets#naming, read 2026-11-27): 3-63 characters, or up to
# 222 when they hold dots with each dot-separated part at most 63; never starting with "goog" or holding "google"
# "or close misspellings, such as g00gle" (read here as g, two of o/0, g, l/1, e: the page gives no list); and, as
# a dotted name is a domain name, no two dots in a row (an empty part).
BUCKET_SOURCE = "Cloud Storage bucket naming"
_GOOGLE_LOOKALIKE = re.compile(r"g[o0]{2}g[l1]e")
MAX_BUCKET_NAME = 63
MAX_DOTTED_BUCKET_NAME = 222
# The state bucket keeps this many older versions of each state object when the bootstrap file leaves it out.
STATE_BUCKET_NONCURRENT_VERSIONS = 10


def bucket_name_problem(name: str) -> str | None:
    """Why GCS would refuse ``name`` (already of lowercase letters, digits, -, _ and .), or None."""
    if "." not in name and len(name) > MAX_BUCKET_NAME:
        return f"of at most {MAX_BUCKET_NAME} characters without dots"
    if len(name) > MAX_DOTTED_BUCKET_NAME or any(len(part) > MAX_BUCKET_NAME for part in name.split(".")):
        return f"of at most {MAX_DOTTED_BUCKET_NAME} characters with dots, each dot-separated part at most " \
               f"{MAX_BUCKET_NAME}"
    if name.startswith("goog") or _GOOGLE_LOOKALIKE.search(name):
        return 'not starting with "goog" and not holding "google" or a close misspelling of it such as "g00gle"'
    if ".." in name:
        return "with no two dots in a row"
    if re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}", name):
        return "that is not an IP address in dotted-decimal notation"
    return None
