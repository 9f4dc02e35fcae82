"""Settings from environment variables; the README's settings table lists them all."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore", populate_by_name=True)

    mongodb_uri: str | None = Field(default=None, description="MongoDB to use; unset: the embedded server")
    mongodb_database: str = "customer_credit"
    mongodb_timeout_ms: int = Field(
        default=5000, ge=100, description="server selection, connecting, and an API request's database work"
    )
    data_dir: Path = Field(default=Path("data"), validation_alias="CUSTOMER_CREDIT_DATA_DIR")
    default_credit_limit: Decimal = Decimal("100.00")

    max_page_size: int = Field(default=100, ge=1, le=1000)
    max_query_depth: int = Field(default=12, ge=2)
    max_aliases: int = Field(default=30, ge=1)
    max_query_tokens: int = Field(default=2000, ge=50)
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_import_rows: int = Field(default=1_000_000, ge=1)
    import_batch_size: int = Field(default=2000, ge=1, le=5000)
    import_lease_seconds: float = Field(default=30.0, gt=0)
    api_key_cache_seconds: float = Field(
        default=2.0, ge=0, le=60, description="how long a checked API key is trusted without reading the store"
    )
    cors_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    graphiql_enabled: bool = True
    introspection_enabled: bool = True
    log_level: str = "INFO"

    @field_validator("cors_allowed_origins", mode="before")
    @classmethod
    def comma_separated(cls, value: object) -> object:
        """`CORS_ALLOWED_ORIGINS=https://a.example,https://b.example`."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value
