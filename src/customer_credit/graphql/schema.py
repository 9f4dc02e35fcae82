"""The GraphQL schema: one Query and one Mutation merged from each domain's types."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from graphql import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from customer_credit.graphql.accounts.mutations import AccountMutations
from customer_credit.graphql.accounts.queries import AccountQueries
from customer_credit.graphql.core.error_hiding import HideUnexpectedErrors
from customer_credit.graphql.core.errors import RenderErrorMessages
from customer_credit.graphql.core.operation_log import OperationLog
from customer_credit.graphql.core.plain_fields import PlainFieldExecutor
from customer_credit.graphql.credit.mutations import CreditMutations
from customer_credit.graphql.credit.queries import CreditQueries
from customer_credit.graphql.credit.settings import StoreSettingsMutations, StoreSettingsQueries
from customer_credit.graphql.imports.mutations import ImportMutations
from customer_credit.graphql.imports.queries import ImportQueries
from customer_credit.graphql.imports.subscriptions import ImportSubscriptions
from customer_credit.graphql.viewer.queries import ViewerQueries
from customer_credit.settings import Settings

Query = merge_types("Query", (AccountQueries, CreditQueries, ImportQueries, StoreSettingsQueries, ViewerQueries))
Mutation = merge_types("Mutation", (AccountMutations, CreditMutations, ImportMutations, StoreSettingsMutations))
Subscription = merge_types("Subscription", (ImportSubscriptions,))


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Strawberry would log every error with the query text, which may hold personal data;
        unexpected errors are logged (with an error id) by HideUnexpectedErrors instead."""


def limit_rules(settings: Settings) -> list:
    """The limit validation rules, built once: strawberry's limiter extensions would make new rule
    classes for every operation, and the validation cache (keyed by the rules) would never hit."""
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules


def build_schema(settings: Settings | None = None) -> Schema:
    """Limits come from settings; extensions are passed as classes or factories, one instance per operation.

    Operation batching stays off (strawberry's default `batching_config=None`): a JSON array body is
    refused with HTTP 400, so the per-operation limits cannot be multiplied by sending many at once
    (tests/security/test_limits.py)."""
    settings = settings or Settings()
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        OperationLog,
        partial(HideUnexpectedErrors, hide_suggestions=not settings.introspection_enabled),
        RenderErrorMessages,
        partial(ParserCache, maxsize=512),
        partial(ValidationCache, maxsize=512),
        partial(AddValidationRules, limit_rules(settings)),
        partial(MaxTokensLimiter, max_token_count=settings.max_query_tokens),
    ]
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=PlainFieldExecutor,
    )
