"""The http adapter against a real HTTP server on 127.0.0.1, started by the test."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from runtime_support import NOW, birth, handed_in, stepper
from sqlalchemy import select

from onething.runtime.acceptance import accept
from onething.runtime.adapters.base import StepRequest
from onething.runtime.adapters.http import HttpAdapter
from onething.runtime.clerk import complete
from onething.runtime.clock import FixedClock
from onething.runtime.config import RetryPolicy, RuntimeConfig
from onething.runtime.engine import Worker
from onething.runtime.store import open_store
from onething.runtime.store.tables import steps


class Department(BaseHTTPRequestHandler):
    """Answers from a script: each path takes the next (status, body, delay) of its list."""

    script: dict[str, list[tuple[int, object, float]]] = {}
    seen: list[tuple[str, str, dict]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append((self.path, self.headers["Idempotency-Key"], body))
        queue = type(self).script[self.path]
        status, answer, delay = queue.pop(0) if len(queue) > 1 else queue[0]
        time.sleep(delay)
        data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Department.script, Department.seen = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Department)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _request(attempt=1):
    return StepRequest(case="birth-20261201-0001", item="ssc_apply", department="hrss", idempotency_key="k" * 32,
                       attempt=attempt, fields={"child.name": "x"}, materials={"id_card": "waived"}, upstream={},
                       outputs=["social_security_card"])


def test_2xx_is_taken_as_given_and_carries_the_idempotency_key(server):
    Department.script["/ok"] = [(200, {"status": "done", "outputs": {"social_security_card": "SSC-9"}}, 0)]
    outcome = HttpAdapter(server + "/ok")(_request())
    assert (outcome.status, outcome.outputs) == ("done", {"social_security_card": "SSC-9"})
    path, key, body = Department.seen[0]
    assert key == "k" * 32 and body["idempotency_key"] == key and body["fields"] == {"child.name": "x"}


def test_4xx_rejects_with_the_departments_reason(server):
    Department.script["/no"] = [(422, {"reason": "银行账号无效"}, 0)]
    outcome = HttpAdapter(server + "/no")(_request())
    assert (outcome.status, outcome.reason) == ("rejected", "银行账号无效")


def test_a_timeout_and_a_5xx_are_retried(server):
    Department.script["/slow"] = [(200, {"status": "done"}, 1.0)]
    Department.script["/down"] = [(503, "{}", 0)]
    slow = HttpAdapter(server + "/slow", connect_timeout=1, read_timeout=0.2)(_request())
    assert slow.status == "retry" and "timed out" in slow.reason
    down = HttpAdapter(server + "/down")(_request())
    assert down.status == "retry" and "503" in down.reason
    refused = HttpAdapter("http://127.0.0.1:9/none", connect_timeout=0.5)(_request())
    assert refused.status == "retry"


def test_through_the_engine_5xx_then_success_and_202_then_complete(server, fresh_store_url):
    manifest, answers = birth()
    Department.script["/ok"] = [(200, {"status": "done", "outputs": {}}, 0)]
    Department.script["/flaky"] = [(500, "{}", 0), (200, {"status": "done", "outputs": {"newborn_hukou_page": "H-1"}}, 0)]
    Department.script["/later"] = [(202, "{}", 0)]
    with open_store(fresh_store_url, clock=FixedClock(NOW)) as store:
        number = accept(store, manifest, answers, materials=handed_in(manifest), actor="clerk").case_number
        config = RuntimeConfig(default={"adapter": "http", "url": server + "/ok"}, departments={
            "public_security": {"adapter": "http", "url": server + "/flaky"},
            "hrss": {"adapter": "http", "url": server + "/later"}}, retry=RetryPolicy(3, 10, 60))
        Worker(store, config, worker_id="w", sleep=stepper(store.clock), heartbeat=False).run(until_idle=True)
        with store.read() as conn:
            rows = {r.item: r for r in conn.execute(select(steps))}
        assert rows["hukou_birth_registration"].status == "done" and rows["hukou_birth_registration"].attempts == 2
        assert rows["hukou_birth_registration"].outputs == {"newborn_hukou_page": "H-1"}
        assert rows["ssc_apply"].status == "pending"
        keys = [k for p, k, _ in Department.seen if p == "/flaky"]
        assert keys == [rows["hukou_birth_registration"].idempotency_key] * 2  # the retry kept its key
        assert complete(store, number, "ssc_apply", approve=True, actor="hrss",
                        outputs={"social_security_card": "SSC-2"}) == "done"
