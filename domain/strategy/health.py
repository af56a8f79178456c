"""What is off in a strategy: the findings a strategist acts on, worst first.

=========================  ========  =====================================================
code                       severity  found when
=========================  ========  =====================================================
KPI_OFF_TRACK              CRITICAL  a KPI is OFF_TRACK, or MISSED its deadline
TACTIC_COUNT               WARNING   the strategy has fewer than 2 or more than 3 tactics
TACTIC_WITHOUT_CONTENT     WARNING   a tactic has no live content
KPI_WITHOUT_CONTENT        WARNING   no live content serves a KPI
UNMAPPED_CONTENT           WARNING   live content lacks a tactic or a primary KPI
CONTENT_KPI_NOT_IN_TACTIC  WARNING   content serves a KPI that does not measure its tactic
AUDIENCE_WITHOUT_CHANNEL   WARNING   no chosen channel reaches an audience
CONTENT_MIX_OFF            WARNING   a tactic's share of the live content with a tactic is more than
                                     10 percentage points from its target share
KPI_NOT_SMART              WARNING   a KPI fails a letter of SMART
KPI_AT_RISK                WARNING   a KPI is AT_RISK
CHANNEL_UNUSED             INFO      a chosen channel reaches no audience and carries no content
=========================  ========  =====================================================

Live content is every item that is not ARCHIVED.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from domain.kpi.progress import KpiFacts, ProgressStatus, progress
from domain.kpi.smart import smart
from domain.strategy.coverage import Coverage, ItemSample

TACTICS_MIN: Final = 2
TACTICS_MAX: Final = 3
#: How far (in percentage points) a tactic's share of content may stray from its target share.
MIX_TOLERANCE: Final = Decimal(10)


class Severity(enum.Enum):
    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


class FindingCode(enum.Enum):
    KPI_OFF_TRACK = "KPI_OFF_TRACK"
    TACTIC_COUNT = "TACTIC_COUNT"
    TACTIC_WITHOUT_CONTENT = "TACTIC_WITHOUT_CONTENT"
    KPI_WITHOUT_CONTENT = "KPI_WITHOUT_CONTENT"
    UNMAPPED_CONTENT = "UNMAPPED_CONTENT"
    CONTENT_KPI_NOT_IN_TACTIC = "CONTENT_KPI_NOT_IN_TACTIC"
    AUDIENCE_WITHOUT_CHANNEL = "AUDIENCE_WITHOUT_CHANNEL"
    CONTENT_MIX_OFF = "CONTENT_MIX_OFF"
    KPI_NOT_SMART = "KPI_NOT_SMART"
    KPI_AT_RISK = "KPI_AT_RISK"
    CHANNEL_UNUSED = "CHANNEL_UNUSED"


_SEVERITY_ORDER: Final = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
_CODE_ORDER: Final = {code: position for position, code in enumerate(FindingCode)}


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A part of the strategy a finding is about: its kind (the model's name) and id."""

    kind: str
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Finding:
    code: FindingCode
    severity: Severity
    message: str
    #: The parts concerned (for content, at most the first SAMPLE items).
    nodes: tuple[NodeRef, ...]
    #: How many parts are concerned.
    count: int


def share(count: int, total: int) -> Decimal:
    """``count`` as a percentage of ``total``, to two places."""
    return (Decimal(count) * 100 / total).quantize(Decimal("0.01")) if total else Decimal(0)


def findings(coverage: Coverage, kpis: Mapping[uuid.UUID, KpiFacts]) -> list[Finding]:
    """Every finding on a strategy, worst first; ``kpis`` holds the facts of its KPIs."""
    found = [*_structure(coverage), *_content(coverage), *_kpis(coverage, kpis)]
    return sorted(found, key=lambda f: (_SEVERITY_ORDER[f.severity], _CODE_ORDER[f.code]))


def _one(code: FindingCode, severity: Severity, message: str, kind: str, id_: uuid.UUID) -> Finding:
    return Finding(code, severity, message, (NodeRef(kind, id_),), 1)


