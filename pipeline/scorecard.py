"""Writing a stored run's scorecard site: after a run, after `rejudge`, for `report`, and when
`run --resume` finds a complete run whose scorecard never reached its folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from massaudit.reports.site import render_scorecard
from massaudit.reports.views import DEFAULT_REGRESSION_THRESHOLD, build_scorecard
from massaudit.rules.catalogue import Catalogue
from massaudit.store.db import Store


def write_scorecard(
    store: Store,
    run: Any,
    catalogue: Catalogue,
    out: Path,
    *,
    traffic: dict[str, int] | None = None,
    regression_threshold: float = DEFAULT_REGRESSION_THRESHOLD,
) -> Path:
    """Render the scorecard of `run` into `out`; returns its index page. `traffic` (URL -> page
    views) ranks the fix-first list; a score drop above `regression_threshold` gets a banner."""
    scorecard = build_scorecard(
        store, run, catalogue, traffic=traffic, regression_threshold=regression_threshold
    )
    return render_scorecard(scorecard, catalogue, out)
