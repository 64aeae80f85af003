"""Fake departments for demos and tests: approve with plausible outputs, or as told, reject,
delay or fail transiently.

Outputs are derived from the idempotency key, so a repeated dispatch of a step produces the
same certificate numbers (as a real department recognising the repeat would).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from onething.dsl.i18n import _
from onething.runtime.adapters.base import Outcome, StepRequest


@dataclass
class Simulate:
    reject: frozenset[str] = field(default_factory=frozenset)  # items to reject
    reason: str = "simulated rejection"  # replaced by the config's reason
    fail_first: int = 0  # transient failures before success, per step
    pending: frozenset[str] = field(default_factory=frozenset)  # items left pending for a clerk
    delay_seconds: float = 0.0

    def __call__(self, request: StepRequest) -> Outcome:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if request.attempt <= self.fail_first:
            return Outcome("retry", reason=_("simulated transient failure (attempt {n})").format(n=request.attempt))
        if request.item in self.reject:
            return Outcome("rejected", reason=self.reason)
        if request.item in self.pending:
            return Outcome("pending")
        return Outcome("done", simulated_outputs(request))


def simulated_outputs(request: StepRequest) -> dict[str, str]:
    """A number per output, plus the result's reference: e.g. ``{"birth_medical_certificate": "BMC-3F9A21C0"}``."""
    out: dict[str, str] = {}
    for name in request.outputs or ["result"]:
        digest = hashlib.sha256(f"{request.idempotency_key}/{name}".encode()).hexdigest()[:8].upper()
        initials = "".join(part[0] for part in name.split("_") if part).upper() or "R"
        out[name] = f"{initials}-{digest}"
    return out
