"""A live uvicorn server for browser tests (background thread, random 127.0.0.1 port), and the demo
data set (`awooop demo`: a week of alerts from every provider, runs in every state, incidents and
work items in every status) loaded through the app's real APIs."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from awooop.app import create_app
from awooop.cli.demo import load_demo_if_missing
from awooop.config import Settings


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` until the block ends; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    started = threading.Event()
    # Wait for startup (bounded; the thread reports readiness through server.started).
    for _ in range(600):
        if server.started:
            started.set()
            break
        if not thread.is_alive():
            break
        threading.Event().wait(0.05)
    if not started.is_set():
        raise RuntimeError("the live console server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


async def load_demo(settings: Settings) -> None:
    """``load_demo_if_missing`` drives the app with its own event loop: run it in a thread."""
    await asyncio.to_thread(load_demo_if_missing, settings)
