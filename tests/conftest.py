"""Shared test set-up: every test keeps onething's build state in its own cache folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_build_cache(tmp_path_factory, monkeypatch):
    """`compile -o` records state in the user's cache; tests must neither read nor fill the real one."""
    monkeypatch.setenv("ONETHING_CACHE_DIR", str(tmp_path_factory.mktemp("onething-cache")))


# Scenario files of the bad fixtures are wrong on purpose (tests/test_bad_fixtures.py runs
# `validate` on them); the pytest plugin must not collect them as the project's scenarios.
collect_ignore_glob = ["fixtures/bad/*"]


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """Messages in English whatever the developer's locale; a test that wants Chinese says so."""
    from onething.dsl.i18n import set_language

    monkeypatch.setenv("ONETHING_LANG", "en")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(scope="session")
def browser():
    """One Chromium (with axe-core) for every page of the session; tests/browser_support.py."""
    from browser_support import Browser

    b = Browser()
    yield b
    b.close()
