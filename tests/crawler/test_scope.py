"""Which URLs belong to a site, and how the crawler introduces itself."""

from __future__ import annotations

import pytest

from massaudit.crawler.scope import SiteScope
from massaudit.crawler.settings import crawl_settings
from massaudit.crawler.sites import parse_sites

CONFIG = parse_sites(
    {
        "agency": [{"id": "dor", "name": "Department of Revenue"}],
        "site": [
            {
                "id": "dor",
                "agency": "dor",
                "name": "DOR",
                "start_urls": ["https://www.mass.gov/orgs/massachusetts-department-of-revenue"],
                "allowed_hosts": ["www.mass.gov", "127.0.0.1:8080"],
                "include": ["^/orgs/massachusetts-department-of-revenue", "^/how-to/dor-"],
                "exclude": ["/print$"],
                "download_delay": 2.5,
                "concurrency_per_host": 1,
            }
        ],
    }
)
SCOPE = SiteScope.of(CONFIG.sites[0])


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("https://www.mass.gov/orgs/massachusetts-department-of-revenue", True),
        ("https://www.mass.gov/orgs/massachusetts-department-of-revenue/news?page=2", True),
        ("https://www.mass.gov:443/how-to/dor-file-taxes", True),
        ("http://www.mass.gov/how-to/dor-file-taxes", True),
        ("https://www.mass.gov/how-to/rmv-renew-license", False),
        ("https://www.mass.gov/orgs/massachusetts-department-of-revenue/print", False),
        ("https://mass.gov/orgs/massachusetts-department-of-revenue", False),
        ("https://www.mass.gov.evil.example/orgs/massachusetts-department-of-revenue", False),
        ("http://127.0.0.1:8080/how-to/dor-x", True),
        ("http://127.0.0.1:8081/how-to/dor-x", False),
        ("mailto:dor@mass.gov", False),
        ("ftp://www.mass.gov/orgs/massachusetts-department-of-revenue", False),
        ("https://www.mass.gov:notaport/x", False),
    ],
)
def test_scope(url, inside):
    assert SCOPE.contains(url) is inside


def test_crawl_settings_are_polite_and_name_the_tool():
    settings = crawl_settings(CONFIG, tool_version="9.9.9")
    assert settings["ROBOTSTXT_OBEY"] is True
    assert settings["AUTOTHROTTLE_ENABLED"] is True
    user_agent = settings["USER_AGENT"]
    assert user_agent.startswith("massaudit/9.9.9 (+https://") and "Massachusetts" in user_agent
    assert settings["DOWNLOAD_SLOTS"]["www.mass.gov"] == {"concurrency": 1, "delay": 2.5}
