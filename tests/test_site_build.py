"""`onething build`: the site's files per bundle, the index, incremental rebuilds, no Graphviz."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from compile_support import ROOT, cli

from onething.render import site
from onething.render.packet import departments

PROJECT = ROOT / "tests" / "fixtures" / "project" / "bundles"
BUNDLES = ("birth", "school_entry")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of the fixture project to edit; the working directory (so `bundles/` → `site/`)."""
    shutil.copytree(PROJECT, tmp_path / "bundles")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _digests(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under a folder: (sha256, mtime in ns), to tell 'rewritten' from 'unchanged'."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _expected_files(bundle_dir: Path) -> set[str]:
    manifest = json.loads((bundle_dir / "manifest.json").read_text(encoding="utf-8"))
    packets = {f"packets/{d}.html" for d in departments(manifest)}
    return {"index.html", "manifest.json", "graph.svg", "graph.mmd", "graph.dot"} | packets | {
        "form.html", "form.schema.json", "sheet.html", "sheet.md"}


def test_build_defaults_to_bundles_into_site_with_every_page(project):
    result = cli("build")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"built 2 bundle(s), 0 up to date, {len(_digests(project / 'site'))} file(s) written; "
        f"open {Path('site') / 'index.html'}")
    out = project / "site"
    assert sorted(p.name for p in out.iterdir()) == ["birth", "index.html", "school_entry"]
    for bundle in BUNDLES:
        assert {p.relative_to(out / bundle).as_posix() for p in (out / bundle).rglob("*") if p.is_file()} == \
            _expected_files(out / bundle)
        # the manifest is the compiler's, byte for byte
        compiled = cli("compile", f"bundles/{bundle}.yaml")
        assert (out / bundle / "manifest.json").read_text(encoding="utf-8") == compiled.stdout
        svg = (out / bundle / "graph.svg").read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
        page = (out / bundle / "index.html").read_text(encoding="utf-8")
        assert '<img src="graph.svg"' in page and "<pre" not in page
        for link in ("form.html", "sheet.html", "sheet.md", "form.schema.json", "manifest.json"):
            assert f'href="{link}"' in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="birth/index.html">出生一件事</a>' in index
    assert '<a href="school_entry/index.html">' in index
    assert index.index("birth/index.html") < index.index("school_entry/index.html")  # sorted by id


def test_a_second_build_rewrites_nothing_and_an_edit_rebuilds_only_its_bundle(project):
    assert cli("build").exit_code == 0
    before = _digests(project / "site")
    second = cli("build")
    assert second.exit_code == 0
    assert second.stderr.splitlines()[-1].startswith("built 0 bundle(s), 2 up to date, 0 file(s) written;")
    assert _digests(project / "site") == before  # same bytes, same timestamps

    bundle = project / "bundles" / "school_entry.yaml"
    bundle.write_text(bundle.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    third = cli("build")
    assert third.stderr.splitlines()[-1].startswith("built 1 bundle(s), 1 up to date, 1 file(s) written;")
    after = _digests(project / "site")
    # a comment changes no page; only the manifest's source_hash
    assert {k for k in after if after[k] != before[k]} == {"school_entry/manifest.json"}
    before = after

    (project / "site" / "birth" / "sheet.md").unlink()  # a deleted page is written again
    fourth = cli("build")
    assert fourth.stderr.splitlines()[-1].startswith("built 1 bundle(s), 1 up to date, 1 file(s) written;")
    assert _digests(project / "site")["birth/sheet.md"][0] == before["birth/sheet.md"][0]


def test_an_overriding_template_rebuilds_every_bundle_and_shows(project):
    assert cli("build").exit_code == 0
    mine = project / "my-forms"
    mine.mkdir()
    shipped = (ROOT / "forms" / "site_index.html.j2").read_text(encoding="utf-8")
    (mine / "site_index.html.j2").write_text(shipped.replace("<h1>", "<h1>阿图什市 "), encoding="utf-8")
    result = cli("build", "--templates", "my-forms")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1].startswith("built 2 bundle(s), 0 up to date")
    assert "<h1>阿图什市 一件事一次办" in (project / "site" / "index.html").read_text(encoding="utf-8")


