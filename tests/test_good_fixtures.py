"""A small valid bundle and catalog (tests/fixtures/good/) validate clean, and quoted code-like
values (item code "000107001000", version "2023.10", option values "no"/"on") stay text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from onething.compiler.workspace import Workspace
from onething.dsl.discovery import BundleSource
from onething.dsl.loader import load_file
from onething.dsl.source import Unquoted

GOOD = Path(__file__).resolve().parent / "fixtures" / "good"
BUNDLE = GOOD / "birth_demo.yaml"


def run_onething(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "onething", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", timeout=60)


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(GOOD)],
        ["validate", str(BUNDLE), "--catalog", str(GOOD / "catalog")],
    ],
    ids=["folder", "file-with---catalog"],
)
def test_good_fixture_validates_clean(args: list[str], tmp_path: Path) -> None:
    proc = run_onething(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert "0 error(s), 0 warning(s)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_good_fixture_validates_clean_as_json(tmp_path: Path) -> None:
    proc = run_onething("validate", "--format", "json", str(BUNDLE), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout) == []


@pytest.fixture(scope="module")
def resolved():
    loaded = Workspace().load_bundle(BundleSource(BUNDLE, "birth_demo.yaml", GOOD / "catalog"))
    assert loaded.diagnostics == []
    assert loaded.resolved is not None
    return loaded.resolved


def _exactly_str(value: object) -> bool:
    return type(value) is str


def test_quoted_version_stays_text(resolved) -> None:
    assert resolved.bundle.version == "2023.10" and _exactly_str(resolved.bundle.version)


def test_quoted_item_code_stays_text(resolved) -> None:
    item = resolved.item_map["hukou_birth_registration"].model
    assert item.code == "000107001000" and _exactly_str(item.code)
    assert resolved.item_map["birth_certificate_issue"].model.code == ""


def test_quoted_enum_options_stay_text(resolved) -> None:
    options = resolved.questions["mother_insured"].options
    assert [o.value for o in options] == ["no", "on"]
    assert all(_exactly_str(o.value) for o in options)


def test_quoted_department_phone_stays_text(resolved) -> None:
    phone = resolved.departments["public_security"].model.phone
    assert phone == "0908-4222110" and _exactly_str(phone)


def test_conditions_are_parsed_and_work(resolved) -> None:
    item = resolved.item_map["hukou_birth_registration"]
    assert item.when is not None
    assert item.when.evaluate({"applicant_parent": "father", "mother_insured": "on"}) is True
    assert item.when.evaluate({"applicant_parent": "father", "mother_insured": "no"}) is False
    assert item.when.evaluate({"applicant_parent": "father"}) is None
    refs = [m.ref for m in item.model.materials]
    authorization = item.material_when[refs.index("mother_authorization")]  # keyed by position
    assert authorization.evaluate({"applicant_parent": "mother"}) is False


def test_the_quotes_matter() -> None:
    """Without quotes these values would not survive other YAML tools (hence E105)."""
    raw = yaml.safe_load("code: 000107001000\nversion: 2023.10\nvalue: no\nother: on\n")
    assert raw == {"code": 0o107001000, "version": 2023.1, "value": False, "other": True}
    ours = load_file(BUNDLE).data
    assert ours["version"] == "2023.10" and not isinstance(ours["version"], Unquoted)
