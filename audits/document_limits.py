"""The one error of document reading: a work budget exceeded (each reader declares its own)."""

from __future__ import annotations


class LimitExceeded(Exception):
    """A work budget was exceeded; the message is the `error` fact ("limit: ...")."""
