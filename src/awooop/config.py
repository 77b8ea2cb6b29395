"""Settings from the environment (``AWOOOP_*``). Imports nothing else of ours."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APP_DIR_NAME = "awooop"


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the data lives when ``AWOOOP_DATA_DIR`` is unset (docs/deployment.md, "Where the data lives").

    The first that applies: ``$STATE_DIRECTORY`` (set by systemd for a unit with
    ``StateDirectory=awooop``, i.e. ``/var/lib/awooop``), then ``$XDG_DATA_HOME/awooop``, then
    ``~/.local/share/awooop``. Never the current directory: a command run from elsewhere must find
    the same database."""
    env = os.environ if environ is None else environ
    if state := env.get("STATE_DIRECTORY", "").split(":")[0]:
        return Path(state)
    if (xdg := env.get("XDG_DATA_HOME", "")) and Path(xdg).is_absolute():
        return Path(xdg) / APP_DIR_NAME
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    return home / ".local" / "share" / APP_DIR_NAME


class Settings(BaseSettings):
    """Process configuration; every field maps to ``AWOOOP_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="AWOOOP_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir, description="Where the SQLite file and bootstrap secrets live"
    )
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
    watchdog_alertname: str = Field(default="Watchdog", description="Alertname that pings <provider>-watchdog")
    watchdog_interval_seconds: int = Field(default=300, ge=10, description="Expected Watchdog repeat interval")
    watchdog_grace_seconds: int = Field(default=300, ge=0, description="Grace before a silent Watchdog alerts")
    body_read_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time an intake sender has to deliver the whole body (then 408)"
    )
    auth_max_failures: int = Field(
        default=10, ge=0, description="Failed credentials per address (or key id) in the window before 429; 0 = off"
    )
    auth_failure_window_seconds: float = Field(default=60.0, gt=0, description="Window of auth_max_failures")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Proxy addresses/CIDRs whose X-Forwarded-For is believed (JSON list or comma list)",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

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
        default=100, ge=1, le=50_000, description="Most rows per delete on SQLite (one writer: short lock holds)"
    )
    retention_sqlite_hold_ms: float = Field(
        default=5.0, gt=0, le=1000, description="Write-lock hold a SQLite purge batch aims at (sizes the batches)"
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
