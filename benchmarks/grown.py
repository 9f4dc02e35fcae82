"""8. Lists on a store grown through the product's own import: the account lists the admin page shows, with
their totals, timed over HTTP on a store of a tenth of `rows` accounts and again after the rest were imported
into the same store, by the same service process.

Both parts are generated CSV files imported with `importCsv` (mode CREATE) over HTTP, as a customer would grow
the store; the second part's rows are numbered after the first's, so no email or document repeats. Every
account is open: an import opens them.
"""

from __future__ import annotations

from pathlib import Path

import csvgen
from lists import COUNTED, REST_OPEN_PAGE, ListCall, accounts_page, email_in_other_case

TAG = "grw"
SEARCH = "sofia"  # one of csvgen's 20 first names: the prefix of about 5% of the emails
EXACT_EMAIL_ROW = 12  # in the first part, whatever its size

CALLS = [
    ListCall("8a", "`accounts(first: 50)`, no filter", COUNTED, accounts_page(COUNTED)),
    ListCall(
        "8b",
        "`accounts` by status OPEN (every account)",
        COUNTED,
        accounts_page(COUNTED, "filter: {status: OPEN}"),
    ),
    ListCall(
        "8c",
        f'`accounts` by search "{SEARCH}" (5% of accounts)',
        COUNTED,
        accounts_page(COUNTED, f'filter: {{search: "{SEARCH}"}}'),
    ),
    ListCall(
        "8d",
        "`accounts` by exact email of the first import (in another case)",
        "totalCount",
        accounts_page(
            "totalCount",
            f'filter: {{email: "{email_in_other_case(EXACT_EMAIL_ROW + 1, EXACT_EMAIL_ROW, TAG)}"}}',
        ),
    ),
    ListCall("8e", "REST `GET /accounts?status=Open`, positions 1–50", "summary.count", path=REST_OPEN_PAGE),
]

# The exact totals of the same lists: they read every match on the embedded server, so they are recorded, not
# graded (as rows 7s–7u).
EXACT_INFO = [
    ListCall("8f", "`accounts`, no filter", "totalCount", accounts_page("totalCount")),
    ListCall(
        "8g",
        "`accounts` by status OPEN (every account)",
        "totalCount",
        accounts_page("totalCount", "filter: {status: OPEN}"),
    ),
    ListCall(
        "8h",
        f'`accounts` by search "{SEARCH}" (5% of accounts)',
        "totalCount",
        accounts_page("totalCount", f'filter: {{search: "{SEARCH}"}}'),
    ),
]


def parts(rows: int) -> tuple[int, int]:
    """The first import (a tenth of the grown store) and the second (the rest)."""
    first = rows // 10
    return first, rows - first


def write_part(path: Path, start: int, count: int) -> int:
    """Rows `start` to `start + count` of the grown store as a CSV file; returns its size in bytes."""
    return csvgen.write_csv(path, count, tag=TAG, start=start)