def test_without_graphviz_the_graph_is_mermaid_text_and_a_warning_says_so(project, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(site.shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name))
    result = cli("build")
    assert result.exit_code == 0
    assert ("warning: Graphviz's `dot` is not installed: dependency graphs are shown as Mermaid text "
            "(install graphviz for pictures)") in result.stderr
    page = (project / "site" / "birth" / "index.html").read_text(encoding="utf-8")
    assert not (project / "site" / "birth" / "graph.svg").exists()
    mermaid = (project / "site" / "birth" / "graph.mmd").read_text(encoding="utf-8")
    assert mermaid.startswith("flowchart")
    # the Mermaid text, escaped, inside a <pre>
    assert "<pre" in page and mermaid.splitlines()[1].strip().replace('"', "&#34;") in page
    # Graphviz installed later: the graph becomes a picture (the state knows dot's version)
    monkeypatch.setattr(site.shutil, "which", real_which)
    again = cli("build")
    assert again.stderr.splitlines()[-1].startswith("built 2 bundle(s), 0 up to date")
    assert (project / "site" / "birth" / "graph.svg").is_file()
    assert "<pre" not in (project / "site" / "birth" / "index.html").read_text(encoding="utf-8")


def test_a_removed_bundle_takes_its_folder_but_not_a_file_someone_edited(project):
    assert cli("build").exit_code == 0
    notes = project / "site" / "school_entry" / "sheet.md"
    notes.write_text("edited by the centre\n", encoding="utf-8")
    (project / "bundles" / "school_entry.yaml").unlink()
    result = cli("build")
    assert result.exit_code == 0
    assert sorted(p.relative_to(project / "site").as_posix() for p in (project / "site").rglob("*") if p.is_file()) \
        == sorted(["index.html", "school_entry/sheet.md", *(f"birth/{f}" for f in _digests(project / "site" / "birth"))])
    assert "school_entry" not in (project / "site" / "index.html").read_text(encoding="utf-8")


def test_a_bundle_with_errors_fails_the_build_while_the_others_are_built(project):
    broken = project / "bundles" / "birth.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("lead:", "laed:", 1), encoding="utf-8")
    result = cli("build")
    assert result.exit_code == 1
    assert "error E" in result.stderr and "birth.yaml" in result.stderr
    assert (project / "site" / "school_entry" / "form.html").is_file()
    assert not (project / "site" / "birth").exists()
    assert cli("build").exit_code == 1  # never remembered as built


def test_usage_problems_exit_2(project):
    missing = cli("build", "nowhere")
    assert missing.exit_code == 2
    assert "bundles folder does not exist: nowhere" in missing.stderr
    assert cli("build", "--labels", "zh+<b>").exit_code == 2


def _row(**kw):
    row = {"id": "birth", "version": "1", "title": {"zh": "出生一件事", "en": "Newborn birth"}, "description": {},
           "area": None, "batch": None, "items": 3, "departments": 2, "completeness": 0.5,
           "metrics": {n: [4, 1] for n in site.METRICS}, "committed_days_lower_bound": False}
    row.update(kw)
    return row


def test_the_index_shows_the_32_area_or_says_it_is_unknown():
    newborn = {"id": "newborn", "zh": "新生儿出生", "en": "Newborn birth"}
    batch = {"id": "2024-1", "zh": "国发〔2024〕3号 第一批", "en": "2024, first batch"}
    html = site.index_html([_row(id="b", area=newborn), _row(id="a"), _row(id="c", batch=batch)])
    rows = html.split("<tbody>")[1].split("</tr>")
    assert '<td>新生儿出生 <span lang="en" class="en">Newborn birth</span></td>' in rows[1]
    assert "后续批次 <span lang=\"en\">later batch</span>：国发〔2024〕3号 第一批" in rows[2]
    assert "newborn 新生儿出生 newborn birth" in rows[1]  # the search finds a bundle by its area
    assert "待确认" in rows[0] and 'data-search="a ' in rows[0]  # sorted by id, unknown shown as unknown
    assert html.count("<td class=\"num\">4 → 1") == 3 * len(site.METRICS)


