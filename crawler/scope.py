"""Which URLs belong to a site."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.sites import Site, host_key


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
