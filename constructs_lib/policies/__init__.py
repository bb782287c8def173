"""The chain's policy rules, cdk-nag's shape: the synthesized stack document (``document``), the engine
(``engine``), one module per rule (``rules/``, whose ``RULES`` is the pack) and the pack applied to an App as a
cdktf Aspect (``pack``).

Layer: reads only the synthesized JSON; imports ``facts``, and ``_provider`` in ``pack`` alone, so the report
can evaluate the rules without loading cdktf. ``pack.ChainPolicyPack`` fails the synth on a violation;
``report`` prints every rule's results for review.
"""

from __future__ import annotations

from typing import Iterable

from . import engine
from .engine import Finding, Result, Rule, RuleOutcome, rule
from .rules import RULES

__all__ = ["Finding", "RULES", "Result", "Rule", "RuleOutcome", "evaluate", "findings", "rule"]


def evaluate(doc: engine.StackDocument, rules: Iterable[Rule] = RULES) -> list[RuleOutcome]:
    """Apply the pack's rules (or ``rules``) to a synthesized stack."""
    return engine.evaluate(doc, rules)


def findings(doc: engine.StackDocument, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every violation of the pack's rules (or of ``rules``) in a synthesized stack, rule by rule."""
    return engine.findings(doc, rules)