def _structure(coverage: Coverage) -> Iterator[Finding]:
    tactics = coverage.tactics
    if not TACTICS_MIN <= len(tactics) <= TACTICS_MAX:
        yield Finding(
            FindingCode.TACTIC_COUNT,
            Severity.WARNING,
            f"The strategy has {len(tactics)} tactics; the method asks for {TACTICS_MIN}–{TACTICS_MAX}.",
            tuple(NodeRef("Tactic", tactic.id) for tactic in tactics),
            len(tactics),
        )
    for audience in coverage.audiences:
        if not audience.count:
            yield _one(
                FindingCode.AUDIENCE_WITHOUT_CHANNEL,
                Severity.WARNING,
                f"No chosen channel reaches the audience '{audience.name}'.",
                "Audience",
                audience.id,
            )
    for channel in coverage.channels:
        if not channel.audience_count and not channel.content_count:
            yield _one(
                FindingCode.CHANNEL_UNUSED,
                Severity.INFO,
                f"The channel '{channel.name}' is chosen, but reaches no audience and carries no content.",
                "StrategyChannel",
                channel.id,
            )


def _content(coverage: Coverage) -> Iterator[Finding]:
    with_tactic = coverage.with_tactic
    for tactic in coverage.tactics:
        if not tactic.content_count:
            yield _one(
                FindingCode.TACTIC_WITHOUT_CONTENT,
                Severity.WARNING,
                f"No content plays into the tactic '{tactic.name}'.",
                "Tactic",
                tactic.id,
            )
        elif tactic.target_share is not None and with_tactic:
            actual = share(tactic.content_count, with_tactic)
            if abs(actual - tactic.target_share) > MIX_TOLERANCE:
                yield _one(
                    FindingCode.CONTENT_MIX_OFF,
                    Severity.WARNING,
                    f"The tactic '{tactic.name}' has {actual.normalize():f} % of the content with a tactic; "
                    f"its target is {tactic.target_share.normalize():f} %.",
                    "Tactic",
                    tactic.id,
                )
    for kpi in coverage.kpis:
        if not kpi.count:
            yield _one(
                FindingCode.KPI_WITHOUT_CONTENT,
                Severity.WARNING,
                f"No content serves the KPI '{kpi.name}'.",
                "Kpi",
                kpi.id,
            )
    yield from _items(
        FindingCode.UNMAPPED_CONTENT,
        coverage.unmapped,
        "{n} content item{s} lack{verb} a tactic or a primary KPI.",
    )
    yield from _items(
        FindingCode.CONTENT_KPI_NOT_IN_TACTIC,
        coverage.misaligned,
        "{n} content item{s} serve{verb} a KPI that does not measure {its} tactic.",
    )


def _items(code: FindingCode, sample: ItemSample, message: str) -> Iterator[Finding]:
    if sample.count:
        one = sample.count == 1
        text = message.format(
            n=sample.count, s="" if one else "s", verb="s" if one else "", its="its" if one else "their"
        )
        nodes = tuple(NodeRef("ContentItem", id_) for id_ in sample.ids)
        yield Finding(code, Severity.WARNING, text, nodes, sample.count)


def _kpis(coverage: Coverage, kpis: Mapping[uuid.UUID, KpiFacts]) -> Iterator[Finding]:
    for kpi in coverage.kpis:
        facts = kpis.get(kpi.id)
        if facts is None:
            continue
        verdict = smart(facts)
        if not verdict.met:
            letters = ", ".join(
                v.letter.value.lower().replace("_", "-") for v in verdict.verdicts if not v.met
            )
            yield _one(
                FindingCode.KPI_NOT_SMART,
                Severity.WARNING,
                f"The KPI '{kpi.name}' is not {letters}: " + " ".join(r.message for r in verdict.reasons),
                "Kpi",
                kpi.id,
            )
        status = progress(facts).status
        if status in (ProgressStatus.OFF_TRACK, ProgressStatus.MISSED):
            state = "missed its deadline" if status is ProgressStatus.MISSED else "is off track"
            yield _one(
                FindingCode.KPI_OFF_TRACK, Severity.CRITICAL, f"The KPI '{kpi.name}' {state}.", "Kpi", kpi.id
            )
        elif status is ProgressStatus.AT_RISK:
            yield _one(
                FindingCode.KPI_AT_RISK, Severity.WARNING, f"The KPI '{kpi.name}' is at risk.", "Kpi", kpi.id
            )
