"""The runtime's errors: exceptions carrying a clear message and a hint, never a traceback.

The runtime raises these instead of returning diagnostics: what goes wrong at run time is a
state of the store or the environment (a corrupted file, a newer schema, a bad overlay
entry), not a place in a bundle. The CLI catches :class:`RuntimeProblem`, prints
``str(problem)`` and exits 1.
"""

from __future__ import annotations


class RuntimeProblem(Exception):
    """Base of every runtime error; ``str()`` is the text a user reads."""

    def __init__(self, message: str, hint: str | None = None, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if not self.hint:
            return text
        from onething.dsl.i18n import _

        return text + "\n  " + _("hint: {hint}").format(hint=self.hint)


class StoreError(RuntimeProblem):
    """The store cannot be used: unreadable, corrupted, foreign, or busy."""

    transient = False


class StoreUnavailable(StoreError):
    """The store cannot be reached now (server down or restarting, connection lost, deadlock):
    the transaction did not happen — or, if the connection broke while committing, may have —
    and trying again later may succeed. Workers retry on their own."""

    transient = True


class StoreTooNew(StoreError):
    """The store was written by a newer onething; refusing to touch it."""


class StoreNotFound(StoreError):
    """Opening without ``create`` and there is no store at the location."""


class CalendarError(RuntimeProblem):
    """A calendar overlay file is unusable (bad key, bad date, bad kind)."""