def test_a_row_names_the_area_the_manifest_gives():
    row = site.bundle_row(json.loads(cli("compile", str(ROOT / "bundles" / "birth.yaml")).stdout))  # shipped: it states its area
    assert row["area"] == {"id": "newborn", "zh": "新生儿出生", "en": "Newborn birth"}


def test_data_reaches_the_site_pages_escaped_and_inert():
    evil = '<script>alert(1)</script>" {{ 7*7 }} </textarea>'
    html = site.index_html([_row(title={"zh": evil, "en": evil}, area={"id": evil, "zh": evil, "en": evil})])
    assert "<script>alert" not in html and "</textarea>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34; {{ 7*7 }} &lt;/textarea&gt;" in html
    assert "49" not in html


def test_the_build_state_lives_in_the_cache_not_in_the_site(project):
    assert cli("build").exit_code == 0
    assert site.site_state_path(project / "site").is_file()
    assert str(site.site_state_path(project / "site")).startswith(os.environ["ONETHING_CACHE_DIR"])


@pytest.mark.parametrize("planted", [b"[" * 100_000, b"\xff\xfe not utf-8", b'{"format": 1, "bundles": []}'])
def test_a_damaged_or_planted_site_state_is_treated_as_absent(project, planted):
    """The site's state is read like compile's (bounded, defensive): deep nesting used to crash."""
    assert cli("build").exit_code == 0
    site.site_state_path(project / "site").write_bytes(planted)
    result = cli("build")
    assert result.exit_code == 0, result.output
    assert site.SiteState.read(project / "site").entries  # rewritten after the full rebuild


def test_a_terminal_gets_a_progress_bar_a_pipe_does_not(project, monkeypatch):
    monkeypatch.setenv("ONETHING_TTY", "1")
    shown = cli("build", "--force")
    assert "building site" in shown.stderr and "2/2" in shown.stderr
    monkeypatch.setenv("ONETHING_TTY", "0")
    assert "building site" not in cli("build", "--force").stderr


def test_a_bundle_page_shows_hostile_text_escaped(project):
    evil = '<script>alert(1)</script>" {{ 7*7 }} </textarea>'
    assert cli("build").exit_code == 0
    data = json.loads((project / "site" / "birth" / "manifest.json").read_text(encoding="utf-8"))
    data["bundle"]["title"] = {"zh": evil, "en": evil}
    data["bundle"]["description"] = {"zh": evil}
    first = next(iter(data["plan"]["steps"].values()))
    first["name"] = {"zh": evil}
    page = site.bundle_files(data, "{}", {}, dot_text="", mermaid_text=evil, svg=None)["index.html"]
    assert "<script>" not in page and "</textarea>" not in page and "49" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;&#34; {{ 7*7 }} &lt;/textarea&gt;") == 6  # title, h1 zh and en, description, step, graph text


def test_pdf_without_weasyprint_says_what_to_install(monkeypatch):
    from onething.render.pdf import PdfUnavailable, html_to_pdf

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if not installed
    with pytest.raises(PdfUnavailable, match=r"pip install 'onething\[pdf\]'"):
        html_to_pdf("<p>x</p>")


def test_form_pdf_without_weasyprint_exits_2_naming_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    result = cli("form", str(PROJECT / "birth.yaml"), "--format", "pdf", "-o", str(tmp_path / "birth.pdf"))
    assert result.exit_code == 2 and not (tmp_path / "birth.pdf").exists()
    assert "error: PDF output needs WeasyPrint: pip install 'onething[pdf]'" in result.stderr


def test_form_pdf_is_not_written_to_a_terminal(monkeypatch):
    monkeypatch.setenv("ONETHING_TTY", "1")
    result = cli("form", str(PROJECT / "birth.yaml"), "--format", "pdf")
    assert result.exit_code == 2
    assert "error: a PDF is binary: write it to a file with -o FILE" in result.stderr
