"""Following an import run until it ends, and showing its progress.

The run is followed by polling `importRun(id)` every POLL_SECONDS (not the `importRunProgress`
subscription: plain HTTP works through every proxy, and a lost poll is simply retried). Progress is a
rich progress bar on a terminal and plain lines otherwise.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from customer_credit.cli.client import RemoteError, ServiceClient, Unreachable

POLL_SECONDS = 0.3
# While following a run, how long the service may be unreachable (a restart, say) before giving up.
RECONNECT_SECONDS = 60.0
PLAIN_PROGRESS_SECONDS = 1.0  # at most one plain progress line per second (plus status changes)

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED"})

# Off a terminal (a pipe, a log, a captured subprocess) lines are never wrapped: a table is as
# wide as its content, up to this, and a line can be read (and grepped) whole.
PLAIN_WIDTH = 240


def make_console(file: IO[str] | None = None):
    from rich.console import Console

    # No markup or emoji codes: what is printed is service and file text, shown as it is.
    console = Console(file=file or sys.stdout, highlight=False, markup=False, emoji=False, soft_wrap=True)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PLAIN_WIDTH
    return console


class PlainProgress:
    """Progress as plain lines, for a log or a pipe: on a status change, and at most once a
    second while rows are processed."""

    def __init__(self, console, name: str) -> None:
        self.console = console
        self.name = name
        self.last: tuple[str, int] | None = None
        self.printed_at = 0.0

    def update(self, run: dict[str, Any], *, final: bool = False) -> None:
        state = (run["status"], run["processedRows"])
        if state == self.last:
            return
        now = time.monotonic()
        if (
            not final
            and self.last is not None
            and state[0] == self.last[0]
            and now - self.printed_at < PLAIN_PROGRESS_SECONDS
        ):
            return
        self.last, self.printed_at = state, now
        self.console.print(f"{self.name}: {progress_text(run)}", markup=False)

    def note(self, text: str) -> None:
        self.console.print(f"{self.name}: {text}", markup=False)

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        pass


class BarProgress:
    """A rich progress bar, for a terminal."""

    def __init__(self, console, name: str, total: int | None) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
        )
        self.task = self.progress.add_task(name, total=total, status="QUEUED")

    def update(self, run: dict[str, Any], *, final: bool = False) -> None:
        self.progress.update(self.task, completed=run["processedRows"], total=run["totalRows"], status=run["status"])

    def note(self, text: str) -> None:
        self.progress.console.print(text, markup=False)

    def __enter__(self) -> BarProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.progress.stop()


def progress_text(run: dict[str, Any]) -> str:
    total, done = run.get("totalRows"), run["processedRows"]
    if total:
        return f"{run['status']}, {done}/{total} rows ({done * 100 // total}%)"
    return f"{run['status']}, {done} rows"


def follow(
    client: ServiceClient, run_id: str, progress, *, sleep: Callable[[float], None] = time.sleep
) -> dict[str, Any]:
    """Poll the run until it ends; the service may be unreachable for a while (a restart)."""
    unreachable_since: float | None = None
    while True:
        try:
            run = client.import_run(run_id)
        except Unreachable as exc:
            now = time.monotonic()
            if unreachable_since is None:
                unreachable_since = now
                progress.note(f"{exc}; retrying")
            elif now - unreachable_since > RECONNECT_SECONDS:
                raise RemoteError(
                    f"{exc}. Gave up following import run {run_id}; it goes on in the service "
                    f'(look it up with importRun(id: "{run_id}")).'
                ) from None
            sleep(1.0)
            continue
        unreachable_since = None
        final = run["status"] in TERMINAL_STATUSES
        progress.update(run, final=final)
        if final:
            return run
        sleep(POLL_SECONDS)
