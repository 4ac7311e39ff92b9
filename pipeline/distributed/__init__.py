"""Distributed runs: a coordinator crawls, workers on any machines audit (docs/distributed.md)."""
