"""``python`` adapter: an importable callable ``module.path:function`` does the department's work.

The callable receives the :class:`StepRequest` and returns an :class:`Outcome` or the same
JSON a department would (``{"status": "done", "outputs": {...}}``). An exception is a
transient failure: the step is retried with the same idempotency key, up to the limit.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from onething.dsl.i18n import _
from onething.runtime.adapters.base import Outcome, StepRequest, outcome_from_json
from onething.runtime.errors import RuntimeProblem


def load_callable(path: str) -> Callable[[StepRequest], Any]:
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise RuntimeProblem(_("{path} is not an import path").format(path=path),
                             _("write module.path:function, e.g. mydept.adapters:handle"))
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise RuntimeProblem(_("cannot import {module}: {reason}").format(module=module_name, reason=error),
                             _("install the module, or put its folder on PYTHONPATH")) from None
    target = getattr(module, attr, None)
    if not callable(target):
        raise RuntimeProblem(_("{module} has no callable {name}").format(module=module_name, name=attr))
    return target


class PythonAdapter:
    def __init__(self, path: str) -> None:
        self.path = path
        self.target = load_callable(path)

    def __call__(self, request: StepRequest) -> Outcome:
        try:
            answer = self.target(request)
        except Exception as error:  # the department's system failed: a transient error
            return Outcome("retry", reason=_("{path}: {kind}: {error}").format(
                path=self.path, kind=type(error).__name__, error=error))
        return answer if isinstance(answer, Outcome) else outcome_from_json(answer, self.path)
