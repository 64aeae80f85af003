"""Which language(s) a page shows, and the page's own wording in them.

``--labels zh`` (default), ``en``, ``zh+en`` or any language the bundle's labels carry
(``ug``, ``ky`` …). A label missing in a chosen language falls back to zh, marked with
zh's ``lang``; right-to-left languages get ``dir="rtl"`` on their text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

RTL = frozenset({"ug", "ar", "fa", "he", "ur", "ps", "yi", "dv"})
PRIMARY = "zh"
_HTML_LANG = {"zh": "zh-CN"}
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Span:
    """One piece of text in one language: what a template puts in ``<span lang dir>``."""

    lang: str
    text: str

    @property
    def html_lang(self) -> str:
        return _HTML_LANG.get(self.lang, self.lang)

    @property
    def dir(self) -> str:
        return "rtl" if self.lang.split("-")[0] in RTL else "ltr"

    def __str__(self) -> str:
        return self.text


def parse_labels(value: str) -> tuple[str, ...]:
    """``zh+en`` → ("zh", "en"); raises ValueError on a malformed code."""
    langs = tuple(dict.fromkeys(p.strip() for p in value.split("+") if p.strip()))
    bad = [p for p in langs if not _LANG.match(p)]
    if not langs or bad:
        raise ValueError(value)
    return langs


def languages_in(data: Any) -> set[str]:
    """Every language code any label of the manifest carries (labels are dicts with a zh key)."""
    found: set[str] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if PRIMARY in node and all(isinstance(v, str) for v in node.values()):
                found |= set(node)
            else:
                stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


class Labels:
    """Picks texts in the chosen languages from labels and from the page wording."""

    def __init__(self, langs: Iterable[str] = (PRIMARY,)) -> None:
        self.langs = tuple(langs)

    @property
    def primary(self) -> str:
        return self.langs[0]

    @property
    def html_lang(self) -> str:
        return _HTML_LANG.get(self.primary, self.primary)

    @property
    def dir(self) -> str:
        return "rtl" if self.primary.split("-")[0] in RTL else "ltr"

    def spans(self, label: Mapping[str, str] | None) -> list[Span]:
        """The label in each chosen language (zh where it lacks one), each text once."""
        if not label:
            return []
        out: list[Span] = []
        for lang in self.langs:
            if label.get(lang):
                span = Span(lang, label[lang])
            else:
                fallback = PRIMARY if label.get(PRIMARY) else next(iter(label))
                span = Span(fallback, label[fallback])
            if span not in out:
                out.append(span)
        return out

    def text(self, label: Mapping[str, str] | None, sep: str = " / ") -> str:
        return sep.join(s.text for s in self.spans(label))

    def one(self, label: Mapping[str, str] | None) -> str:
        """The label in the first chosen language only (for messages)."""
        spans = self.spans(label)
        return spans[0].text if spans else ""

    def word(self, key: str, **values: Any) -> list[Span]:
        """The page's own wording (see WORDING), with ``{name}`` placeholders filled."""
        entry = WORDING[key]
        label = {lang: text.format(**values) if values else text for lang, text in entry.items()}
        return self.spans(label)

    def compose(self, key: str, **values: Any) -> list[Span]:
        """Page wording with placeholders that are themselves labels, each in the same language."""
        return self.spans(compose(key, **values))

    def word_text(self, key: str, sep: str = " / ", **values: Any) -> str:
        return sep.join(s.text for s in self.word(key, **values))


def compose(key: str, **values: Any) -> dict[str, str]:
    """The wording ``key`` as a label (zh, en), placeholders filled; a label value in the same language."""
    def pick(v: Any, lang: str) -> Any:
        if isinstance(v, Mapping):
            return v.get(lang) or v.get(PRIMARY) or next(iter(v.values()), "")
        return v

    return {lang: text.format(**{k: pick(v, lang) for k, v in values.items()})
            for lang, text in WORDING[key].items()}


UNITS = {"working_days": {"zh": "工作日", "en": "working days"},
         "calendar_days": {"zh": "自然日", "en": "calendar days"}}
