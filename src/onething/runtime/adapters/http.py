"""``http`` adapter: POST the step request as JSON to the department's endpoint.

The request carries the header ``Idempotency-Key`` (the step's key, the same on every
dispatch). Answers: 2xx with ``{status, outputs, reason}`` is taken as given; 202 Accepted
leaves the step ``pending`` until the department reports (``onething complete``); 4xx
rejects the step (the body's ``reason`` or text as the reason); 5xx, a timeout or a
connection failure are transient and retried with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass

from onething.dsl.i18n import _
from onething.runtime.adapters.base import Outcome, StepRequest, outcome_from_json


@dataclass
class HttpAdapter:
    url: str
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    headers: dict[str, str] | None = None

    def __call__(self, request: StepRequest) -> Outcome:
        import httpx

        timeout = httpx.Timeout(self.read_timeout, connect=self.connect_timeout)
        headers = {**(self.headers or {}), "Idempotency-Key": request.idempotency_key}
        try:
            response = httpx.post(self.url, json=request.to_json(), headers=headers, timeout=timeout)
        except httpx.TimeoutException as error:
            return Outcome("retry", reason=_("{url}: timed out ({error})").format(url=self.url, error=type(error).__name__))
        except httpx.HTTPError as error:
            return Outcome("retry", reason=_("{url}: {kind}: {error}").format(url=self.url, kind=type(error).__name__, error=error))
        code = response.status_code
        if code == 202:
            return Outcome("pending", reason=_("{url}: 202 accepted, the department will report").format(url=self.url))
        if 200 <= code < 300:
            try:
                data = response.json()
            except ValueError:
                return Outcome("retry", reason=_("{url}: {code} with a body that is not JSON").format(url=self.url, code=code))
            return outcome_from_json(data, self.url)
        if 400 <= code < 500:
            try:
                body = response.json()
                reason = body.get("reason") if isinstance(body, dict) else None
            except ValueError:
                reason = None
            return Outcome("rejected", reason=str(reason or f"{code} {response.reason_phrase}: {response.text[:200]}"))
        return Outcome("retry", reason=_("{url}: {code} {phrase}").format(url=self.url, code=code, phrase=response.reason_phrase))
