"""A policy author adds a bundle: the suite's bundle checks pass on it without editing any test.

The project (bundles/, its catalog and scenarios) is copied to a temporary folder, a new
bundle with three scenarios is written beside the others, and every check of
tests/bundle_checks.py runs on the copy — as tests/test_bundles.py runs them on the shipped
bundles after the author's change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import bundle_checks as checks
import pytest

ROOT = Path(__file__).resolve().parent.parent

NEW_BUNDLE = """\
bundle: newborn_registration
version: "2026.1"
title: {zh: 新生儿落户一件事, en: Newborn household registration}
description:
  zh: 新生儿出生后，一次申请办理出生医学证明、出生登记(落户)和城乡居民医保参保登记。
  en: "After a birth, one application covers the medical birth certificate, the birth household
    registration and resident medical insurance."
lead: public_security
cooperating: [health, midwifery_institution, medical_insurance]
questions:
  - key: parents_married
    label: {zh: 父母是否已办理结婚登记, en: Are the parents married}
  - key: hukou_follows
    label: {zh: 新生儿随父还是随母落户, en: Whose household the child joins}
    type: enum
    options:
      - {value: father, label: {zh: 随父落户, en: The father's}}
      - {value: mother, label: {zh: 随母落户, en: The mother's}}
items:
  - use: birth_certificate_issue
    materials:
      - birth_certificate_issue_form
      - newborn_medical_record
      - issuance_notice
      - id_card
  - use: hukou_birth_registration
    fields: [child.name, child.sex, child.birth_datetime, mother.name, mother.id_number, father.name,
             father.id_number, child.address]
    materials:
      - hukou_birth_registration_form
      - birth_medical_certificate
      - id_card
      - household_register
      - {ref: marriage_certificate, when: parents_married}
      - {ref: paternity_proof, when: "not parents_married and hukou_follows == 'father'"}
  - use: resident_medical_insurance
    fields: [child.name, child.sex, child.birth_datetime, child.address, resident_insurance.place]
    materials:
      - resident_medical_insurance_form
      - newborn_hukou_page
"""

NEW_SCENARIOS = """\
scenarios:
  - name: married parents, the child joins the father's household
    bundle: newborn_registration
    given:
      answers: {parents_married: true, hukou_follows: father}
    expect:
      items: [birth_certificate_issue, hukou_birth_registration, resident_medical_insurance]
      waived: {birth_medical_certificate: produced, marriage_certificate: e_certificate}
      absent_items: [ssc_apply]
  - name: unmarried parents, the child joins the father's household
    bundle: newborn_registration
    given:
      answers: {parents_married: false, hukou_follows: father}
    expect:
      not_waived: [paternity_proof]
      fields_present: [child.name, resident_insurance.place]
  - name: unmarried parents, the child joins the mother's household
    bundle: newborn_registration
    given:
      answers: {parents_married: false, hukou_follows: mother}
    expect:
      fields_absent: [ssc.bank]
      stages:
        - [birth_certificate_issue]
        - [hukou_birth_registration]
        - [resident_medical_insurance]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "bundles", root / "bundles")
    (root / "bundles" / "newborn_registration.yaml").write_text(NEW_BUNDLE, encoding="utf-8")
    (root / "bundles" / "scenarios" / "newborn_registration.yaml").write_text(NEW_SCENARIOS, encoding="utf-8")
    return root


def test_the_new_bundle_is_counted(project: Path) -> None:
    assert "newborn_registration" in checks.bundle_files(project)
    assert checks.scenario_counts(project)["newborn_registration"] == 3
    assert len(checks.bundle_files(project)) == len(checks.bundle_files(ROOT)) + 1


def test_the_bundle_checks_pass_with_the_new_bundle(project: Path, tmp_path: Path) -> None:
    checks.check_all(project, tmp_path)


def test_a_new_bundle_with_too_few_scenarios_fails_with_a_message(project: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(project / "bundles", copy / "bundles")
    scenarios = copy / "bundles" / "scenarios" / "newborn_registration.yaml"
    scenarios.write_text(NEW_SCENARIOS.split("  - name: unmarried parents, the child joins the father")[0],
                         encoding="utf-8")
    with pytest.raises(AssertionError, match=r"fewer than 3 scenarios.*'newborn_registration': 1"):
        checks.check_scenarios(copy)
