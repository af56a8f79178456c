"""Strategy templates: which there are, for a front end to offer."""

from __future__ import annotations

import strawberry

from domain.strategy.template import TEMPLATES, TemplateKey
from domain.strategy.template import StrategyTemplate as TemplateSpec
from schema.enums import documented_enum

StrategyTemplateKey = documented_enum(
    TemplateKey,
    "A template `createStrategyFromTemplate` can start a strategy from.",
    {
        TemplateKey.FOUR_STEPS: (
            "The four steps of the method (purpose and tactics, audiences, channels, KPIs), in English."
        ),
        TemplateKey.FOUR_STEPS_DA: "The same four steps, in Danish.",
    },
    name="StrategyTemplateKey",
)


@strawberry.type(
    description=(
        "A ready-made draft strategy following the four-step method: purpose and tactics, "
        "audiences, channels, SMART KPIs, with prompts to fill in."
    )
)
class StrategyTemplate:
    key: StrategyTemplateKey = strawberry.field(  # type: ignore[valid-type]
        description="What to pass as `template` to `createStrategyFromTemplate`."
    )
    name: str = strawberry.field(description="The template's name, in its language.")
    language: str = strawberry.field(description="The language its text is written in (ISO 639-1).")
    description: str = strawberry.field(description="What the template holds, in its language.")
    prompt_marker: str = strawberry.field(
        description=(
            "What every prompt in a strategy made from this template starts with (e.g. "
            "“TO FILL IN:”); a text that still starts with it has not been filled in."
        )
    )

    @classmethod
    def of(cls, spec: TemplateSpec) -> StrategyTemplate:
        return cls(
            key=spec.key,
            name=spec.name,
            language=spec.language,
            description=spec.description,
            prompt_marker=spec.prompt_marker,
        )


@strawberry.type
class StrategyTemplateQueries:
    @strawberry.field(description="The templates a strategy can be started from.")
    def strategy_templates(self) -> list[StrategyTemplate]:
        return [StrategyTemplate.of(spec) for spec in TEMPLATES.values()]
