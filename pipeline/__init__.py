"""The nightly run and the check workflow: what ties the crawler, the browser, judging, the store
and the reports together (docs/architecture.md)."""
