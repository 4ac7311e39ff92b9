"""The URL states of a run, counted as they are stored: one state per URL of a site, by the
store's rules (a final state never goes back to `queued`), so the progress line, the run's
summary and the store's `url_states` table count the same thing."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from massaudit.crawler.frontier import AUDITED, QUEUED, SKIPPED, UNCHANGED
from massaudit.crawler.items import UrlOutcome

SKIPPED_PREFIX = f"{SKIPPED}:"


def state_key(state: str, reason: str | None) -> str:
    """How a state is counted: `skipped:<reason>` for a skipped URL (as `Store.state_counts`
    and `Store.resume_state` spell it), else the state itself."""
    return f"{SKIPPED_PREFIX}{reason}" if state == SKIPPED else state


def skipped_by_reason(counts: Mapping[str, int]) -> Counter[str]:
    """Skipped URLs by reason, from counts keyed as `state_key` spells them: the one
    definition of "skipped" for the progress line and the end-of-run report."""
    return Counter(
        {
            key.removeprefix(SKIPPED_PREFIX): count
            for key, count in counts.items()
            if key.startswith(SKIPPED_PREFIX) and count > 0
        }
    )


class UrlTally:
    """The state of every URL of a run so far, and the counts by state, per site and in all."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], str] = {}
        self.counts: Counter[str] = Counter()
        self.by_site: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def seed(self, seen: Mapping[str, Mapping[str, str]]) -> None:
        """Start from what a resumed run had stored (`Store.resume_state`'s site -> url -> state)."""
        for site_id, urls in seen.items():
            for url, key in urls.items():
                self._set(site_id, url, key)

    def add(self, outcomes: Iterable[UrlOutcome]) -> None:
        for outcome in outcomes:
            self._set(outcome.site_id, outcome.url, state_key(outcome.state, outcome.reason))

    def skipped(self) -> Counter[str]:
        return skipped_by_reason(self.counts)

    def pages_of(self, site_id: str) -> int:
        """The site's pages audited or carried over unchanged so far."""
        site = self.by_site.get(site_id, Counter())
        return site[AUDITED] + site[UNCHANGED]

    def _set(self, site_id: str, url: str, key: str) -> None:
        old = self._states.get((site_id, url))
        if old == key or (key == QUEUED and old is not None):
            return
        self._states[(site_id, url)] = key
        site = self.by_site[site_id]
        if old is not None:
            self.counts[old] -= 1
            site[old] -= 1
        self.counts[key] += 1
        site[key] += 1
