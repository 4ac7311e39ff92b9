"""Validation of the parsed catalogue as a whole: ids, impacts, weights, categories, WCAG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from massaudit.rules.catalogue_records import LEVELS, WCAG_VERSIONS, Category, SuccessCriterion
from massaudit.rules.data_files import CatalogueError, is_number
from massaudit.rules.model import IMPACTS, Rule

# (rule id, SC) pairs whose level legitimately differs from the rule's level tag. Validation
# skips the level check for exactly these pairs and fails if an entry stops being needed, so an
# axe upgrade that fixes (or changes) the tagging is noticed.
LEVEL_EXCEPTIONS: Mapping[tuple[str, str], str] = {
    # axe-core 4.14.1 tags scrollable-region-focusable `wcag2a` with both 2.1.1 Keyboard (A) and
    # 2.1.3 Keyboard (No Exception) (AAA). The rule's level is A, from 2.1.1; 2.1.3 stays in its
    # SC list because a failure fails both criteria.
    ("scrollable-region-focusable", "2.1.3"): (
        "axe tags 2.1.3 (AAA) under wcag2a alongside 2.1.1 (A); rule level is A from 2.1.1"
    ),
}


def validate_catalogue(
    rule_files: Mapping[str, Sequence[Rule]],
    criteria: Mapping[str, SuccessCriterion],
    categories: Mapping[str, Category],
    level_exceptions: Mapping[tuple[str, str], str] = LEVEL_EXCEPTIONS,
) -> None:
    """Check parsed rules against the SCs and categories; raise CatalogueError on the first fault.

    `rule_files` maps the file each rule came from to its rules, so the message can name it.
    Checks: unique ids; impact is one of critical/serious/moderate/minor; weight > 0; known
    category; every SC is a real WCAG SC; an SC-mapped rule has a level and vice versa; every
    SC's level equals the rule's level (except `level_exceptions`, each of which must still be
    needed when its rule is present); the rule's WCAG version is the latest of its SCs'.
    """
    seen: dict[str, str] = {}
    used_exceptions: set[tuple[str, str]] = set()
    present: set[str] = set()
    for source, rules in rule_files.items():
        for rule in rules:
            where = f"{source}: rule {rule.id!r}"
            if not rule.id or not isinstance(rule.id, str):
                raise CatalogueError(f"{source}: a rule has an empty id")
            if rule.id in seen:
                raise CatalogueError(f"{where}: duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = source
            present.add(rule.id)
            if rule.impact not in IMPACTS:
                raise CatalogueError(f"{where}: impact {rule.impact!r} is not one of {IMPACTS}")
            if not is_number(rule.weight) or rule.weight <= 0:
                raise CatalogueError(f"{where}: weight {rule.weight!r} must be a number > 0")
            if rule.category not in categories:
                raise CatalogueError(
                    f"{where}: unknown category {rule.category!r} "
                    f"(known: {', '.join(sorted(categories))})"
                )
            if rule.level is not None and rule.level not in LEVELS:
                raise CatalogueError(f"{where}: level {rule.level!r} is not one of {LEVELS}")
            if rule.wcag and rule.level is None:
                raise CatalogueError(f"{where}: maps to SC {', '.join(rule.wcag)} but has no level")
            if rule.level is not None and not rule.wcag:
                raise CatalogueError(f"{where}: has level {rule.level} but no success criterion")
            for number in rule.wcag:
                sc = criteria.get(number)
                if sc is None:
                    raise CatalogueError(f"{where}: {number} is not a WCAG success criterion")
                if sc.level != rule.level:
                    if (rule.id, number) in level_exceptions:
                        used_exceptions.add((rule.id, number))
                        continue
                    raise CatalogueError(
                        f"{where}: level {rule.level} does not match SC {number} "
                        f"{sc.title!r}, which is level {sc.level}"
                    )
            if rule.wcag:
                latest = max((criteria[n].version for n in rule.wcag), key=WCAG_VERSIONS.index)
                if rule.wcag_version != latest:
                    raise CatalogueError(
                        f"{where}: WCAG version {rule.wcag_version} does not match its SCs "
                        f"(latest introduced in {latest})"
                    )
    for rule_id, number in sorted(level_exceptions):
        if rule_id in present and (rule_id, number) not in used_exceptions:
            raise CatalogueError(
                f"{seen[rule_id]}: rule {rule_id!r}: level exception for SC {number} is no "
                f"longer needed; remove it from LEVEL_EXCEPTIONS in rules/catalogue_validation.py"
            )
