"""The policy engine: a rule, its results and findings, and applying rules to a synthesized stack.

Each rule is a small pure function over a synthesized stack (``StackDocument``)
that yields one ``Result`` per resource it applies to, compliant or not; a rule
that applies to nothing is "not applicable". The rules themselves live one per
module in ``rules/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from .document import StackDocument

__all__ = ["Finding", "Result", "Rule", "RuleOutcome", "evaluate", "findings", "rule"]


@dataclass(frozen=True)
class Result:
    """One rule applied to one resource.

    Attributes:
        path: the resource's construct path (``example/Chain/Service-api/Resource``).
        compliant: whether the resource satisfies the rule.
        detail: what was found, in words a reviewer can check against the JSON.
    """

    path: str
    compliant: bool
    detail: str


@dataclass(frozen=True)
class Rule:
    """A chain policy: an id, what it guarantees, how to fix a violation, and its check."""

    id: str
    title: str
    fix: str
    check: Callable[[StackDocument], Iterable[Result]]


@dataclass(frozen=True)
class Finding:
    """A violation: the rule, the resource and what to do about it."""

    rule_id: str
    path: str
    detail: str
    fix: str

    @property
    def message(self) -> str:
        """The annotation text (cdktf prefixes the construct path itself)."""
        return f"{self.rule_id}: {self.detail}. Fix: {self.fix}"

    def __str__(self) -> str:
        return f"{self.rule_id} {self.path}: {self.detail}. Fix: {self.fix}"


@dataclass(frozen=True)
class RuleOutcome:
    """Every result of one rule on one stack."""

    rule: Rule
    results: tuple[Result, ...]

    @property
    def status(self) -> str:
        """``pass``, ``FAIL`` or ``n/a`` (the rule applies to nothing in the stack)."""
        if not self.results:
            return "n/a"
        return "pass" if all(r.compliant for r in self.results) else "FAIL"


def rule(id: str, title: str, fix: str) -> Callable[[Callable[[StackDocument], Iterable[Result]]], Rule]:
    """Make a check function a rule; ``rules.RULES`` lists the rules of the pack, in order."""

    def make(check: Callable[[StackDocument], Iterable[Result]]) -> Rule:
        return Rule(id=id, title=title, fix=fix, check=check)

    return make


def evaluate(doc: StackDocument, rules: Iterable[Rule]) -> list[RuleOutcome]:
    """Apply every rule to a synthesized stack."""
    return [RuleOutcome(r, tuple(r.check(doc))) for r in rules]


def findings(doc: StackDocument, rules: Iterable[Rule]) -> list[Finding]:
    """Every violation in a synthesized stack, rule by rule."""
    return [
        Finding(outcome.rule.id, result.path, result.detail, outcome.rule.fix)
        for outcome in evaluate(doc, rules)
        for result in outcome.results
        if not result.compliant
    ]
