"""How a command fails on something the user can act on."""

from __future__ import annotations


class CommandError(Exception):
    """A failure the user can act on: one line on stderr and an exit code, no traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
