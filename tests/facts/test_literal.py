"""``terraform_literal`` against a model of Terraform's template unescaping, in milliseconds.

Terraform reads every string of a ``.tf.json`` as a template (HCL's template scanner,
hashicorp/hcl ``hclsyntax/scan_tokens.rl``): ``$${`` is a literal ``${`` and ``%%{`` a literal ``%{``; any other
``${`` starts an interpolation and ``%{`` a directive; every other character, a ``$`` or ``%`` not before ``{``
included, is itself. ``unescaped`` is that reading, for a template with no interpolation or directive. The same
property is shown with real Terraform in tests/integration/test_strings_are_data.py, minutes slower.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from constructs_lib.facts.literal import literal_text, terraform_literal


def unescaped(template: str) -> str | None:
    """What Terraform evaluates ``template`` to, or None when it holds an interpolation or a directive."""
    out, i = [], 0
    while i < len(template):
        if template.startswith(("$${", "%%{"), i):
            out.append(template[i + 1:i + 3])
            i += 3
        elif template.startswith(("${", "%{"), i):
            return None
        else:
            out.append(template[i])
            i += 1
    return "".join(out)


def test_the_model_reads_terraforms_escapes():
    assert unescaped("$${x} %%{y} $ % {}") == "${x} %{y} $ % {}"
    assert unescaped("$$${x}") == "$${x}"
    assert unescaped("a${x}") is None and unescaped("%{ if x }") is None


# Template syntax's own pieces, so that escapes beside escapes are drawn at once, and any text too.
PIECES = st.lists(st.sampled_from(["$", "%", "{", "}", "${", "%{", "$${", "%%{", "$$", "%%", "x", "\\"]), max_size=16)
TEXT = st.one_of(PIECES.map("".join), st.text(max_size=40)).filter(lambda s: "TfToken[" not in s)


@settings(max_examples=2000, deadline=None)
@example("${a}${b}")  # a literal that escaped only the first ${ would let the second one through
@example("%{a}%{b}")
@example("$${a}")
@given(TEXT)
def test_every_string_evaluates_to_itself(text):
    assert unescaped(terraform_literal(text)) == text


@settings(max_examples=2000, deadline=None)
@example("$$${a}")
@example("%%%{a}")
@given(TEXT)
def test_the_reports_reading_of_a_literal_is_terraforms(text):
    # REVIEW.md reads the synthesized JSON, the allowlist a state: a description must read the same in both.
    assert literal_text(terraform_literal(text)) == text
    template = terraform_literal(text)
    assert literal_text(template) == unescaped(template)
