"""Reading TOML and reporting every problem at once.

``Reader`` takes keys out of a parsed TOML document, checks their types and
rules, and records a ``Problem`` (file, key, expected, given) for each one
that is wrong instead of stopping at the first; the caller raises one
``ConfigError`` listing them all. Shared by the environment and bootstrap
file models.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, Callable, Mapping

from ..facts.literal import TOKEN_MARKER_EXPECTED, has_token_marker
from .keys import RFC1035, did_you_mean, dotted, list_items
from .problems import ConfigError, Problem, one_line
from .toml_file import MAX_FILE_BYTES, MAX_NESTING, read_toml

__all__ = ["MAX_FILE_BYTES", "MAX_NESTING", "MISSING", "RFC1035", "ConfigError", "Problem", "Reader", "one_line",
           "read_toml"]

_ADDRESS_NAME_EXPECTED = ("an address name (lowercase letters, digits and hyphens, starting with a letter, "
                          "at most 63 characters)")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def _show(value: Any) -> str:
    """Render a TOML value the way the user wrote it, for messages."""
    if value is MISSING:
        return "nothing (the key is missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Escaped like a TOML basic string, so a value with a line break stays on its problem's line.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"an integer of {len(str(abs(value))) if value.bit_length() < 14_000 else 'more than 4,300'} digits"
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        # TOML's own date-time forms, as written (RFC 3339).
        return value.isoformat()
    return repr(value)


def _under(key: str, parent: str) -> bool:
    """Whether a problem's key lies inside ``parent``: a key of its table or an entry of its array."""
    return key.startswith((parent + ".", parent + "["))


_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "a table", list: "a list"}


