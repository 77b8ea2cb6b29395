"""Settings from the environment (``AWOOOP_*``). Imports nothing else of ours."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process configuration; every field maps to ``AWOOOP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="AWOOOP_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where the SQLite file and bootstrap secrets live")
    database_url: str | None = Field(default=None, description="SQLAlchemy async URL; default SQLite under data_dir")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest accepted webhook body")
    freshness_limit_seconds: int = Field(default=900, ge=10, description="Age after which a provider is stale")
    telegram_api_base: str = Field(default="https://api.telegram.org", description="Telegram Bot API base URL")
    bootstrap_operator_key: str | None = Field(default=None, description="Admin key created on first start")
    bootstrap_intake_token: str | None = Field(default=None, description="Intake token of project default")
    run_worker: bool = Field(default=True, description="Run the notification worker inside `serve`")
    worker_poll_seconds: float = Field(default=1.0, gt=0, description="Outbox poll interval")
    db_pool_size: int = Field(default=10, ge=1, description="Connections per process (PostgreSQL)")
    intake_batch_max: int = Field(default=256, ge=1, description="Deliveries that may share one commit")
    console_secure_cookies: bool = Field(default=False, description="Mark console cookies Secure (behind HTTPS)")
    session_ttl_seconds: int = Field(default=43_200, ge=60, description="Console session lifetime")
    retention_raw_event_days: int = Field(default=30, ge=1, description="Days raw events are kept")
    retention_duplicate_days: int = Field(default=7, ge=1, description="Days duplicate events are kept")
    retention_rejection_days: int = Field(default=7, ge=1, description="Days intake rejections are kept")
    retention_notification_days: int = Field(
        default=7, ge=1, description="Days delivered, skipped and failed notifications are kept"
    )
    retention_heartbeat_run_days: int = Field(default=7, ge=1, description="Days heartbeat shadow runs are kept")
    retention_interval_seconds: float = Field(default=3600, gt=0, description="Pause between scheduled purges")
    retention_batch_rows: int = Field(default=1000, ge=1, le=50_000, description="Rows deleted per transaction")
    retention_sqlite_batch_rows: int = Field(
        default=100, ge=1, le=50_000, description="Rows per delete on SQLite (one writer: short lock holds)"
    )
    retention_batch_pause_seconds: float = Field(default=0.05, ge=0, description="Pause between purge batches")

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'awooop.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
