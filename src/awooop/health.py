"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from awooop.core.metrics import registry as metrics_registry
from awooop.core.migrate import current_revision, head_revision
from awooop.deps import DatabaseDep, SettingsDep
from awooop.dossier.metrics import refresh_provider_gauges
from awooop.monitors.metrics import refresh_monitor_gauges

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(db: DatabaseDep) -> Response:
    try:
        async with db.read_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        revision = await current_revision(db.read_engine)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported to the prober
        return JSONResponse({"status": "unavailable", "detail": f"database unreachable: {type(exc).__name__}"}, 503)
    head = head_revision()
    if revision != head:
        return JSONResponse({"status": "unavailable", "detail": f"schema at {revision}, expected {head}"}, 503)
    return JSONResponse({"status": "ready", "revision": revision})


@router.get("/metrics", include_in_schema=False)
async def metrics(db: DatabaseDep, settings: SettingsDep) -> Response:
    await refresh_provider_gauges(db, settings.freshness_limit_seconds)
    await refresh_monitor_gauges(db)
    return Response(generate_latest(metrics_registry()), media_type=CONTENT_TYPE_LATEST)
