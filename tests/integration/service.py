"""Transitional: the names this module used to define, now in tests/support, for
test_reliability_shutdown.py only (another branch is changing that module; it moves to
tests.support imports when that branch lands). Nothing else imports from here.
"""

from tests.support.csv_files import PlantedFile, planted_create_file  # noqa: F401
from tests.support.faults import Fault, documents_fault  # noqa: F401
from tests.support.graphql import gql, gql_data  # noqa: F401
from tests.support.imports import (  # noqa: F401
    COUNTS,
    IMPORT_CSV,
    IMPORT_RUN_PROGRESS,
    TERMINAL,
    counts,
)
from tests.support.imports import run_at as import_run  # noqa: F401
from tests.support.imports import upload_to as upload  # noqa: F401
from tests.support.imports import wait_for_run_at as wait_for_run  # noqa: F401
from tests.support.processes import (  # noqa: F401
    CLI,
    START_TIMEOUT,
    ExternalMongo,
    Launcher,
    Serve,
    alive,
    cli_env,
    create_key,
    embedded_uri,
    freeze_when_busy,
    main_thread_state,
    mongo,
    nx_pids,
    service_env,
    status,
)
from tests.support.served import (  # noqa: F401
    COUNT,
    HISTORY_PAGE,
    OPEN,
    account_count,
    accounts_with_history,
    check_created_exactly,
    check_runs_created_exactly,
    history_gaps,
)
from tests.support.waiting import wait_until as wait_for  # noqa: F401
