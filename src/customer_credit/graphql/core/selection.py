"""What a query selected, so reads can fetch only those fields."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def field_names(selections: Iterable[Selection]) -> dict[str, list[SelectedField]]:
    """Selected fields by name, with fragments flattened."""
    found: dict[str, list[SelectedField]] = {}
    for selection in selections:
        if isinstance(selection, (FragmentSpread, InlineFragment)):
            for name, fields in field_names(selection.selections).items():
                found.setdefault(name, []).extend(fields)
        elif isinstance(selection, SelectedField):
            found.setdefault(selection.name, []).append(selection)
    return found


def connection_selection(info: Info) -> tuple[dict[str, list[SelectedField]], set[str]]:
    """The connection's own fields, and the fields selected on its nodes (through `nodes` or `edges.node`)."""
    top = field_names(info.selected_fields[0].selections)
    node_fields: set[str] = set()
    for nodes in top.get("nodes", []):
        node_fields.update(field_names(nodes.selections))
    for edges in top.get("edges", []):
        for node in field_names(edges.selections).get("node", []):
            node_fields.update(field_names(node.selections))
    return top, node_fields
