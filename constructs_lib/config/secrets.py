"""A workload's ``secrets``: environment variables whose value Cloud Run reads from Secret Manager.

    secrets = { PARTNER_API_KEY = "partner-api-key:latest", SFTP_PASSWORD = "sftp-password:3" }

Each value names a secret of the workload's own project and its version (a number or ``latest``); the
stack renders it as ``value_source.secret_key_ref`` and grants the workload's service account
roles/secretmanager.secretAccessor on that secret. A plain ``env`` value whose name looks like a credential
gets a warning pointing here: the file is committed to git, Secret Manager is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..facts.gcp import ENV_SOURCE, RESERVED_ENV_NAMES, RESERVED_ENV_PREFIX
from ..facts.workloads import CREDENTIAL_ENV_NAMES, CREDENTIAL_ENV_SUFFIXES, SECRET_ID, SECRET_LATEST, SECRET_SOURCE
from .keys import dotted
from .names import ENV_NAME
from .reader import Problem, Reader

__all__ = ["SecretRef", "credential_warnings", "parse_secrets"]

_SECRET_REF = re.compile(rf"^({SECRET_ID}):({SECRET_LATEST}|[1-9][0-9]{{0,18}})$")
SECRET_EXPECTED = (f'"<secret id>:<version>", such as "partner-api-key:latest" or "partner-api-key:3" (a secret id of '
                   f"at most 255 letters, digits, - and _, {SECRET_SOURCE}; a version number from 1, or latest)")


@dataclass(frozen=True, kw_only=True)
class SecretRef:
    """One secret version an environment variable is read from.

    Attributes:
        secret: the secret's id, in the workload's project.
        version: a version number (``"3"``) or ``latest``.
    """

    secret: str
    version: str


def reserved_env_expected(name: str, reserved: tuple[str, ...]) -> str | None:
    """What an ``env`` or ``secrets`` name must be when Cloud Run sets ``name`` itself (``reserved``: the
    workload's container contract), else None."""
    if name in reserved or name.startswith(RESERVED_ENV_PREFIX):
        return f"a name other than {', '.join(reserved)} and {RESERVED_ENV_PREFIX}… (set by Cloud Run itself; " \
               f"{ENV_SOURCE})"
    return None


def parse_secrets(r: Reader, item: Mapping[str, Any], path: str, env: Mapping[str, str],
                  service_account: str | None, reserved: tuple[str, ...] = RESERVED_ENV_NAMES
                  ) -> dict[str, SecretRef]:
    """``secrets`` of one ``[[services]]`` or ``[[jobs]]`` entry; {} when left out.

    Refused: a name that is not an environment variable name or is reserved by Cloud Run, a value that is not
    ``<secret id>:<version>``, a name also in ``env``, and secrets without ``service_account`` (the accessor
    binding is granted to that account; the project's default compute account is shared by every workload
    that names none, so granting it a secret would give the secret to all of them).
    """
    raw = r.get(item, path, "secrets", dict, default={},
                expected='a table of environment variable names to secrets, such as '
                         '{ PARTNER_API_KEY = "partner-api-key:latest" }')
    found: dict[str, SecretRef] = {}
    for name, value in raw.items():
        where = dotted(f"{path}.secrets", name)
        ok = True
        if not ENV_NAME.fullmatch(name):
            r.shown(where, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", f'the key "{name}"')
            ok = False
        elif (expected := reserved_env_expected(name, reserved)) is not None:
            r.shown(where, expected, f'the key "{name}"')
            ok = False
        elif name in env:
            r.shown(where, f"a name not also in {path}.env (a variable takes its value from env or from a "
                    "secret, not both)", f'"{name}" in both')
            ok = False
        match = _SECRET_REF.fullmatch(value) if isinstance(value, str) else None
        if match is None:
            r.problem(where, SECRET_EXPECTED, value)
            ok = False
        if ok and match is not None:
            found[name] = SecretRef(secret=match.group(1), version=match.group(2))
    if found and service_account is None and "service_account" not in item:
        r.shown(f"{path}.service_account", "a service account e-mail with secrets (the secretAccessor binding is "
                "granted to it; the default compute account is shared by every workload that names none)",
                "nothing (the key is missing)")
    return found


def is_credential_name(name: str) -> bool:
    """Whether an environment variable name usually holds a credential (``PARTNER_API_KEY``, ``DB_PASSWORD``)."""
    upper = name.upper()
    return upper in CREDENTIAL_ENV_NAMES or upper.endswith(CREDENTIAL_ENV_SUFFIXES)


def credential_warnings(source: str, workloads: Iterable[tuple[str, Mapping[str, str]]]) -> tuple[Problem, ...]:
    """A warning for each plain ``env`` value whose name looks like a credential; the value is never shown.

    Args:
        source: the file, for the warning line.
        workloads: (key path such as ``services[api]``, its env) of each workload.
    """
    return tuple(
        Problem(source, dotted(f"{path}.env", name), f"a credential in secrets (secrets = {{ {name} = \"<secret id>:latest\" "
                "}), not a plain env value: the file is committed with it and anyone who can read the workload "
                "reads it", "a plain value (not shown)")
        for path, env in workloads for name in env if is_credential_name(name))
