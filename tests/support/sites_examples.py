"""A sites.toml with a global [checks] table, for tests of check options: parse_with_checks()
adds lines to its one site (extra_site) or before it (extra_top)."""

from __future__ import annotations

from massaudit.crawler.sites import parse_sites

SITES = """
[checks]
reading_grade_pass = 7
[[agency]]
id = "a"
name = "A"
[[site]]
id = "s"
agency = "a"
name = "S"
start_urls = ["https://www.mass.gov/"]
allowed_hosts = ["www.mass.gov"]
"""


def parse_with_checks(extra_site: str = "", extra_top: str = ""):
    import tomllib

    return parse_sites(tomllib.loads(extra_top + SITES + extra_site), "sites.toml")
