"""The pages in a real browser: Debian's Chromium, axe-core (WCAG 2.1 A/AA), screenshots, printing.

The site is built from the fixture project once per module and served over HTTP on 127.0.0.1;
one browser checks every page (tests/browser_support.py). A missing browser, font or tool fails
these tests (scripts/test installs them); screenshots land in build/test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
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


# --- the combined form, the sheet and a packet ------------------------------------------------

GOLDEN = ROOT / "tests" / "golden"
UG = ROOT / "tests" / "fixtures" / "render" / "ug_demo.yaml"
FORMS = {  # page name → (bundle, extra arguments of `onething form`)
    "form-birth-blank": ("birth", ()),
    "form-birth-answers": ("birth", ("--answers", GOLDEN / "birth.answers.yaml")),
    "form-birth-large": ("birth", ("--large-print",)),
    "form-birth-zh-en": ("birth", ("--labels", "zh+en")),
    "form-school_entry-blank": ("school_entry", ()),
    "form-school_entry-answers": ("school_entry", ("--answers", GOLDEN / "school_entry.answers.yaml")),
    "form-school_entry-large": ("school_entry", ("--large-print", "--labels", "zh+en")),
    "form-school_entry-zh-en": ("school_entry", ("--labels", "zh+en")),
    "form-ug": (UG, ("--labels", "ug+zh")),
}


@pytest.fixture(scope="module")
def pages_dir(tmp_path_factory) -> Path:
    """Every form of FORMS rendered by `onething form` into one folder, with the manifests used."""
    out = tmp_path_factory.mktemp("pages")
    cache = tmp_path_factory.mktemp("cache")
    for name, (bundle, args) in FORMS.items():
        path = bundle if isinstance(bundle, Path) else PROJECT / f"{bundle}.yaml"
        run("form", path, *args, "-o", out / f"{name}.html", cache=cache)
        answers = [a for a in args if isinstance(a, Path)]
        manifest = run("compile", path, *(["--answers", answers[0]] if answers else []), cache=cache)
        (out / f"{name}.manifest.json").write_text(manifest, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def pages(browser, pages_dir):
    """Each form checked once in the browser (axe, controls, screenshot); the birth form also printed."""
    with serve(pages_dir) as url:
        return {name: browser.check(f"{url}{name}.html", name, large_print="large" in name,
                                    pdf=pages_dir / f"{name}.pdf" if name == "form-birth-blank" else None)
                for name in FORMS}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_passes_axe(pages, name):
    assert_accessible(pages[name])


@pytest.mark.parametrize("name", sorted(FORMS))
def test_the_form_has_one_control_per_field_of_the_manifest(pages, pages_dir, name):
    from onething.render.manifest_view import walk

    manifest = json.loads((pages_dir / f"{name}.manifest.json").read_text(encoding="utf-8"))
    keys = [f["key"] for f in walk(manifest) if not f.get("fields")]  # a group is its members' controls
    names: dict[str, set[str]] = {}
    for control in pages[name]["controls"]:
        assert control["key"], f"a control without a field: {control}"
        assert control["label"], f"a control without a label: {control}"
        names.setdefault(control["key"], set()).add(control["name"])  # a radio group is one control
    assert sorted(names) == sorted(keys)
    assert {k: len(v) for k, v in names.items() if len(v) != 1} == {}


def test_the_prefilled_form_shows_the_answers_in_the_browser(pages):
    def values(name: str) -> dict[str, str]:
        return {c["key"]: c["value"] for c in pages[name]["controls"] if c["value"]}

    filled = values("form-birth-answers")
    assert filled["child.name"] == "测试宝宝"
    assert filled["parents_married"] == "true" and filled["applicant_parent"] == "father"
    assert "13800000000" not in filled.values()  # sensitive values are masked unless --unmask
    assert values("form-birth-blank") == {}


def test_the_form_text_is_chinese_in_both_pdfs(pages, pages_dir, tmp_path):
    from browser_support import pdf_text

    manifest = json.loads((pages_dir / "form-birth-blank.manifest.json").read_text(encoding="utf-8"))
    wanted = [manifest["bundle"]["title"]["zh"]] + [s["title"]["zh"] for s in manifest["form"]["sections"]]
    weasy = tmp_path / "weasyprint.pdf"
    run("form", PROJECT / "birth.yaml", "--format", "pdf", "-o", weasy, cache=tmp_path / "cache")
    for pdf in (pages_dir / "form-birth-blank.pdf", weasy):
        assert pdf.read_bytes().startswith(b"%PDF-")
        text = "".join(pdf_text(pdf).split())  # pdftotext may break lines inside a title
        missing = [t for t in wanted if "".join(t.split()) not in text]
        assert missing == [], f"{pdf.name}: not found as text: {missing}"
    shutil.copy(weasy, ARTIFACTS / "form-birth-weasyprint.pdf")
    shutil.copy(pages_dir / "form-birth-blank.pdf", ARTIFACTS / "form-birth-chromium.pdf")


def test_weasyprint_prints_the_same_bytes_twice(tmp_path):
    one, two = tmp_path / "1.pdf", tmp_path / "2.pdf"
    for out in (one, two):
        run("form", PROJECT / "birth.yaml", "--format", "pdf", "--answers", GOLDEN / "birth.answers.yaml",
            "-o", out, cache=tmp_path / "cache")
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize("page", ["birth/sheet.html", "school_entry/sheet.html", "birth/packets/public_security.html",
                                  "school_entry/form.html"])
def test_the_sheet_and_packets_pass_axe(browser, base_url, page):
    result = browser.check(base_url + page, "site-" + page.replace("/", "-").removesuffix(".html"))
    assert_accessible(result)
