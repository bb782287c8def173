"""The names and settings Google Cloud refuses in a request, whatever the product's validation already checked: a
rehearsal must fail where Google Cloud would, also when validation lets something through.

- Compute resource names (subnets, addresses, routers, a router's NATs): RFC 1035, at most 63 characters; Compute
  answers "Invalid value for field 'resource.name': '…'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}
  [a-z0-9])?)'".
- Cloud Run service, job and worker pool ids: the product's own patterns for them (``constructs_lib.config.names``,
  ``facts.naming``); the messages are this API's. (A connector's id is left alone: Google's pattern for it,
  ``^[a-z][-a-z0-9]{0,23}[a-z0-9]$``, and its prose, which takes one letter, disagree.)
- A NAT's ports (Cloud NAT, "Ports and addresses"; ``RouterNat`` in the Compute REST reference): with dynamic port
  allocation, ``minPortsPerVm`` a power of two from 32 and ``maxPortsPerVm`` a power of two above it, at most 65,536;
  ``maxPortsPerVm`` only with dynamic port allocation. The messages are this API's.
- A container's env names: not empty, no ``=``, not starting with ``X_GOOGLE_`` (GCP-NOTES.md, "Cloud Run limits").
- Labels: a key of 1-63 characters starting with a lowercase letter, then lowercase letters, digits, ``-`` and
  ``_``; a value of at most 63 of those, empty allowed; letters of any script, as Google takes them (GCP-NOTES.md,
  "Labels"; the product's validation is stricter: ASCII only). The message is this API's.
- A NAT whose ``natIpAllocateOption`` is AUTO_ONLY takes no ``natIps`` ("When choosing AUTO_ONLY, then nat_ip
  should be empty", ``RouterNat`` in the Compute REST reference). The message is this API's.
"""

from __future__ import annotations

import re

from constructs_lib.config.names import MAX_LABEL_CHARS
from constructs_lib.facts.gcp import RESERVED_ENV_PREFIX
from constructs_lib.facts.naming import RFC1035

from .server import JSON, ApiError, invalid

COMPUTE_NAME_REGEX = "(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)"
MAX_PORTS = 65536
MIN_DYNAMIC_PORTS = 32


def _power_of_two(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def refuse_compute_name(name: object, field: str = "resource.name") -> None:
    """Compute's 400 for a resource name that is not an RFC 1035 label."""
    if not isinstance(name, str) or not RFC1035.fullmatch(name):
        raise ApiError(400, f"Invalid value for field '{field}': '{name}'. Must be a match of regex "
                            f"'{COMPUTE_NAME_REGEX}'", reason="invalid")


def refuse_workload_id(name: str, pattern: re.Pattern[str], id_param: str) -> None:
    """Cloud Run's 400 for a service, job or worker pool id out of its pattern (a service's: ``SERVICE_NAME``, at
    most 49 characters; a job's and a worker pool's: ``RFC1035``)."""
    if not pattern.fullmatch(name):
        raise invalid(f"{id_param}: '{name}' is not a valid name: it must match {pattern.pattern} (lowercase letters, "
                      "digits and hyphens, starting with a letter and not ending with a hyphen).")


def refuse_nat_ports(nat: JSON, i: int) -> None:
    """Cloud NAT's rules for a NAT's ports per VM."""
    where = f"resource.nats[{i}]"
    low, high = nat.get("minPortsPerVm"), nat.get("maxPortsPerVm")
    dynamic = bool(nat.get("enableDynamicPortAllocation"))
    if low is not None and not 2 <= int(low) <= MAX_PORTS:
        raise ApiError(400, f"Invalid value for field '{where}.minPortsPerVm': '{low}'. It must be between 2 and "
                            f"{MAX_PORTS}.", reason="invalid")
    if high is not None and not dynamic:
        raise ApiError(400, f"Invalid value for field '{where}.maxPortsPerVm': '{high}'. It can be set only when "
                            "Dynamic Port Allocation is enabled.", reason="invalid")
    if not dynamic:
        return
    if low is not None and not (_power_of_two(int(low)) and int(low) >= MIN_DYNAMIC_PORTS):
        raise ApiError(400, f"Invalid value for field '{where}.minPortsPerVm': '{low}'. With Dynamic Port "
                            f"Allocation it must be a power of two of at least {MIN_DYNAMIC_PORTS}.", reason="invalid")
    floor = int(low) if low is not None else MIN_DYNAMIC_PORTS
    if high is not None and not (_power_of_two(int(high)) and floor < int(high) <= MAX_PORTS):
        raise ApiError(400, f"Invalid value for field '{where}.maxPortsPerVm': '{high}'. It must be a power of two "
                            f"greater than minPortsPerVm ({floor}), at most {MAX_PORTS}.", reason="invalid")


def refuse_env_names(container: JSON, where: str) -> None:
    """Cloud Run's 400 for an env name it never takes (the names the container contract sets are the caller's)."""
    for variable in container.get("env") or []:
        name = variable.get("name")
        if not isinstance(name, str) or not name or "=" in name or name.startswith(RESERVED_ENV_PREFIX):
            raise invalid(f"{where}.env: invalid environment variable name {name!r}: it must not be empty, contain "
                          f"'=' or start with '{RESERVED_ENV_PREFIX}'.")


def _label_chars(text: str) -> bool:
    return all((ch.isalpha() and ch.islower()) or ch.isdigit() or ch in "-_" for ch in text)


def refuse_label_formats(labels: JSON) -> None:
    """GCP's label rules for each key and value (letters of any script, lowercase)."""
    for key, value in labels.items():
        if not (0 < len(key) <= MAX_LABEL_CHARS and key[0].isalpha() and key[0].islower() and _label_chars(key)):
            raise invalid(f"labels: invalid label key {key!r}: 1-{MAX_LABEL_CHARS} lowercase letters, digits, '-' and "
                          "'_', starting with a lowercase letter.")
        if not (isinstance(value, str) and len(value) <= MAX_LABEL_CHARS and _label_chars(value)):
            raise invalid(f"labels: invalid value {value!r} of label {key!r}: at most {MAX_LABEL_CHARS} lowercase "
                          "letters, digits, '-' and '_'.")


def refuse_auto_only_ips(nat: JSON, i: int) -> None:
    if nat.get("natIpAllocateOption") == "AUTO_ONLY" and nat.get("natIps"):
        raise ApiError(400, f"Invalid value for field 'resource.nats[{i}].natIps': NAT IPs cannot be specified when "
                            "natIpAllocateOption is AUTO_ONLY.", reason="invalid")
