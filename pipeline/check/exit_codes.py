"""How `massaudit check` ends: its exit codes, and the error that means "fix the command"."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANNOT_RUN = 0, 1, 2, 3


class CheckUsageError(Exception):
    """Bad flags, config, baseline or template: exit code 2 with one line."""
