"""The domain's enums, exposed to GraphQL under their own names and values.

Every enum is registered here, through :func:`documented_enum`: the enum gets a description,
and each value the docstring written under it in the domain (``A = "A"`` then
``\"\"\"What A means.\"\"\"``), so the schema explains them where the domain does.
"""

from __future__ import annotations

import ast
import enum
import inspect
import textwrap

import strawberry

from domain.access.api_keys import KeyStatus
from domain.access.roles import KeyScope, Role
from domain.activity.models import ActivityAction
from domain.audience.models import BuyingProcess
from domain.channel.models import Platform
from domain.content.models import ContentFormat, ContentStatus
from domain.content.rules import ContentOnDelete
from domain.errors import ErrorCode
from domain.kpi.models import Aggregation, Direction, KpiSource, MeasurementSource, Metric, Unit
from domain.scope import ActorKind
from domain.strategy.document import DocumentFormat
from domain.strategy.models import StrategyStatus, TacticKind


def value_docs(kind: type[enum.Enum]) -> dict[str, str]:
    """The docstrings written under an enum's members, by member name."""
    body = ast.parse(textwrap.dedent(inspect.getsource(kind))).body[0]
    assert isinstance(body, ast.ClassDef)
    docs: dict[str, str] = {}
    for statement, following in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.targets[0].id] = inspect.cleandoc(following.value.value)
    return docs


def documented_enum(kind: type[enum.Enum], description: str | None = None, name: str | None = None) -> None:
    """Expose a domain enum, described by ``description`` (else its docstring) and its values' docstrings."""
    own_doc = kind.__dict__.get("__doc__")
    if description is None and own_doc:
        description = inspect.cleandoc(own_doc)
    strawberry.enum(kind, name=name, description=description)
    docs = value_docs(kind)
    for value in kind.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = docs.get(value.name)


# -- strategies -------------------------------------------------------------------------------------
documented_enum(StrategyStatus, "Where a strategy is in its life.")
documented_enum(
    TacticKind,
    "What a tactic does for the purpose: inspire, educate, give insight, build brand awareness …",
)
documented_enum(BuyingProcess, "How an audience buys: long research, considered, or on impulse.")
documented_enum(Platform, "The platform a channel lives on.")
documented_enum(DocumentFormat, "The format the written strategy comes in.")

# -- content ----------------------------------------------------------------------------------------
documented_enum(ContentFormat, "The shape of a content item.")
documented_enum(
    ContentStatus,
    "The content workflow: IDEA → DRAFT → IN_REVIEW → APPROVED → SCHEDULED → PUBLISHED, or ARCHIVED.",
)
documented_enum(ContentOnDelete, "What happens to content using something that is being deleted.")

# -- KPIs -------------------------------------------------------------------------------------------
documented_enum(Metric, "What a KPI or a content metric counts.")
documented_enum(Unit, "The unit of a KPI's values.")
documented_enum(Direction, "Which way a KPI should move, or which side of its target it should stay.")
documented_enum(
    Aggregation,
    "How the metrics of a KPI's content combine into its value, for a KPI whose source is CONTENT: "
    "SUM the running total since the KPI's start, AVERAGE the running mean, LATEST the day's total. "
    "A recorded measurement is already the KPI's value as of its day.",
)
documented_enum(MeasurementSource, "Where a measurement came from.")
documented_enum(KpiSource, "Where a KPI's values come from: measurements, or its content's metrics.")

# -- access and activity ----------------------------------------------------------------------------
documented_enum(
    Role,
    "A role held on an organization (then in each of its workspaces) or on one workspace. "
    "What each role may do is the permission matrix in the README.",
)
documented_enum(KeyScope)
documented_enum(KeyStatus, "Whether an API key works now.", name="ApiKeyStatus")
documented_enum(ActorKind, "Who acts: a member, an integration (API key), a demo visitor or the service.")
documented_enum(ActivityAction, "What a change did to a record.")

# -- refused input ----------------------------------------------------------------------------------
documented_enum(ErrorCode, "Why an input was refused. Stable: clients switch on these.", name="UserErrorCode")
