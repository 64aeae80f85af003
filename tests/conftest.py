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


# --- the case store on both dialects (tests/postgres_server.py) ---

STORE_KINDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server for the session, with a template database holding the schema."""
    from postgres_server import PostgresServer

    server = PostgresServer()
    try:
        server.prepare_template()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=STORE_KINDS)
def store_kind(request):
    """Parametrises a test over both stores; the PostgreSQL server starts only if such a test runs."""
    return request.param


@pytest.fixture
def fresh_store_url(store_kind, tmp_path, request):
    """An empty case store of ``store_kind``: a SQLite file in tmp_path, or a new PostgreSQL database."""
    if store_kind == "sqlite":
        from runtime_support import empty_store_file

        return empty_store_file(tmp_path)
    return request.getfixturevalue("postgres").fresh_database()
