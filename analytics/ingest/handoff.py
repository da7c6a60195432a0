"""One item at a time from a worker thread to the caller, so that both work at once.

Used twice by a load: the file is read in one streaming pass while its pieces are
validated, and the next chunk is validated while the current one is written.
Polars and DuckDB release the GIL, so the two sides overlap on separate cores.

At most one item waits in between: a worker that runs ahead blocks, so memory
stays bounded however slow the caller is. Leaving the ``with`` block stops the
worker and joins its thread, so a failed load leaves no work running; an error
raised in the worker is raised again in the caller's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")
_POLL_S = 0.05


class Handoff(Generic[T]):
    """The queue between a worker (``put``) and the caller (``items``)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()

    def put(self, item: T) -> bool:
        """Hand ``item`` over, waiting while one is waiting; False once the caller left."""
        return self._send("item", item)

    def _send(self, kind: str, value: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put((kind, value), timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _items(self) -> Iterator[T]:
        while True:
            kind, value = self._queue.get()
            if kind == "error":
                raise value  # type: ignore[misc]
            if kind == "done":
                return
            yield value  # type: ignore[misc]


@contextmanager
def running(work: Callable[[Handoff[T]], None], name: str) -> Iterator[Iterator[T]]:
    """Run ``work(handoff)`` in a thread; the block iterates over what it puts."""
    handoff: Handoff[T] = Handoff()

    def target() -> None:
        try:
            work(handoff)
            handoff._send("done", None)
        except BaseException as exc:  # handed to the caller, raised there
            handoff._send("error", exc)

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    try:
        yield handoff._items()
    finally:
        handoff._stop.set()
        thread.join()
