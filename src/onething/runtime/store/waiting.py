"""How an idle worker waits for work: until a step may have become ready, a timeout, or stop.

On PostgreSQL one listener thread per worker process keeps a connection that ``LISTEN``s on
the ready channel (``store.postgres.READY_CHANNEL``); every committed transaction that made a
step ready ``NOTIFY``s it, and the listener wakes every idle thread at once. Waiting is then
not polling: an idle worker costs the database nothing and picks new work up within
milliseconds. The timeout stays as a floor under everything a notification does not cover
(a lease expiring, a retry falling due, a lost notification while the server restarted).
If the listening connection breaks, the listener reconnects with a backoff; meanwhile
waiting is plain sleeping up to the timeout.

On SQLite (one machine) waiting is sleeping up to the timeout, as before.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.engine import make_url

RECONNECT_MAX_S = 5.0


class Wakeup:
    """Shared by a process's worker threads; ``stop`` (if given) ends every wait at once."""

    def __init__(self, store: Any, stop: threading.Event | None = None) -> None:
        self._stop = stop or threading.Event()
        self._cond = threading.Condition()
        self._generation = 0
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()
        if store.dialect == "postgresql":
            url = make_url(store.engine.url).set(drivername="postgresql")
            self._conninfo = url.render_as_string(hide_password=False)
            self._thread = threading.Thread(target=self._listen, name="onething-listen", daemon=True)
            self._thread.start()

    @property
    def generation(self) -> int:
        """Read before looking for work; ``wait(…, since=)`` returns at once if a wake-up came since."""
        return self._generation

    def wait(self, seconds: float, since: int | None = None) -> None:
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._stop.is_set() and (since is None or self._generation == since):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(min(left, 0.25))  # short slices: stop is seen promptly

    def wake(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def close(self) -> None:
        self._closed.set()
        self.wake()

    def _listen(self) -> None:
        import psycopg

        from onething.runtime.store.postgres import CONNECT_TIMEOUT_S, READY_CHANNEL

        backoff = 0.1
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                     application_name="onething-listen") as conn:
                    conn.execute(f"LISTEN {READY_CHANNEL}")
                    self.listening.set()
                    self.wake()  # work may have become ready while we were not listening
                    backoff = 0.1
                    while not self._closed.is_set():
                        for _note in conn.notifies(timeout=1.0):
                            self.wake()
            except Exception:  # the server restarts or fails over: listen again when it is back
                self.listening.clear()
                if self._closed.wait(backoff):
                    return
                backoff = min(backoff * 2, RECONNECT_MAX_S)
