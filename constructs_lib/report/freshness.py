"""Whether a stack's REVIEW.md describes the cdk.tf.json beside it: the review records the JSON's digest.

``make report`` writes the digest into the review's first line (``<!-- review of cdk.tf.json sha256:… -->``,
hidden when the Markdown is rendered; the same digest is shown in its header). Every synth that rewrites a
stack's JSON then calls ``mark_stale``: a review of another JSON is rewritten as a short notice that it is out
of date, so no REVIEW.md ever sits silently beside a JSON it does not describe; ``make diff`` and ``make
deploy`` read ``review_state`` and warn when the review is missing or out of date.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .output_file import write_output

__all__ = ["JSON_NAME", "REPORT_NAME", "ReviewState", "digest_line", "json_digest", "mark_stale", "review_state"]

REPORT_NAME = "REVIEW.md"
JSON_NAME = "cdk.tf.json"
_NONE = "0" * 64
_MARK = re.compile(r"^<!-- review of (\S+) sha256:([0-9a-f]{64})( out of date)? -->$")


def json_digest(path: Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest_line(json_name: str, digest: str, *, stale: bool = False) -> str:
    """The review's first line: which JSON, by digest, it describes."""
    return f"<!-- review of {json_name} sha256:{digest}{' out of date' if stale else ''} -->"


@dataclass(frozen=True)
class ReviewState:
    """A stack's review against its JSON.

    Attributes:
        state: ``current`` (the review describes the JSON), ``stale`` (another JSON, or no digest recorded) or
            ``missing`` (no REVIEW.md, or no cdk.tf.json to compare with).
        review: the REVIEW.md path.
        reviewed: the digest the review records (``""`` when none).
        current: the digest of the JSON now (``""`` when there is none).
    """

    state: str
    review: Path
    reviewed: str = ""
    current: str = ""


def _recorded(review: Path) -> tuple[str, bool]:
    """(digest recorded in a review, whether it is marked out of date); ``("", True)`` for a review without one."""
    try:
        with review.open(encoding="utf-8", errors="replace") as file:
            first = file.readline().rstrip("\n")
    except OSError:
        return "", True
    match = _MARK.match(first)
    return (match.group(2), bool(match.group(3))) if match else ("", True)


def review_state(stack_dir: Path) -> ReviewState:
    """Whether ``stack_dir/REVIEW.md`` describes ``stack_dir/cdk.tf.json``."""
    review, data = stack_dir / REPORT_NAME, stack_dir / JSON_NAME
    current = json_digest(data) if data.is_file() else ""
    if not review.is_file():
        return ReviewState("missing", review, current=current)
    reviewed, marked = _recorded(review)
    fresh = bool(current) and reviewed == current and not marked
    return ReviewState("current" if fresh else "stale", review, reviewed, current)


def mark_stale(stack_dir: Path, *, stack: str, command: str) -> Path | None:
    """Rewrite ``stack_dir/REVIEW.md`` as an out-of-date notice unless it describes the JSON beside it.

    Args:
        stack_dir: the stack's folder, its JSON just written.
        stack: the stack's name, for the notice.
        command: what writes the review again (``make report ENV=production``).

    Returns:
        The review rewritten, or None (no review, or one that is current).
    """
    found = review_state(stack_dir)
    if found.state != "stale":
        return None
    known = found.reviewed.strip("0")  # a notice for a review that recorded no digest keeps zeros
    earlier = f"sha256 `{found.reviewed}`" if known else "no recorded digest"
    write_output(found.review, "\n".join([
        digest_line(JSON_NAME, found.reviewed if known else _NONE, stale=True),
        f"# Review of stack `{stack}`: out of date", "",
        f"The review that was here described another `{JSON_NAME}` ({earlier}). The stack has been synthesized "
        f"again since: [{JSON_NAME}]({JSON_NAME}) is now sha256 `{found.current}`, and nothing here describes it.",
        "", f"Run `{command}` and read the new review before `make diff` or `make deploy`.", ""]))
    return found.review
