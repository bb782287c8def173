"""Every key of every shipped and fixture file, given each hostile value: validation ends in problem lines that
name that key (or it accepts the value), never in an exception of another kind.

tests/app/test_hostile_property.py runs whole folders through the app for a sample of keys; this one walks every
key a file states (tables of tables and arrays of tables included: ``[[nat.rules]]``, ``[[jobs]]``,
``[[worker_pools]]``, ``[adopt]``, ``[alerts]``, the bootstrap file's) with every kind of value TOML can hold
that the key does not expect, in milliseconds each, validation only.
"""

from __future__ import annotations

import copy
import datetime
import re
import tomllib
from pathlib import Path
from typing import Any, Iterator

import pytest

from constructs_lib.config import ConfigError, parse_bootstrap, parse_environment
from tests.support.paths import ROOT

# Every valid file we ship or test with (capacity-fails.toml is refused on purpose: its peak is too high).
# tests/fixtures/every-key/ states every key of docs/configuration.md at least once.
FILES = sorted(p for p in [*(ROOT / "environments").glob("*.toml"), *(ROOT / "environments" / "bootstrap").glob(
    "*.toml"), *(ROOT / "examples").glob("*.toml"), *(ROOT / "tests" / "fixtures").rglob("*.toml")]
    if p.name != "capacity-fails.toml")

# A value the key takes alone that a rule across keys then refuses under another key it reads: no address left
# in the pool once existing_ips is emptied beside static_ip_count = 0 is static_ip_count's problem; addresses
# emptied from static_ip_names leave draining_ips and a rule's ips naming addresses of no pool; connections
# opened faster than any port can be freed are a peak the chain cannot hold.
ELSEWHERE = {("egress.existing_ips", "[]"): "egress.static_ip_count",
             ("egress.static_ip_names", "[]"): "egress.draining_ips[]",
             ("capacity.new_connections_per_second", repr(2**63 - 1)): "capacity.peak_connections_per_destination"}

# What a hostile user would write instead of the value a key expects: text that could forge a line, reach the
# terminal or be read by Terraform as a template, and every other TOML type.
HOSTILE: list[Any] = [
    "a\nb", "\x1b[2J\x1b[31mred", "${file(\"/etc/passwd\")}", "%{ for x in y }", "${TfToken[TOKEN.1]}",
    "\u202egnp.exe", "", "é" * 300, {}, {"x": 1}, [], [{}], 1.5, float("nan"), True, -1, 2**63 - 1,
    datetime.date(2026, 1, 1), datetime.time(12, 0),
]


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every key of a parsed document that holds a value (not a table), arrays of tables walked."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, item in enumerate(value):
            yield from leaves(item, (*path, i))
    elif path:
        yield path


def shape(path: tuple[Any, ...]) -> str:
    """A key path as problem lines write it, each entry of an array of tables as ``[]`` (they name one by its
    name or its position): ``services[].image``."""
    return ".".join(f"{p}" if isinstance(p, str) else "[]" for p in path).replace(".[]", "[]")


def named(key: str) -> str:
    """A problem line's key in ``shape``'s terms: ``services[production].image`` → ``services[].image``."""
    return re.sub(r"\[[^\]]*\]", "[]", key)


CASES = [(f, p) for f in FILES for p in leaves(tomllib.loads(f.read_text(encoding="utf-8")))]


def documented_keys() -> set[str]:
    """Every key of the first ```toml block of docs/configuration.md ("Every key, with its default"), set or
    commented out, in ``shape``'s terms: ``services[].port``, ``nat.rules[].number``, ``state.workspace_tags``."""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    keys, table = set(), ""
    for line in block.splitlines():
        header = re.match(r"^#?\s*(\[\[?)([a-z_.]+)\]\]?", line)
        if header:
            table = header[2] + ("[]" if header[1] == "[[" else "")
            continue
        # A key starts its line, set or commented out (an indented comment goes on the line above); the alerts'
        # line sets three, two spaces or more apart; what follows "  #" is a comment, `{ team = … }` a value.
        code = re.match(r"^(?:# ?)?([a-z_]+\s*=.*?)(?:\s+#.*)?$", line)
        if code:
            for key in re.findall(r"(?:^|\s{2,})([a-z_]+)\s*=", code[1]):
                keys.add(f"{table}.{key}" if table else key)
    return keys


def test_the_files_state_every_documented_key():
    # The walk below reaches a key only where a file states it: tests/fixtures/every-key/ states those no
    # shipped file does. A key added to the docs and to no file fails here.
    documented = documented_keys()
    assert {"project", "state.workspace_tags", "nat.rules[].number", "services[].port", "worker_pools[].instances",
            "alerts.connector_cpu_duration_sec", "network.auto_mode", "adopt.worker_pools"} <= documented
    shapes = {shape(p) for _, p in CASES}
    missing = sorted(k for k in documented if not any(s == k or s.startswith((f"{k}.", f"{k}[")) for s in shapes))
    assert missing == []
    bootstrap = {shape(p) for f, p in CASES if f.parent.name == "bootstrap"}
    assert {"bootstrap.project", "bootstrap.bucket", "bootstrap.location", "bootstrap.noncurrent_versions"} <= bootstrap


def set_value(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def validate(path: Path, doc: dict[str, Any]) -> None:
    parse = parse_bootstrap if "bootstrap" in doc else parse_environment
    parse(doc, stack=path.stem, source=str(path))


@pytest.mark.parametrize("path, key", CASES, ids=[f"{f.relative_to(ROOT)}:{shape(p)}" for f, p in CASES])
def test_each_hostile_value_of_each_key_is_a_problem_naming_it_or_accepted(path, key):
    original = tomllib.loads(path.read_text(encoding="utf-8"))
    validate(path, copy.deepcopy(original))  # the file as shipped is valid
    wrong = []
    for value in HOSTILE:
        doc = copy.deepcopy(original)
        set_value(doc, key, value)
        try:
            validate(path, doc)
        except ConfigError as err:
            text = str(err)
            assert all(line.isprintable() for line in text.splitlines()), text
            assert len(text.splitlines()) == len(err.problems) + 1, text
            keys = {named(p.key) for p in err.problems}
            # The key itself, or a key of the table it changed into (a table where a value belongs: its keys
            # are unknown), or the key a near-miss is reported under.
            if not any(k == shape(key) or k.startswith((f"{shape(key)}.", f"{shape(key)}[")) for k in keys):
                if ELSEWHERE.get((shape(key), repr(value))) not in keys:
                    wrong.append((value, sorted(keys)))
        except Exception as err:  # noqa: BLE001 - any other exception is the defect this test exists to find
            pytest.fail(f"{shape(key)} = {value!r}: {type(err).__name__}: {err}")
    assert wrong == [], f"{shape(key)}: problems that do not name the key: {wrong}"
