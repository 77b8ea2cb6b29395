"""The framework ceiling on this machine (not a test): what a do-nothing endpoint answers under the
intake benchmark's load, so ``bench/ingest.py`` figures have a reference.

    .venv/bin/python bench/ceiling.py --seconds 8

Serves, one at a time, with the same uvicorn flags as ``ingest.py`` (uvloop, httptools, one
worker, no access log) and drives with the same wrk script (8 connections, a 1-alert delivery
body per request, new fingerprints):

- ``asgi``: a raw ASGI callable that drains the body and answers 202 with a fixed JSON body;
- ``starlette``: a Starlette ``Route`` that reads ``await request.body()`` and answers 202;
- ``fastapi``: a FastAPI route taking ``Request``, reading the body, answering an orjson ``Response``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import wrkload
from fastapi import FastAPI, Request, Response
from ingest import PROJECT, TOKEN, Bodies, free_port, stop_server

_ANSWER = b'{"status":"accepted","project_id":"bench","events":[]}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_ANSWER)).encode())]


def asgi_app() -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 202, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": _ANSWER})

    return app


def starlette_app() -> Any:
    from starlette.applications import Starlette  # noqa: PLC0415 - server process only
    from starlette.routing import Route  # noqa: PLC0415

    async def receive(request: Request) -> Response:
        await request.body()
        return Response(_ANSWER, status_code=202, media_type="application/json")

    return Starlette(routes=[Route("/api/v1/hub/{project_id}/alertmanager", receive, methods=["POST"])])


def fastapi_app() -> Any:
    app = FastAPI()

    @app.post("/api/v1/hub/{project_id}/alertmanager", status_code=202, response_class=Response)
    async def receive(request: Request) -> Response:
        await request.body()
        return Response(_ANSWER, status_code=202, media_type="application/json")

    return app


async def measure(kind: str, args: argparse.Namespace, workdir: Path) -> str:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"ceiling:{kind}_app", "--factory"]
    command += ["--app-dir", str(Path(__file__).parent)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    command += ["--loop", "uvloop", "--http", "httptools"]
    server = subprocess.Popen(command)
    try:
        await asyncio.sleep(2.0)  # a bare app is up well within this
        bodies = Bodies(1)
        lua = wrkload.script(
            body=bodies.wrk_template(), size=1, keys=None, budget=10_000_000, delay_ms=0.0,
            path=f"/api/v1/hub/{PROJECT}/alertmanager", token=TOKEN,
        )  # fmt: skip
        script_path = workdir / f"ceiling-{kind}.lua"
        script_path.write_text(lua)
        common = {"port": port, "script_path": script_path, "threads": 1, "connections": args.concurrency}
        await wrkload.run(**common, seconds=1)  # warm-up
        result = await wrkload.run(**common, seconds=args.seconds)
    finally:
        stop_server(server)
    rate = result.deliveries / result.elapsed
    latency = f"p50 {result.p50_ms:5.1f} ms  p99 {result.p99_ms:5.1f} ms"
    return f"{kind:<10} {rate:>8.0f} requests/s  {latency}  errors {result.errors}"


async def main(args: argparse.Namespace) -> None:
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before start, {args.concurrency} connections")
    with tempfile.TemporaryDirectory(prefix="awooop-ceiling-") as workdir:
        for kind in args.apps:
            print(await measure(kind, args, Path(workdir)), flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--apps", type=lambda s: s.split(","), default=["asgi", "starlette", "fastapi"])
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
