"""Errors are data: every problem is a Diagnostic with a stable code from the registry.

The registry below is the single source of the codes, their meaning and the usual fix;
``docs/diagnostics.md`` is generated from it (``onething codes --format md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from onething.dsl.i18n import _
from onething.dsl.source import Location


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class CodeInfo:
    """A registered code; ``title`` and ``fix`` are English msgids, shown translated."""

    code: str
    severity: Severity
    title: str
    fix: str
    # True when the problem can only arise from answers or a selection (`--answers`,
    # `--select`, a scenario's `given`): `validate` of a bundle alone never reports it
    needs_answers: bool = False

    @property
    def local_title(self) -> str:
        return _(self.title)

    @property
    def local_fix(self) -> str:
        return _(self.fix)


def _c(code: str, title: str, fix: str, needs_answers: bool = False) -> CodeInfo:
    return CodeInfo(code, Severity.WARNING if code.startswith("W") else Severity.ERROR, title, fix, needs_answers)


REGISTRY: dict[str, CodeInfo] = {
    c.code: c
    for c in [
        # E0xx: reading the file
        _c("E001", "file cannot be read", "Check the path and the file's permissions."),
        _c("E002", "file is not UTF-8", "Save the file as UTF-8 (without a legacy GBK encoding)."),
        _c("E003", "file too large", "Split the file; a bundle or catalog file stays well under the limit."),
        _c("E004", "file is empty", "Write the bundle or catalog content, or delete the file."),
        _c("E005", "YAML syntax error", "Fix the YAML at the position shown (indentation, colons, quotes)."),
        _c("E006", "tab used for indentation", "Indent with spaces only; YAML forbids tabs in indentation."),
        _c("E007", "duplicate key", "Keep one of the two keys; YAML would silently keep only the last."),
        _c("E008", "tag not allowed", "Remove the `!tag`; bundle files hold plain data only."),
        _c("E009", "aliases expand too far", "Write the data out instead of nesting anchors and aliases."),
        _c("E010", "nesting too deep", "Flatten the structure; bundle data is a few levels deep."),
        _c("E011", "more than one YAML document", "Keep one document per file (remove the extra `---`)."),
        _c("E012", "no bundle files found", "Point the command at a folder with bundle files (top-level `bundle:` key)."),
        _c("E013", "not a regular file", "Name a regular file; folders, devices, FIFOs and sockets are never read."),
        _c("E014", "catalog too large", "Keep a catalog folder within the limits below; split unrelated catalogs into folders."),
        _c("E015", "file name is not valid UTF-8", "Rename the file with a UTF-8 name."),
        _c("E016", "combined form too large", "Expanded groups make the form exceed the field limit; flatten or split the groups."),
        _c("E017", "id too long", "Use a shorter id; ids are short lower_snake_case words."),
        _c("E018", "invisible or direction character in an id", "Retype the id; it holds a zero-width, bidi or other invisible character."),
        _c("E019", "number too long", "Write a realistic number, or quote it if it is a code."),
        _c("E021", "manifest cannot be written", "Check the output folder: the manifest's path must be a writable file."),
        _c("E022", "bundle has too many items", "Split the bundle; real bundles have a few dozen items at most."),
        # E1xx: the shape of the data
        _c("E101", "unknown key", "Check the spelling against docs/authoring.md; remove keys the DSL does not know."),
        _c("E102", "wrong type", "Write the value as the type shown (text, number, list, mapping)."),
        _c("E103", "missing required key", "Add the key; it has no default."),
        _c("E104", "invalid value", "Use one of the allowed values or forms shown in the message."),
        _c("E105", "code-like value without quotes", "Quote it (code: \"000107001000\") so every YAML tool reads it as text."),
        _c("E106", "label without zh text", "Add a zh (Chinese) text to the label; en is expected too."),
        _c("E107", "document of the wrong shape", "A bundle file starts with `bundle:`; a catalog file with departments:, fields:, materials: or items:."),
        # facts about materials and bundles (issue 8 §2)
        _c("E108", "tolerated material in a bundle that tolerates none", "Remove `tolerated:` from the requirement, or the bundle's `no_tolerance:` statement if it is not true."),
        _c("E109", "`generated` on a material that is not a form", "Only a form (kind: form) is printed from the combined form; remove `generated:` or set `kind: form`."),
        _c("E110", "`original` given while no original is brought", "Remove `original:` or give the number of originals (`originals: 1`)."),
        _c("E111", "an item has the bundle's id", "Rename the item or the bundle: `required_by` names the bundle for what it asks itself (`requires:`)."),
        # E2xx: references and identity
        _c("E201", "unknown department", "Use a department id from the catalog (see the hint), or add the department."),
        _c("E202", "unknown field", "Use a field key from the catalog's field dictionary, or add the field."),
        _c("E203", "unknown material", "Use a material id from the catalog, or add the material."),
        _c("E204", "unknown item", "Use an item id from the catalog (or an inline item of the bundle)."),
        _c("E205", "duplicate id", "Give each department, field, material, item, question and bundle its own id."),
        _c("E206", "needs names an item not in the bundle", "List only items of this bundle under `needs:`."),
        _c("E207", "incomplete inline item", "An inline item (`id:`) needs name and department (its type may be left out: unknown)."),
        _c("E208", "unknown answer key", "Answer the bundle's questions and its items' field keys only; see the hint.",
           needs_answers=True),
        _c("E209", "scenario expects an unknown id", "Name items, materials and field keys that exist in the bundle or catalog."),
        _c("E210", "scenario names an unknown bundle", "Name the bundle by its `bundle:` id (see the hint)."),
        _c("E211", "field group contains itself", "A group's `fields:` must not lead back to the group; remove one member."),
        # E3xx: conditions
        _c("E301", "condition syntax error", "Write a condition like `a and b`, `x == 'v'`, `x in ['a', 'b']`."),
        _c("E302", "condition names an unknown question", "Use a question key declared under the bundle's `questions:`."),
        _c("E303", "construct not allowed in a condition", "Conditions allow names, literals, comparisons, in, and/or/not only."),
        _c("E304", "condition compares with an impossible value", "Compare with one of the question's option values or its type."),
        # E4xx: time limits
        _c("E401", "committed limit above statutory limit", "The committed (承诺) limit must not exceed the statutory (法定) one."),
        # E5xx: compiling
        _c("E501", "same field key, incompatible definitions", "Make the definitions agree or use a different key."),
        _c("E502", "dependency cycle", "Remove one of the edges named in the cycle (a `needs:` or a produced material)."),
        _c("E503", "unknown item in --select", "Select optional items of the bundle by their ids.", needs_answers=True),
        _c("E504", "bad answers file", "Answers are one mapping of question keys and field keys to values.",
           needs_answers=True),
        # W6xx: lints (suppressible)
        _c("W601", "probably the same question", "Ask it once: use one field key for both, or suppress with the reason they differ."),
        _c("W602", "more than 3 steps", "Cut the item to 受理、审核、办结, or declare the extra steps as special procedures."),
        _c("W603", "joint approval above 5 steps", "A joint approval takes at most 5 steps; merge steps."),
        _c("W604", "government-issued material not shared electronically", "Make it an e-certificate (免证办 target), or suppress with the reason."),
        _c("W605", "suppression that silences nothing", "Remove the suppression, or move it to where the lint stands."),
        _c("W606", "form section without a title", "Add the section (the field key's first part) to the catalog's `sections:` with zh and en titles."),
        _c("W607", "bundle file named differently from its id", "Rename the file to <bundle id>.yaml (scenarios and manifests use the id)."),
        _c("W608", "scenario names a bundle by its file name", "Write the bundle's `bundle:` id under the scenario's `bundle:`."),
        _c("W620", "bundle defines a field or material nothing asks", "To ask it at the bundle level, list it under `requires:` (`requires: {materials: [id]}`); else remove the definition."),
        # W63x: facts with a missing half (issue 8 §2)
        _c("W630", "time limit without a unit", "Write `statutory_unit:` / `committed_unit:` (working_days 工作日 or calendar_days 自然日) as the source says, or `unit:` for both."),
        _c("W631", "commitment without the consequence of a false one", "Add `consequence:` under `commitment:`, as the published commitment letter states it."),
        _c("W632", "committed limit certainly above statutory across units", "A committed limit in working days above a statutory one in calendar days exceeds it; check both numbers and units."),
        # W64x: facts that depend on the applicant's situation (issue 15)
        _c("W640", "time-limit alternatives can all be false", "Add an alternative for the situation shown, or end the list with one without `when:` (otherwise)."),
        _c("W641", "time-limit alternatives overlap", "Make the conditions exclusive, or order them so that the first that holds is the one meant."),
        # W69x: about the report itself
        _c("W690", "more diagnostics not shown", "Fix the ones shown first; the exit status counts every diagnostic."),
    ]
}


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    location: Location | None = None
    hint: str | None = None
    related: tuple[Location, ...] = ()
    suppressed: str | None = field(default=None, compare=False)

    @property
    def severity(self) -> Severity:
        return REGISTRY[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR and self.suppressed is None

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location or Location("")
        return (loc.file, loc.line, loc.col, self.code, self.message)

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        severity = _("error") if self.severity is Severity.ERROR else _("warning")
        if self.suppressed:
            severity = _("{severity} (suppressed)").format(severity=severity)
        lines = [f"{where}{severity} {self.code}: {self.message}"]
        for rel in self.related:
            lines.append("    " + _("see also {location}").format(location=rel))
        if self.hint:
            lines.append("    " + _("hint: {hint}").format(hint=self.hint))
        if self.suppressed:
            lines.append("    " + _("reason: {reason}").format(reason=self.suppressed))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        loc = self.location
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "location": None
            if loc is None
            else {"file": loc.file, "line": loc.line, "col": loc.col},
            "message": self.message,
            "hint": self.hint,
        }
        if self.related:
            out["related"] = [str(r) for r in self.related]
        if self.suppressed is not None:
            out["suppressed"] = self.suppressed
        return out


def make(
    code: str,
    message: str,
    location: Location | None = None,
    hint: str | None = None,
    related: tuple[Location, ...] = (),
) -> Diagnostic:
    if code not in REGISTRY:
        raise KeyError(f"unregistered diagnostic code {code}")
    return Diagnostic(code, message, location, hint, related)


def sort_diagnostics(diags: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=Diagnostic.sort_key)


def cap_per_file(diags: list[Diagnostic], limit: int | None = None) -> list[Diagnostic]:
    """The diagnostics sorted, at most ``limit`` per file, the rest counted in one W690 per file.

    For display only: exit statuses are decided on the whole list.
    """
    from onething.dsl.i18n import _
    from onething.dsl.limits import MAX_DIAGNOSTICS_PER_FILE

    limit = MAX_DIAGNOSTICS_PER_FILE if limit is None else limit
    out: list[Diagnostic] = []
    hidden: dict[str, list[Diagnostic]] = {}
    shown: dict[str, int] = {}
    for d in sort_diagnostics(diags):
        file = d.location.file if d.location else ""
        if d.code == "W690":  # a count made upstream (too many validation errors): always shown
            out.append(d)
        elif shown.get(file, 0) < limit:
            shown[file] = shown.get(file, 0) + 1
            out.append(d)
        else:
            hidden.setdefault(file, []).append(d)
    for file, rest in hidden.items():
        errors = sum(1 for d in rest if d.is_error)
        out.append(make("W690", _("and {n:,} more diagnostics in this file ({errors:,} errors) not shown").format(
            n=len(rest), errors=errors), Location(file) if file else None,
            _("fix the ones shown first; the exit status counts them all")))
    return out


def has_errors(diags: list[Diagnostic]) -> bool:
    return any(d.is_error for d in diags)


def registry_markdown() -> str:
    """docs/diagnostics.md, generated from the registry (a test keeps the file in sync)."""
    lines = [
        _("# Diagnostic codes"),
        "",
        _("Generated by `onething codes --format md` from `src/onething/dsl/diagnostics.py`; do not edit by hand."),
        "",
        _("Every problem onething reports has a stable code. `E` codes are errors (exit status 1);\n"
          "`W` codes are lints: warnings that `--strict` turns into errors and that a reviewed\n"
          "suppression can silence where they stand (see docs/authoring.md, *Suppressing a lint*)."),
        "",
        _("`onething validate` reports every code except those marked *needs answers*: they arise\n"
          "only from an applicant's answers or a selection (`compile`/`plan`/`graph` with `--answers`\n"
          "or `--select`, and a scenario's `given`, which `validate` and `onething test` check)."),
        "",
        _("| code | severity | meaning | how to fix | needs answers |"),
        "|---|---|---|---|---|",
    ]
    for c in REGISTRY.values():
        severity = _("error") if c.severity is Severity.ERROR else _("warning")
        answers = _("yes") if c.needs_answers else ""
        lines.append(f"| {c.code} | {severity} | {c.local_title} | {c.local_fix.replace('|', '/')} | {answers} |")
    from onething.dsl.limits import LIMITS, shown

    lines += [
        "",
        "## Limits",
        "",
        "Input beyond a limit is refused with the code shown, never read whole or expanded.",
        "The largest input within every limit validates in under 2 s and 400 MB (see",
        "benchmarks/README.md, *limits*). Generated from `src/onething/dsl/limits.py`.",
        "",
        "| limit | value | code | applies to |",
        "|---|---|---|---|",
    ]
    for lim in LIMITS:
        lines.append(f"| {lim.name} | {shown(lim.value, lim.unit)} | {lim.code} | {lim.what} |")
    return "\n".join(lines) + "\n"
