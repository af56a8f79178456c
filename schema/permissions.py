"""The permission matrix as people read it: roles × actions, and which mutations do what.

Printed in the README (a test fails when the README drifts from the code).
"""

from __future__ import annotations

from collections import defaultdict

from domain.access.roles import ACTION_DESCRIPTIONS, Action, matrix_markdown
from schema.build import schema
from schema.mutation import ACTIONS, Open

OPEN_NOTES = {
    Open.MEMBER: "any signed-in member, who becomes the new organization's OWNER",
    Open.ANYONE: "any caller (on a demo deployment also an anonymous visitor) when demo workspaces are on",
}


#: Mutations whose action depends on the input, beyond the one they declare.
DEPENDS_ON_INPUT = {
    Action.MOVE_CONTENT: "`transitionContentItem` (every move but a review decision)",
    Action.REVIEW_CONTENT: "`transitionContentItem` from IN_REVIEW to APPROVED or back to DRAFT",
}


def mutations_by_action() -> dict[Action | Open, list[str]]:
    """Each action and the mutations (by GraphQL name) that perform it."""
    mutation_type = schema.get_type_by_name("Mutation")
    assert mutation_type is not None
    fields = mutation_type.fields  # type: ignore[union-attr]
    names = {field.python_name: schema.config.name_converter.get_graphql_name(field) for field in fields}
    grouped: dict[Action | Open, list[str]] = defaultdict(list)
    for python_name, action in ACTIONS.items():
        grouped[action].append(names[python_name])
    return grouped


def permissions_markdown() -> str:
    grouped = mutations_by_action()
    lines = [matrix_markdown(), "What each action covers:", ""]
    for action in Action:
        listed = [f"`{name}`" for name in sorted(grouped.get(action, [])) if name != "transitionContentItem"]
        if action in DEPENDS_ON_INPUT:
            listed.append(DEPENDS_ON_INPUT[action])
        mutations = ", ".join(listed)
        covers = ACTION_DESCRIPTIONS[action]
        lines.append(f"- `{action.value}` — {covers}" + (f" Mutations: {mutations}." if mutations else ""))
    for open_, note in OPEN_NOTES.items():
        mutations = ", ".join(f"`{name}`" for name in sorted(grouped.get(open_, [])))
        lines.append(f"- {mutations}: {note}.")
    return "\n".join(lines) + "\n"
