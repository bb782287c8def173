"""User strings as Terraform data: the one place a free-form string is made literal.

Terraform reads ``${…}`` and ``%{…}`` inside every string of a ``.tf.json``
file as template syntax (an interpolation or a directive), so a value such as
``${file("/etc/passwd")}`` would be evaluated on the machine that runs the plan.
Terraform's own escapes are ``$${`` for a literal ``${`` and ``%%{`` for a
literal ``%{`` (https://developer.hashicorp.com/terraform/language/expressions/strings,
"Escape sequences"); ``terraform_literal`` writes them.

cdktf encodes references to other resources as marker strings
(``${TfToken[TOKEN.1]}``, ``#{TfToken[…]}``, ``&{TfToken[…]}``: cdktf's
``lib/tokens/private/encoding.js``) and resolves any such marker it finds in a
string, so a user string holding one would become a reference. No escape
prevents that: validation rejects such strings (``has_token_marker``), and
``terraform_literal`` refuses them too.

Backend blocks are read literally by Terraform (no interpolation): their
settings must not go through ``terraform_literal``.

Nothing here imports cdktf, so validation can use it.
"""

from __future__ import annotations

import re

__all__ = ["TOKEN_MARKER", "TOKEN_MARKER_EXPECTED", "has_token_marker", "literal_text", "terraform_literal"]

# cdktf's BEGIN_STRING/LIST/MAP_TOKEN_MARKER followed by a key (cdktf's VALID_KEY_CHARS).
TOKEN_MARKER = re.compile(r"[$#&]\{TfToken\[[a-zA-Z0-9:._-]+\]\}")
TOKEN_MARKER_EXPECTED = "a string without cdktf's token markers (${TfToken[…]}, #{TfToken[…]}, &{TfToken[…]})"


def has_token_marker(text: str) -> bool:
    """Whether cdktf would read part of ``text`` as a reference to another construct."""
    return TOKEN_MARKER.search(text) is not None


def terraform_literal(text: str) -> str:
    """``text`` as a Terraform string value that evaluates to exactly ``text``.

    Raises:
        ValueError: ``text`` holds a cdktf token marker (validation rejects those first).
    """
    if has_token_marker(text):
        raise ValueError(f"{text!r} holds a cdktf token marker: cdktf would turn it into a reference")
    return text.replace("${", "$${").replace("%{", "%%{")


_ESCAPE = re.compile(r"([$%])\1\{")


def literal_text(template: str) -> str:
    """What Terraform evaluates a string of the synthesized JSON to when it holds no interpolation: ``$${`` read as
    ``${`` and ``%%{`` as ``%{``, left to right (``$$${`` is ``$${``). The inverse of ``terraform_literal``, for
    what reads the JSON and shows a user's string (the review names a NAT rule by its description as the
    allowlist, read from the state, does)."""
    return _ESCAPE.sub(lambda m: m.group(1) + "{", template)
