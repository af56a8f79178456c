"""Who is acting, and which workspaces they may see and change.

Every read and write is filtered by a scope. A caller's scope holds the roles they have
in each workspace (and organization); a system task (a migration, the seed, the demo
purge) acts with ``Scope.everything()``. An id from outside the scope reads as "not
found", never as "forbidden": only someone who may see a record learns that their
role does not let them change it.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import InstrumentedAttribute

from domain.access.roles import ORGANIZATION_ACTIONS, Action, Role, permits
from domain.errors import DomainError, ErrorCode

Roles = Mapping[uuid.UUID, frozenset[Role]]


class ActorKind(enum.Enum):
    MEMBER = "MEMBER"
    API_KEY = "API_KEY"
    DEMO_VISITOR = "DEMO_VISITOR"
    SYSTEM = "SYSTEM"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who a change is recorded as made by."""

    kind: ActorKind
    id: uuid.UUID | None
    name: str

    @property
    def member_id(self) -> uuid.UUID | None:
        """The member acting, if a member is."""
        return self.id if self.kind is ActorKind.MEMBER else None


SYSTEM = Actor(ActorKind.SYSTEM, None, "redthread")


@dataclass(frozen=True, slots=True, eq=False)
class Scope:
    """What a caller may see (``workspace_ids``; None for everything) and do (their roles).

    ``action`` is what the current operation does; :meth:`check` refuses a workspace in
    which the caller's roles do not allow it.
    """

    workspace_ids: frozenset[uuid.UUID] | None
    roles: Roles = field(default_factory=dict)
    organization_roles: Roles = field(default_factory=dict)
    actor: Actor = SYSTEM
    action: Action | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, *workspace_ids: uuid.UUID, role: Role = Role.OWNER, actor: Actor = SYSTEM) -> Scope:
        """The given workspaces, with one role in each."""
        return cls(frozenset(workspace_ids), {id_: frozenset({role}) for id_ in workspace_ids}, actor=actor)

    @classmethod
    def granted(cls, roles: Roles, organization_roles: Roles, actor: Actor) -> Scope:
        """A caller's scope: the workspaces they hold a role in."""
        return cls(frozenset(roles), roles, organization_roles, actor)

    @property
    def is_everything(self) -> bool:
        return self.workspace_ids is None

    def acting(self, action: Action) -> Scope:
        """This scope for an operation that does ``action``."""
        return replace(self, action=action)

    def including(
        self,
        roles: frozenset[Role],
        *,
        workspace_id: uuid.UUID | None = None,
        organization_id: uuid.UUID | None = None,
    ) -> Scope:
        """This scope with ``roles`` on a workspace or organization just created (or granted)."""
        if self.workspace_ids is None or not roles:
            return self
        workspaces, organizations = dict(self.roles), dict(self.organization_roles)
        if workspace_id is not None:
            workspaces[workspace_id] = workspaces.get(workspace_id, frozenset()) | roles
        if organization_id is not None:
            organizations[organization_id] = organizations.get(organization_id, frozenset()) | roles
        return replace(
            self, workspace_ids=frozenset(workspaces), roles=workspaces, organization_roles=organizations
        )

    def allows(self, workspace_id: uuid.UUID) -> bool:
        """Whether the caller may see the workspace."""
        return self.workspace_ids is None or workspace_id in self.workspace_ids

    def permits(self, action: Action, workspace_id: uuid.UUID) -> bool:
        """Whether the caller may do ``action`` in the workspace."""
        return self.workspace_ids is None or permits(self.roles.get(workspace_id, ()), action)

    def permits_in_organization(self, action: Action, organization_id: uuid.UUID) -> bool:
        """Whether the caller's role on the organization itself allows ``action``."""
        return self.workspace_ids is None or permits(self.organization_roles.get(organization_id, ()), action)

    def permitting(self, action: Action) -> frozenset[uuid.UUID]:
        """The workspaces in which the caller's roles allow ``action`` (not for ``everything()``)."""
        return frozenset(id_ for id_, held in self.roles.items() if permits(held, action))

    def permitting_in_organizations(self, action: Action) -> frozenset[uuid.UUID]:
        """The organizations on which the caller's own roles allow ``action``."""
        return frozenset(id_ for id_, held in self.organization_roles.items() if permits(held, action))

    def check(self, workspace_id: uuid.UUID, kind: str, *field: str, action: Action | None = None) -> None:
        """Refuse a record (a ``kind``) of this workspace unless the caller may do the action on it.

        NOT_FOUND when the caller may not see the workspace at all, FORBIDDEN when they may
        see it but their role does not allow the action (by default, the operation's), and for
        an organization's action, which a record of a workspace never grants.
        """
        action = action or self.action
        if not self.allows(workspace_id):
            raise DomainError.of(ErrorCode.NOT_FOUND, f"No {kind} with this id.", *(field or ("id",)))
        if action is None:
            return
        # An organization's actions are decided on the organization (see tenancy's
        # organization_in_scope), never by a role in one of its workspaces: refuse here.
        allowed = self.is_everything if action in ORGANIZATION_ACTIONS else self.permits(action, workspace_id)
        if not allowed:
            raise forbidden(action, *field)

    def where(
        self, column: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID]
    ) -> ColumnElement[bool]:
        """A filter on a ``workspace_id`` column (or ``workspace.id``) that keeps the scope."""
        if self.workspace_ids is None:
            return true()
        if not self.workspace_ids:
            return false()
        return column.in_(self.workspace_ids)

    def params(self) -> dict[str, Any]:
        """The scope as the parameters of hand-written SQL (:mod:`domain.sql`), whose condition on a
        ``workspace_id`` column reads ``(:everywhere OR x.workspace_id = ANY(:workspaces))``."""
        return {"everywhere": self.workspace_ids is None, "workspaces": sorted(self.workspace_ids or ())}


def forbidden(action: Action, *field: str) -> DomainError:
    words = action.value.lower().replace("_", " ")
    return DomainError.of(
        ErrorCode.FORBIDDEN, f"Your role does not allow this ({words}).", *(field or ("id",))
    )
