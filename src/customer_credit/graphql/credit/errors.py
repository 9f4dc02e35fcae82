"""The error type every credit payload shares: `CreditError { field code message }`."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry.types import Info

from customer_credit.domain.credit import CreditError as CreditErrorRecord
from customer_credit.domain.credit import CreditErrorCode
from customer_credit.domain.messages import Message
from customer_credit.graphql.core.errors import rendered

strawberry.enum(CreditErrorCode, name="CreditErrorCode")
CreditErrorCodeEnum = CreditErrorCode


@strawberry.type
class CreditError:
    field: str | None = strawberry.field(description="The name of the input field it is about, or null.")
    code: CreditErrorCodeEnum
    text: strawberry.Private[Message]

    @strawberry.field
    def message(self, info: Info) -> str:
        return rendered(info, self.text)


def credit_errors(errors: Iterable[CreditErrorRecord]) -> list[CreditError]:
    return [CreditError(field=e.field, code=e.code, text=e.message) for e in errors]
