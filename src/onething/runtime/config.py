"""The runtime config file: which adapter serves each department, leases, retries, calendar.

::

    default: {adapter: manual}            # departments not listed (the default: a clerk)
    departments:
      public_security: {adapter: http, url: "https://gaj.example/api/steps",
                        connect_timeout: 3, read_timeout: 20}
      health: {adapter: simulate, reject: [parenting_guidance], fail_first: 1}
      tax: {adapter: python, callable: "taxbridge.adapters:handle"}
    lease_seconds: 60                     # a worker's claim on a step; renewed while it runs
    poll_seconds: 2                       # how often an idle worker looks again
    batch_size: 64                        # ready steps a worker claims in one transaction
    retry: {max_attempts: 5, backoff_seconds: 30, max_backoff_seconds: 3600}
    calendar: {overlays: [xinjiang, local/closures.yaml]}   # shipped region or a file

Loaded safely like bundles; a misspelt key, an unknown adapter or a wrong type is a
:class:`ConfigError` naming ``file:line:col``, with a did-you-mean. Without a file every
department is ``manual``: nothing is sent anywhere unless configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from onething.dsl.i18n import _
from onething.dsl.source import locate
from onething.dsl.validation import suggest
from onething.runtime.adapters.base import Adapter
from onething.runtime.errors import RuntimeProblem


class ConfigError(RuntimeProblem):
    """The runtime config file is unusable (its file:line:col)."""


ADAPTER_KEYS: dict[str, tuple[str, ...]] = {
    "manual": ("adapter",),
    "simulate": ("adapter", "reject", "reason", "fail_first", "pending", "delay_seconds"),
    "python": ("adapter", "callable"),
    "http": ("adapter", "url", "connect_timeout", "read_timeout", "headers"),
}
_TOP = ("default", "departments", "lease_seconds", "poll_seconds", "batch_size", "retry", "calendar")
_RETRY = ("max_attempts", "backoff_seconds", "max_backoff_seconds")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 3600.0

    def delay(self, attempt: int) -> timedelta:
        """Exponential backoff: base × 2^(attempt−1), capped."""
        return timedelta(seconds=min(self.backoff_seconds * 2 ** max(attempt - 1, 0), self.max_backoff_seconds))


@dataclass
class RuntimeConfig:
    default: dict[str, Any] = field(default_factory=lambda: {"adapter": "manual"})
    departments: dict[str, dict[str, Any]] = field(default_factory=dict)
    lease_seconds: float = 60.0
    poll_seconds: float = 2.0
    batch_size: int = 64
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    overlays: list[str] = field(default_factory=list)
    path: str | None = None
    _built: dict[str, Adapter] = field(default_factory=dict, repr=False)

    def adapter_for(self, department: str) -> Adapter:
        if department not in self._built:
            spec = self.departments.get(department, self.default)
            self._built[department] = build_adapter(spec)
        return self._built[department]

    def adapter_kind(self, department: str) -> str:
        return str(self.departments.get(department, self.default)["adapter"])

    def calendar(self) -> Any:
        from onething.runtime.calendar import WorkingCalendar, load_overlay, regional_overlay

        base = Path(self.path).parent if self.path else Path.cwd()
        loaded = []
        for entry in self.overlays:
            path = Path(entry)
            if path.suffix not in (".yaml", ".yml"):
                path = regional_overlay(entry)
            elif not path.is_absolute():
                path = base / path
            loaded.append(load_overlay(path))
        return WorkingCalendar(loaded)


def build_adapter(spec: dict[str, Any]) -> Adapter:
    kind = spec["adapter"]
    if kind == "manual":
        from onething.runtime.adapters.manual import manual

        return manual
    if kind == "simulate":
        from onething.runtime.adapters.simulate import Simulate

        return Simulate(reject=frozenset(spec.get("reject", [])), reason=str(spec.get("reason", "simulated rejection")),
                        fail_first=int(spec.get("fail_first", 0)), pending=frozenset(spec.get("pending", [])),
                        delay_seconds=float(spec.get("delay_seconds", 0)))
    if kind == "python":
        from onething.runtime.adapters.python import PythonAdapter

        return PythonAdapter(str(spec["callable"]))
    from onething.runtime.adapters.http import HttpAdapter

    return HttpAdapter(str(spec["url"]), float(spec.get("connect_timeout", 5)), float(spec.get("read_timeout", 30)),
                       {str(k): str(v) for k, v in (spec.get("headers") or {}).items()})


def load_config(path: Path) -> RuntimeConfig:
    """Read and check a runtime config file."""
    from onething.dsl.loader import load_file

    if not path.is_file():
        raise ConfigError(_("there is no runtime config at {path}").format(path=path),
                          _("give the path of a YAML file (see docs/runtime.md, the config file)"))
    loaded = load_file(path)
    if not loaded.ok:
        first = next(d for d in loaded.diagnostics if d.is_error)
        raise ConfigError(first.message, first.hint, str(first.location))
    data = loaded.data

    def fail(where: tuple[Any, ...], message: str, hint: str | None = None, key: bool = False) -> ConfigError:
        loc = locate(data, where, key=key)
        return ConfigError(message, hint, str(loc) if loc else str(path))

    def keys(mapping: Any, known: tuple[str, ...], where: tuple[Any, ...]) -> None:
        if not isinstance(mapping, dict):
            raise fail(where, _("expected a mapping"))
        for k in mapping:
            if k not in known:
                near = suggest(str(k), known)
                raise fail(where + (k,), _("unknown key {key}").format(key=k),
                           _("did you mean {name}?").format(name=near) if near
                           else _("known keys: {keys}").format(keys=", ".join(known)), key=True)

    def number(value: Any, where: tuple[Any, ...], minimum: float = 0) -> float:
        if isinstance(value, str) and not isinstance(value, bool):
            try:  # the loader keeps plain scalars such as 0.5 as written
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise fail(where, _("{value} is not a number of at least {minimum}").format(value=value, minimum=minimum))
        return float(value)

    def adapter(spec: Any, where: tuple[Any, ...]) -> dict[str, Any]:
        if not isinstance(spec, dict) or "adapter" not in spec:
            raise fail(where, _("an adapter is a mapping with `adapter:` (manual, simulate, python or http)"))
        kind = spec["adapter"]
        if kind not in ADAPTER_KEYS:
            near = suggest(str(kind), ADAPTER_KEYS)
            raise fail(where + ("adapter",), _("unknown adapter {kind}").format(kind=kind),
                       _("did you mean {name}?").format(name=near) if near
                       else _("adapters: manual, simulate, python, http"))
        keys(spec, ADAPTER_KEYS[kind], where)
        for required in {"python": ("callable",), "http": ("url",)}.get(kind, ()):
            if not isinstance(spec.get(required), str) or not spec.get(required):
                raise fail(where + (required,), _("the {kind} adapter needs `{key}`").format(kind=kind, key=required))
        for k in ("reject", "pending"):
            if k in spec and not (isinstance(spec[k], list) and all(isinstance(v, str) for v in spec[k])):
                raise fail(where + (k,), _("`{key}` is a list of item ids").format(key=k))
        out = {str(k): v for k, v in spec.items()}
        for k in ("fail_first", "delay_seconds", "connect_timeout", "read_timeout"):
            if k in spec:
                out[k] = number(spec[k], where + (k,))
        return out

    if data is None:
        data = {}
    keys(data, _TOP, ())
    config = RuntimeConfig(path=str(path))
    if "default" in data:
        config.default = adapter(data["default"], ("default",))
    departments = data.get("departments") or {}
    if not isinstance(departments, dict):
        raise fail(("departments",), _("`departments` maps department ids to adapters"))
    config.departments = {str(d): adapter(spec, ("departments", d)) for d, spec in departments.items()}
    if "lease_seconds" in data:
        config.lease_seconds = number(data["lease_seconds"], ("lease_seconds",), 0.1)
    if "poll_seconds" in data:
        config.poll_seconds = number(data["poll_seconds"], ("poll_seconds",), 0.01)
    if "batch_size" in data:
        config.batch_size = int(number(data["batch_size"], ("batch_size",), 1))
    if "retry" in data:
        keys(data["retry"], _RETRY, ("retry",))
        r = data["retry"]
        config.retry = RetryPolicy(
            int(number(r.get("max_attempts", 5), ("retry", "max_attempts"), 1)),
            number(r.get("backoff_seconds", 30), ("retry", "backoff_seconds")),
            number(r.get("max_backoff_seconds", 3600), ("retry", "max_backoff_seconds")))
    if "calendar" in data:
        keys(data["calendar"], ("overlays",), ("calendar",))
        overlays = data["calendar"].get("overlays") or []
        if not isinstance(overlays, list):
            raise fail(("calendar", "overlays"), _("`overlays` is a list of region names or files"))
        config.overlays = [str(o) for o in overlays]
    return config
