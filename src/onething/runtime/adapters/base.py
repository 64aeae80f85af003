"""The adapter contract: a step request in, an outcome out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from onething.dsl.i18n import _

OutcomeStatus = Literal["done", "rejected", "pending", "retry", "failed"]


@dataclass(frozen=True)
class StepRequest:
    """What a department receives for one step (JSON: :meth:`to_json`)."""

    case: str
    item: str
    department: str
    idempotency_key: str
    attempt: int
    fields: dict[str, Any]
    materials: dict[str, str]  # material → submitted | waived | committed | supplied
    upstream: dict[str, dict[str, Any]]  # prerequisite item → its outputs
    outputs: list[str] = field(default_factory=list)  # the materials the item produces


    def to_json(self) -> dict[str, Any]:
        return {"case": self.case, "item": self.item, "department": self.department,
                "idempotency_key": self.idempotency_key, "attempt": self.attempt,
                "fields": self.fields, "materials": self.materials, "upstream": self.upstream,
                "outputs": self.outputs}


@dataclass(frozen=True)
class Outcome:
    """``done`` (with outputs), ``rejected`` (with a reason), ``pending`` (the department or a
    clerk has it), ``retry`` (a transient failure: dispatched again later, same key) or
    ``failed`` (a permanent error: the case is flagged)."""

    status: OutcomeStatus
    outputs: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None


class Adapter(Protocol):
    def __call__(self, request: StepRequest) -> Outcome: ...


def outcome_from_json(data: Any, source: str) -> Outcome:
    """An outcome from a department's JSON ``{status, outputs, reason}``; anything else is a retry."""
    if not isinstance(data, dict) or data.get("status") not in ("done", "rejected", "pending"):
        return Outcome("retry", reason=_("{source}: the answer is not {{status: done|rejected|pending, outputs}}").format(
            source=source))
    outputs = data.get("outputs") or {}
    if not isinstance(outputs, dict):
        return Outcome("retry", reason=_("{source}: outputs is not an object").format(source=source))
    reason = data.get("reason")
    return Outcome(data["status"], outputs, str(reason) if reason is not None else None)
