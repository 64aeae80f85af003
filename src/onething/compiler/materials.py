"""Material dedup and waivers (一套材料): each material once, with why it is or is not asked.

Rules (docs/compiling.md):
- merged by id, listed once with every item that needs it (``required_by``); what the bundle
  itself asks (``requires:``) comes first, ``required_by`` the bundle;
- waived ``generated`` when it is a form (kind ``form``) the combined form produces, unless the
  form says ``generated: false`` (the applicant signs it separately);
- waived ``produced`` when a selected, unconditional item produces it upstream of every consumer
  (never what the bundle itself asks: that is needed at acceptance, before any item runs);
- waived ``e_certificate`` when it is a shared electronic certificate and the bundle shares them,
  unless any requirement says ``in_person``;
- else ``commitment`` when every requirement accepts a signed commitment (告知承诺),
  ``tolerated`` when every requirement tolerates it missing at acceptance (容缺), else ``submit``;
- originals: brought once (the most any one requirement asks); copies: the most any one
  requirement needs — the window scans and shares them with every department. Unknown is not
  a default: a requirement that gives no number (nor its material) adds no known need, so the
  figure is the most of the numbers given, and null when none is given;
- original kept or returned: ``kept`` when any requirement keeps it (the applicant parts with
  it), ``returned`` when every requirement that sees it hands it back, else null (unknown).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from onething.compiler.facts import sources_out
from onething.compiler.manifest import CommitmentOut, MaterialOut, ToleratedOut
from onething.compiler.plan import Graph
from onething.compiler.resolve import ResolvedBundle, ResolvedItem
from onething.compiler.selection import Selection, conjoin, disjoin
from onething.dsl.diagnostics import Diagnostic, make
from onething.dsl.i18n import _
from onething.dsl.models.catalog import MaterialDef, _MaterialUse


@dataclass
class _Use:
    owner: str  # the item's id, or the bundle's for what the bundle itself asks
    item: ResolvedItem | None  # None: the bundle's own requirement
    index: int
    use: _MaterialUse
    residual: str | None
    parts: tuple[str, ...]


def merge_materials(
    rb: ResolvedBundle, sel: Selection, gr: Graph
) -> tuple[list[MaterialOut], list[tuple[Diagnostic, list[str], list[tuple[str, int]]]]]:
    """The material list and W604 lints (with the items and requirements they concern)."""
    order: list[str] = []
    uses: dict[str, list[_Use]] = defaultdict(list)
    every = [(rb.bundle.bundle, None, j, mu, parts) for j, mu, parts in sel.requirement_materials]
    every += [(ri.id, ri, j, mu, parts) for ri in sel.items for j, mu, parts in sel.material_uses(ri)]
    for owner, ri, j, mu, parts in every:
        if mu.ref not in rb.materials:
            continue
        if mu.ref not in uses:
            order.append(mu.ref)
        uses[mu.ref].append(_Use(owner, ri, j, mu, conjoin(list(parts)), parts))

    # A producer waives a material when it runs whenever the consumer needs it: it is
    # unconditional, or its condition is one of the conjuncts of the consumer's condition.
    producers: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for ri in sel.items:
        for m in ri.model.produces or []:
            producers[m].append((ri.id, sel.item_when.get(ri.id)))

    reach: dict[str, set[str]] = {}  # producer → the items downstream of it

    def downstream(p: str, item: str) -> bool:
        # build_graph adds an edge from each producer to each consumer of what it produces, so
        # the edge answers almost every question; a descendant set (O(items) per producer, so
        # quadratic in a large bundle) is built only when it does not
        if gr.graph.has_edge(p, item):
            return True
        if p not in reach:
            reach[p] = gr.graph.descendants(p)
        return item in reach[p]

    out: list[MaterialOut] = []
    lints: list[tuple[Diagnostic, list[str], list[tuple[str, int]]]] = []
    for mid in order:
        mdef = rb.materials[mid].model
        u = uses[mid]
        consumers = list(dict.fromkeys(x.owner for x in u))
        in_person = any(x.use.in_person for x in u)
        originals, copies, original = _counts(mdef, u)
        status, reason, waived_by = "submit", None, None
        tolerated = commitment = None
        when = disjoin([x.residual for x in u])
        producer = next(
            (p for p, p_when in producers.get(mid, [])
             if all(x.item is not None and p != x.owner and downstream(p, x.owner)
                    and (p_when is None or p_when in x.parts) for x in u)),
            None,
        )
        if mdef.kind == "form" and mdef.generated is not False:
            status, reason, waived_by = "waived", "generated", "combined_form"
        elif producer is not None:
            status, reason, waived_by = "waived", "produced", producer
        elif mdef.e_certificate and rb.bundle.e_certificate_sharing and not in_person:
            status, reason, waived_by = "waived", "e_certificate", mdef.issued_by
        elif mdef.e_certificate and rb.bundle.e_certificate_sharing:
            # shared electronically except where a requirement wants the original shown:
            # it is asked only under those requirements' conditions
            when = disjoin([x.residual for x in u if x.use.in_person])
        elif all(x.use.commitment for x in u):
            status = "commitment"
            c = u[0].use.commitment
            commitment = CommitmentOut(  # type: ignore[union-attr]
                text=dict(c.text), consequence=dict(c.consequence) if c.consequence else None)
        elif all(x.use.tolerated for x in u):
            status = "tolerated"
            t = min((x.use.tolerated for x in u), key=lambda t: t.supplement_days)  # type: ignore[union-attr]
            tolerated = ToleratedOut(supplement_days=t.supplement_days, unit=t.unit)  # type: ignore[union-attr]
        out.append(MaterialOut(
            id=mid,
            name=dict(mdef.name),
            kind=mdef.kind,
            issued_by=mdef.issued_by,
            required_by=consumers,
            status=status,
            reason=reason,
            waived_by=waived_by,
            when=when,
            in_person=in_person,
            originals=originals,
            copies=copies,
            original=original,
            tolerated=tolerated,
            commitment=commitment,
            notes=dict(mdef.notes) if mdef.notes else None,
            sources=sources_out(mdef.sources),
        ))
        issuer = rb.departments.get(mdef.issued_by or "")
        if (
            issuer is not None and issuer.model.kind == "government" and not mdef.e_certificate
            and reason not in ("produced", "generated")
        ):
            lints.append((make(
                "W604",
                _("material {mid} is issued by {issued_by} but is not shared as an electronic certificate: the applicant must bring a government-issued paper (免证办 target)").format(mid=repr(mid), issued_by=mdef.issued_by),
                rb.materials[mid].loc("e_certificate") if "e_certificate" in rb.materials[mid].node
                else rb.materials[mid].loc("id"),
                _("set e_certificate: true once the certificate is shared, or suppress with the reason"),
            ), consumers, [(x.owner, x.index) for x in u]))
    return out, lints


def _counts(mdef: MaterialDef, u: list[_Use]) -> tuple[int | None, int | None, str | None]:
    """originals, copies and what happens to the original, merged over the requirements (see above)."""
    originals_each = [x.use.originals if x.use.originals is not None else mdef.originals for x in u]
    copies_each = [x.use.copies if x.use.copies is not None else mdef.copies for x in u]
    originals = max((n for n in originals_each if n is not None), default=None)
    copies = max((n for n in copies_each if n is not None), default=None)
    # what happens to the original matters only where one is brought (originals not 0)
    handling = [x.use.original or mdef.original for x, n in zip(u, originals_each, strict=True) if n != 0]
    if originals == 0 or not handling:
        original = None
    elif "kept" in handling:
        original = "kept"
    elif all(h == "returned" for h in handling):
        original = "returned"
    else:
        original = None
    return originals, copies, original

