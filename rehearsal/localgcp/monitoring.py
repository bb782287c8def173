"""Cloud Monitoring v3 alert policies and notification channels, as the google provider 6.50.0 uses them
(GCP-API-FACTS §5; TPG services/monitoring/resource_monitoring_alert_policy.go).

Synchronous, no operations: a create answers the policy with what the server fills in (``name``,
``conditions[].name``, ``creationRecord`` and ``mutationRecord``, ``enabled: true`` when absent) and
nothing else; GET and DELETE by name; PATCH applies the fields of ``updateMask`` only. A policy may
notify only channels that exist in its own project, as GCP refuses any other with 400: the channels
are seeded (``add_notification_channel``), as a user creates them before naming them in a file.

The provider's base is ``…/monitoring/`` (no version): it appends ``v3/`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .apis import service_of
from .server import ApiError, JSON, Request, invalid

if TYPE_CHECKING:
    from . import LocalGcp

BASE = "/monitoring/v3/"
# What the provider sends and may put in an updateMask (camelCase), and what GCP accepts there.
UPDATABLE = ("displayName", "combiner", "enabled", "conditions", "notificationChannels", "alertStrategy",
             "userLabels", "severity", "documentation")
COMBINERS = ("AND", "OR", "AND_WITH_MATCHING_RESOURCE")
CONDITION_KINDS = ("conditionThreshold", "conditionAbsent", "conditionMatchedLog", "conditionMonitoringQueryLanguage",
                   "conditionPrometheusQueryLanguage", "conditionSql")
MAX_CONDITIONS = 6
# Who GCP records as the author of a change: the caller's identity.
MUTATED_BY = "local-rehearsal@example.com"


class Monitoring:
    def __init__(self, gcp: LocalGcp) -> None:
        self.gcp = gcp
        policies = BASE + "projects/{project}/alertPolicies"
        gcp.router.add("POST", policies, self.create)
        gcp.router.add("GET", policies + "/{id}", self.get)
        gcp.router.add("PATCH", policies + "/{id}", self.patch)
        gcp.router.add("DELETE", policies + "/{id}", self.delete)
        gcp.router.add("GET", BASE + "projects/{project}/notificationChannels/{id}", self.get_channel)

    # --- seeding ------------------------------------------------------------------------------------

    def add_notification_channel(self, name: str, *, type: str = "email") -> JSON:  # noqa: A002 - GCP's field name
        """A notification channel that exists, by its name ``projects/P/notificationChannels/ID``."""
        with self.gcp.lock:
            self.gcp.enable(name.split("/")[1], service_of(BASE))
            channel = {"name": name, "type": type, "displayName": name.rsplit("/", 1)[-1], "labels": {},
                       "enabled": True, "verificationStatus": "VERIFIED"}
            self.gcp.store[name] = channel
            return channel

    def policies(self) -> dict[str, JSON]:
        """Every alert policy held, by name."""
        return {k: v for k, v in self.gcp.store.items() if "/alertPolicies/" in k and k.count("/") == 3}

    # --- routes -------------------------------------------------------------------------------------

    def _key(self, req: Request) -> str:
        self.gcp.require_project(req.params["project"])
        return f"projects/{req.params['project']}/alertPolicies/{req.params['id']}"

    def _existing(self, key: str) -> JSON:
        found = self.gcp.store.get(key)
        if found is None:
            raise ApiError(404, f"Alerting policy {key} does not exist.", status="NOT_FOUND")
        return found

    def get_channel(self, req: Request) -> JSON:
        self.gcp.require_project(req.params["project"])
        key = f"projects/{req.params['project']}/notificationChannels/{req.params['id']}"
        found = self.gcp.store.get(key)
        if found is None:
            raise ApiError(404, f"Notification channel {key} does not exist.", status="NOT_FOUND")
        return found

    def _record(self) -> JSON:
        return {"mutateTime": self.gcp.timestamp(), "mutatedBy": MUTATED_BY}

    def _checked(self, project: str, policy: JSON, name: str, before: JSON | None = None) -> JSON:
        """The policy as GCP stores it: checked, condition names kept or given, ``enabled`` defaulted."""
        if not policy.get("displayName"):
            raise invalid("Field alert_policy.display_name is required.")
        if policy.get("combiner") not in COMBINERS:
            raise invalid(f"Field alert_policy.combiner had an invalid value of {policy.get('combiner')!r}.")
        conditions = policy.get("conditions") or []
        if not 1 <= len(conditions) <= MAX_CONDITIONS:
            raise invalid(f"An alerting policy must have between 1 and {MAX_CONDITIONS} conditions; "
                           f"got {len(conditions)}.")
        known = {c.get("name") for c in (before or {}).get("conditions", [])}
        named = []
        for i, condition in enumerate(conditions):
            kinds = [k for k in CONDITION_KINDS if k in condition]
            if len(kinds) != 1:
                raise invalid(f"Field alert_policy.conditions[{i}] must have exactly one condition type.")
            if not condition.get("displayName"):
                raise invalid(f"Field alert_policy.conditions[{i}].display_name is required.")
            threshold = condition.get("conditionThreshold")
            if threshold is not None and not threshold.get("filter"):
                raise invalid(f"Field alert_policy.conditions[{i}].condition_threshold.filter is required.")
            condition = dict(condition)
            if condition.get("name") not in known:
                condition["name"] = f"{name}/conditions/{self.gcp.next_id()}"
            named.append(condition)
        for i, channel in enumerate(policy.get("notificationChannels", [])):
            if not channel.startswith(f"projects/{project}/notificationChannels/") or channel not in self.gcp.store:
                raise invalid(f"Field alert_policy.notification_channels[{i}] had an invalid value of "
                               f'"{channel}": Notification channel does not exist or is not in project {project}.')
        policy["conditions"] = named
        policy.setdefault("enabled", True)
        return policy

    def create(self, req: Request) -> JSON:
        project = req.params["project"]
        self.gcp.require_project(project)
        name = f"projects/{project}/alertPolicies/{self.gcp.next_id()}"
        body: dict[str, Any] = {k: v for k, v in req.body.items() if k not in ("name", "creationRecord",
                                                                               "mutationRecord")}
        policy = self._checked(project, {"name": name, **body}, name)
        policy.update(creationRecord=self._record(), mutationRecord=self._record())
        self.gcp.store[name] = policy
        return policy

    def get(self, req: Request) -> JSON:
        return self._existing(self._key(req))

    def patch(self, req: Request) -> JSON:
        key = self._key(req)
        before = self._existing(key)
        current = dict(before)
        mask = [f for f in req.query.get("updateMask", "").split(",") if f]
        for field in mask or [f for f in UPDATABLE if f in req.body]:
            if field not in UPDATABLE:
                raise invalid(f"Field update_mask had an invalid value: {field} cannot be updated.")
            if field in req.body:
                current[field] = req.body[field]
            else:
                current.pop(field, None)
        policy = self._checked(req.params["project"], current, key, before)
        policy["mutationRecord"] = self._record()
        self.gcp.store[key] = policy
        return policy

    def delete(self, req: Request) -> JSON:
        key = self._key(req)
        self._existing(key)
        del self.gcp.store[key]
        return {}
