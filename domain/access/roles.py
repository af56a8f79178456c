"""Who may do what: the roles people hold and the permission matrix (role × action).

This module is the one place permissions are decided. A member holds a role per
organization (it then applies in every workspace of the organization) or per workspace;
an API key acts with the role its scopes stand for. Every mutation declares the action
it performs, and reading needs :attr:`Action.VIEW` in the workspace.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping


class Role(enum.Enum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    STRATEGIST = "STRATEGIST"
    EDITOR = "EDITOR"
    CLIENT_REVIEWER = "CLIENT_REVIEWER"
    VIEWER = "VIEWER"


class Action(enum.Enum):
    VIEW = "VIEW"
    COMMENT = "COMMENT"
    EDIT_CONTENT = "EDIT_CONTENT"
    MOVE_CONTENT = "MOVE_CONTENT"
    REVIEW_CONTENT = "REVIEW_CONTENT"
    RECORD_MEASUREMENTS = "RECORD_MEASUREMENTS"
    EDIT_STRATEGY = "EDIT_STRATEGY"
    MANAGE_WORKSPACE = "MANAGE_WORKSPACE"
    MANAGE_ORGANIZATION = "MANAGE_ORGANIZATION"
    DELETE_ORGANIZATION = "DELETE_ORGANIZATION"


#: What each action covers, in words.
ACTION_DESCRIPTIONS: Mapping[Action, str] = {
    Action.VIEW: "Read strategies, content, figures, comments and the activity log.",
    Action.COMMENT: "Comment on content items.",
    Action.EDIT_CONTENT: "Create, change, map, assign and delete content items; record content metrics.",
    Action.MOVE_CONTENT: "Move content along the workflow: draft, submit, schedule, publish, archive.",
    Action.REVIEW_CONTENT: "Decide a review: approve content, or send it back to draft with a comment.",
    Action.RECORD_MEASUREMENTS: "Record and import KPI measurements.",
    Action.EDIT_STRATEGY: "Shape strategies: tactics, audiences, channels, KPIs and their owners.",
    Action.MANAGE_WORKSPACE: "Rename or delete a workspace, grant roles in it, create and revoke its keys.",
    Action.MANAGE_ORGANIZATION: "Rename the organization, create workspaces in it, grant roles on it.",
    Action.DELETE_ORGANIZATION: "Delete the organization with everything in it; make someone an owner.",
}

A = Action
_WORK = {A.VIEW, A.COMMENT, A.EDIT_CONTENT, A.MOVE_CONTENT, A.RECORD_MEASUREMENTS}

#: The permission matrix: what each role may do.
PERMISSIONS: Mapping[Role, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.ADMIN: frozenset(set(Action) - {A.DELETE_ORGANIZATION}),
    Role.STRATEGIST: frozenset({*_WORK, A.REVIEW_CONTENT, A.EDIT_STRATEGY}),
    Role.EDITOR: frozenset(_WORK),
    Role.CLIENT_REVIEWER: frozenset({A.VIEW, A.COMMENT, A.REVIEW_CONTENT}),
    Role.VIEWER: frozenset({A.VIEW}),
}

#: Actions decided on an organization (the rest are decided on a workspace).
ORGANIZATION_ACTIONS = frozenset({A.MANAGE_ORGANIZATION, A.DELETE_ORGANIZATION})


def permits(roles: Iterable[Role], action: Action) -> bool:
    """Whether any of ``roles`` allows ``action``."""
    return any(action in PERMISSIONS[role] for role in roles)


def may_grant(granting: Iterable[Role], role: Role) -> bool:
    """Making (or unmaking) an owner takes what only owners may do; any other role, managing members."""
    needed = Action.DELETE_ORGANIZATION if role is Role.OWNER else Action.MANAGE_WORKSPACE
    return permits(granting, needed)


class KeyScope(enum.Enum):
    """An API key's scopes, each including the ones before it; :data:`KEY_ROLES` says the role
    each stands for."""

    READ = "READ"
    WRITE = "WRITE"
    ADMIN = "ADMIN"


KEY_ROLES: Mapping[KeyScope, Role] = {
    KeyScope.READ: Role.VIEWER,
    KeyScope.WRITE: Role.STRATEGIST,
    KeyScope.ADMIN: Role.ADMIN,
}


def key_role(scopes: Iterable[KeyScope]) -> Role:
    """The role an API key acts with: that of its widest scope."""
    order = list(KeyScope)
    widest = max(scopes, key=order.index, default=KeyScope.READ)
    return KEY_ROLES[widest]


def matrix_markdown() -> str:
    """The permission matrix as a Markdown table (printed in the README)."""
    roles = list(Role)
    lines = [
        "| Action | " + " | ".join(role.value for role in roles) + " |",
        "| --- |" + " :-: |" * len(roles),
    ]
    for action in Action:
        marks = " | ".join("✓" if action in PERMISSIONS[role] else "·" for role in roles)
        lines.append(f"| `{action.value}` | {marks} |")
    return "\n".join(lines) + "\n"