UNKNOWN = {"zh": "待确认", "en": "to be confirmed"}

WORDING: dict[str, dict[str, str]] = {
    "form": {"zh": "一件事联办申请表(一表申请)", "en": "Combined application form"},
    "version": {"zh": "版本 {version}", "en": "Version {version}"},
    "case_number": {"zh": "受理编号(窗口填写)", "en": "Case number (filled in by the window)"},
    "required": {"zh": "必填", "en": "required"},
    "optional": {"zh": "选填", "en": "optional"},
    "required_note": {"zh": "标有“必填”的项目须填写。", "en": "Items marked “required” must be filled in."},
    "fill_when": {"zh": "仅在以下情形填写：{condition}", "en": "Fill in only when: {condition}"},
    "yes": {"zh": "是", "en": "Yes"},
    "no": {"zh": "否", "en": "No"},
    "choose": {"zh": "请选择", "en": "Choose"},
    "entry": {"zh": "第 {n} 项", "en": "Entry {n}"},
    "add_entry": {"zh": "再添一项", "en": "Add another entry"},
    "remove_entry": {"zh": "删除此项", "en": "Remove this entry"},
    "entries": {"zh": "填写 {min} 至 {max} 项", "en": "{min} to {max} entries"},
    "entries_open": {"zh": "至少填写 {min} 项", "en": "At least {min} entries"},
    "max_length": {"zh": "最多 {n} 个字", "en": "at most {n} characters"},
    "format_date": {"zh": "格式：年-月-日", "en": "format: year-month-day"},
    "format_datetime": {"zh": "格式：年-月-日 时:分", "en": "format: year-month-day hour:minute"},
    "format_id_number": {"zh": "18 位公民身份号码", "en": "18-character citizen ID number"},
    "format_phone": {"zh": "手机号码或固定电话", "en": "mobile or landline number"},
    "format_uscc": {"zh": "18 位统一社会信用代码", "en": "18-character unified social credit code"},
    "masked": {"zh": "已遮蔽：{masked}(请当面补填)", "en": "masked: {masked} (fill in at the window)"},
    "declaration": {"zh": "申请人声明", "en": "Applicant's declaration"},
    "declaration_text": {
        "zh": "本人承诺以上所填信息及所交材料真实、准确、完整，如有虚假，愿承担相应法律责任。",
        "en": "I declare that the information above and the materials I hand in are true, accurate "
              "and complete; I bear the legal consequences of any false statement.",
    },
    "signature": {"zh": "申请人(签字)", "en": "Applicant's signature"},
    "date": {"zh": "日期", "en": "Date"},
    "commitments": {"zh": "告知承诺", "en": "Commitments (告知承诺)"},
    "commitment_instead": {"zh": "以承诺代替材料：{material}", "en": "Commitment instead of: {material}"},
    "consequence": {"zh": "承诺不实的后果：", "en": "If the commitment is false: "},
    "commitment_sign": {"zh": "承诺人(签字)", "en": "Signature of the person committing"},
    "tolerated": {"zh": "容缺受理材料", "en": "Materials accepted later (容缺)"},
    "tolerated_deadline": {"zh": "须在 {days} 个{unit}内补交", "en": "to be handed in within {days} {unit}"},
    "working_days": {"zh": "工作日", "en": "working days"},
    "calendar_days": {"zh": "自然日", "en": "calendar days"},
    "unknown": UNKNOWN,
    "errors_title": {"zh": "请更正以下问题", "en": "Please correct the following"},
    "check": {"zh": "检查填写", "en": "Check the form"},
    "save": {"zh": "保存为答复文件", "en": "Save as an answers file"},
    "print": {"zh": "打印", "en": "Print"},
    "all_ok": {"zh": "填写完整，可以保存或打印。", "en": "The form is complete; save or print it."},
    "err_required": {"zh": "此项必填", "en": "this is required"},
    "err_invalid": {"zh": "填写格式不正确", "en": "the value is not valid"},
    "err_id_check": {"zh": "公民身份号码校验位不正确", "en": "the ID number's check digit is wrong"},
    "screen_tools": {"zh": "填写工具", "en": "Form tools"},
    "condition_and": {"zh": "且", "en": "and"},
    "condition_or": {"zh": "或", "en": "or"},
    "condition_not": {"zh": "并非：{x}", "en": "not: {x}"},
    "cond_is": {"zh": "“{q}”为“{v}”", "en": "“{q}” is “{v}”"},
    "cond_is_not": {"zh": "“{q}”不为“{v}”", "en": "“{q}” is not “{v}”"},
    "cond_in": {"zh": "“{q}”为“{v}”之一", "en": "“{q}” is one of “{v}”"},
    "cond_not_in": {"zh": "“{q}”不为“{v}”中任何一项", "en": "“{q}” is none of “{v}”"},
    "cond_cmp": {"zh": "“{q}” {op} {v}", "en": "“{q}” {op} {v}"},
    "cond_yes": {"zh": "“{q}”为“是”", "en": "“{q}”: yes"},
    "cond_no": {"zh": "“{q}”为“否”", "en": "“{q}”: no"},
    "cond_always": {"zh": "始终", "en": "always"},
    # the one-time notification sheet (一次性告知单)
    "sheet": {"zh": "一次性告知单", "en": "One-time notification sheet"},
    "sheet_intro": {"zh": "本单一次告知办理所需的全部材料和事项；按本单备齐材料，只需跑一次。",
                    "en": "This sheet lists, once and completely, everything the application needs; "
                          "bring what it lists and one visit is enough."},
    "what": {"zh": "办理内容", "en": "What this covers"},
    "items": {"zh": "办理事项", "en": "Items handled"},
    "item": {"zh": "事项", "en": "Item"},
    "department": {"zh": "承办部门", "en": "Department"},
    "limit": {"zh": "承诺时限", "en": "Committed time limit"},
    "statutory": {"zh": "法定时限", "en": "Statutory limit"},
    "optional_item": {"zh": "可选事项", "en": "optional"},
    "applies_when": {"zh": "适用情形：{condition}", "en": "Applies when: {condition}"},
    "excluded": {"zh": "不办理的事项", "en": "Items not handled"},
    "not_selected": {"zh": "申请人未选择", "en": "not chosen by the applicant"},
    "condition_false": {"zh": "按申请人的情形不适用", "en": "does not apply in the applicant's situation"},
    "undecided": {"zh": "以下情形尚未确认，材料清单按各情形分别注明：{questions}",
                  "en": "Not yet answered (the lists note what depends on them): {questions}"},
    "bring": {"zh": "需提交的材料(每份只交一次)", "en": "Materials to bring (each once)"},
    "material": {"zh": "材料", "en": "Material"},
    "originals": {"zh": "原件", "en": "Originals"},
    "copies": {"zh": "复印件", "en": "Copies"},
    "original_kept": {"zh": "原件收存", "en": "original kept"},
    "original_returned": {"zh": "原件核验后退还", "en": "original checked and returned"},
    "original_fate": {"zh": "原件收回或退还", "en": "Original kept or returned"},
    "in_person_note": {"zh": "须本人携带原件到场", "en": "bring the original in person"},
    "needed_for": {"zh": "用于", "en": "For"},
    "notes": {"zh": "说明", "en": "Notes"},
    "only_when": {"zh": "仅当{condition}", "en": "only when {condition}"},
    "none": {"zh": "无", "en": "none"},
    "waived": {"zh": "无需提交的材料", "en": "Materials you do not need to bring"},
    "why": {"zh": "原因", "en": "Why"},
    "why_produced": {"zh": "由本次联办的“{item}”出具，部门间共享", "en": "issued by “{item}” within this bundle and shared"},
    "why_e_certificate": {"zh": "由{department}通过电子证照共享获取", "en": "fetched as a shared electronic certificate from {department}"},
    "why_generated": {"zh": "由一表申请(联办申请表)自动生成", "en": "generated from the combined form"},
    "commitment_title": {"zh": "可用承诺代替的材料(告知承诺)", "en": "Materials a signed commitment replaces (告知承诺)"},
    "commitment_text": {"zh": "承诺内容：", "en": "Commitment: "},
    "stages": {"zh": "部门与办理顺序", "en": "Departments and order"},
    "stage": {"zh": "第 {n} 步(同步办理)", "en": "Stage {n} (in parallel)"},
    "time": {"zh": "办理时限", "en": "Time"},
    "committed_days": {"zh": "整体承诺办结时限：{days} 个工作日", "en": "Committed time for the whole bundle: {days} working days"},
    "lower_bound": {"zh": "(部分事项时限待确认或取决于申请情形，实际可能更长)",
                    "en": "(some limits are to be confirmed or depend on the situation; it may take longer)"},
    "special_procedures": {"zh": "特别程序(不计入时限)", "en": "Special procedures (not counted in the time limit)"},
    "appointments": {"zh": "需另行到场的环节", "en": "Appointments in person"},
    "fees": {"zh": "收费", "en": "Fees"},
    "free": {"zh": "不收费", "en": "free"},
    "fee_amount": {"zh": "{amount} 元", "en": "CNY {amount}"},
    "where": {"zh": "办理地点", "en": "Where to go"},
    "window": {"zh": "窗口", "en": "Window"},
    "address": {"zh": "地址", "en": "Address"},
    "hours": {"zh": "办公时间", "en": "Opening hours"},
    "phone": {"zh": "咨询电话", "en": "Phone"},
    "online": {"zh": "网上办理", "en": "Online"},
    "nearby": {"zh": "就近办", "en": "Nearby service (就近办)"},
    "nearby_township": {"zh": "乡镇(街道)便民服务中心", "en": "township (sub-district) service centre"},
    "nearby_village": {"zh": "村(社区)便民服务站", "en": "village (community) service station"},
    "nearby_city_only": {"zh": "仅在市级政务服务中心办理", "en": "only at the city centre"},
    "assisted": {"zh": "帮办代办", "en": "Assisted and proxy service (帮办代办)"},
    "hotline": {"zh": "政务服务便民热线", "en": "Government service hotline"},
    "assisted_free": {"zh": "提供，免费", "en": "available, free of charge"},
    "assisted_paid": {"zh": "提供(收费)", "en": "available (charged)"},
    "assisted_fee_unknown": {"zh": "提供(是否收费待确认)", "en": "available (whether it is free is to be confirmed)"},
    "bundle_code": {"zh": "一件事编码", "en": "Bundle code"},
    "area": {"zh": "所属领域", "en": "Area"},
    "basis": {"zh": "办理依据", "en": "Basis"},
    "legal_basis": {"zh": "政策依据", "en": "Legal basis"},
    "sources": {"zh": "信息来源", "en": "Sources"},
    "savings": {"zh": "联办前后对比", "en": "Separately and bundled"},
    "separate": {"zh": "分别办理", "en": "Separately"},
    "bundled": {"zh": "一件事联办", "en": "Bundled"},
    "m_materials": {"zh": "材料(份)", "en": "Materials"},
    "m_fields": {"zh": "填写项(个)", "en": "Fields to fill in"},
    "m_steps": {"zh": "环节(个)", "en": "Steps"},
    "m_trips": {"zh": "跑动(次)", "en": "Trips"},
    "m_days": {"zh": "时限(工作日)", "en": "Days (working)"},
    # department packets
    "packet": {"zh": "部门办件单", "en": "Department packet"},
    "official_use": {"zh": "内部办件材料，仅供承办部门依法使用，不得外传", "en": "For official use by the department only"},
    "fields": {"zh": "申请信息", "en": "Application data"},
    "value": {"zh": "填写内容", "en": "Value"},
    "not_given": {"zh": "(未填写)", "en": "(not given)"},
    "handed_in": {"zh": "申请人提交的材料", "en": "Materials the applicant hands in"},
    "fetched": {"zh": "本部门自行获取的电子证照", "en": "Electronic certificates this department fetches itself"},
    "upstream": {"zh": "等待上游事项结果", "en": "Results it waits for"},
    "from_item": {"zh": "来自“{item}”：{materials}", "en": "from “{item}”: {materials}"},
    "item_code": {"zh": "事项编码", "en": "Item code"},
}
