"""The Chromium flags of an audit (audits/browser.py): which hosts are blocked at name
resolution."""

from __future__ import annotations

from fnmatch import fnmatch
from urllib.parse import urlsplit

from massaudit.audits.browser import ANALYTICS_HOSTS, blocking_args

# Analytics and monitoring scripts and beacons as Mass.gov pages load them.
COUNTING_VISITS = (
    "https://siteimproveanalytics.com/js/siteanalyze_6047.js",
    "https://6047.global.siteimproveanalytics.io/image.aspx",
    "https://www.google-analytics.com/analytics.js",
    "https://js-agent.newrelic.com/nr-loader-spa-1.253.0.min.js",
    "https://gov-bam.nr-data.net/1/23b062ec87",
    "https://dap.digitalgov.gov/Universal-Federated-Analytics-Min.js",
)
# What can add content to a page is left alone.
ADDING_CONTENT = (
    "https://www.googletagmanager.com/gtm.js?id=GTM-MBCXDRB",
    "https://translate.google.com/translate_a/element.js",
    "https://www.mass.gov/themes/custom/mass_theme/js/index.js",
)


def _blocked(url: str) -> bool:
    """As Chromium's `MAP pattern ~NOTFOUND` rules match a host name (a shell-style pattern)."""
    host = urlsplit(url).hostname or ""
    return any(fnmatch(host, pattern) for pattern in ANALYTICS_HOSTS)


def test_hosts_that_only_count_visits_are_blocked_and_content_is_not():
    assert [url for url in COUNTING_VISITS if not _blocked(url)] == []
    assert [url for url in ADDING_CONTENT if _blocked(url)] == []


def test_blocked_hosts_become_one_host_resolver_flag():
    (flag,) = blocking_args(("a.example", "*.b.example"))
    assert flag == "--host-resolver-rules=MAP a.example ~NOTFOUND, MAP *.b.example ~NOTFOUND"
    assert blocking_args(()) == []
