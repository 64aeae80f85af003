"""pytest plugin: collect scenario files (``scenarios:`` YAML) as test items.

Registered through the ``pytest11`` entry point, so the project's test command runs the
policy staff's scenarios beside the unit tests. Each scenario is one test item.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from onething.compiler.scenarios import bundles_dir_for, load_scenarios, run_scenario
from onething.compiler.workspace import Workspace
from onething.dsl.discovery import file_kind

_WORKSPACE = Workspace()


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "scenarios" and file_kind(file_path) == "scenarios":
        return ScenarioFileItem.from_parent(parent, path=file_path)
    return None


class ScenarioFileItem(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        scenarios, diags = load_scenarios(self.path)
        errors = [d for d in diags if d.is_error]
        if errors:
            raise ScenarioLoadError("\n".join(d.render() for d in errors))
        for scenario, entry in scenarios:
            yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario, entry=entry)


class ScenarioLoadError(Exception):
    pass


class ScenarioFailure(Exception):
    pass


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Any, entry: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.entry = entry

    def runtest(self) -> None:
        outcome = run_scenario(_WORKSPACE, self.scenario, self.entry, bundles_dir_for(self.path))
        if not outcome.passed:
            from onething.compiler.scenarios import render_outcome

            raise ScenarioFailure(render_outcome(outcome))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.entry.loc().line - 1, 0), f"scenario: {self.scenario.name}"
