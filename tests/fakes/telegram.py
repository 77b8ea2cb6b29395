"""A local fake of the Telegram Bot API (``POST /bot<token>/sendMessage``) on 127.0.0.1.

Runs uvicorn in a background thread on a free port, records every request and can be told to
fail the next N requests (status 500, 429 with ``retry_after``, 400 …)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass(frozen=True, slots=True)
class SentMessage:
    token: str
    chat_id: str
    text: str
    parse_mode: str | None
    status: int  # what the fake answered


class FakeTelegram:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[SentMessage] = []
        self._failures: deque[tuple[int, dict[str, Any]]] = deque()
        self.delay_seconds = 0.0  # a slow Bot API: each answer waits this long
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        app = Starlette(routes=[Route("/bot{token}/sendMessage", self._send, methods=["POST"])])
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTelegram:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake Telegram server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def fail_next(
        self, count: int, status: int = 500, description: str = "Internal Server Error", **extra: Any
    ) -> None:
        with self._lock:
            for _ in range(count):
                self._failures.append(
                    (status, {"ok": False, "error_code": status, "description": description, **extra})
                )

    @property
    def attempts(self) -> int:
        with self._lock:
            return len(self._sent)

    def delivered(self) -> list[SentMessage]:
        """Requests answered with ok (what a chat would show)."""
        with self._lock:
            return [m for m in self._sent if m.status == 200]

    def all_requests(self) -> list[SentMessage]:
        with self._lock:
            return list(self._sent)

    async def _send(self, request: Request) -> JSONResponse:
        body = await request.json()
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        token = request.path_params["token"]
        with self._lock:
            status, payload = self._failures.popleft() if self._failures else (200, None)
            chat_id = str(body.get("chat_id"))
            self._sent.append(SentMessage(token, chat_id, str(body.get("text")), body.get("parse_mode"), status))
            count = len(self._sent)
        if payload is not None:
            return JSONResponse(payload, status_code=status)
        return JSONResponse({"ok": True, "result": {"message_id": count, "chat": {"id": chat_id}}})
