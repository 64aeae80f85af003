"""Safe YAML loading: text in, position-carrying plain data out, every problem a diagnostic.

The loader builds data straight from the YAML event stream (libyaml's C parser when
present) instead of PyYAML's constructor, so it can refuse tags, duplicate keys, deep
nesting and alias bombs while the document is read, keep scalars that look like codes
as written, and remember the position of every key and value.
"""

from __future__ import annotations

import gc
import re
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from onething.dsl import limits, prefetch
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import N_, _
from onething.dsl.reading import printable_name, read_limited
from onething.dsl.source import Location, Unquoted, YList, YMap

# events only: libyaml's parser without CSafeLoader's constructor and resolver, set up per file for nothing
try:  # pragma: no cover - depends on the platform's PyYAML build
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

MAX_BYTES = limits.MAX_FILE_BYTES
MAX_DEPTH = limits.MAX_DEPTH
MAX_NODES = limits.MAX_NODES
MAX_ALIAS_NODES = limits.MAX_ALIAS_NODES
_MAX_INT_CHARS = limits.MAX_INT_DIGITS + 1  # a sign

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}

_NOT_SPACE = re.compile(r"\S")
_NULL = re.compile(r"^(?:~|null|Null|NULL)?$")
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
# What YAML 1.1 tools (PyYAML's default loader, many editors) would read as non-text.
_YAML11_NON_TEXT = re.compile(
    r"""^(?:
        y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF
      | [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?0x[0-9a-fA-F_]+
      | [-+]?(?:0|[1-9][0-9_]*)
      | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
      | [-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?
      | [-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+
      | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
      | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
      | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt\s].*)?
    )$""",
    re.X,
)


@dataclass
class Loaded:
    """A loaded file: its data (None when unusable) and what went wrong."""

    file: str
    data: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.data is not None and not any(d.is_error for d in self.diagnostics)


class _Stop(Exception):
    """Abort reading: the rest of the document cannot be trusted."""


class _LongNumber(Exception):
    """A plain scalar that is a whole number of more digits than the limit (Python refuses 4,300)."""


_INTERN_CHARS = 32
"""Plain texts up to this length are interned: enum values and ids repeat; long texts rarely do."""

# The first characters of the plain scalars that are not simply text: empty/~/null,
# true/false, yes/no/on/off/y/n, numbers, .inf/.nan, dates. Any other start is text.
_SPECIAL_START = frozenset("~nNtTfFyYoO0123456789+-.")


def _resolve_plain(text: str) -> Any:
    if text and text[0] not in _SPECIAL_START:
        return text
    if _NULL.match(text):
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        if len(text) > _MAX_INT_CHARS:
            raise _LongNumber(text)
        return int(text)
    if _YAML11_NON_TEXT.match(text):
        return Unquoted(text)
    return text


def _loc(file: str, mark: Any) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


_new_map = dict.__new__  # a YMap / YList without running the Python __init__ (the loader sets its slots)
_new_list = list.__new__