class Reader:
    """Reads keys out of parsed TOML, recording every problem instead of stopping."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self._marked: set[str] = set()
        # Keys whose value should be a table (or an array of tables) and is not: what it holds is unknown, so
        # nothing under it is reported (a key "missing" from `state = 1` is only that one problem again).
        self._not_tables: set[str] = set()

    def problem(self, key: str, expected: str, given: Any) -> None:
        """Record a problem with a TOML value, rendered as the user wrote it."""
        self.shown(key, expected, _show(given))

    def shown(self, key: str, expected: str, given: str) -> None:
        """Record a problem whose ``given`` is already a description.

        A key already reported for a cdktf token marker gets no second problem, nor does a key under a table
        already reported as not one (``not_a_table``).
        """
        if key in self._marked or any(_under(key, table) for table in self._not_tables):
            return
        self.problems.append(Problem(self.source, key, expected, given))

    def has_problem(self, key: str) -> bool:
        """Whether a problem is recorded for ``key`` or under it, or ``key`` is in a table reported as not one: a rule
        reading that key would read a stand-in."""
        return any(p.key == key or _under(p.key, key) for p in self.problems) or \
            any(key == table or _under(key, table) for table in self._not_tables)

    def not_a_table(self, key: str, expected: str, given: Any) -> None:
        """Record that ``key`` holds something other than the table (or array of tables) ``expected``; no problem
        under it is recorded after this one: each would be this problem again."""
        self.problem(key, expected, given)
        self._not_tables.add(key)

    def token_markers(self, data: Mapping[str, Any]) -> None:
        """Report every key and string value, at any depth, that holds a cdktf token marker.

        cdktf would resolve such a marker into a reference to another resource (or
        crash), so no string of a file may hold one. Walked without recursion: a
        document may be nested deeply.
        """
        pending: list[tuple[str, Any]] = [("", data)]
        while pending:
            path, value = pending.pop()
            if isinstance(value, str):
                if has_token_marker(value):
                    self.shown(path or "(file)", TOKEN_MARKER_EXPECTED, _show(value))
                    self._marked.add(path)
            elif isinstance(value, dict):
                for k, v in reversed(list(value.items())):
                    where = dotted(path, k)
                    if isinstance(k, str) and has_token_marker(k):
                        self.shown(where, TOKEN_MARKER_EXPECTED, f"the key {_show(k)}")
                        self._marked.add(where)
                    else:
                        pending.append((where, v))
            elif isinstance(value, list):
                pending.extend(reversed(list_items(path, value)))

    def stack_name(self, stack: str) -> None:
        """Report a file stem that cannot be a stack name."""
        if not RFC1035.fullmatch(stack):
            self.problem("(file name)", "a file stem usable as a stack name "
                         "(lowercase letters, digits and hyphens, starting with a letter)", stack)

    def table(self, data: Mapping[str, Any], path: str, known: tuple[str, ...]) -> None:
        """Report every key of ``data`` that is not in ``known``, with the known keys it is closest to."""
        for key in data:
            if key not in known:
                where = dotted(path, key)
                self.shown(where, f"one of the known keys ({', '.join(known)})", f"an unknown key{did_you_mean(key, known)}")

    def sub_table(self, data: Mapping[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, MISSING)
        if value is MISSING:
            return {}
        if not isinstance(value, dict):
            self.not_a_table(key, "a table", value)
            return {}
        return value

    def get(
        self,
        data: Mapping[str, Any],
        path: str,
        key: str,
        kind: type,
        *,
        default: Any = MISSING,
        check: Callable[[Any], bool] | None = None,
        expected: str = "",
    ) -> Any:
        """Return ``data[key]`` if it has the right type and passes ``check``.

        A problem is recorded (and ``default``, or None, returned) when the key
        is missing without a default, has the wrong type or fails the check.
        """
        where = f"{path}.{key}" if path else key
        value = data.get(key, MISSING)
        if value is MISSING:
            if default is MISSING:
                self.problem(where, expected or _TYPE_NAMES[kind], value)
                return None
            return default
        wrong_type = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if wrong_type:
            self.problem(where, expected or _TYPE_NAMES[kind], value)
            return None if default is MISSING else default
        if check is not None and not check(value):
            self.problem(where, expected, value)
            return None if default is MISSING else default
        return value

    def name_list(self, data: Mapping[str, Any], path: str, key: str) -> tuple[str, ...]:
        """A list of address names: each an RFC 1035 name, none twice; () when the key is missing."""
        raw = data.get(key, MISSING)
        if raw is MISSING:
            return ()
        if not isinstance(raw, list):
            self.problem(f"{path}.{key}", "a list of address names", raw)
            return ()
        return self.unique_strings(raw, f"{path}.{key}", valid=RFC1035.fullmatch, expected=_ADDRESS_NAME_EXPECTED)

    def unique_strings(self, raw: list[Any], where: str, *, valid: Callable[[str], Any], expected: str,
                       noun: str = "name") -> tuple[str, ...]:
        """The strings of ``raw`` that pass ``valid``, each once; a problem for every other item.

        Args:
            raw: the list as given.
            where: its key (``egress.static_ip_names``), to which ``[i]`` is added.
            valid: whether a string is acceptable.
            expected: what an item should be, for the problem line.
            noun: what an item is, for the problem line of a repeat (``a name not already at …``).
        """
        found: list[str] = []
        for i, item in enumerate(raw):
            if not isinstance(item, str) or not valid(item):
                self.problem(f"{where}[{i}]", expected, item)
            elif item in found:
                self.problem(f"{where}[{i}]", f"a {noun} not already at {where}[{raw.index(item)}]", item)
            else:
                found.append(item)
        return tuple(found)

    def string_map(self, data: Mapping[str, Any], path: str, key: str, key_rule: re.Pattern[str],
                   key_expected: str, value_rule: re.Pattern[str] | None, value_expected: str) -> dict[str, str]:
        table = self.get(data, path, key, dict, default={})
        result: dict[str, str] = {}
        for k, v in table.items():
            where = dotted(f"{path}.{key}", k)
            ok = True
            if not key_rule.fullmatch(k):
                self.shown(where, key_expected, f"the key {_show(k)}")
                ok = False
            if not isinstance(v, str) or (value_rule is not None and not value_rule.fullmatch(v)):
                self.problem(where, value_expected, v)
                ok = False
            if ok:
                result[k] = v
        return result
