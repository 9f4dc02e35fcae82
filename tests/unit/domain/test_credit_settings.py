"""The store settings: the contract's defaults, partial updates, and the range of every setting."""

from __future__ import annotations

from dataclasses import replace

import pytest

from customer_credit.domain.credit import CreditErrorCode, CreditRuleViolation
from customer_credit.domain.settings_rules import (
    DEFAULT_STORE_SETTINGS,
    StoreSettings,
    StoreSettingsUpdate,
    apply_settings_update,
)

NOW = 1_700_000_000_000

# attribute, GraphQL name, lowest, highest
RANGES = [
    ("invoice_due_days", "invoiceDueDays", 1, 120),
    ("max_installments", "maxInstallments", 1, 48),
    ("authorization_ttl_hours", "authorizationTtlHours", 1, 720),
    ("max_postponement_days", "maxPostponementDays", 0, 180),
]


def update(**changes: int | bool | None) -> StoreSettings:
    return apply_settings_update(DEFAULT_STORE_SETTINGS, StoreSettingsUpdate(**changes), now_ms=NOW, actor="admin-key")  # type: ignore[arg-type]


def refused(**changes: int | bool | None) -> list[tuple[str | None, CreditErrorCode]]:
    with pytest.raises(CreditRuleViolation) as caught:
        update(**changes)
    return [(error.field, error.code) for error in caught.value.errors]


def test_the_defaults_are_the_contracts() -> None:
    assert StoreSettings() == StoreSettings(
        invoice_due_days=30,
        max_installments=12,
        authorization_ttl_hours=120,
        tolerance_enabled=True,
        postponement_enabled=True,
        max_postponement_days=30,
        updated_at_ms=None,
        updated_by=None,
    )


def test_an_update_changes_only_the_settings_it_gives() -> None:
    assert update(max_installments=6) == replace(
        DEFAULT_STORE_SETTINGS, max_installments=6, updated_at_ms=NOW, updated_by="admin-key"
    )


def test_an_update_that_gives_nothing_keeps_the_values_and_stamps_who_and_when() -> None:
    assert update() == replace(DEFAULT_STORE_SETTINGS, updated_at_ms=NOW, updated_by="admin-key")


def test_an_update_keeps_the_current_values_it_does_not_give() -> None:
    current = replace(DEFAULT_STORE_SETTINGS, invoice_due_days=15, tolerance_enabled=False)

    updated = apply_settings_update(current, StoreSettingsUpdate(max_installments=3), now_ms=NOW, actor="a")

    assert (updated.invoice_due_days, updated.tolerance_enabled, updated.max_installments) == (15, False, 3)


def test_flags_can_be_turned_off() -> None:
    updated = update(tolerance_enabled=False, postponement_enabled=False)

    assert (updated.tolerance_enabled, updated.postponement_enabled) == (False, False)


@pytest.mark.parametrize(("attribute", "field", "lowest", "highest"), RANGES)
def test_each_setting_accepts_both_ends_of_its_range(attribute: str, field: str, lowest: int, highest: int) -> None:
    assert getattr(update(**{attribute: lowest}), attribute) == lowest
    assert getattr(update(**{attribute: highest}), attribute) == highest


@pytest.mark.parametrize(("attribute", "field", "lowest", "highest"), RANGES)
def test_each_setting_refuses_one_below_its_range(attribute: str, field: str, lowest: int, highest: int) -> None:
    assert refused(**{attribute: lowest - 1}) == [(field, CreditErrorCode.INVALID_SETTING)]


@pytest.mark.parametrize(("attribute", "field", "lowest", "highest"), RANGES)
def test_each_setting_refuses_one_above_its_range(attribute: str, field: str, lowest: int, highest: int) -> None:
    assert refused(**{attribute: highest + 1}) == [(field, CreditErrorCode.INVALID_SETTING)]


def test_every_bad_setting_is_reported_at_once() -> None:
    assert refused(invoice_due_days=0, max_installments=49, authorization_ttl_hours=721, max_postponement_days=-1) == [
        ("invoiceDueDays", CreditErrorCode.INVALID_SETTING),
        ("maxInstallments", CreditErrorCode.INVALID_SETTING),
        ("authorizationTtlHours", CreditErrorCode.INVALID_SETTING),
        ("maxPostponementDays", CreditErrorCode.INVALID_SETTING),
    ]


def test_a_boolean_is_not_a_number_setting() -> None:
    assert refused(max_installments=True) == [("maxInstallments", CreditErrorCode.INVALID_SETTING)]


def test_a_number_is_not_a_flag() -> None:
    assert refused(tolerance_enabled=1) == [("toleranceEnabled", CreditErrorCode.INVALID_SETTING)]