_ScalarEvent = yaml.ScalarEvent
_MappingStartEvent = yaml.MappingStartEvent
_MappingEndEvent = yaml.MappingEndEvent
_SequenceStartEvent = yaml.SequenceStartEvent
_SequenceEndEvent = yaml.SequenceEndEvent
_AliasEvent = yaml.AliasEvent
_StreamStartEvent = yaml.StreamStartEvent
_StreamEndEvent = yaml.StreamEndEvent
_DocumentStartEvent = yaml.DocumentStartEvent
_DocumentEndEvent = yaml.DocumentEndEvent


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.diags: list[Diagnostic] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0
        self.alias_nodes = 0

    def _count(self, n: int, loc: Location) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            self.diags.append(
                make(
                    "E009",
                    _("the document expands to more than {count} values through aliases").format(
                        count=f"{MAX_NODES:,}"),
                    loc,
                    _("an alias bomb ('billion laughs') or runaway anchors; write the data out plainly"),
                )
            )
            raise _Stop

    def _scalar(self, ev: Any, loc: Location) -> Any:
        tag = ev.tag
        if tag is not None and tag != "!" and tag not in _ALLOWED_TAGS:
            self.diags.append(
                make("E008", _("tag {tag} is not allowed").format(tag=repr(tag)), loc,
                     _("remove the tag; only plain data is read"))
            )
            return None
        if tag == _STD + "str" or ev.style or tag == "!":
            return ev.value
        return _resolve_plain(ev.value)

    def build(self, parser: Any) -> Any:
        self._at_line = self._at_col = 0  # the last scalar read, for E019
        try:
            return self._build(parser)
        except _LongNumber as exc:
            digits = len(str(exc).lstrip("+-"))
            self.diags.append(make(
                "E019",
                _("a whole number of {digits:,} digits; the limit is {limit}").format(
                    digits=digits, limit=limits.MAX_INT_DIGITS),
                Location(self.file, self._at_line, self._at_col),
                _("quote it if it is a code; no count or limit needs that many digits"),
            ))
            raise _Stop from None

    def _build(self, parser: Any) -> Any:
        # The hot loop of every load: one pass per event, dispatched on the exact event
        # class (libyaml yields no subclasses), the common cases inlined. The innermost open
        # container's state lives in local variables (the enclosing ones' on a stack), so a
        # scalar costs no list indexing. Positions go straight into the containers' position
        # arrays as line and column numbers (see YMap); a Location object is made only where
        # a diagnostic needs one. Mapping keys are interned: a catalog repeats a few dozen
        # keys hundreds of thousands of times, and so are short plain values. A container's
        # size (what an alias to it repeats) is not counted per value but derived from the
        # node count: every value read inside it, keys excepted. The tests in
        # tests/test_loader.py pin every diagnostic and position.
        file = self.file
        get_event = parser.get_event
        anchors = self.anchors
        intern = sys.intern
        resolve_plain = _resolve_plain
        special_start = _SPECIAL_START
        new_map, new_list = _new_map, _new_list
        ymap, ylist = YMap, YList
        stack: list[tuple[Any, ...]] = []  # the enclosing containers' states, as saved below
        root: Any = None
        documents = 0
        # the innermost open container: itself, whether a mapping, the key read and waiting
        # for its value (with its line and column), its positions' extend, its anchor, the
        # node and key counts when it opened, and its own line and column
        cont: Any = None
        is_map = False
        key: Any = None
        kl = kc = 0
        pos_ext: Any = None
        anchor: Any = None
        n0 = k0 = cl = cc = 0
        nodes = self.nodes
        keys = 0  # mapping keys read: counted as nodes, not in a container's size
        line = col = 0
        try:
            while True:
                ev = get_event()
                kind = type(ev)
                if kind is _ScalarEvent:
                    mark = ev.start_mark
                    line = mark.line + 1
                    col = mark.column + 1
                    nodes += 1
                    if nodes > MAX_NODES:
                        self.nodes = nodes
                        self._count(0, Location(file, line, col))
                    if is_map and key is None:
                        key = intern(ev.value)
                        kl = line
                        kc = col
                        keys += 1
                        continue
                    if ev.tag is None and not ev.style:
                        text = ev.value
                        if text and text[0] not in special_start:
                            value = intern(text) if len(text) <= _INTERN_CHARS else text
                        else:
                            value = resolve_plain(text)
                            if type(value) is str and len(value) <= _INTERN_CHARS:
                                value = intern(value)  # codes, kinds, ids, steps: repeated thousands of times
                    else:
                        value = self._scalar(ev, Location(file, line, col))
                        style = ev.style
                        if (style == "'" or style == '"') and mark.line == ev.end_mark.line:
                            # a quoted value is located at its first character, after the quote,
                            # so that columns inside it (a condition's error) come out exact
                            col += 1
                    if ev.anchor:
                        anchors[ev.anchor] = (value, 1)
                    if cont is None:
                        root = value
                    elif not is_map:
                        cont.append(value)
                        pos_ext((line, col))
                    else:
                        if key not in cont:
                            cont[key] = value
                            pos_ext((kl, kc, line, col))
                        else:
                            self._duplicate(cont, key, kl, kc)
                        key = None
                    continue
                if kind is _MappingEndEvent or kind is _SequenceEndEvent:
                    nodes += 1
                    if nodes > MAX_NODES:
                        self.nodes = nodes
                        self._count(0, cont.loc)
                    if anchor:
                        anchors[anchor] = (cont, nodes - n0 - (keys - k0))
                    child, child_line, child_col = cont, cl, cc
                    if not stack:
                        cont = None
                        is_map = False
                        root = child
                        continue
                    cont, is_map, key, kl, kc, pos_ext, anchor, n0, k0, cl, cc = stack.pop()
                    if not is_map:
                        cont.append(child)
                        pos_ext((child_line, child_col))
                        continue
                    if key is None:
                        self._complex_key(Location(file, child_line, child_col))
                    if key not in cont:
                        cont[key] = child
                        pos_ext((kl, kc, child_line, child_col))
                    else:
                        self._duplicate(cont, key, kl, kc)
                    key = None
                    continue
                if kind is _MappingStartEvent or kind is _SequenceStartEvent:
                    mark = ev.start_mark
                    line = mark.line + 1
                    col = mark.column + 1
                    tag = ev.tag
                    if tag is not None and tag != "!" and tag not in _ALLOWED_TAGS:
                        self.diags.append(
                            make("E008", _("tag {tag} is not allowed").format(tag=repr(tag)),
                                 Location(file, line, col), _("remove the tag; only plain data is read"))
                        )
                    if len(stack) + (cont is not None) >= MAX_DEPTH:
                        self.diags.append(
                            make("E010", _("nesting deeper than {depth} levels").format(depth=MAX_DEPTH),
                                 Location(file, line, col),
                                 _("bundle data is only a few levels deep; flatten it"))
                        )
                        raise _Stop
                    # YMap(loc) / YList(loc) without a call into Python code
                    new = new_map(ymap) if kind is _MappingStartEvent else new_list(ylist)
                    new.file = file
                    new._pos = array("I", (line, col))
                    if cont is not None:
                        stack.append((cont, is_map, key, kl, kc, pos_ext, anchor, n0, k0, cl, cc))
                    cont = new
                    is_map = kind is _MappingStartEvent
                    key = None
                    pos_ext = new._pos.extend
                    anchor = ev.anchor
                    n0 = nodes
                    k0 = keys
                    cl = line
                    cc = col
                    continue
                if ev is None or kind is _StreamEndEvent:
                    break
                if kind is _DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        self.diags.append(
                            make("E011", _("a second YAML document starts here"), _loc(self.file, ev.start_mark),
                                 _("keep one document per file"))
                        )
                        raise _Stop
                    continue
                if kind is _StreamStartEvent or kind is _DocumentEndEvent:
                    continue
                loc = _loc(file, ev.start_mark)
                if kind is _AliasEvent:
                    if ev.anchor not in anchors:
                        self.diags.append(make("E005", _("unknown alias *{anchor}").format(anchor=ev.anchor), loc,
                                                    _("define the anchor (&name) first")))
                        raise _Stop
                    value, size = anchors[ev.anchor]
                    self.alias_nodes += size
                    if self.alias_nodes > MAX_ALIAS_NODES:
                        self.diags.append(make(
                            "E009",
                            _("aliases repeat more than {limit:,} values").format(limit=MAX_ALIAS_NODES),
                            loc,
                            _("an alias bomb ('billion laughs') or runaway anchors; write the data out plainly"),
                        ))
                        raise _Stop
                    self.nodes = nodes
                    self._count(size, loc)
                    nodes = self.nodes
                    if cont is None:
                        root = value
                    elif not is_map:
                        cont.append(value)
                        pos_ext((loc.line, loc.col))
                    else:
                        if key is None:
                            self._complex_key(loc)
                        if key not in cont:
                            cont[key] = value
                            pos_ext((kl, kc, loc.line, loc.col))
                        else:
                            self._duplicate(cont, key, kl, kc)
                        key = None
                    continue
        except _LongNumber:
            self._at_line, self._at_col = line, col  # the scalar being read (E019)
            raise
        self.nodes = nodes
        return root

    def _complex_key(self, loc: Location) -> None:
        """A mapping key that is not a scalar (a mapping, list or alias as key): refused."""
        self.diags.append(make("E005", _("mapping keys must be plain text"), loc, _("write the key as text")))
        raise _Stop

    def _duplicate(self, container: YMap, key: str, line: int, col: int) -> None:
        """E007 for a key written twice in one mapping; the first value is kept."""
        self.diags.append(
            make(
                "E007",
                _("duplicate key {key}").format(key=repr(key)),
                Location(self.file, line, col),
                _("YAML would keep only the last value silently; keep one"),
                related=(container.key_loc(key),),
            )
        )


