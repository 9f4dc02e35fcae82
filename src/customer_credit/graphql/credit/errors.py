"""The error type every credit payload shares: `CreditError { field code message }`."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry

from customer_credit.domain.credit import CreditError as CreditErrorRecord
from customer_credit.domain.credit import CreditErrorCode

strawberry.enum(CreditErrorCode, name="CreditErrorCode")
CreditErrorCodeEnum = CreditErrorCode


@strawberry.type
class CreditError:
    field: str | None = strawberry.field(description="The name of the input field it is about, or null.")
    code: CreditErrorCodeEnum
    message: str


def credit_errors(errors: Iterable[CreditErrorRecord]) -> list[CreditError]:
    return [CreditError(field=e.field, code=e.code, message=e.message) for e in errors]
