"""The import's batch planner decides each row from the rows and what the database answered,
without a database: the same account planner as the API, the file's own rules on top."""

from __future__ import annotations

from customer_credit.csv.columns import TEMPLATE_HEADER, map_header
from customer_credit.csv.rows import ImportRowErrorCode, map_row
from customer_credit.domain.account_planner import Origin, plan_open
from customer_credit.domain.accounts import Account, AccountRequest
from customer_credit.domain.imports import CsvLayout, ImportCounters, ImportMode, ImportRun, ImportStatus, RowOutcome
from customer_credit.worker.planning import BatchPlanner, RowPlan, generated_account_id
from customer_credit.worker.seen import SeenKeys

NOW = 1_700_000_000_000
HEADER = map_header(list(TEMPLATE_HEADER), required=())


def run(mode: ImportMode) -> ImportRun:
    return ImportRun(
        id="run-1",
        mode=mode,
        dry_run=False,
        file_name="f.csv",
        file_size=1,
        file_sha256="x",
        status=ImportStatus.RUNNING,
        total_rows=10,
        counters=ImportCounters(),
        created_at_ms=NOW,
        actor="importer",
        layout=CsvLayout(
            "utf-8", ",", {column.value: index for column, index in HEADER.columns.items()}, HEADER.headers
        ),
    )


def planner(mode: ImportMode) -> BatchPlanner:
    return BatchPlanner(run(mode), default_credit_limit_cents=100_00, seen=SeenKeys(16))


def plans(*rows: tuple[str, ...], first_row: int = 2) -> list[RowPlan]:
    return [RowPlan(map_row(n, cells, HEADER), cells) for n, cells in enumerate(rows, start=first_row)]


def cells(id: str = "", email: str = "", document: str = "", kind: str = "", limit: str = "", status: str = ""):
    return (id, email, document, kind, limit, "", status, "")


def stored(account_id: str, email: str) -> Account:
    return plan_open(account_id, AccountRequest(email=email), Origin("api", NOW)).applied()


def codes(plan: RowPlan) -> list[str]:
    return [error.code.value for error in plan.command.errors]


def test_a_good_create_row_is_planned_as_an_open_with_an_id_derived_from_run_and_row():
    [plan] = plans(cells(email="ana@example.com", limit="1500"))

    opening = planner(ImportMode.CREATE).plan_creates([plan], {}, NOW)

    assert opening == [plan]
    assert plan.outcome is RowOutcome.CREATED
    assert plan.account_id == generated_account_id("run-1", 2)
    assert plan.change is not None and plan.change.after.credit_limit_cents == 150_000
    assert (plan.change.event.import_run_id, plan.change.event.import_row) == ("run-1", 2)


def test_a_create_row_asking_for_closed_is_an_invalid_status_and_not_planned():
    [plan] = plans(cells(email="ana@example.com", status="Closed"))

    opening = planner(ImportMode.CREATE).plan_creates([plan], {}, NOW)

    assert opening == [] and codes(plan) == ["INVALID_STATUS"]


def test_every_bad_cell_of_a_row_is_reported_at_once():
    [plan] = plans(cells(id="bad id!", email="not-an-email", limit="-5"))

    planner(ImportMode.CREATE).plan_creates([plan], {}, NOW)

    assert sorted(codes(plan)) == ["INVALID_CREDIT_LIMIT", "INVALID_EMAIL", "INVALID_ID"]


def test_a_row_already_applied_before_a_crash_is_counted_not_planned_again():
    [plan] = plans(cells(email="ana@example.com"))

    opening = planner(ImportMode.CREATE).plan_creates([plan], {2: 1}, NOW)

    assert opening == [] and plan.outcome is RowOutcome.CREATED and plan.change is None


def test_a_given_id_that_exists_is_account_exists():
    [plan] = plans(cells(id="a-1", email="ana@example.com"))
    batch = planner(ImportMode.CREATE)
    opening = batch.plan_creates([plan], {}, NOW)

    batch.refuse_existing(opening, {"a-1": stored("a-1", "other@example.com")})

    assert codes(plan) == ["ACCOUNT_EXISTS"] and plan.outcome is None


