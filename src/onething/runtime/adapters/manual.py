"""``manual`` adapter: the step waits, pending, for a clerk (``onething complete``)."""

from __future__ import annotations

from onething.runtime.adapters.base import Outcome, StepRequest


def manual(request: StepRequest) -> Outcome:
    return Outcome("pending", reason="waiting for a clerk of the department")
