"""From the files a clerk has at the window to what ``acceptance.accept`` takes.

:func:`prepare` compiles the bundle through the compiler library with the applicant's
answers (or reads a given manifest) and collects every problem with the answers file at
once: unknown keys and wrong types (E208/E504, with did-you-mean) become lines of the
supplement notice, not a stop, so the notice lists them with the missing materials. A
broken bundle (errors that are not about the answers) is another matter: nothing can be
accepted under it, and its diagnostics are returned as ``fatal``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.compiler.manifest import Manifest
from onething.dsl.diagnostics import Diagnostic, has_errors
from onething.dsl.i18n import _
from onething.runtime.errors import RuntimeProblem


@dataclass
class Prepared:
    manifest: Manifest | None
    answers: dict[str, Any]  # questions and field values, flat dotted keys
    problems: list[str] = field(default_factory=list)
    fatal: list[Diagnostic] = field(default_factory=list)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def answer_values(path: Path, known: set[str] | None = None) -> dict[str, Any]:
    """Every value of an answers file, flat (``child: {name: …}`` is ``child.name``)."""
    from onething.dsl.loader import load_file

    loaded = load_file(path)
    if not loaded.ok or not isinstance(loaded.data, Mapping):
        first = next((d for d in loaded.diagnostics if d.is_error), None)
        raise RuntimeProblem(first.message if first else _("an answers file is one mapping of keys to values"),
                             first.hint if first else None, str(first.location) if first else str(path))
    data: Mapping[str, Any] = loaded.data
    if set(data) == {"answers"} and isinstance(data["answers"], Mapping):
        data = data["answers"]
    out: dict[str, Any] = {}

    def walk(mapping: Mapping[str, Any], prefix: str) -> None:
        for key, value in mapping.items():
            full = f"{prefix}{key}"
            if isinstance(value, Mapping) and value and (known is None or full not in known):
                walk(value, full + ".")
            else:
                out[full] = _plain(value)

    walk(data, "")
    return out


def prepare(bundle: Path | None, answers_path: Path, *, select: list[str] | None = None,
            catalog: Path | None = None, manifest_path: Path | None = None) -> Prepared:
    """Compile (or read) the manifest for these answers and list the answers' problems."""
    if manifest_path is not None:
        try:
            manifest = Manifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise RuntimeProblem(_("{path} is not a manifest: {reason}").format(
                path=manifest_path, reason=str(error).splitlines()[0]),
                _("give a file written by onething compile")) from None
        return Prepared(manifest, answer_values(answers_path))
    from onething.compiler import compile_bundle
    from onething.compiler.workspace import Workspace
    from onething.dsl.answers import read_answers
    from onething.dsl.discovery import UsageError, display_path, find_bundles

    assert bundle is not None
    try:
        sources, diags = find_bundles([bundle], catalog)
    except UsageError as error:
        raise RuntimeProblem(str(error)) from None
    if has_errors(diags) or len(sources) != 1:
        if not has_errors(diags):
            raise RuntimeProblem(_("{path} holds {n} bundles; name one bundle file").format(path=bundle, n=len(sources)))
        return Prepared(None, {}, fatal=diags)
    loaded = Workspace().load_bundle(sources[0])
    if loaded.resolved is None:
        return Prepared(None, {}, fatal=loaded.diagnostics)
    rb = loaded.resolved
    questions, problems_diags = read_answers(answers_path, display_path(answers_path), rb.questions,
                                             rb.field_keys(), rb.bundle.bundle)
    unreadable = [d for d in problems_diags if d.is_error and d.code not in ("E208", "E504")]
    if unreadable:
        return Prepared(None, {}, fatal=unreadable)
    result = compile_bundle(rb, sources[0].path, select, questions)
    if result.manifest is None or has_errors(result.diagnostics):
        return Prepared(None, {}, fatal=[d for d in result.diagnostics if d.is_error])
    values = answer_values(answers_path, set(rb.questions) | set(rb.field_keys()))
    problems = [f"{d.location}: {d.message}" + (f" ({d.hint})" if d.hint else "")
                for d in problems_diags if d.is_error]
    bad = {k for k in values if k not in rb.questions and k not in rb.field_keys()}
    return Prepared(result.manifest, {k: v for k, v in values.items() if k not in bad}, problems)
