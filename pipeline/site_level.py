"""Site settings for judging, and the site-level judging step (after a run and in rejudge)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from massaudit.crawler.sites import SitesConfig, SitesConfigError
from massaudit.rules.catalogue import Catalogue
from massaudit.rules.checks.settings import CheckSettings
from massaudit.rules.judge import judge_site, site_rule_ids
from massaudit.rules.model import PageArtifacts
from massaudit.store.db import Store

# Facts the site-level checks read besides a page's title and status. They are collected once
# per host (the 404 probe), so one stored page per host is read, not every page's artifacts.
_HOST_FACTS = ("not_found_probe",)


def check_settings(config: Mapping[str, Any] | None) -> dict[str, CheckSettings]:
    """site id -> check settings, from a run's stored config snapshot (sites.toml as run)."""
    return {
        site["id"]: CheckSettings.from_mapping(site.get("checks"))
        for site in (config or {}).get("sites", ())
    }


def judge_site_level(store: Store, run_id: int, catalogue: Catalogue) -> Counter[str]:
    """Run the site-level checks over every page of each site of a run; returns outcome counts."""
    run = store.get_run(run_id)
    settings = check_settings(run.config if run else None)
    by_site: dict[str, dict[int, PageArtifacts]] = defaultdict(dict)
    host_facts: dict[str, dict[str, Any]] = {}
    for row in store.page_summaries(run_id):
        host = urlsplit(row.final_url or row.url).netloc
        if host not in host_facts:
            facts = store.artifacts_of(row.id).facts
            host_facts[host] = {k: facts[k] for k in _HOST_FACTS if k in facts}
        by_site[row.site_id][row.id] = PageArtifacts(
            url=row.url,
            final_url=row.final_url,
            status=row.status_code,
            title=row.title,
            axe={},
            error=row.error,
            facts=host_facts[host],
        )
    counts: Counter[str] = Counter()
    rule_ids = site_rule_ids()
    for site_id, pages in by_site.items():
        judged = judge_site(pages, catalogue, settings.get(site_id))
        results = {page_id: judged.get(page_id, ([], {})) for page_id in pages}
        store.replace_rule_results(run_id, rule_ids, results, catalogue)
        for findings, _ in results.values():
            counts.update(f.outcome for f in findings)
    return counts


def check_disabled_rules(sites: SitesConfig, catalogue: Catalogue) -> None:
    """Every `checks.disabled` entry names one of our rules; SitesConfigError otherwise."""
    ours = sorted(r.id for r in catalogue.rules.values() if r.source == "massaudit")
    for index, site in enumerate(sites.sites):
        for j, rule_id in enumerate(site.checks.get("disabled", ())):
            if rule_id not in ours:
                raise SitesConfigError(
                    f"{sites.path}: site[{index}] ({site.id}).checks.disabled[{j}]: "
                    f"{rule_id!r} is not a massaudit rule; known: {', '.join(ours)}"
                )