def _too_deep(file: str, text: str) -> Location | None:
    """Where nesting first passes MAX_DEPTH, as the event builder would have said.

    libyaml's scanner reads a whole flow collection ahead and may refuse deep nesting at its
    own, larger limit before our builder sees the events; point at our limit all the same.
    Block levels are approximated by the open indentation levels of the line.
    """
    indents: list[int] = []
    for line_no, line in enumerate(text.splitlines(), 1):
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        while indents and indents[-1] >= indent:
            indents.pop()
        indents.append(indent)
        depth, quote = len(indents), ""
        for col, ch in enumerate(line, 1):
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return Location(file, line_no, col)
            elif ch in "]}":
                depth -= 1
    return None


def _syntax_diag(file: str, text: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    loc = _loc(file, mark) if mark is not None else Location(file)
    problem = (exc.problem or "invalid YAML").strip()
    if "nesting depth" in problem:  # libyaml ≥ 0.2.6 (PyYAML ≥ 6.0.4) stops deep nesting itself
        return make("E010", _("nesting deeper than {depth} levels").format(depth=MAX_DEPTH),
                    _too_deep(file, text) or loc, _("bundle data is only a few levels deep; flatten it"))
    if mark is not None:
        lines = text.splitlines()
        line = lines[mark.line] if mark.line < len(lines) else ""
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent or "\t" in problem or (mark.column < len(line) and line[mark.column] == "\t"):
            return make("E006", _("a tab character is used for indentation"), loc,
                        _("indent with spaces only; YAML forbids tabs"))
    context = f" {exc.context}" if exc.context else ""
    for known, words in _YAML_PROBLEMS:
        if problem.startswith(known):
            if known in _UNCLOSED and exc.context_mark is not None:
                loc = _loc(file, exc.context_mark)  # where the bracket or quote opens
            return make("E005", _(words), loc, _syntax_hint(problem))
    # a problem libyaml words in a way not listed below: its own text, rather than nothing
    return make("E005", f"{problem}{context}".strip(), loc, _syntax_hint(problem))


_UNCLOSED = ("did not find expected ',' or ']'", "did not find expected ',' or '}'",
             "found unexpected end of stream")
# libyaml's problems in the author's words (the position says where; the hint what to do)
_YAML_PROBLEMS = (
    ("mapping values are not allowed", N_("a ': ' (colon and space) where no key can start")),
    ("could not find expected ':'", N_("a key without its ':'")),
    ("did not find expected key", N_("this line does not line up with the keys above it")),
    ("did not find expected '-' indicator", N_("this line does not line up with the list entries above it")),
    ("expected <block end>", N_("this line does not line up with the lines above it")),
    ("found unexpected end of stream", N_("the file ends inside a quoted text")),
    ("found character that cannot start any token", N_("a value cannot start with this character (quote the value)")),
    ("did not find expected ',' or ']'", N_("a list in [ ] is not closed, or lacks a comma")),
    ("did not find expected ',' or '}'", N_("a mapping in { } is not closed, or lacks a comma")),
    ("found unknown escape character", N_("an unknown \\ escape in double quotes; use single quotes for such text")),
)


def _syntax_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return _("a value containing ': ' must be quoted, or the indentation is off")
    if "did not find expected ','" in problem:
        return _("close it with the matching bracket, or separate its entries with commas")
    if "expected <block end>" in problem or "did not find expected" in problem:
        return _("check the indentation of this line against the lines above")
    if "found unexpected end of stream" in problem:
        return _("a quote or bracket is not closed")
    return _("fix the YAML at this position")


def load_text(text: str, file: str) -> Loaded:
    """Load YAML text (already decoded) into position-carrying plain data."""
    result = Loaded(file)
    first = _NOT_SPACE.search(text)
    # a first non-blank character other than '#' starts a line of content: the file is not
    # empty, and a province's catalog is not split into a list of its 200,000 lines to see so
    if (first is None or first.group() == "#") and (not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    )):
        result.diagnostics.append(make("E004", _("the file is empty"), Location(file),
                                        _("write content or delete the file")))
        return result
    builder = _Builder(file)
    parser = _Parser(text)
    # Building allocates a container and a location per node and frees nothing: pause the
    # cyclic garbage collector, whose passes over the growing data would only cost time.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        data = builder.build(parser)
    except _Stop:
        result.diagnostics.extend(builder.diags)
        return result
    except yaml.MarkedYAMLError as exc:
        result.diagnostics.extend(builder.diags)
        result.diagnostics.append(_syntax_diag(file, text, exc))
        return result
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        result.diagnostics.extend(builder.diags)
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        result.diagnostics.append(make(
            "E005", _("the control character U+{code:04X} is not allowed in YAML").format(code=ord(char)),
            Location(file, line, col),
            _("remove it; in a double-quoted text write it as an escape (\\x7f)"),
        ))
        return result
    except yaml.YAMLError as exc:  # pragma: no cover - a reader error without a mark
        result.diagnostics.extend(builder.diags)
        result.diagnostics.append(make("E005", str(exc), Location(file)))
        return result
    finally:
        parser.dispose()
        if gc_was_on:
            gc.enable()
    result.diagnostics.extend(builder.diags)
    if any(d.code == "E008" for d in builder.diags):
        # every refused tag is reported; what it stood for is gone, so checking the rest
        # would only report the consequences of its removal
        return result
    if data is None:
        result.diagnostics.append(make("E004", _("the file holds no data"), Location(file)))
        return result
    result.data = data
    return result


def _line_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def load_file(path: Path, display: str | None = None) -> Loaded:
    """Read and load one file; never raises for bad input."""
    file = display or str(path)
    raw, problem = read_limited(path, file, MAX_BYTES)
    if raw is None:
        return Loaded(printable_name(file), None, [problem] if problem else [])
    data = prefetch.take(path, file, raw)  # parsed by a second process from these very bytes
    if data is not None:
        return Loaded(file, data)
    return load_bytes(raw, file)


def load_bytes(raw: bytes, file: str) -> Loaded:
    """Load a file's bytes (UTF-8, BOM allowed); never raises for bad input."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_of_offset(raw, exc.start)
        return Loaded(file, None, [make(
            "E002", _("byte {byte} is not valid UTF-8").format(byte=f"0x{raw[exc.start]:02x}"),
            Location(file, line, col), _("save the file as UTF-8 (convert GBK/GB18030 with iconv)"))])
    if "\x00" in text:
        return Loaded(file, None, [make("E002", _("the file contains NUL bytes (binary?)"), Location(file))])
    return load_text(text, file)
