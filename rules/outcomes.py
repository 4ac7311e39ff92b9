"""Rule-level outcomes of a page: which rules failed, need review, passed or did not apply."""

from __future__ import annotations

from massaudit.rules.model import PageArtifacts

# When axe lists a rule in several buckets (e.g. some nodes fail, others need review),
# the worst outcome is the rule's outcome on the page.
_PRECEDENCE = (
    ("violations", "fail"),
    ("incomplete", "needs-review"),
    ("passes", "pass"),
    ("inapplicable", "inapplicable"),
)


def rule_outcomes(artifacts: PageArtifacts) -> dict[str, str]:
    """rule id -> "fail" | "needs-review" | "pass" | "inapplicable"; empty for a page not tested."""
    if artifacts.error:
        return {}
    outcomes: dict[str, str] = {}
    for bucket, outcome in _PRECEDENCE:
        for result in artifacts.axe.get(bucket) or []:
            outcomes.setdefault(result["id"], outcome)
    return dict(sorted(outcomes.items()))
