"""A request body read with a size cap: refused the moment it passes the cap, never buffered whole.

Used by every route that streams its body (webhook intake, playbook upload); each says which error
a body that is too large raises. ``received`` counts what arrived, for a caller whose read is cut
short (a timeout) and that reports how far it got.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable


class CappedBody:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.received = 0

    async def read(self, chunks: AsyncIterable[bytes], too_large: Callable[[int], Exception]) -> bytes:
        """The whole body; ``too_large(bytes seen so far)`` is raised as soon as it passes the cap."""
        parts: list[bytes] = []
        async for chunk in chunks:
            self.received += len(chunk)
            if self.received > self.limit:
                raise too_large(self.received)
            parts.append(chunk)
        return b"".join(parts)
