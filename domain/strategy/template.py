"""Strategy templates: the four-step method as a draft strategy to fill in.

A template is plain data, written the way a practitioner hands a blank strategy to a
colleague: a DRAFT whose purpose and descriptions are prompts. Every prompt starts with
its language's :data:`PROMPT_MARKERS` entry, so a front end (or a check) finds what is
still open. The four steps map onto the parts it creates:

1. purpose and 2–3 tactics (also the content themes) — ``Strategy.purpose``, ``Tactic``;
2. audiences — ``Audience`` (demographics are left empty for the user);
3. channels — none are created (a channel is the workspace's own account); the purpose
   and a tactic prompt remind the user to choose them;
4. SMART KPIs set from the audiences and tactics — ``Kpi``, linked to both. A KPI needs a
   target, so the template's target is a placeholder its description says to replace;
   the baseline stays empty until the user measures where they stand.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from domain import values
from domain.audience.services import AudienceChanges, create_audience
from domain.errors import ErrorCode, Problems
from domain.kpi.models import Aggregation, Direction, Metric, Unit
from domain.kpi.services import KpiChanges, create_kpi
from domain.prompts import FILL_IN_DA, FILL_IN_EN, PROMPT_MARKERS
from domain.scope import Scope
from domain.strategy.models import Strategy, StrategyStatus, TacticKind
from domain.strategy.services import (
    StrategyChanges,
    TacticChanges,
    check_period,
    create_strategy,
    create_tactic,
)

#: The target a template gives its KPIs: a placeholder the user must replace.
PLACEHOLDER_TARGET: Final = Decimal(0)


class TemplateKey(enum.Enum):
    """The templates there are."""

    FOUR_STEPS = "FOUR_STEPS"
    FOUR_STEPS_DA = "FOUR_STEPS_DA"


@dataclass(frozen=True, slots=True)
class TacticSpec:
    name: str
    kind: TacticKind
    target_share: Decimal
    description: str


@dataclass(frozen=True, slots=True)
class AudienceSpec:
    name: str
    description: str
    buying_notes: str


@dataclass(frozen=True, slots=True)
class KpiSpec:
    name: str
    description: str
    metric: Metric
    unit: Unit
    direction: Direction
    aggregation: Aggregation
    #: Positions in the template's tactics and audiences that the KPI measures.
    tactics: tuple[int, ...]
    audiences: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StrategyTemplate:
    key: TemplateKey
    name: str
    language: str
    description: str
    purpose: str
    tactics: tuple[TacticSpec, ...]
    audiences: tuple[AudienceSpec, ...]
    kpis: tuple[KpiSpec, ...]

    @property
    def prompt_marker(self) -> str:
        return PROMPT_MARKERS[self.language]


_PURPOSE_EN = (
    f"{FILL_IN_EN} We want to help the customer to … — one concrete social purpose that covers "
    "everything you want on social media and solves a problem for the people you want to reach; "
    "be the good conversation partner, not the one who only talks about themselves.\n"
    "Then work through the other steps: describe the audiences (who they are, what they do, where "
    "they are and how they buy); choose the channels that fit the audiences and this purpose and "
    "say what you do in each — you need not be on every platform; set the baseline, target and "
    "deadline of each KPI. When nothing is left to fill in, make the strategy ACTIVE."
)

_KPI_SMART_EN = (
    "Make it SMART: specific, measurable, achievable and time-bound. Baseline: where do you stand "
    "today? Measure it before you start. Target: the 0 set here is a placeholder — replace it with "
    "your own target. Deadline: set to the strategy's end; move it if the target is due sooner. "
    "Pick the channel it is measured on once you have chosen your channels."
)

FOUR_STEPS = StrategyTemplate(
    key=TemplateKey.FOUR_STEPS,
    name="Four steps to a social media strategy",
    language="en",
    description=(
        "A draft strategy following the four-step method: purpose and three tactics, two "
        "audiences, channels chosen to fit them, and two SMART KPIs linked to the tactics and "
        f"audiences. Every text starting with “{FILL_IN_EN}” is a prompt for you to answer."
    ),
    purpose=_PURPOSE_EN,
    tactics=(
        TacticSpec(
            name="Inspire",
            kind=TacticKind.INSPIRE,
            target_share=Decimal(40),
            description=(
                f"{FILL_IN_EN} How do you inspire the audience, and with what? This tactic is also a "
                "content theme: say which content belongs to it. The 40 % share of content is a "
                "suggestion — adjust it."
            ),
        ),
        TacticSpec(
            name="Educate",
            kind=TacticKind.EDUCATE,
            target_share=Decimal(40),
            description=(
                f"{FILL_IN_EN} What can you teach the audience that helps them on their way? This "
                "tactic is also a content theme: say which content belongs to it. The 40 % share of "
                "content is a suggestion — adjust it."
            ),
        ),
        TacticSpec(
            name="Build brand awareness",
            kind=TacticKind.BRAND_AWARENESS,
            target_share=Decimal(20),
            description=(
                f"{FILL_IN_EN} How will more of the audience get to know you? Think about which "
                "channels (step 3) carry this tactic best. This tactic is also a content theme; the "
                "20 % share of content is a suggestion — adjust it."
            ),
        ),
    ),
    audiences=(
        AudienceSpec(
            name="Main audience",
            description=(
                f"{FILL_IN_EN} Who are they? Demographics: gender, age, interests, family status "
                "and where they live (fill in the fields too). Behaviour: what do they do — clicks, "
                "site visits, downloads? Where are they — lawyers, say, are more on LinkedIn than "
                "on Facebook?"
            ),
            buying_notes=(
                f"{FILL_IN_EN} How do they buy: do they shop around and research for long, or buy on "
                "impulse? Does that fit the buying process of your product? Set the buying process."
            ),
        ),
        AudienceSpec(
            name="Secondary audience",
            description=(
                f"{FILL_IN_EN} Who else do you want to reach, and how do they differ from the main "
                "audience? Demographics, behaviour and where they are, as for the main audience — "
                "or delete this audience if there is only one."
            ),
            buying_notes=(
                f"{FILL_IN_EN} How do they buy: long research, a considered choice, or on impulse?"
            ),
        ),
    ),
    kpis=(
        KpiSpec(
            name="Reach in the main audience",
            description=(
                f"{FILL_IN_EN} How many people in the main audience do you reach, and on which "
                f"channel? {_KPI_SMART_EN}"
            ),
            metric=Metric.REACH,
            unit=Unit.COUNT,
            direction=Direction.INCREASE,
            aggregation=Aggregation.LATEST,
            tactics=(0, 2),
            audiences=(0,),
        ),
        KpiSpec(
            name="Conversions from social media",
            description=(
                f"{FILL_IN_EN} What counts as a conversion — a lead, a sign-up, a purchase — and "
                f"where is it counted? {_KPI_SMART_EN}"
            ),
            metric=Metric.CONVERSIONS,
            unit=Unit.COUNT,
            direction=Direction.INCREASE,
            aggregation=Aggregation.SUM,
            tactics=(1,),
            audiences=(0, 1),
        ),
    ),
)

_PURPOSE_DA = (
    f"{FILL_IN_DA} Vi vil gerne hjælpe kunden med at … — ét konkret socialt formål, som dækker "
    "alt det, I gerne vil på sociale medier, og som løser et problem for brugerne; vær den gode "
    "samtalepartner og ikke den, der kun taler om sig selv.\n"
    "Arbejd derefter trinene igennem: beskriv målgrupperne (hvem de er, hvad de gør, hvor de er, "
    "og hvordan de køber); vælg de kanaler, der passer til målgrupperne og formålet, og skriv, "
    "hvad I gør på hver — I skal ikke være på alle platforme; sæt baseline, mål og deadline for "
    "hver KPI. Når intet mangler at blive udfyldt, sæt strategiens status til aktiv."
)

_KPI_SMART_DA = (
    "Gør den SMART: specifik, målbar, opnåelig og tidsbestemt. Baseline: hvor står I i dag? Mål "
    "det, før I går i gang. Mål: 0 er en pladsholder — erstat det med jeres eget mål. Deadline: "
    "sat til strategiens slutdato; ryk den, hvis målet skal nås før. Vælg den kanal, den måles "
    "på, når I har valgt jeres kanaler."
)

FOUR_STEPS_DA = StrategyTemplate(
    key=TemplateKey.FOUR_STEPS_DA,
    name="Fire trin til en SoMe-strategi",
    language="da",
    description=(
        "Et udkast til en strategi efter metoden i fire trin: formål og tre taktikker, to "
        "målgrupper, kanaler valgt ud fra dem og to SMART KPI'er koblet til taktikkerne og "
        f"målgrupperne. Al tekst, der starter med “{FILL_IN_DA}”, er et spørgsmål, I skal besvare."
    ),
    purpose=_PURPOSE_DA,
    tactics=(
        TacticSpec(
            name="At inspirere",
            kind=TacticKind.INSPIRE,
            target_share=Decimal(40),
            description=(
                f"{FILL_IN_DA} Hvordan inspirerer I målgruppen, og med hvad? Taktikken er også et "
                "tema for jeres indhold: skriv, hvilket indhold der hører til den. Andelen på 40 % "
                "af indholdet er et forslag — ret den til."
            ),
        ),
        TacticSpec(
            name="At uddanne",
            kind=TacticKind.EDUCATE,
            target_share=Decimal(40),
            description=(
                f"{FILL_IN_DA} Hvad kan I lære målgruppen, som hjælper dem videre? Taktikken er også "
                "et tema for jeres indhold: skriv, hvilket indhold der hører til den. Andelen på "
                "40 % af indholdet er et forslag — ret den til."
            ),
        ),
        TacticSpec(
            name="At øge brand awareness",
            kind=TacticKind.BRAND_AWARENESS,
            target_share=Decimal(20),
            description=(
                f"{FILL_IN_DA} Hvordan skal flere i målgruppen lære jer at kende? Tænk over, hvilke "
                "kanaler (trin 3) der bærer taktikken bedst. Taktikken er også et tema for jeres "
                "indhold; andelen på 20 % af indholdet er et forslag — ret den til."
            ),
        ),
    ),
    audiences=(
        AudienceSpec(
            name="Primær målgruppe",
            description=(
                f"{FILL_IN_DA} Hvem er de? Demografi: køn, alder, interesser, familiestatus, og hvor "
                "de bor (udfyld også felterne). Adfærd: hvad gør de — kliks, besøg på websitet, "
                "downloads? Hvor er de — er advokater fx mere på LinkedIn end på Facebook?"
            ),
            buying_notes=(
                f"{FILL_IN_DA} Hvordan køber de: shopper de rundt og bruger lang tid på research, "
                "eller køber de spontant? Passer det til købsprocessen for jeres produkt? Vælg "
                "købsprocessen."
            ),
        ),
        AudienceSpec(
            name="Sekundær målgruppe",
            description=(
                f"{FILL_IN_DA} Hvem vil I ellers nå, og hvordan adskiller de sig fra den primære "
                "målgruppe? Demografi, adfærd, og hvor de er, som for den primære målgruppe — eller "
                "slet målgruppen, hvis der kun er én."
            ),
            buying_notes=(
                f"{FILL_IN_DA} Hvordan køber de: efter lang research, et overvejet valg eller spontant?"
            ),
        ),
    ),
    kpis=(
        KpiSpec(
            name="Rækkevidde i den primære målgruppe",
            description=(
                f"{FILL_IN_DA} Hvor mange i den primære målgruppe når I, og på hvilken kanal? {_KPI_SMART_DA}"
            ),
            metric=Metric.REACH,
            unit=Unit.COUNT,
            direction=Direction.INCREASE,
            aggregation=Aggregation.LATEST,
            tactics=(0, 2),
            audiences=(0,),
        ),
        KpiSpec(
            name="Konverteringer fra sociale medier",
            description=(
                f"{FILL_IN_DA} Hvad tæller som en konvertering — et lead, en tilmelding, et køb — og "
                f"hvor tælles den? {_KPI_SMART_DA}"
            ),
            metric=Metric.CONVERSIONS,
            unit=Unit.COUNT,
            direction=Direction.INCREASE,
            aggregation=Aggregation.SUM,
            tactics=(1,),
            audiences=(0, 1),
        ),
    ),
)

#: Every template, in the order a front end lists them.
TEMPLATES: Final[Mapping[TemplateKey, StrategyTemplate]] = {
    template.key: template for template in (FOUR_STEPS, FOUR_STEPS_DA)
}


def template_of(problems: Problems, key: TemplateKey | str) -> StrategyTemplate | None:
    """The template named ``key``; UNKNOWN_TEMPLATE (on ``template``) when there is none."""
    try:
        found = TEMPLATES.get(TemplateKey(key))
    except ValueError:
        found = None
    if found is None:
        named = key.value if isinstance(key, TemplateKey) else key
        known = ", ".join(k.value for k in TEMPLATES)
        problems.add(
            ErrorCode.UNKNOWN_TEMPLATE, f"There is no template {named!r}; choose one of: {known}.", "template"
        )
    return found


async def create_strategy_from_template(
    session: AsyncSession,
    scope: Scope,
    workspace_id: uuid.UUID,
    template_key: TemplateKey | str,
    name: str,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> Strategy:
    """A DRAFT strategy in the workspace, with the template's tactics, audiences and KPIs.

    Everything goes through the services in the caller's transaction, so a refused input
    (unknown template, bad name or period, a workspace outside the scope) writes nothing.
    Each KPI runs from the strategy's start to its end, when these are given.
    """
    problems = Problems()
    template = template_of(problems, template_key)
    if template is None:
        # Report the name and period too, as create_strategy would, so every problem shows at once.
        values.name(problems, name, "name")
        check_period(
            problems, values.date(problems, starts_on, "starts_on"), values.date(problems, ends_on, "ends_on")
        )
    problems.raise_if_any()
    assert template is not None
    strategy = await create_strategy(
        session,
        scope,
        workspace_id,
        StrategyChanges(
            name=name,
            purpose=template.purpose,
            starts_on=starts_on,
            ends_on=ends_on,
            status=StrategyStatus.DRAFT,
        ),
    )
    tactic_ids = [
        (
            await create_tactic(
                session,
                scope,
                strategy.id,
                TacticChanges(
                    name=spec.name,
                    kind=spec.kind,
                    description=spec.description,
                    target_share=spec.target_share,
                ),
            )
        ).id
        for spec in template.tactics
    ]
    audience_ids = [
        (
            await create_audience(
                session,
                scope,
                strategy.id,
                AudienceChanges(name=spec.name, description=spec.description, buying_notes=spec.buying_notes),
            )
        ).id
        for spec in template.audiences
    ]
    # A KPI's deadline must come after its start; a one-day strategy leaves the start open.
    kpi_start = starts_on if ends_on is None or (starts_on is not None and starts_on < ends_on) else None
    for spec in template.kpis:
        await create_kpi(
            session,
            scope,
            strategy.id,
            KpiChanges(
                name=spec.name,
                description=spec.description,
                metric=spec.metric,
                unit=spec.unit,
                baseline=None,
                target=PLACEHOLDER_TARGET,
                direction=spec.direction,
                aggregation=spec.aggregation,
                starts_on=kpi_start,
                deadline=ends_on,
                tactic_ids=[tactic_ids[i] for i in spec.tactics],
                audience_ids=[audience_ids[i] for i in spec.audiences],
            ),
        )
    return strategy