def test_duplicates_are_found_by_the_unique_keys_in_any_spelling():
    batch = planner(ImportMode.CREATE)
    rows = plans(
        cells(email="Ana@Example.com", document="529.982.247-25", kind="CPF"),
        cells(email="ana@example.COM"),
        cells(
            email="bea@example.com",
            document="\uff15\uff12\uff19\uff19\uff18\uff12\uff12\uff14\uff17\uff12\uff15",
            kind="cpf",
        ),
    )

    for plan in rows:
        batch.check_duplicates(plan.command)

    assert [codes(plan) for plan in rows] == [[], ["DUPLICATE_IN_FILE"], ["DUPLICATE_IN_FILE"]]


def test_a_closed_row_holds_no_email_or_document_so_it_duplicates_neither():
    batch = planner(ImportMode.UPDATE)
    rows = plans(
        cells(id="a-1", email="ana@example.com", document="529.982.247-25", kind="CPF"),
        cells(id="a-2", email="ana@example.com", document="529.982.247-25", kind="CPF", status="Closed"),
    )

    for plan in rows:
        batch.check_duplicates(plan.command)

    assert [codes(plan) for plan in rows] == [[], []]


def test_an_update_row_found_by_email_changes_only_what_it_gives():
    [plan] = plans(cells(email="ANA@example.com", limit="250"))
    batch = planner(ImportMode.UPDATE)
    by_email = batch.update_lookups([plan])
    current = stored("a-1", "ana@example.com")

    batch.plan_updates(
        [plan], by_email=by_email, found_by_id={}, found_by_email={"ana@example.com": current}, applied={}, at_ms=NOW
    )

    assert plan.outcome is RowOutcome.UPDATED
    assert plan.change is not None and plan.change.after.email == "ana@example.com"
    assert plan.change.after.credit_limit_cents == 250_00 and plan.change.version == 2


def test_an_update_row_that_changes_nothing_is_unchanged():
    [plan] = plans(cells(id="a-1", email="ana@example.com"))
    batch = planner(ImportMode.UPDATE)
    batch.update_lookups([plan])

    batch.plan_updates(
        [plan],
        by_email={},
        found_by_id={"a-1": stored("a-1", "ana@example.com")},
        found_by_email={},
        applied={},
        at_ms=NOW,
    )

    assert plan.outcome is RowOutcome.UNCHANGED and plan.change is None


def test_an_update_row_for_no_account_is_not_found():
    [plan] = plans(cells(id="ghost"))
    batch = planner(ImportMode.UPDATE)
    batch.update_lookups([plan])

    batch.plan_updates([plan], by_email={}, found_by_id={}, found_by_email={}, applied={}, at_ms=NOW)

    assert codes(plan) == [ImportRowErrorCode.NOT_FOUND.value]


def test_a_new_email_another_open_account_holds_is_email_in_use_naming_that_account():
    [plan] = plans(cells(id="a-1", email="bea@example.com"))
    batch = planner(ImportMode.UPDATE)
    batch.update_lookups([plan])
    batch.plan_updates(
        [plan],
        by_email={},
        found_by_id={"a-1": stored("a-1", "ana@example.com")},
        found_by_email={},
        applied={},
        at_ms=NOW,
    )

    batch.report_in_use([plan], {"bea@example.com": stored("b-1", "bea@example.com")}, {})

    assert codes(plan) == ["EMAIL_IN_USE"] and plan.command.errors[0].account_id == "b-1"


def test_row_errors_keep_the_rows_cells_with_the_first_error_only():
    [plan] = plans(cells(id="bad id!", email="not-an-email"))
    planner(ImportMode.CREATE).plan_creates([plan], {}, NOW)

    errors = plan.row_errors("run-1")

    assert [e.cells is not None for e in errors] == [True, False]
    assert {(e.run_id, e.row) for e in errors} == {("run-1", 2)}
