"""The chain policies applied to stacks: a cdktf Aspect, and a check that runs before anything is written.

Every ``EgressStack`` gets the pack. A stack of your own built from
constructs_lib gets the same with one call::

    from constructs_lib.policies.pack import apply_chain_policies, check_app

    stack = TerraformStack(app, "payments")
    ...                                   # Subnetwork, Connector, RouterNat, CloudRunService, ...
    apply_chain_policies(stack, public_services=["webhook"])   # services allowed to be public

    failures = check_app(app)             # optional: stop before cdktf writes anything
    if failures:
        raise SystemExit("\\n".join(str(f) for f in failures))
    app.synth()                           # also fails, with error annotations, on any violation

At synth the Aspect reads the stack as Terraform will get it
(``TerraformStack.to_terraform()``, every token resolved, overrides applied)
and adds an error annotation, naming the rule, the resource and the fix, to
each resource that breaks a rule; cdktf then refuses to synthesize. cdktf
writes the stacks that came before the failing one, so ``check_app`` (what
main.py uses) runs the same rules first and lets the caller stop with nothing
written.
"""

from __future__ import annotations

from typing import Iterable

import jsii

from .._provider.cdk import Annotations, App, Aspects, IAspect, IConstruct, TerraformStack
from .engine import Finding, Rule, findings
from .rules import RULES
from .document import StackDocument

__all__ = ["ChainPolicyPack", "apply_chain_policies", "check_app", "check_stack"]


def check_stack(stack: TerraformStack, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every violation of the rules in ``stack``, as Terraform would get it."""
    return findings(StackDocument(stack.to_terraform(), stack=stack.node.id), rules)


@jsii.implements(IAspect)
class ChainPolicyPack:
    """An Aspect that fails the synth of the stack it is added to on any chain policy violation.

    Add it with ``apply_chain_policies`` rather than directly: that also records
    which services may be public, which the rules read from the stack itself.
    """

    def __init__(self, rules: Iterable[Rule] = RULES) -> None:
        self.rules = tuple(rules)
        # Set by check_app(..., final=True): the stack passed as it will be synthesized, so the synth need not
        # resolve it again (each visit is also a call from node into Python, for every construct).
        self.checked = False

    def visit(self, node: IConstruct) -> None:
        """Checks the whole stack once, when visiting the stack itself; other nodes are skipped."""
        if self.checked or not TerraformStack.is_stack(node):
            return
        by_path = {c.node.path: c for c in node.node.find_all()}
        for finding in check_stack(node, self.rules):
            Annotations.of(by_path.get(finding.path, node)).add_error(finding.message)


def apply_chain_policies(stack: TerraformStack, *, public_services: Iterable[str] = ()) -> ChainPolicyPack:
    """Apply the chain policy pack to ``stack``.

    Args:
        stack: the stack to check at synth.
        public_services: names of the Cloud Run services that may be invoked by
            allUsers; any other public binding fails the synth (EGRESS-005). They
            are recorded in the synthesized JSON (``//.egress_policy``, a comment
            Terraform ignores) so the review report can tell an allowed public
            service from a mistake.

    Returns:
        The Aspect added to the stack.
    """
    allowed = sorted(set(public_services))
    if allowed:
        stack.add_override("//.egress_policy.public_services", allowed)
    pack = ChainPolicyPack()
    Aspects.of(stack).add(pack)
    return pack


def check_app(app: App, *, final: bool = False) -> list[Finding]:
    """Every violation in the stacks of ``app`` that carry the pack, without writing anything.

    Args:
        app: the App whose stacks to check.
        final: the stacks will not change before ``app.synth()`` (main.py's case): the packs of stacks
            that passed then skip their check at synth, which would resolve each stack a second time.
    """
    found: list[Finding] = []
    for child in app.node.children:
        if not TerraformStack.is_stack(child):
            continue
        for aspect in Aspects.of(child).all:
            if isinstance(aspect, ChainPolicyPack):
                failures = check_stack(child, aspect.rules)
                found.extend(failures)
                aspect.checked = final and not failures
    return found
