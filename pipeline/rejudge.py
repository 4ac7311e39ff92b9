"""Judging a stored run again from its saved artifacts, without a browser (after a rule or
formula change): every page, then the same finish as a run (site level, documents)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from massaudit.crawler.sites import SitesConfig
from massaudit.pipeline.finish import finish_run
from massaudit.pipeline.site_level import check_disabled_rules, check_settings
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.judge import judge
from massaudit.rules.scoring import SCORING_VERSION
from massaudit.store.db import Store


def rejudge_run(
    store: Store, run: Any, catalogue: Catalogue, new_sites: SitesConfig | None = None
) -> tuple[Any, Counter[str]]:
    """Judge and score `run` again; with `new_sites`, its agency and site names (and check
    settings) replace the run's first. Returns the run as stored now and the counts: "pages"
    judged, and the findings by outcome ("fail", "needs-review", ...)."""
    if new_sites is not None:
        check_disabled_rules(new_sites, catalogue)
        store.replace_config(run.id, new_sites.to_dict())
        run = store.get_run(run.id)
    counts: Counter[str] = Counter({"pages": 0, "fail": 0, "needs-review": 0})
    settings = check_settings(run.config)
    page_sites = store.page_sites(run.id)
    for page_id, artifacts in store.iter_artifacts(run.id):
        judgement = judge(artifacts, catalogue, settings.get(page_sites[page_id]))
        store.replace_judgement(run.id, page_id, judgement)
        counts["pages"] += 1
        for finding in judgement.findings:
            counts[finding.outcome] += 1
    sites = SitesConfig.from_dict(run.config)
    counts.update(finish_run(store, run.id, catalogue, sites, judge_documents_again=settings))
    store.mark_rejudged(run.id, catalogue.version, SCORING_VERSION)
    return store.get_run(run.id), counts
