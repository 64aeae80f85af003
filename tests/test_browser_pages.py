"""The pages in a real browser: Debian's Chromium, axe-core (WCAG 2.1 A/AA), screenshots, printing.

The site is built from the fixture project once per module and served over HTTP on 127.0.0.1;
one browser checks every page (tests/browser_support.py). A missing browser, font or tool fails
these tests (scripts/test installs them); screenshots land in build/test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, describe_violations, serve
from click.testing import CliRunner
from compile_support import ROOT

from onething.cli.main import main

PROJECT = ROOT / "tests" / "fixtures" / "project" / "bundles"


def run(*args: object, cache: Path) -> str:
    result = CliRunner().invoke(main, [str(a) for a in args], env={"ONETHING_CACHE_DIR": str(cache)},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    """`onething build` of the fixture project (birth, school_entry)."""
    out = tmp_path_factory.mktemp("site")
    run("build", PROJECT, "-o", out / "site", cache=tmp_path_factory.mktemp("cache"))
    return out / "site"


@pytest.fixture(scope="module")
def base_url(site_dir):
    with serve(site_dir) as url:
        yield url


def assert_accessible(result: dict) -> None:
    assert result["violations"] == [], "axe-core violations:\n" + describe_violations(result)
    assert result["external"] == [], "the page asked for something off this machine"
    assert result["errors"] == [], "script errors on the page"


@pytest.mark.parametrize("page", ["index.html", "birth/index.html", "school_entry/index.html"])
def test_site_pages_pass_axe(browser, base_url, page):
    name = "site-" + page.replace("/", "-").removesuffix(".html")
    result = browser.check(base_url + page, name)
    assert_accessible(result)
    assert result["lang"] == "zh-CN"
    assert Path(result["screenshot"]).is_file() and Path(result["screenshot"]).parent == ARTIFACTS


def test_the_index_search_works_offline(browser, base_url, site_dir):
    rows = "#bundles tbody tr:not([hidden])"
    assert browser.check(base_url + "index.html", "site-index-all", count=rows)["count"] == 2
    found = browser.check(base_url + "index.html", "site-index-search", fill=[("#q", "入学")], count=rows)
    assert found["count"] == 1
    assert found["violations"] == [] and found["external"] == []
    none = browser.check(base_url + "index.html", "site-index-none", fill=[("#q", "no such bundle")], count=rows)
    assert none["count"] == 0


def test_the_graph_picture_loads(browser, base_url, site_dir):
    svg = (site_dir / "birth" / "graph.svg").read_text(encoding="utf-8")
    manifest = json.loads((site_dir / "birth" / "manifest.json").read_text(encoding="utf-8"))
    for item in manifest["plan"]["steps"]:
        assert item in svg
    result = browser.check(base_url + "birth/index.html", "site-birth-graph")
    assert result["images"] == [{"src": "graph.svg", "loaded": True}]
