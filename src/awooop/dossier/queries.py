"""The query-parameter checks every Channel Events route shares (events, dossier, recurrence, work items):
one definition, so a project id or provider is refused with the same message on every path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from awooop.hub.providers import ALERT_PROVIDERS
from awooop.operators.principal import PROJECT_ID_RE

PROJECT_ERROR = "project_id must match ^[a-z0-9][a-z0-9_-]{0,63}$"
PROVIDER_ERROR = f"provider must be an alert provider: one of {', '.join(ALERT_PROVIDERS)}"


def checked_project_id(value: str | None) -> str | None:
    if value is not None and not PROJECT_ID_RE.fullmatch(value):
        raise ValueError(PROJECT_ERROR)
    return value


def checked_alert_provider(value: str | None) -> str | None:
    if value is not None and value not in ALERT_PROVIDERS:
        raise ValueError(PROVIDER_ERROR)
    return value


ProjectQuery = Annotated[str | None, Query(description="租戶 ID可選"), AfterValidator(checked_project_id)]
