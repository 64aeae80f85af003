"""Real clients for the rendered pages: an HTTP server on 127.0.0.1, Chromium with axe-core, pdftotext.

`scripts/test` installs all of them (Debian's chromium, fonts-noto-cjk, poppler-utils, graphviz;
`npm ci` in tests/browser/). A missing one fails the test that needs it with what to run, never
skips it: a skipped accessibility check would read as a passed one.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BROWSER_DIR = ROOT / "tests" / "browser"
DRIVER = BROWSER_DIR / "check_page.mjs"
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = os.environ.get("ONETHING_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "run `bash scripts/test` once: it installs the browser-test tools"


def require_tool(name: str) -> str:
    """The path of a command-line tool the tests need; fails (never skips) when it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed; {INSTALL_HINT}", pytrace=False)
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve a folder over HTTP on 127.0.0.1 (a free port); yields the base URL, ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Browser:
    """One Chromium for a whole test session, driven by tests/browser/check_page.mjs."""

    def __init__(self) -> None:
        require_tool("node")
        if not Path(CHROMIUM).is_file():
            pytest.fail(f"{CHROMIUM} is missing (Debian's chromium); {INSTALL_HINT}", pytrace=False)
        for package in ("playwright-core", "axe-core"):
            if not (BROWSER_DIR / "node_modules" / package / "package.json").is_file():
                pytest.fail(f"npm package {package} is missing in tests/browser/node_modules; {INSTALL_HINT}",
                            pytrace=False)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            ["node", str(DRIVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, encoding="utf-8", cwd=BROWSER_DIR, env={**os.environ, "ONETHING_CHROMIUM": CHROMIUM},
        )
        hello = self._read()
        if not hello.get("ready"):
            self.close()
            pytest.fail(f"the browser driver did not start: {hello}", pytrace=False)
        self.version = hello["browser"]

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            err = self._proc.stderr.read() if self._proc.stderr else ""
            raise RuntimeError(f"the browser driver exited: {err[-3000:]}")
        return json.loads(line)

    def check(self, url: str, name: str, *, large_print: bool = False, pdf: Path | None = None,
              fill: list[tuple[str, str]] | None = None, count: str | None = None) -> dict[str, Any]:
        """Open a page, run axe-core (WCAG 2.1 A/AA; AAA contrast for large print), screenshot it.

        The screenshot goes to build/test-artifacts/<name>.png; with ``pdf`` the page is also
        printed there by the browser. ``fill`` types text into fields first (selector, text);
        ``count`` asks how many elements then match a selector. A page that cannot load fails
        the calling test.
        """
        request = {"url": url, "name": name, "large_print": large_print,
                   "screenshot": str(ARTIFACTS / f"{name}.png"), "pdf": str(pdf) if pdf else None,
                   "fill": [list(f) for f in fill or []], "count": count}
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        answer = self._read()
        if "fatal" in answer:
            pytest.fail(f"{name}: {answer['fatal']}", pytrace=False)
        return answer

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()


def describe_violations(result: dict[str, Any]) -> str:
    """axe-core's violations as lines a person can act on: rule, impact, element, why."""
    lines = []
    for v in result["violations"]:
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split()) if node.get("summary") else ""
            lines.append(f"{v['id']} ({v['impact']}): {node['target']} {node['html'][:160]} -- {summary[:240]}")
    return "\n".join(lines)


def pdf_text(pdf: Path) -> str:
    """The text poppler's pdftotext extracts: what a search or a screen reader gets from the PDF."""
    require_tool("pdftotext")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")
