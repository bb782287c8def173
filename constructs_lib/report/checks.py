"""The report's "Alerts" and "Policy results" sections: what watches the chain and what guards it."""

from __future__ import annotations

from ..facts.resources import ALERT_POLICY
from ..policies import evaluate
from ..policies.document import StackDocument
from .markdown import code, show, table, text

__all__ = ["alerts_section", "policy_section"]


_COMPARISONS = {"COMPARISON_GT": ">", "COMPARISON_GE": "≥", "COMPARISON_LT": "<", "COMPARISON_LE": "≤",
                "COMPARISON_EQ": "=", "COMPARISON_NE": "≠"}


def alerts_section(doc: StackDocument) -> list[str]:
    """The alert policies ([alerts]): what each watches, when it fires, whom it notifies."""
    rows = []
    for r in doc.resources(ALERT_POLICY):
        for condition in r.get("conditions") or []:
            threshold = condition.get("condition_threshold") or {}
            aggregation = (threshold.get("aggregations") or [{}])[0]
            fires = (f"{aggregation.get('per_series_aligner', '—')} over {aggregation.get('alignment_period', '—')}"
                     + (f", {aggregation['cross_series_reducer']}" if aggregation.get("cross_series_reducer") else "")
                     + f" {_COMPARISONS.get(threshold.get('comparison'), threshold.get('comparison'))} "
                     f"{show(threshold.get('threshold_value', 0))} for {threshold.get('duration', '0s')}")
            rows.append((text(r.get("display_name")), text(show(doc.project(r))),
                         code(threshold.get("filter", "—")), text(fires),
                         "<br>".join(text(c) for c in r.get("notification_channels") or []) or "nobody",
                         code(r.path)))
    return ["## Alerts", "",
            "Cloud Monitoring alert policies on the chain (`[alerts]`): port exhaustion shows in no Cloud Run log, "
            "only in these metrics. Each policy's documentation quotes the capacity figures above and names the "
            "keys that fix what it reports.", "",
            *table(("policy", "project", "filter", "fires when", "notifies", "construct"), rows), ""]


# -- policies -----------------------------------------------------------------


def policy_section(doc: StackDocument) -> list[str]:
    rows = []
    for outcome in evaluate(doc):
        details = "<br>".join(("✔ " if r.compliant else "✘ ") + text(r.detail) for r in outcome.results)
        rows.append((outcome.rule.id, outcome.status, outcome.rule.title, details or "nothing to check"))
    return ["## Policy results", "", *table(("rule", "result", "guarantee", "details"), rows), ""]
