"""Synthetic bundles and catalogs of a given size, in the ratios of the real bundles/ tree.

Measured on bundles/ (130 catalog items, 16 bundles): per catalog item about 2 fields and
1.8 materials defined, 6.6 field uses and 3.5 material uses, a quarter of the items produce a
certificate that a later item consumes; per bundle about 8 items and 5 questions, a quarter of
the bundle's items optional, half of them conditional, a few with `needs:` or local overrides.

``write_tree(root, n_items)`` writes ``root/catalog/*.yaml`` and ``root/b_*.yaml`` and returns
the list of files written. The tree compiles without errors (warnings W604 are expected, as in
the real catalog). Names are deterministic: the same size gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

ITEMS_PER_BUNDLE = 8
ITEMS_PER_CATALOG_FILE = 50
FIELDS_PER_ITEM = 2
MATERIALS_PER_ITEM = 1.75
FIELD_USES_PER_ITEM = 6
MATERIAL_USES_PER_ITEM = 3
QUESTIONS_PER_BUNDLE = 5


def _label(zh: str, en: str) -> str:
    return f"{{zh: {zh}, en: {en}}}"


def _catalog_texts(n: int, n_fields: int | None = None, n_mats: int | None = None) -> dict[str, str]:
    n_dept = max(3, n // 4)
    n_sect = max(2, n // 2)
    n_fields = n_fields or FIELDS_PER_ITEM * n
    n_mats = n_mats or max(4, int(MATERIALS_PER_ITEM * n))
    out: dict[str, str] = {}

    lines = ["departments:"]
    for d in range(n_dept):
        lines.append(f"  - id: dept_{d}")
        lines.append(f"    name: {_label(f'第{d}号部门', f'Department {d}')}")
        if d % 5 == 4:
            lines.append("    kind: institution")
    out["departments.yaml"] = "\n".join(lines) + "\n"

    lines = ["sections:"]
    for s in range(n_sect):
        lines.append(f"  - {{id: sec_{s}, order: {10 * (s + 1)}, title: {_label(f'第{s}部分', f'Part {s}')}}}")
    out["sections.yaml"] = "\n".join(lines) + "\n"

    lines = ["fields:"]
    types = ["string", "date", "id_number", "phone", "address", "enum", "integer", "boolean"]
    for f in range(n_fields):
        t = types[f % len(types)]
        lines.append(f"  - key: sec_{f % n_sect}.field_{f}")
        lines.append(f"    label: {_label(f'第{f}号数据项', f'Data element {f}')}")
        lines.append(f"    type: {t}")
        if t == "enum":
            lines.append("    options:")
            lines.append(f"      - {{value: 'a', label: {_label('甲', 'A')}}}")
            lines.append(f"      - {{value: 'b', label: {_label('乙', 'B')}}}")
        elif t == "string":
            lines.append("    max_length: 60")
            lines.append(f"    help: {_label('按证件填写', 'As on the document')}")
        elif t in ("id_number", "phone"):
            lines.append("    sensitive: true")
    out["fields.yaml"] = "\n".join(lines) + "\n"

    lines = ["materials:"]
    kinds = ["certificate", "id_document", "proof", "form", "photo", "contract", "other"]
    for m in range(n_mats):
        kind = kinds[m % len(kinds)]
        issuer = "applicant" if m % 3 == 0 else f"dept_{m % n_dept}"
        lines.append(f"  - id: mat_{m}")
        lines.append(f"    name: {_label(f'第{m}号材料', f'Material {m}')}")
        lines.append(f"    kind: {kind}")
        lines.append(f"    issued_by: {issuer}")
        if m % 2 == 0:
            lines.append("    e_certificate: true")
        lines.append(f"    originals: {m % 2}")
        lines.append("    copies: 1")
    out["materials.yaml"] = "\n".join(lines) + "\n"

    for start in range(0, n, ITEMS_PER_CATALOG_FILE):
        lines = ["items:"]
        for i in range(start, min(n, start + ITEMS_PER_CATALOG_FILE)):
            pos = i % ITEMS_PER_BUNDLE
            lines += [
                f"  - id: item_{i}",
                '    code: ""',
                f"    name: {_label(f'第{i}号事项', f'Item {i}')}",
                f"    type: {'行政许可' if i % 3 else '公共服务'}",
                f"    department: dept_{i % n_dept}",
                "    service_object: [natural_person]",
                "    acceptance_conditions:",
                f"      zh: 符合第{i}号事项受理条件的申请人",
                f"      en: Applicants who meet the conditions of item {i}",
                "    time_limit:",
                f"      statutory: {20 + i % 10}",
                f"      committed: {1 + i % 15}",
                f"      unit: {'calendar_days' if i % 4 == 0 else 'working_days'}",
                "    steps: [受理, 审核, 办结]",
                "    visits: 1",
                "    handling_form: [window, online]",
                "    result:",
                f"      name: {_label(f'第{i}号结果', f'Result {i}')}",
                "    fields:",
            ]
            for k in range(FIELD_USES_PER_ITEM):
                f = (3 * i + 7 * k) % n_fields
                lines.append(f"      - sec_{f % n_sect}.field_{f}")
            lines.append("    materials:")
            for k in range(MATERIAL_USES_PER_ITEM):
                lines.append(f"      - mat_{(2 * i + 5 * k) % n_mats}")
            if pos in (1, 5):
                # the previous item's certificate: a produce → consume edge
                lines.append(f"      - cert_{i - 1}")
            if pos in (0, 4) and i + 1 < n:
                lines.append(f"    produces: [cert_{i}]")
        out[f"items_{start // ITEMS_PER_CATALOG_FILE:03d}.yaml"] = "\n".join(lines) + "\n"

    lines = ["materials:"]
    for i in range(n):
        if i % ITEMS_PER_BUNDLE in (0, 4) and i + 1 < n:
            lines.append(f"  - id: cert_{i}")
            lines.append(f"    name: {_label(f'第{i}号证照', f'Certificate {i}')}")
            lines.append("    kind: certificate")
            lines.append(f"    issued_by: dept_{i % n_dept}")
            lines.append("    e_certificate: true")
    if len(lines) > 1:
        out["certificates.yaml"] = "\n".join(lines) + "\n"
    return out


def _bundle_text(b: int, n: int, n_mats: int | None = None, bundle_id: str | None = None,
                 extra: tuple[int, ...] = ()) -> str:
    first = b * ITEMS_PER_BUNDLE
    ids = list(range(first, min(n, first + ITEMS_PER_BUNDLE)))
    n_dept = max(3, n // 4)
    n_mats = n_mats or max(4, int(MATERIALS_PER_ITEM * n))
    lines = [
        f"bundle: {bundle_id or f'b_{b}'}",
        'version: "2026.1"',
        f"title: {_label(f'第{b}号一件事', f'Bundle {b}')}",
        "description:",
        f"  zh: 第{b}号一件事，一次申请办理{len(ids)}个事项",
        f"  en: Bundle {b} covers {len(ids)} items in one application",
        "legal_basis: 国办发〔2024〕3号",
        f"lead: dept_{first % n_dept}",
        f"cooperating: [{', '.join(sorted({f'dept_{i % n_dept}' for i in ids[1:]} - {f'dept_{first % n_dept}'}))}]",
        "window:",
        "  name: {zh: 政务服务中心综合窗口, en: 'Government service center: general window'}",
        "  online: 政务服务网",
        "questions:",
    ]
    for q in range(QUESTIONS_PER_BUNDLE):
        lines.append(f"  - key: q_{q}")
        lines.append(f"    label: {_label(f'第{q}个问题', f'Question {q}')}")
        if q == 0:
            lines.append("    type: enum")
            lines.append("    options:")
            lines.append(f"      - {{value: 'x', label: {_label('情形一', 'Case one')}}}")
            lines.append(f"      - {{value: 'y', label: {_label('情形二', 'Case two')}}}")
    lines.append("items:")
    for pos, i in enumerate(ids):
        lines.append(f"  - use: item_{i}")
        if pos in (3, 7):
            lines.append("    optional: true")
        if pos in (2, 6):
            lines.append(f"    when: q_{1 + pos % 4}")
        elif pos == 3:
            lines.append("    when: \"q_0 == 'x' and not q_2\"")
        if pos in (3, 7) and pos - 1 >= 0 and first + pos - 1 in ids:
            lines.append(f"    needs: [item_{first + pos - 1}]")
        if pos == 1:
            lines.append("    materials:")
            lines.append(f"      - mat_{(2 * i) % n_mats}")
            lines.append(f"      - {{ref: mat_{(2 * i + 5) % n_mats}, when: q_1}}")
            lines.append(f"      - {{ref: mat_{(2 * i + 9) % n_mats}, "
                         "tolerated: {supplement_days: 5}}")
            if i - 1 >= first:
                lines.append(f"      - cert_{i - 1}")
    for i in extra:
        lines.append(f"  - use: item_{i}")
        lines.append("    optional: true")
    return "\n".join(lines) + "\n"


def counts(n_items: int) -> dict[str, int]:
    """How many of each thing ``write_tree`` writes for ``n_items`` catalog items."""
    certs = sum(1 for i in range(n_items - 1) if i % ITEMS_PER_BUNDLE in (0, 4))
    return {
        "items": n_items,
        "fields": FIELDS_PER_ITEM * n_items,
        "materials": max(4, int(MATERIALS_PER_ITEM * n_items)) + certs,
        "dependencies": certs + sum(1 for i in range(n_items) if i % ITEMS_PER_BUNDLE in (3, 7)),
        "bundles": max(1, -(-n_items // ITEMS_PER_BUNDLE)),
    }


def write_tree(root: Path, n_items: int) -> list[Path]:
    """Write a synthetic catalog and bundles for ``n_items`` catalog items under ``root``."""
    cat = root / "catalog"
    cat.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in _catalog_texts(n_items).items():
        p = cat / name
        p.write_text(text, encoding="utf-8")
        written.append(p)
    for b in range(max(1, -(-n_items // ITEMS_PER_BUNDLE))):
        p = root / f"b_{b:04d}.yaml"
        p.write_text(_bundle_text(b, n_items), encoding="utf-8")
        written.append(p)
    return written


PROVINCE_SEED = 14
PROVINCE_ITEMS_PER_BUNDLE = 10
PROVINCE_MATERIALS_PER_BUNDLE = 50 / 3
PROVINCE_FIELDS_PER_BUNDLE = 100 / 3


def province_counts(n_bundles: int) -> dict[str, int]:
    """The size of ``write_province(root, n_bundles)``'s catalog: at 300 bundles 3,000 items,
    5,000 materials (and the certificates items produce) and 10,000 fields."""
    return {
        "bundles": n_bundles,
        "items": PROVINCE_ITEMS_PER_BUNDLE * n_bundles,
        "materials": round(PROVINCE_MATERIALS_PER_BUNDLE * n_bundles),
        "fields": round(PROVINCE_FIELDS_PER_BUNDLE * n_bundles),
    }


def write_province(root: Path, n_bundles: int = 300, seed: int = PROVINCE_SEED) -> list[Path]:
    """A province (issue #14): ``n_bundles`` bundles over one shared catalog scaled with them —
    at 300 bundles 3,000 items, 5,000 materials and 10,000 fields (about 4.3 MB of YAML).

    Each bundle takes one run of 8 consecutive catalog items (``write_tree``'s bundle: questions,
    conditions, needs, a produced certificate consumed later, local material overrides), the
    runs drawn without repetition by a random generator with a fixed seed, plus 2 optional
    items drawn from anywhere in the catalog. The catalog grows with the bundles, so the work
    per bundle stays the same from 30 to 300 bundles unless some step scales with the catalog.
    Same arguments, same bytes.
    """
    import random

    size = province_counts(n_bundles)
    n = size["items"]
    rng = random.Random(seed)
    cat = root / "catalog"
    cat.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in _catalog_texts(n, size["fields"], size["materials"]).items():
        p = cat / name
        p.write_text(text, encoding="utf-8")
        written.append(p)
    runs = rng.sample(range(n // ITEMS_PER_BUNDLE), n_bundles)
    for k, run in enumerate(runs):
        own = range(run * ITEMS_PER_BUNDLE, (run + 1) * ITEMS_PER_BUNDLE)
        extra: list[int] = []
        while len(extra) < PROVINCE_ITEMS_PER_BUNDLE - ITEMS_PER_BUNDLE:
            i = rng.randrange(n)
            if i not in own and i not in extra:
                extra.append(i)
        p = root / f"p_{k:04d}.yaml"
        p.write_text(_bundle_text(run, n, size["materials"], f"p_{k}", tuple(extra)), encoding="utf-8")
        written.append(p)
    return written


def write_long_bundle(root: Path, n_items: int, fields_per_item: int = 1) -> list[Path]:
    """One bundle of ``n_items`` items over a catalog of small items: the shape in which
    per-bundle work (suppression matching, material merging, the plan) shows its growth.

    Each item asks ``fields_per_item`` fields of its own and one material, produces a
    certificate the next item consumes (a chain: every producer waives a material) and
    suppresses W604 on its material use with a reason (every lint is matched against the
    suppressions in scope).
    """
    cat = root / "catalog"
    cat.mkdir(parents=True, exist_ok=True)
    lines = ["departments:", f"  - id: dept\n    name: {_label('部门', 'Department')}\n    kind: government",
             "sections:", f"  - id: s\n    title: {_label('信息', 'Information')}\n    order: 1", "fields:"]
    for i in range(n_items * fields_per_item):
        lines.append(f"  - key: s.f_{i}\n    label: {_label(f'字段{i}', f'Field {i}')}\n    type: string")
    files = {"fields.yaml": lines}
    lines = files["materials.yaml"] = ["materials:"]
    for i in range(n_items):
        lines.append(f"  - id: paper_{i}\n    name: {_label(f'材料{i}', f'Paper {i}')}\n    kind: certificate\n"
                     "    issued_by: dept")
        lines.append(f"  - id: cert_{i}\n    name: {_label(f'证照{i}', f'Certificate {i}')}\n    kind: certificate\n"
                     "    issued_by: dept\n    e_certificate: true")
    lines = files["items.yaml"] = ["items:"]
    for i in range(n_items):
        fields = ", ".join(f"s.f_{k}" for k in range(i * fields_per_item, (i + 1) * fields_per_item))
        lines.append(f"  - id: item_{i}\n    name: {_label(f'事项{i}', f'Item {i}')}\n    type: 行政许可\n"
                     f"    department: dept\n    fields: [{fields}]\n    produces: [cert_{i}]\n    materials:\n"
                     f"      - ref: paper_{i}\n        suppress: [{{code: W604, reason: 纸质证明暂未共享}}]")
        if i:
            lines.append(f"      - cert_{i - 1}")
    written = []
    for name, text in files.items():  # three files: each stays within the file size limit
        (cat / name).write_text("\n".join(text) + "\n", encoding="utf-8")
        written.append(cat / name)
    bundle = root / "long.yaml"
    bundle.write_text("\n".join([
        "bundle: long", 'version: "1"', f"title: {_label('长一件事', 'Long bundle')}", "lead: dept", "items:",
        *(f"  - use: item_{i}" for i in range(n_items)),
    ]) + "\n", encoding="utf-8")
    return [*written, bundle]
