"""Which URLs belong to a site."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from massaudit.crawler.sites import Site, host_key


@dataclass(frozen=True)
class SiteScope:
    site: Site
    include: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, site: Site) -> SiteScope:
        return cls(
            site,
            tuple(re.compile(p) for p in site.include),
            tuple(re.compile(p) for p in site.exclude),
        )

    def contains(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        try:
            host = host_key(url)
        except ValueError:
            return False
        if host not in self.site.allowed_hosts:
            return False
        path = parts.path or "/"
        if self.include and not any(p.search(path) for p in self.include):
            return False
        return not any(p.search(path) for p in self.exclude)


class ScopeOwners:
    """The one site each URL belongs to when the scopes of several sites contain it.

    The most specific scope wins: a site whose `include` patterns match the URL beats a site
    that takes its whole host; between equals, the site listed first in sites.toml wins. The
    other sites record the URL as skipped, reason `other_site`.
    """

    def __init__(self, sites: tuple[Site, ...] | list[Site]) -> None:
        self._by_host: dict[str, list[SiteScope]] = {}
        for site in sites:
            scope = SiteScope.of(site)
            for host in site.allowed_hosts:
                self._by_host.setdefault(host, []).append(scope)

    def owner(self, url: str) -> str | None:
        """The id of the site `url` belongs to; None when no site's scope contains it."""
        try:
            host = host_key(url)
        except ValueError:
            return None
        containing = [s for s in self._by_host.get(host, ()) if s.contains(url)]
        specific = [s for s in containing if s.include]
        chosen = specific or containing
        return chosen[0].site.id if chosen else None

    def overlaps(self) -> list[tuple[str, tuple[str, ...]]]:
        """(host, ids of sites whose scopes may share URLs there): a site taking the whole host
        beside others, or sites with the same include pattern. Information, not an error."""
        found = []
        for host, scopes in sorted(self._by_host.items()):
            whole_host = any(not scope.include for scope in scopes)
            patterns = [p.pattern for scope in scopes for p in scope.include]
            repeated = {p for p in patterns if patterns.count(p) > 1}
            ids = tuple(
                scope.site.id
                for scope in scopes
                if (whole_host and len(scopes) > 1)
                or any(p.pattern in repeated for p in scope.include)
            )
            if ids:
                found.append((host, ids))
        return found
