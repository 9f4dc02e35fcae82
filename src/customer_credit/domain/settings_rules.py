"""The store's credit settings and the ranges an update must keep them in.

One document per store; every rule that depends on the store (how many installments, when
invoices fall due, how long a hold lives, tolerance, postponement) reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from customer_credit.domain.credit import MAX_INSTALLMENTS, CreditError, CreditErrorCode, CreditRuleViolation
from customer_credit.domain.messages import message


@dataclass(frozen=True)
class StoreSettings:
    invoice_due_days: int = 30
    max_installments: int = 12
    authorization_ttl_hours: int = 120
    tolerance_enabled: bool = True
    postponement_enabled: bool = True
    max_postponement_days: int = 30
    updated_at_ms: int | None = None
    updated_by: str | None = None


DEFAULT_STORE_SETTINGS = StoreSettings()


@dataclass(frozen=True)
class StoreSettingsUpdate:
    """What updateStoreSettings asks for; None leaves a setting unchanged."""

    invoice_due_days: int | None = None
    max_installments: int | None = None
    authorization_ttl_hours: int | None = None
    tolerance_enabled: bool | None = None
    postponement_enabled: bool | None = None
    max_postponement_days: int | None = None


# attribute → (GraphQL name, lowest, highest). maxInstallments tops out at 48 so that invoice
# ids keep two digits; authorizationTtlHours at 720 (30 days), the furthest a hold may reach.
SETTING_RANGES: dict[str, tuple[str, int, int]] = {
    "invoice_due_days": ("invoiceDueDays", 1, 120),
    "max_installments": ("maxInstallments", 1, MAX_INSTALLMENTS),
    "authorization_ttl_hours": ("authorizationTtlHours", 1, 720),
    "max_postponement_days": ("maxPostponementDays", 0, 180),
}
SETTING_FLAGS: dict[str, str] = {
    "tolerance_enabled": "toleranceEnabled",
    "postponement_enabled": "postponementEnabled",
}


def apply_settings_update(
    current: StoreSettings, update: StoreSettingsUpdate, *, now_ms: int, actor: str
) -> StoreSettings:
    """`current` with the given settings changed, stamped with who and when.

    Every out-of-range (or mistyped) value is reported at once, each as INVALID_SETTING on its
    own field; nothing changes unless all are valid. A call that changes nothing is still
    stamped: updatedAt says when the settings were last confirmed by an admin.
    """
    errors: list[CreditError] = []
    changes: dict[str, int | bool] = {}
    for attribute, (field, lowest, highest) in SETTING_RANGES.items():
        value = getattr(update, attribute)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
            text = message("INVALID_SETTING", field=field, lowest=lowest, highest=highest)
            errors.append(CreditError(field, CreditErrorCode.INVALID_SETTING, text))
        else:
            changes[attribute] = value
    for attribute, field in SETTING_FLAGS.items():
        flag = getattr(update, attribute)
        if flag is None:
            continue
        if not isinstance(flag, bool):
            errors.append(
                CreditError(field, CreditErrorCode.INVALID_SETTING, message("INVALID_SETTING.flag", field=field))
            )
        else:
            changes[attribute] = flag
    if errors:
        raise CreditRuleViolation(errors)
    return replace(current, **changes, updated_at_ms=now_ms, updated_by=actor)  # type: ignore[arg-type]
