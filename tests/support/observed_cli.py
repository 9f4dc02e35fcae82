"""`python -m tests.support.observed_cli ARGS` runs `customer-credit ARGS` with a PyMongo command
listener that records, for every update command the process sends to the accounts collection, how
many statements it carried and how many documents matched (JSON lines in the file named by
UPDATES_LOG_ENV, one file per process: `<path>.<pid>`).

An update statement that matched nothing was conditional on a version the account had left: it was
stale. That is how a test shows that the race it arranged between two processes really happened
(the service itself neither logs nor counts stale writes).
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import threading
from typing import Any

from pymongo import monitoring

UPDATES_LOG_ENV = "CUSTOMER_CREDIT_TEST_UPDATES_LOG"


class AccountUpdates(monitoring.CommandListener):
    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.statements: dict[tuple[Any, int], int] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update" and event.command.get("update") == "accounts":
            self.statements[(event.connection_id, event.request_id)] = len(event.command.get("updates", []))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        statements = self.statements.pop((event.connection_id, event.request_id), None)
        if statements is not None:
            line = json.dumps({"statements": statements, "matched": event.reply.get("n", 0)})
            with self.lock, open(self.path, "a", encoding="utf-8") as log:
                log.write(line + "\n")

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.statements.pop((event.connection_id, event.request_id), None)


def updates_log(path: str, pid: int) -> list[dict[str, int]]:
    """What the process `pid` recorded so far."""
    try:
        with open(f"{path}.{pid}", encoding="utf-8") as log:
            return [json.loads(line) for line in log if line.strip()]
    except FileNotFoundError:
        return []


def main() -> None:
    monitoring.register(AccountUpdates(f"{os.environ[UPDATES_LOG_ENV]}.{os.getpid()}"))
    sys.argv = ["customer-credit", *sys.argv[1:]]
    runpy.run_module("customer_credit.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
