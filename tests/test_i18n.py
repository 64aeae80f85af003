"""Output in the user's language: the catalogue is complete, the language is chosen as documented,
and messages, help, headers and replayed diagnostics come out in Chinese or English."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from onething.cli.main import main
from onething.dsl import i18n
from onething.dsl.i18n import _, choose_language, english, set_language

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def _script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), prog_name="onething", env=env)


# ---- the catalogue ------------------------------------------------------------------------

def test_every_msgid_has_a_zh_translation_and_the_mo_is_compiled_from_the_po():
    """Extracts every message with Babel; fails on a missing, empty, fuzzy or stale entry."""
    assert _script().problems("zh") == []


def test_the_extraction_finds_messages_of_every_kind():
    ids = {m.id for m in _script().extract_catalog() if m.id}
    assert "unknown key {key} in {where}" in ids          # _() in dsl/
    assert "unknown department" in ids                   # registry title (_c argument 2)
    assert "Check the path and the file's permissions." in ids  # registry fix (_c argument 3)
    assert "Print failures only." in ids                 # an option's help=
    assert "List every diagnostic code with its severity, meaning and usual fix." in ids  # docstring
    assert "Show this message and exit." in ids          # click's own words


_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_0-9]*(?:![rsa])?)\}(?!\})")


def test_translations_keep_every_placeholder():
    catalog = _script().read_catalog("zh")
    def found(text):
        return sorted(_PLACEHOLDER.findall(text[0] if isinstance(text, tuple) else text))

    # Chinese has one plural form, used for every n: it carries the plural's placeholders
    bad = [m.id for m in catalog
           if m.id and found(m.id[1] if isinstance(m.id, tuple) else m.id) != found(m.string)]
    assert bad == []


# ---- choosing the language ----------------------------------------------------------------

@pytest.mark.parametrize(("option", "env", "expected"), [
    ("en", {"ONETHING_LANG": "zh", "LANG": "zh_CN.UTF-8"}, "en"),
    (None, {"ONETHING_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh"),
    (None, {"ONETHING_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
    (None, {"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    (None, {"LC_MESSAGES": "zh_CN", "LANG": "C"}, "zh"),
    (None, {"LANG": "zh_CN.GB18030"}, "zh"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {"LANG": "POSIX"}, "en"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, {}, "en"),
])
def test_language_precedence(option, env, expected):
    assert choose_language(option, env) == expected


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        set_language("fr")
    assert run("--lang", "fr", "codes").exit_code == 2


def test_translated_text_remembers_its_english():
    set_language("zh")
    text = _("hint: {hint}").format(hint=_("did you mean {guess}?").format(guess="'x'"))
    assert text == "提示：是否应为 'x'？"
    assert english(text) == "hint: did you mean 'x'?"


# ---- messages on the command line ---------------------------------------------------------

WRONG_TYPE = "tests/fixtures/bad/wrong_type.yaml"  # as shown: relative to the working folder


@pytest.mark.parametrize(("args", "env"), [
    (["--lang", "zh"], {}),
    ([], {"ONETHING_LANG": "zh"}),
    ([], {"ONETHING_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}),
])
def test_validate_speaks_chinese_when_asked(args, env):
    r = run(*args, "validate", WRONG_TYPE, env=env)
    assert r.exit_code == 1
    assert f"{WRONG_TYPE}:6:14: 错误 E102: cooperating 应为列表，而不是文本\n" in r.output
    assert "1 个错误，0 个警告" in r.output


def test_validate_speaks_english_by_default():
    r = run("validate", WRONG_TYPE)
    assert f"{WRONG_TYPE}:6:14: error E102: cooperating should be a list, not text\n" in r.output
    assert "1 error(s), 0 warning(s)" in r.output


def test_json_keeps_codes_and_keys_and_translates_messages():
    r = run("--lang", "zh", "validate", "--format", "json", "tests/fixtures/bad/unknown_key_item.yaml")
    [d] = json.loads(r.stdout)
    assert d == {"code": "E101", "severity": "error",
                 "location": {"file": "tests/fixtures/bad/unknown_key_item.yaml", "line": 8, "col": 5},
                 "message": "items[1] (use: demo_item) 中有未知的键 'optinal'", "hint": "是否应为 'optional'？"}


def test_help_is_translated_at_show_time():
    zh = run("--lang", "zh", "validate", "--help").output
    assert zh.startswith("用法: onething validate [OPTIONS] [PATHS]...\n")
    assert "检查一件事文件及其目录；逐条输出问题及其位置（文件:行:列）。" in zh
    assert "--format [text|json]  [默认: text]" in zh
    assert "显示本帮助并退出。" in zh
    en = run("validate", "--help").output
    assert en.startswith("Usage: onething validate [OPTIONS] [PATHS]...\n")
    assert "Check bundle files and their catalog; print every problem with" in en
    assert "[default: text]" in en


def test_top_level_help_lists_commands_in_the_language():
    out = run("--help", env={"ONETHING_LANG": "zh"}).output
    assert re.search(r"^  codes +列出全部诊断代码及其级别、含义和常用修改方法$", out, re.M)
    assert "命令:" in out


def test_codes_md_stays_english_unless_lang_is_given():
    english_md = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert run("codes", "--format", "md", env={"ONETHING_LANG": "zh"}).output == english_md
    zh = run("--lang", "zh", "codes", "--format", "md").output
    assert "| E203 | 错误 | 未知材料 | 使用目录中的材料 id，或添加该材料。 |" in zh
    assert run("--lang", "zh", "codes").output.splitlines()[0] == "E001  error    文件无法读取"


def test_plan_headers_and_summary_in_chinese():
    out = run("--lang", "zh", "plan", str(ROOT / "bundles" / "birth.yaml")).output
    assert re.search(r"^ 阶段  事项 +部门 +时限（工作日） +适用条件$", out, re.M), out
    assert "（可选）" in out and "母亲是否参加职工基本医疗" in out  # a condition in words, with its label
    assert "关键路径：birth_certificate_issue → maternity_benefit = 25 个工作日" in out
    assert "特别程序（不计入时限）：" in out


# ---- replayed diagnostics and manifests ---------------------------------------------------

def test_replayed_diagnostics_follow_the_language_and_manifests_do_not(tmp_path):
    out = tmp_path / "out"
    bundle = str(FIXTURES / "compile" / "lints" / "lints.yaml")
    first = run("compile", bundle, "-o", str(out))
    assert first.exit_code == 0, first.output
    manifest = (out / "lints.json").read_bytes()
    zh = run("--lang", "zh", "compile", bundle, "-o", str(out))
    assert "已写入 1 份清单到" in zh.output  # compiled again: the language is part of the state
    replayed = run("--lang", "zh", "compile", bundle, "-o", str(out))
    assert "已写入 0 份清单到" in replayed.output and "1 份无需更新" in replayed.output
    assert (out / "lints.json").read_bytes() == manifest
    en_lines = [line for line in first.output.splitlines() if ": warning W" in line]
    zh_lines = [line for line in replayed.output.splitlines() if ": 警告 W" in line]
    assert len(en_lines) == len(zh_lines) >= 3
    assert any(line.endswith("W604: 材料 'gov_paper' 由 gov 核发，但未作为电子证照共享：申请人须提交政府核发的纸质材料（免证办目标）")
               for line in zh_lines)
    back = run("compile", bundle, "-o", str(out))
    assert [line for line in back.output.splitlines() if ": warning W" in line] == en_lines


def test_a_manifest_records_diagnostics_in_english_whatever_the_language():
    bundle = str(FIXTURES / "compile" / "lints" / "lints.yaml")
    en, zh = run("compile", bundle), run("--lang", "zh", "compile", bundle)
    assert "suppression of" in en.stdout or "probably" in en.stdout or "W60" in en.stdout
    assert en.stdout == zh.stdout
    assert "警告" in zh.stderr


@pytest.fixture(autouse=True)
def _english_after(monkeypatch):
    monkeypatch.chdir(ROOT)
    yield
    i18n.set_language("en")


def test_start_up_reads_the_catalogue_with_gettext_not_babel():
    import subprocess
    import sys

    code = ("import sys\nfrom onething.cli.main import main\n"
            "try:\n    main(['--lang', 'zh', '--help'], prog_name='onething')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('babel', 'pydantic', 'yaml') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          timeout=60, cwd=ROOT)
    assert "用法: onething" in proc.stdout
    assert proc.stdout.rstrip().endswith("[]"), proc.stdout[-200:]


# --- click's own messages (usage errors) ---

def test_usage_errors_come_in_chinese_under_zh():
    r = run("--lang", "zh", "compile", "--nosuch")
    assert r.exit_code == 2
    assert r.output == ("用法: onething compile [OPTIONS] [PATHS]...\n"
                        "运行 'onething compile --help' 查看帮助。\n\n"
                        "错误：没有选项 '--nosuch'。\n")
    r = run("--lang", "zh", "comple")
    assert r.output.endswith("错误：没有命令 'comple'。 （您是否要输入 'compile', 'complete'？）\n")
    r = run("--lang", "zh", "compile", "--format", "xml")
    assert "错误：'--format' 的取值无效：'xml' 不是可选值之一：'text', 'json'。\n" in r.output
    r = run("--lang", "zh", "submit", "bundles/birth.yaml")
    assert "错误：缺少选项 '--answers'." in r.output


def test_usage_errors_stay_click_s_english_under_en():
    r = run("--lang", "en", "comple")
    assert r.exit_code == 2
    assert r.output.endswith("Error: No such command 'comple'. (Did you mean one of: 'compile', 'complete'?)\n")
    r = run("--lang", "en", "compile", "--nosuch")
    assert r.output.endswith("\nError: No such option '--nosuch'.\n")


def test_every_listed_click_message_is_still_click_s():
    """A click upgrade that rewords a message would leave our translation unused: caught here."""
    import click

    from onething.cli.click_text import CLICK_MESSAGES, CLICK_PLURALS, CLICK_MODULES

    source = "".join((Path(click.__file__).parent / f"{name}.py").read_text(encoding="utf-8")
                     for name in CLICK_MODULES)
    for message in [*CLICK_MESSAGES, *(m for pair in CLICK_PLURALS for m in pair)]:
        assert repr(message)[1:-1] in source or message.replace("\n", "\\n") in source, message


def test_no_message_hides_inside_an_f_string():
    """Babel does not extract ``_()`` inside an f-string's braces: such text stayed English under zh."""
    import ast

    hidden = []
    for path in sorted((ROOT / "src" / "onething").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) \
                            and inner.func.id in ("_", "ngettext", "N_"):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert hidden == []
