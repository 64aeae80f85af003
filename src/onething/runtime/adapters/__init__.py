"""Adapters: how the engine hands a step to its department and reads the answer back.

Every adapter is a callable ``adapter(request: StepRequest) -> Outcome``. The request holds
only what the item declares (its fields and materials) plus its prerequisites' outputs —
the same minimisation as the department packets — and the step's idempotency key, the same
on every dispatch of the step. Kinds: ``simulate``, ``python``, ``http``, ``manual``
(``runtime.config`` builds them from the runtime config file).
"""

from onething.runtime.adapters.base import Adapter, Outcome, StepRequest

__all__ = ["Adapter", "Outcome", "StepRequest"]
