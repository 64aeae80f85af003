"""``manual`` adapter: the step waits, pending, for a clerk (``onething complete``)."""

from __future__ import annotations

from onething.dsl.i18n import _
from onething.runtime.adapters.base import Outcome, StepRequest


def manual(request: StepRequest) -> Outcome:
    return Outcome("pending", reason=_("waiting for a clerk of the department"))
