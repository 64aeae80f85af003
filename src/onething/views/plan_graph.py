"""The dependency graph of a manifest as Mermaid or DOT (the plan table is in plan_table)."""

from __future__ import annotations

from onething.compiler.manifest import Manifest
from onething.views.escape import dot_label, mermaid_label


def _zh(label: dict[str, str] | None) -> str:
    return (label or {}).get("zh", "")


def _q(text: str) -> str:
    return mermaid_label(text)


def _d(text: str) -> str:
    return dot_label(text)


def _clusters(m: Manifest) -> list[tuple[str, str, list[str]]]:
    """(department id, its name, its items in plan order), departments sorted by id."""
    order = [i for st in m.plan.stages for i in st]
    return [
        (d, _zh(m.bundle.departments.get(d)) or d, [i for i in order if m.plan.steps[i].department == d])
        for d in sorted({s.department for s in m.plan.steps.values()})
    ]


def _edge_label(m: Manifest, why: str) -> str | None:
    """None for an explicit `needs`, else the name of the material that flows."""
    if why == "needs":
        return None
    return next((_zh(mat.name) for mat in m.materials if mat.id == why), why)


def graph_mermaid(m: Manifest) -> str:
    lines = ["flowchart LR"]
    for d, name, items in _clusters(m):
        lines.append(f'  subgraph dept_{d}["{_q(name)}"]')
        for item in items:
            s = m.plan.steps[item]
            shape = f'{item}("{_q(_zh(s.name))}")' if s.when or s.optional else f'{item}["{_q(_zh(s.name))}"]'
            lines.append(f"    {shape}")
        lines.append("  end")
    for src, dst, why in m.plan.edges:
        label = _edge_label(m, why)
        lines.append(f"  {src} --> {dst}" if label is None else f'  {src} -- "{_q(label)}" --> {dst}')
    return "\n".join(lines) + "\n"


def graph_dot(m: Manifest) -> str:
    lines = [f'digraph "{_d(m.bundle.id)}" {{', "  rankdir=LR;", '  node [shape=box, fontname="sans-serif"];']
    for d, name, items in _clusters(m):
        lines.append(f'  subgraph "cluster_{d}" {{')
        lines.append(f'    label="{_d(name)}";')
        for item in items:
            s = m.plan.steps[item]
            style = ", style=dashed" if s.when or s.optional else ""
            lines.append(f'    "{item}" [label="{_d(_zh(s.name))}\\n{item}"{style}];')
        lines.append("  }")
    for src, dst, why in m.plan.edges:
        label = _edge_label(m, why)
        lines.append(f'  "{src}" -> "{dst}"' + ("" if label is None else f' [label="{_d(label)}"]') + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"
