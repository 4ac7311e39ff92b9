"""Which stored run `run --resume` continues, and when there is nothing left to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from massaudit.pipeline.nightly import RunError
from massaudit.reports.site import scorecard_run
from massaudit.store.db import Store


def run_to_resume(store: Store, wanted: int, db: str, out: Path) -> Any:
    """The run `--resume RUN` names (`wanted` > 0); without RUN the newest incomplete run, else
    the newest run. Runs whose process is gone are marked incomplete first.

    A complete run comes back only when `out` does not show its scorecard (the process died
    while rendering it): writing the scorecard is all that is left. RunError, one line, when
    there is no such run or nothing to do.
    """
    store.mark_abandoned_runs()
    run = _find(store, wanted, db)
    if run.status == "complete" and scorecard_run(out) == run.id:
        raise RunError(
            f"--resume: run {run.id} is complete and {out} shows its scorecard; nothing to resume"
        )
    return run


def _find(store: Store, wanted: int, db: str) -> Any:
    if wanted > 0:
        run = store.get_run(wanted)
        if run is None:
            raise RunError(f"--resume {wanted}: no run {wanted} in {db}")
        return run
    run_id = store.latest_incomplete_run_id()
    if run_id is not None:
        return store.get_run(run_id)
    runs = store.runs()
    if not runs or runs[-1].status != "complete":
        newest = f" (the newest, run {runs[-1].id}, is {runs[-1].status})" if runs else ""
        raise RunError(f"--resume: no incomplete run in {db}{newest}")
    return runs[-1]
