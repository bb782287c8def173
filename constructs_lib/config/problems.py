"""The problem format: file, key, expected, given; one line each, whatever the user wrote.

Every check of the app records a ``Problem`` instead of stopping, and one ``ConfigError`` lists them all.
A problem line is printed through ``one_line``, so no file name, key or value a user controls can start a
line of its own or reach the terminal as a control code.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..facts.text import one_line

__all__ = ["ConfigError", "Problem", "one_line"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an environment file.

    Attributes:
        source: the file, as the user named it.
        key: dotted path of the key (``connector.max_instances``, ``services[production].image``: a service by its
            name, ``keys.service_path``).
        expected: what the key must hold.
        given: what the file holds, already rendered for display.
    """

    source: str
    key: str
    expected: str
    given: str

    def __str__(self) -> str:
        # Every field may hold what a user wrote (a file name, a key, a value, another file's name): one line.
        return one_line(f"{self.source}: {self.key}: expected {self.expected}, got {self.given}")


class ConfigError(ValueError):
    """An environment file failed validation; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} in the environment configuration:\n{lines}")
