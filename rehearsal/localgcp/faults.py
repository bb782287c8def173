"""Faults on purpose: a rule table that makes the local GCP API fail a call the way Google Cloud can.

    gcp.faults.install(load_faults(Path("faults.toml")))   # or rules built in code: Rule(...)

A rule names a method, a path pattern (``*`` is one path segment, ``**`` any
number of them; a path is the URL path the provider calls, ``/compute/v1/…``),
which matching call it hits (the n-th, or every one) and for how many calls in a
row, and the fault:

- ``status``: an HTTP error in GCP's JSON shape (``code``, ``message``,
  ``status``, Compute's ``errors[].reason``), with ``Retry-After`` when given;
  nothing is committed;
- ``reset_before_commit`` / ``reset_after_commit``: the connection is reset
  (a TCP RST, which Go reports as ``connection reset by peer``) before the call
  reaches the API, or after the API has done it and before the answer;
- ``close_after_commit``: the API does the call, then the connection is closed
  cleanly (a FIN) with no answer: the client reads an EOF;
- ``operation_error``: the call is done (the object exists) but its long-running
  operation ends in an error, in the API's shape;
- ``operation_never_done``: the call is done but its operation stays running,
  for ever;
- ``concurrent_edit``: another writer changes the resource just before the call
  (a router's fingerprint moves on), as a second deploy or a console edit does.

``install`` replaces the table and starts every count at zero, so a campaign
sets the faults of one deploy at a time. ``watchers`` are called after every
call the API answers (under its lock), for checks that must hold at every
instant (a NAT with an active IP). Every call a fault hit is in ``hits``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from constructs_lib.config import ConfigError
from constructs_lib.config.reader import MISSING, Reader
from constructs_lib.config.toml_file import MAX_NESTING, file_problem, nesting, read_text, read_toml
from constructs_lib.facts.text import json_kind

from .server import JSON, ApiError

if TYPE_CHECKING:
    from . import LocalGcp

KINDS = ("status", "reset_before_commit", "reset_after_commit", "close_after_commit", "operation_error",
         "operation_never_done", "concurrent_edit")
METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
# The canonical status and Compute's reason GCP writes for each HTTP error status.
STATUSES = {
    400: ("INVALID_ARGUMENT", "invalid", "Invalid value."),
    403: ("PERMISSION_DENIED", "forbidden", "Permission denied."),
    404: ("NOT_FOUND", "notFound", "The resource was not found."),
    409: ("ALREADY_EXISTS", "alreadyExists", "The resource already exists."),
    412: ("FAILED_PRECONDITION", "conditionNotMet", "Precondition failed."),
    429: ("RESOURCE_EXHAUSTED", "rateLimitExceeded",
          "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service."),
    500: ("INTERNAL", "backendError", "Internal error encountered."),
    502: ("UNAVAILABLE", "backendError", "Bad gateway."),
    503: ("UNAVAILABLE", "backendError", "The service is currently unavailable."),
}
OPERATION_ERROR = "Operation failed on purpose by the rehearsal's fault table."
# What another writer leaves in a resource it edits (``concurrent_edit``).
ANOTHER_WRITER = "edited by another writer"
# The keys of one [[fault]] table.
KEYS = ("method", "path", "call", "times", "fault", "status", "retry_after", "message")


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One fault.

    Attributes:
        method: the HTTP method it hits.
        path: the URL path pattern: ``*`` one segment, ``**`` any segments (``/compute/v1/**/addresses``).
        call: the first matching call it hits, from 1; 0 for every call.
        times: how many matching calls in a row it hits from ``call`` (404 for the next N reads).
        fault: one of ``KINDS``.
        status: the HTTP status of a ``status`` fault.
        retry_after: seconds for a ``Retry-After`` header; None sends none.
        message: the error's message; GCP's usual one for the status when left empty.
    """

    method: str
    path: str
    call: int = 1
    times: int = 1
    fault: str = "status"
    status: int = 503
    retry_after: int | None = None
    message: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(\*\*|\*)", self.path)
        regex = "".join(".*" if p == "**" else "[^/]*" if p == "*" else re.escape(p) for p in parts)
        return re.compile(regex)

    def hits(self, count: int) -> bool:
        """Whether the ``count``-th matching call (from 1) is hit."""
        return self.call == 0 or self.call <= count < self.call + self.times

    def error(self, path: str) -> ApiError:
        """The error of a ``status`` fault, in GCP's shape."""
        status, reason, default = STATUSES.get(self.status, ("UNKNOWN", "error", "Error."))
        message = self.message or (f"The resource '{path}' was not found" if self.status == 404 else default)
        return ApiError(self.status, message, status=status, reason=reason)


@dataclass
class Hit:
    """One call a fault hit: which rule, and the call."""

    rule: Rule
    method: str
    path: str


