"""GCP's naming rules and the values a key may take, with the texts that say what is expected.

The patterns are written once here and used by every table's parsing; the
limits behind them that are outside facts live in ``facts.gcp``.
"""

from __future__ import annotations

import re

from ..facts.gcp import BUCKET_SOURCE, MAX_STATE_PREFIX, bucket_name_problem
from .reader import Reader

# GCP naming rules.
PROJECT_ID = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]$")
# Legacy domain-scoped project ids look like "example.com:my-project".
DOMAIN_PROJECT_ID = re.compile(r"^[a-z0-9][-a-z0-9.]{0,61}[a-z0-9]:[a-z][-a-z0-9]{4,28}[a-z0-9]$")
CONNECTOR_NAME = re.compile(r"^[a-z][-a-z0-9]{0,23}[a-z0-9]$")
# Cloud Run service names: RFC 1035 label, at most 49 characters.
SERVICE_NAME = re.compile(r"^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$")
# registry/path[:tag][@sha256:digest]; registry host optional (Docker Hub).
IMAGE = re.compile(
    r"^(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?(?::(?P<port>[0-9]{1,5}))?/)?"
    r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[a-f0-9]{64})?$"
)
# A label's key and its value: at most 63 characters each (Resource Manager, "Labels overview").
MAX_LABEL_CHARS = 63
LABEL_KEY = re.compile(rf"^[a-z][-_a-z0-9]{{0,{MAX_LABEL_CHARS - 1}}}$")
LABEL_VALUE = re.compile(rf"^[-_a-z0-9]{{0,{MAX_LABEL_CHARS}}}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A user-managed account, the Compute Engine default account, or the App Engine default account (project@appspot…),
# which Cloud Run takes as a service identity too. A user-managed account is <name>@<project id>.iam.gserviceaccount
# .com; in a domain-scoped project (example.com:my-project) <name>@my-project.example.com.iam.gserviceaccount.com
# (IAM, "Create service accounts"): the project id first, then the domain's labels, no colon, no empty label.
SERVICE_ACCOUNT = re.compile(r"^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9]{4,28}[a-z0-9]"
                             r"(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*\.iam\.gserviceaccount\.com$|"
                             r"^[0-9]+-compute@developer\.gserviceaccount\.com$|"
                             r"^[a-z][-a-z0-9]{4,28}[a-z0-9]@appspot\.gserviceaccount\.com$")
GCS_BUCKET = re.compile(r"^[a-z0-9][-_.a-z0-9]{1,220}[a-z0-9]$")
# Terraform Cloud names: organizations and workspaces take letters, digits, - and _ (workspaces at
# most 90 characters); workspace tags also take colons, at most 255 characters.
TFC_ORGANIZATION = re.compile(r"^[-_A-Za-z0-9]+$")
TFC_WORKSPACE = re.compile(r"^[-_A-Za-z0-9]{1,90}$")
TFC_TAG = re.compile(r"^[-_:A-Za-z0-9]{1,255}$")
# A DNS host name of two or more labels (at most 253 characters), with an optional TCP port from 1 to 65535
# (Terraform Enterprise): see ``is_hostname``.
HOSTNAME = re.compile(r"^(?P<host>[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)+)"
                      r"(?::(?P<port>[1-9][0-9]{0,4}))?$")
MAX_HOSTNAME = 253
MAX_PORT = 65535
HOSTNAME_EXPECTED = f"a host name (at most {MAX_HOSTNAME} characters) with an optional port from 1 to {MAX_PORT}"
# A GCS object path for the state: segments of letters, digits, ".", "-" and "_" (none starting with ".", so no
# "." or ".." segment) joined by "/"; a trailing "/" is dropped. Nothing that a shell, Markdown or a URL reads.
STATE_PREFIX = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*/?")
CPU = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)?|[0-9]+m)$")
MEMORY = re.compile(r"^[1-9][0-9]*(?:Mi|Gi)$")  # no leading zero: the stack writes it as given

NAT_LOG_FILTERS = ("ERRORS_ONLY", "TRANSLATIONS_ONLY", "ALL")
FLOW_LOG_INTERVALS = (
    "INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN",
)
STATE_BACKENDS = ("gcs", "local", "cloud")
TFC_HOSTNAME = "app.terraform.io"  # the cloud backend's host when state.hostname is left out
INGRESS = (
    "INGRESS_TRAFFIC_ALL",
    "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
)
EGRESS_MODES = ("connector", "direct")
MAX_TIMEOUT_SEC = 2**31 - 1  # the API's int32


DIRECT_RANGE_EXPECTED = 'an IPv4 range with no host bits set, such as "10.124.0.0/24"'

STATE_PREFIX_EXPECTED = (f"a non-empty object path inside the bucket, without a leading slash: segments of "
                         f"letters, digits, ., - and _ (none starting with .) joined by /, at most "
                         f"{MAX_STATE_PREFIX} characters")
PROJECT_EXPECTED = "a GCP project id (6-30 characters: lowercase letters, digits and hyphens, starting with a letter)"
RFC1035_EXPECTED = "an RFC 1035 name (lowercase letters, digits and hyphens, starting with a letter, at most 63 characters)"


def is_image(value: str) -> bool:
    """An image reference as ``IMAGE`` has it, its registry's port (if any) a TCP port (1..65535)."""
    found = IMAGE.fullmatch(value)
    return bool(found) and 1 <= int(found["port"] or 1) <= MAX_PORT


def is_hostname(value: str) -> bool:
    """A host name as ``HOSTNAME`` has it, no longer than DNS allows, its port (if any) a TCP port."""
    found = HOSTNAME.fullmatch(value)
    return bool(found) and len(found["host"]) <= MAX_HOSTNAME and int(found["port"] or 1) <= MAX_PORT


def is_project(value: str) -> bool:
    return bool(PROJECT_ID.fullmatch(value) or DOMAIN_PROJECT_ID.fullmatch(value))


def check_bucket_name(r: Reader, key: str, bucket: str | None) -> None:
    """The lengths and words Cloud Storage refuses in a bucket name already of the right characters."""
    why = bucket_name_problem(bucket) if bucket is not None else None
    if why is not None:
        r.problem(key, f"a GCS bucket name {why} ({BUCKET_SOURCE})", bucket)

