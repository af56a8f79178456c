"""What every resolver can reach: the database, the caller's scope and the loaders."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import DocumentNode
from strawberry.types import Info as StrawberryInfo

from domain.persistence.database import Database, Reads
from domain.scope import Scope
from domain.tenancy.demo import DemoWorkspaces
from schema.loading import Loaders


@dataclass
class Context:
    db: Database
    scope: Scope
    request_id: str
    #: The request's reads: one connection and one transaction (see :class:`Reads`). Whoever
    #: makes the context closes them.
    reads: Reads
    #: The deployment's demo workspace policy; None when demo workspaces are off.
    demo: DemoWorkspaces | None = None
    #: The document to run, parsed and validated by the HTTP layer (see :mod:`schema.prepared`).
    document: DocumentNode | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.reads.scope = self.scope
        self.loaders = Loaders(self.reads)

    def widen(self, scope: Scope) -> None:
        """Read with ``scope`` from now on: a mutation gave the caller a role (on a new
        organization or workspace) that the rest of the response must see."""
        self.scope = scope
        self.reads.scope = scope
        self.loaders = Loaders(self.reads)


Info = StrawberryInfo[Context, None]