@dataclass
class FaultTable:
    """The rules of the running deploy, their counts, and what they hit."""

    gcp: LocalGcp
    rules: tuple[Rule, ...] = ()
    counts: dict[int, int] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    watchers: list[Callable[[LocalGcp], None]] = field(default_factory=list)
    # The fault of the operation the call being served will start (operation_error / operation_never_done).
    pending_operation: Rule | None = None

    def install(self, rules: list[Rule] | tuple[Rule, ...]) -> None:
        """Replace the rules; every count starts again at zero."""
        with self.gcp.lock:
            self.rules = tuple(rules)
            self.counts = {}

    def clear(self) -> None:
        self.install(())

    def take(self, method: str, path: str) -> Rule | None:
        """Count the call against every matching rule; the first rule that hits it, or None."""
        hit = None
        for index, rule in enumerate(self.rules):
            if rule.method != method or not rule.pattern.fullmatch(path):
                continue
            self.counts[index] = self.counts.get(index, 0) + 1
            if hit is None and rule.hits(self.counts[index]):
                hit = rule
        if hit is not None:
            self.hits.append(Hit(hit, method, path))
            if hit.fault == "concurrent_edit":
                self._edit_by_another_writer(path)
        return hit

    def _edit_by_another_writer(self, path: str) -> None:
        """Another writer's change of the resource the call names, just before the call: its description
        (and its fingerprint, when it has one) changes, as a console edit or a second deploy does."""
        key = re.sub(r"^/[a-z]+/v\d+/", "", path)
        resource = self.gcp.store.get(key)
        if resource is None:
            return
        resource["description"] = ANOTHER_WRITER
        if "fingerprint" in resource:
            resource["fingerprint"] = self.gcp.fingerprint()

    def watch(self) -> None:
        for watcher in self.watchers:
            watcher(self.gcp)

    def operation(self, running: JSON, finish: Callable[[], JSON]) -> Callable[[], JSON] | None:
        """The operation's end under the pending fault: an error in the API's shape, or never (None)."""
        rule, self.pending_operation = self.pending_operation, None
        if rule is None:
            return finish
        if rule.fault == "operation_never_done":
            return None
        message = rule.message or OPERATION_ERROR

        def failed() -> JSON:
            done = finish()
            done.pop("response", None)
            if running.get("kind") == "compute#operation":
                done["error"] = {"errors": [{"code": "INTERNAL_ERROR", "message": message}]}
                done["httpErrorStatusCode"] = 500
                done["httpErrorMessage"] = "INTERNAL SERVER ERROR"
            else:
                done["error"] = {"code": 13, "message": message}
            return done

        return failed


class FaultsError(Exception):
    """A faults file with problems: every one, with the file, the key, what was expected and what was given."""


def load_faults(path: Path) -> list[Rule]:
    """The ``[[fault]]`` tables of a TOML file (or a JSON file: ``{"fault": [...]}``) as rules.

    Raises:
        FaultsError: listing every problem of the file, each on one line as the app writes them (the file, the
            key, what was expected, what was given; a key or value with a line break or an escape code escaped).
    """
    try:
        doc = _read_json(path) if path.suffix == ".json" else read_toml(path)
    except ConfigError as err:
        raise FaultsError("\n".join(str(problem) for problem in err.problems)) from None
    reader = Reader(str(path))
    tables = doc.get("fault", MISSING)
    if not isinstance(tables, list) or not tables or not all(isinstance(table, dict) for table in tables):
        reader.problem("fault", "a list of [[fault]] tables", tables)
        tables = []
    for key in sorted(set(doc) - {"fault"}):
        reader.shown(key, "only [[fault]] tables", "an unknown key")
    rules = [_rule(table, f"fault[{number}]", reader) for number, table in enumerate(tables)]
    if reader.problems:
        raise FaultsError("\n".join(str(problem) for problem in reader.problems))
    return rules


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON faults file, read as the app reads a TOML one (``read_text``: no wait on a pipe, bounded, UTF-8)."""
    text = read_text(path, kind="JSON file")
    deep = f"arrays and objects nested at most {MAX_NESTING} deep"  # the TOML reader's bound
    try:
        doc = json.loads(text)
    except RecursionError:
        raise file_problem(path, deep, "more levels than Python's JSON parser reads") from None
    except ValueError as err:
        raise file_problem(path, "valid JSON", str(err)) from None
    depth = nesting(doc)
    if depth > MAX_NESTING:
        raise file_problem(path, deep, f"{depth} levels")
    if not isinstance(doc, dict):
        raise file_problem(path, 'a JSON object ({"fault": [...]})', json_kind(doc))
    return doc


def _rule(table: dict[str, Any], where: str, reader: Reader) -> Rule:
    """One fault table as a rule; its problems go to ``reader`` (the rule is then not used)."""
    for key in sorted(set(table) - set(KEYS)):
        reader.shown(f"{where}.{key}", f"one of {', '.join(KEYS)}", "an unknown key")
    method = table.get("method", MISSING)
    if method not in METHODS:
        reader.problem(f"{where}.method", f"one of {', '.join(METHODS)}", method)
    path = table.get("path", MISSING)
    if not isinstance(path, str) or not path.startswith("/"):
        reader.problem(f"{where}.path", 'a URL path starting with / (e.g. "/compute/v1/projects/*/regions/*/'
                       'addresses")', path)
    call = table.get("call", 1)
    if call == "every":
        call = 0
    elif not _positive(call):
        reader.problem(f"{where}.call", 'a call number from 1, or "every"', call)
    times = table.get("times", 1)
    if not _positive(times):
        reader.problem(f"{where}.times", "a number of calls from 1", times)
    fault = table.get("fault", "status")
    if fault not in KINDS:
        reader.problem(f"{where}.fault", f"one of {', '.join(KINDS)}", fault)
    status = table.get("status", 503)
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        reader.problem(f"{where}.status", "an HTTP error status 400..599", status)
    retry_after = table.get("retry_after")
    if retry_after is not None and not (_positive(retry_after) or retry_after == 0):
        reader.problem(f"{where}.retry_after", "seconds (0 or more)", retry_after)
    message = table.get("message", "")
    if not isinstance(message, str):
        reader.problem(f"{where}.message", "a string", message)
    return Rule(method=method, path=path, call=call, times=times, fault=fault, status=status,
                retry_after=retry_after, message=message)


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
