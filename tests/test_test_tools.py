"""The README's test command installs every real client the browser and PDF tests use."""

from __future__ import annotations

import json
import re

from browser_support import BROWSER_DIR, DRIVER, ROOT

SCRIPT = (ROOT / "scripts" / "test").read_text(encoding="utf-8")


def test_scripts_test_installs_the_debian_packages_the_tests_need():
    wanted = {"chromium", "fonts-noto-cjk", "poppler-utils", "graphviz", "nodejs", "npm",
              "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "postgresql"}
    named = set(re.findall(r"^need (\S+) ", SCRIPT, re.M))
    named |= set(re.search(r"for lib in ([^;]+); do", SCRIPT).group(1).split())
    assert wanted <= named
    assert "DEBIAN_FRONTEND=noninteractive" in SCRIPT and "apt-get -y" in SCRIPT


def test_scripts_test_installs_the_pdf_extra_and_the_locked_npm_packages():
    assert "-e '.[test,pdf]'" in SCRIPT
    assert "npm ci --prefix tests/browser" in SCRIPT
    package = json.loads((BROWSER_DIR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((BROWSER_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert set(package["dependencies"]) == {"playwright-core", "axe-core"}
    for name, version in package["dependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version  # exact pins


def test_the_driver_uses_the_system_chromium_and_never_downloads_one():
    driver = DRIVER.read_text(encoding="utf-8")
    assert '"/usr/bin/chromium"' in driver and "executablePath" in driver
    for flag in ("--no-sandbox", "--disable-background-networking", "--disable-component-update", "--headless"):
        assert f'"{flag}"' in driver
    # playwright-core (not playwright) has no install script that fetches a browser
    lock = json.loads((BROWSER_DIR / "package-lock.json").read_text(encoding="utf-8"))
    assert not any(p.get("hasInstallScript") for p in lock["packages"].values())
