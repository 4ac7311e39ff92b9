"""The worked-example pages P, Q and R of docs/scoring.md: rule id -> outcome."""

from __future__ import annotations

PAGE_P = {
    # accessibility (axe, WCAG 2.1 A/AA)
    "image-alt": "fail",
    "color-contrast": "pass",
    "label": "pass",
    "link-name": "pass",
    "html-has-lang": "pass",
    "document-title": "needs-review",
    "video-caption": "inapplicable",
    "region": "fail",  # best practice: no success criterion, not scored
    # plain language
    "reading-grade": "fail",
    "generic-link-text": "pass",
    "sentence-length": "pass",
    "alt-text-quality": "pass",
    # language access
    "page-language-matches": "pass",
    "passage-lang": "inapplicable",
    "machine-translation-only": "needs-review",
    # mobile and bandwidth
    "viewport-zoom": "pass",
    "reflow-320": "fail",
    "page-weight": "pass",
    # digital service
    "brand-banner": "pass",
    "required-links": "pass",
    "feedback": "fail",
}


PAGE_Q = {
    "image-alt": "pass",
    "label": "pass",
    "link-name": "pass",
    "color-contrast": "fail",
    "reading-grade": "pass",
    "generic-link-text": "pass",
    "viewport-zoom": "pass",
    "reflow-320": "pass",
    "brand-banner": "pass",
    "required-links": "fail",
}


PAGE_R = {"image-alt": "pass"}
