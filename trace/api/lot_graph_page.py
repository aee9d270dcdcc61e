"""The lot page's lineage graph drawn on the server as inline SVG: a layered layout, one column a processing
step, ancestors to the left of the lot and descendants to its right, each input link an arrow from the lot
consumed to the lot made from it. Presentation only: the graph comes from ``service.lot_graph``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from ..service.lot_graph import GraphNode, LotGraph

BOX_WIDTH, BOX_HEIGHT = 176, 74
COLUMN_GAP, ROW_GAP, MARGIN = 44, 16, 8
TONES = {
    "recall": ("#fde2e1", "#7a0d0a", "#b3261e"),
    "hold": ("#fff4d6", "#5c4100", "#b88a00"),
    None: ("#ffffff", "#1b1b1b", "#555555"),
}
"""Fill, text and border of a node by the hold standing over it (all meet WCAG AA for their text)."""


@dataclass(frozen=True)
class Placed:
    """A node and the top-left corner of its box."""

    node: GraphNode
    x: int
    y: int


def layout(graph: LotGraph) -> tuple[dict[str, Placed], int, int]:
    """Each node's box (a column per depth, the lot's own column between its ancestors and its descendants,
    rows in lot-id order) and the drawing's width and height."""
    low = min(n.depth for n in graph.nodes)
    columns: dict[int, list[GraphNode]] = {}
    for node in graph.nodes:
        columns.setdefault(node.depth - low, []).append(node)
    placed = {
        node.lot_id: Placed(node, MARGIN + column * (BOX_WIDTH + COLUMN_GAP), MARGIN + row * (BOX_HEIGHT + ROW_GAP))
        for column, nodes in columns.items()
        for row, node in enumerate(nodes)
    }
    width = 2 * MARGIN + len(columns) * BOX_WIDTH + (len(columns) - 1) * COLUMN_GAP
    height = 2 * MARGIN + max(len(nodes) for nodes in columns.values()) * (BOX_HEIGHT + ROW_GAP) - ROW_GAP
    return placed, width, height


Say = Callable[[str, str], str]
"""Chooses the Chinese or the English of a text (the page's language)."""


def node_lines(node: GraphNode, kind_names: dict[str, tuple[str, str]], t: Say) -> tuple[str, str, str]:
    """A node's three lines: what it is, whether it verifies, its findings and hold."""
    kind = t(*kind_names.get(node.kind, (node.kind, node.kind)))
    state = t("记录已验证", "records verify") if node.verified else t("记录损坏", "records broken")
    found = t(f"问题 {node.findings}", f"findings {node.findings}")
    if node.hard:
        found += t(f"（严重 {node.hard}）", f" ({node.hard} hard)")
    if node.hold:
        found += " · " + (t("召回中", "under recall") if node.hold == "recall" else t("扣留中", "on hold"))
    return kind, ("✓ " if node.verified else "✗ ") + state, found


def svg(graph: LotGraph, kind_names: dict[str, tuple[str, str]], t: Say, link: Callable[[str], str]) -> str:
    """The graph as an inline SVG element; each node links to ``link(lot)``; the lot itself drawn bolder."""
    placed, width, height = layout(graph)
    title = t(f"{graph.lot_id} 的来源与去向", f"Where {graph.lot_id} came from and went")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="lineage-graph" role="img" aria-labelledby="graph-title" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-size="13">',
        f'<title id="graph-title">{escape(title)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#555"/></marker></defs>',
    ]
    for source, made in graph.edges:
        a, b = placed[source], placed[made]
        parts.append(
            f'<line x1="{a.x + BOX_WIDTH}" y1="{a.y + BOX_HEIGHT // 2}" x2="{b.x - 2}" y2="{b.y + BOX_HEIGHT // 2}" '
            f'stroke="#555" stroke-width="1.5" marker-end="url(#arrow)" data-from="{escape(source)}" '
            f'data-to="{escape(made)}"/>'
        )
    for lot, p in placed.items():
        fill, ink, border = TONES[p.node.hold]
        if not p.node.verified:
            border = "#b3261e"
        wide = 3 if lot == graph.lot_id or not p.node.verified else 1
        kind, state, found = node_lines(p.node, kind_names, t)
        parts.append(
            f'<a href="{escape(link(lot))}" class="node" data-lot="{escape(lot)}">'
            f'<rect x="{p.x}" y="{p.y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" fill="{fill}" '
            f'stroke="{border}" stroke-width="{wide}"/>'
            f'<text x="{p.x + 8}" y="{p.y + 18}" fill="{ink}" font-weight="700">{escape(lot)}</text>'
            f'<text x="{p.x + 8}" y="{p.y + 36}" fill="{ink}">{escape(kind)}</text>'
            f'<text x="{p.x + 8}" y="{p.y + 52}" fill="{ink}">{escape(state)}</text>'
            f'<text x="{p.x + 8}" y="{p.y + 68}" fill="{ink}">{escape(found)}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)
