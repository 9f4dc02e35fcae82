"""The embedded server's own process, started by `embedded.py`: nx-27017 run as a library, with a
size-bounded log and three changes to how it stores and reads, each made before it starts serving.

Text is compared as text. nx-27017 0.8 reads any string that starts like a date (`2024-01-15-a`,
`01/02/2024@x.com`) in an equality, `$in` or range as a date, so an account with such an id was opened
but then never found, changed or closed, and a page after such an email was empty. The service stores
no date as text (times are epoch milliseconds), so strings are never read as dates here, as MongoDB
does; BSON dates still are.

A write command is committed once. nx-27017 applies the documents of one `insert` (the updates of one
`update`, the deletes of one `delete`) one at a time, each in a SQLite transaction of its own, so every
document rewrites the pages of every index it touches: 20,000 accounts took 5.2 s with their 11 indexes
against 3.1 s into a bare collection, and 2,000-update bulk writes of them 4.6 s. One transaction around
the command writes those pages once: 3.0 s and 2.3 s. Each document still succeeds or fails alone (a
duplicate key backs out that one statement, as with MongoDB's unordered writes); a command of a
client's own transaction is left to it, and reads are not touched.

An aggregation does not count the collection first. neosqlite 1.x estimated every pipeline's result
size from a `SELECT COUNT(1)` of the whole collection, to choose a memory-bounded mode that needs the
optional `quez` package and is off unless asked for; so every `$match` + `$count` (a list's total) and
every `$group` (`invoiceTotals`) read one entry per document of its collection, whatever it matched:
one account's invoice totals took 0.9 ms at 30,000 invoices and 6.2 ms at 300,000. Without that
mode the estimate decides nothing, and it is not made.
"""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from typing import Any

LOG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - [%(process)d] - %(message)s"

# Commands besides `insert` (its own handler) whose operations are committed together: a bulk write's
# updates or deletes.
WRITE_COMMANDS = frozenset({"update", "delete"})


class RotatingLog(RotatingFileHandler):
    """After a rollover stdout and stderr follow the log into its new file, so that a crash's traceback
    lands next to the lines before it."""

    def doRollover(self) -> None:
        super().doRollover()
        if self.stream is not None:
            for fd in (1, 2):
                os.dup2(self.stream.fileno(), fd)


def serve_nx_27017(log_path: str, max_bytes: int) -> int:
    """Run nx-27017 with the command line of this process. Logging is configured first, which makes
    nx-27017's own basicConfig a no-op."""
    log = RotatingLog(log_path, maxBytes=max_bytes, backupCount=1)
    log.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[log])
    compare_text_as_text()
    commit_each_write_command_once()
    aggregate_without_counting_the_collection()
    from nx_27017.nx_27017 import main

    return int(main() or 0)


def compare_text_as_text() -> None:
    """Strings are never read as dates (module docstring). Like nx-27017 itself, imported only once
    logging is set up."""
    from neosqlite.collection import datetime_utils

    reads_a_date = datetime_utils.is_datetime_value

    def is_datetime_value(value: Any) -> bool:
        return not isinstance(value, str) and reads_a_date(value)

    datetime_utils.is_datetime_value = is_datetime_value


def commit_each_write_command_once() -> None:
    """Each insert, update or delete command in one SQLite transaction (module docstring), taken under
    the database's own lock, which the handler takes again (it is reentrant)."""
    from nx_27017 import handler

    def body(msg: dict[str, Any]) -> dict[str, Any]:
        for kind, document in msg.get("sections", ()):
            if kind == "body" and isinstance(document, dict):
                return document
        return {}

    def in_one_transaction(handle: Any, names: frozenset[str]) -> Any:
        def handle_together(self: Any, msg: dict[str, Any]) -> Any:
            command = body(msg)
            # `autocommit: false` marks a command of the client's own transaction.
            if next(iter(command), "") not in names or command.get("autocommit") is False:
                return handle(self, msg)
            name = handler._msg_db_name(msg)
            with self._lock_for(name):
                connection = self.get_database(name).db
                if connection.in_transaction:
                    return handle(self, msg)
                connection.execute("BEGIN")
                try:
                    answer = handle(self, msg)
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                return answer

        return handle_together

    nx = handler.NeoSQLiteHandler
    nx.handle_insert = in_one_transaction(nx.handle_insert, frozenset({"insert"}))
    nx.handle_command = in_one_transaction(nx.handle_command, WRITE_COMMANDS)


def aggregate_without_counting_the_collection() -> None:
    """No size estimate for a pipeline that runs in memory whatever its size (module docstring)."""
    from neosqlite.collection import aggregation_cursor

    cursor = aggregation_cursor.AggregationCursor
    estimate = cursor._estimate_result_size

    def estimate_if_it_decides(self: Any) -> int:
        if aggregation_cursor.QUEZ_AVAILABLE and self._use_quez:
            return int(estimate(self))
        return 0

    cursor._estimate_result_size = estimate_if_it_decides
