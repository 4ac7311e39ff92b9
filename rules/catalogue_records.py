"""The records of the rule catalogue: success criteria, categories and the catalogue itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from massaudit.rules.model import Rule

LEVELS = ("A", "AA", "AAA")
WCAG_VERSIONS = ("2.0", "2.1", "2.2")


@dataclass(frozen=True)
class SuccessCriterion:
    number: str
    title: str
    level: str
    version: str
    slug: str = ""
    removed: str | None = None
    understanding_base: str = ""

    @property
    def understanding_url(self) -> str:
        return self.understanding_base + self.slug if self.slug and self.understanding_base else ""

    @property
    def sort_key(self) -> tuple[int, ...]:
        return sc_sort_key(self.number)


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Catalogue:
    """All rules, success criteria and categories, with a version naming their content."""

    rules: dict[str, Rule]
    criteria: dict[str, SuccessCriterion]
    categories: dict[str, Category]
    impact_weights: dict[str, float]
    axe_version: str
    version: str
    files: tuple[str, ...] = field(default=())

    def get(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    def sc(self, number: str) -> SuccessCriterion:
        try:
            return self.criteria[number]
        except KeyError:
            raise KeyError(f"{number!r} is not a WCAG success criterion") from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self.rules

    def __len__(self) -> int:
        return len(self.rules)


def sc_sort_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))
