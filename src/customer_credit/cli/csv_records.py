"""Counting the records of a CSV file as it streams by, for `export` to say how many accounts it wrote."""

from __future__ import annotations


class CsvRecordCounter:
    """Counts CSV records in a byte stream: line ends outside quotes (a quoted cell may hold
    line breaks; `""` inside quotes toggles twice). `"`, CR and LF are single bytes in UTF-8."""

    def __init__(self) -> None:
        self.quoted = False
        self.count = 0
        self.pending = False  # bytes since the last record end

    def feed(self, chunk: bytes) -> None:
        quoted, count, pending = self.quoted, self.count, self.pending
        start = 0
        while True:
            quote = chunk.find(b'"', start)
            end = len(chunk) if quote < 0 else quote
            if not quoted:
                segment = chunk[start:end]
                lines = segment.count(b"\n")
                if lines:
                    count += lines
                    pending = bool(segment[segment.rfind(b"\n") + 1 :])
                elif segment:
                    pending = True
            if quote < 0:
                break
            quoted = not quoted
            pending = True
            start = quote + 1
        self.quoted, self.count, self.pending = quoted, count, pending

    def records(self) -> int:
        return self.count + (1 if self.pending else 0)
