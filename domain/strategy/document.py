"""The written strategy: a Markdown document a strategist can hand to a colleague.

It follows the method: the purpose, the tactics, the audiences, the channels and why,
the KPIs with their SMART verdict and progress, a summary of the content plan, and what
is still open.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from domain.channel.models import Platform
from domain.content.models import ContentStatus
from domain.kpi.models import Direction, Unit
from domain.kpi.progress import progress
from domain.kpi.smart import smart
from domain.strategy.brief import StrategyBrief
from domain.strategy.health import share


class DocumentFormat(enum.Enum):
    MARKDOWN = "MARKDOWN"


_DIRECTION = {
    Direction.INCREASE: "from {baseline} up to {target}",
    Direction.DECREASE: "from {baseline} down to {target}",
    Direction.STAY_ABOVE: "stay at or above {target}",
    Direction.STAY_BELOW: "stay at or below {target}",
}
_STATUS_ORDER = list(ContentStatus)
_CENTS = Decimal("0.01")
_PLATFORM = {
    Platform.LINKEDIN: "LinkedIn",
    Platform.TIKTOK: "TikTok",
    Platform.YOUTUBE: "YouTube",
    Platform.X: "X",
}


def render(brief: StrategyBrief, format: DocumentFormat = DocumentFormat.MARKDOWN) -> str:
    """The strategy written down in ``format``."""
    assert format is DocumentFormat.MARKDOWN
    return markdown(brief)


def markdown(brief: StrategyBrief) -> str:
    sections = [
        _title(brief),
        _purpose(brief),
        _tactics(brief),
        _audiences(brief),
        _channels(brief),
        _kpis(brief),
        _content_plan(brief),
        _findings(brief),
    ]
    return "\n\n".join(section.strip("\n") for section in sections) + "\n"


def _text(value: str, missing: str = "_Not written yet._") -> str:
    return value.strip() or missing


def _label(value: enum.Enum) -> str:
    return str(value.value).replace("_", " ").capitalize()


def _number(value: Decimal | None, unit: Unit | None = None) -> str:
    """A value as people write it: thousands separated, at most two decimals."""
    if value is None:
        return "—"
    if value != value.quantize(_CENTS):
        value = value.quantize(_CENTS)
    text = f"{value.normalize():,f}"
    if unit is Unit.PERCENT:
        return f"{text} %"
    return text


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _line(value: str) -> str:
    """A name on one line, so it cannot break a heading or a table row."""
    return " ".join(value.split())


def _cell(value: str) -> str:
    return _line(value).replace("|", "\\|")


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _title(brief: StrategyBrief) -> str:
    strategy = brief.strategy
    period = (
        f"{_day(strategy.starts_on)} – {_day(strategy.ends_on)}"
        if strategy.starts_on or strategy.ends_on
        else "no period set"
    )
    status = _label(strategy.status)
    return f"# {_line(strategy.name)}\n\n*{status} strategy · {period} · as of {brief.as_of.isoformat()}*"


def _purpose(brief: StrategyBrief) -> str:
    return f"## 1. Purpose\n\n{_text(brief.strategy.purpose)}"


def _tactics(brief: StrategyBrief) -> str:
    if not brief.tactics:
        return "## 2. Tactics\n\n_No tactics yet: the method asks for 2–3._"
    counts = {tactic.id: tactic for tactic in brief.coverage.tactics}
    with_tactic = brief.coverage.with_tactic
    rows = [
        (
            tactic.name,
            _label(tactic.kind),
            _number(tactic.target_share, Unit.PERCENT),
            str(counts[tactic.id].content_count) if tactic.id in counts else "0",
            _number(share(counts[tactic.id].content_count, with_tactic), Unit.PERCENT)
            if tactic.id in counts
            else "—",
        )
        for tactic in brief.tactics
    ]
    parts = [
        "## 2. Tactics",
        "How the purpose is reached; each tactic is also a theme for content.",
        _table(("Tactic", "Kind", "Target share", "Content", "Share of content"), rows),
    ]
    parts += [f"### {_line(tactic.name)}\n\n{_text(tactic.description)}" for tactic in brief.tactics]
    return "\n\n".join(parts)


def _audiences(brief: StrategyBrief) -> str:
    if not brief.audiences:
        return "## 3. Audiences\n\n_No audiences yet._"
    parts = ["## 3. Audiences"]
    for audience in brief.audiences:
        parts.append(f"### {_line(audience.name)}\n\n{_text(audience.description)}")
        facts = list(_audience_facts(audience))
        if facts:
            parts.append("\n".join(f"- **{label}:** {value}" for label, value in facts))
    return "\n\n".join(parts)


def _audience_facts(audience: Any) -> Iterator[tuple[str, str]]:
    if audience.genders:
        yield "Gender", ", ".join(audience.genders)
    if audience.age_min is not None or audience.age_max is not None:
        low = audience.age_min if audience.age_min is not None else ""
        high = audience.age_max if audience.age_max is not None else ""
        yield "Age", f"{low}–{high}"
    for label, values in (
        ("Interests", audience.interests),
        ("Family status", audience.family_statuses),
        ("Places", audience.locations),
        ("What they do", audience.behaviours),
    ):
        if values:
            yield label, ", ".join(values)
    if audience.buying_process is not None or audience.buying_notes:
        process = _label(audience.buying_process) if audience.buying_process is not None else ""
        notes = audience.buying_notes.strip()
        yield "How they buy", " — ".join(part for part in (process, notes) if part)


def _channels(brief: StrategyBrief) -> str:
    if not brief.channels:
        return "## 4. Channels\n\n_No channels chosen yet: choose those that fit the audiences and purpose._"
    parts = ["## 4. Channels", "Not every platform: these are the channels chosen, what we do there and why."]
    for chosen in brief.channels:
        handle = f", {chosen.handle}" if chosen.handle else ""
        reaches = ", ".join(brief.channel_audiences.get(chosen.id, [])) or "no audience named yet"
        platform = _PLATFORM.get(chosen.platform) or _label(chosen.platform)
        parts.append(
            f"### {_line(chosen.name)} ({platform}{handle})\n\n"
            f"- **What we do here:** {_text(chosen.role)}\n"
            f"- **Why:** {_text(chosen.rationale)}\n"
            f"- **Reaches:** {reaches}"
        )
    return "\n\n".join(parts)


def _kpis(brief: StrategyBrief) -> str:
    if not brief.kpis:
        return "## 5. KPIs\n\n_No KPIs yet: set measurable KPIs from the audiences and tactics._"
    rows = []
    details = []
    for kpi in brief.kpis:
        facts = brief.facts[kpi.id]
        result = progress(facts)
        verdict = smart(facts)
        rows.append(
            (
                kpi.name,
                _number(kpi.baseline, kpi.unit),
                _number(kpi.target, kpi.unit),
                _day(facts.deadline),
                _number(result.current, kpi.unit),
                _number(result.expected, kpi.unit),
                _label(result.status),
                "yes" if verdict.met else "no",
            )
        )
        goal = _DIRECTION[kpi.direction].format(
            baseline=_number(kpi.baseline, kpi.unit), target=_number(kpi.target, kpi.unit)
        )
        lines = [
            f"- **Measures:** {_label(kpi.metric)} ({_label(kpi.unit).lower()}), {goal}"
            + (f" by {_day(facts.deadline)}" if facts.deadline else ""),
            f"- **Tactics:** {', '.join(brief.kpi_tactics.get(kpi.id, [])) or 'none'}",
            f"- **Audiences:** {', '.join(brief.kpi_audiences.get(kpi.id, [])) or 'none'}",
        ]
        if kpi.channel_id is not None:
            lines.append(f"- **Channel:** {brief.channel_names.get(kpi.channel_id, '—')}")
        if verdict.met:
            lines.append("- **SMART:** specific, measurable, achievable, relevant and time-bound.")
        else:
            lines.append("- **SMART:** not yet —")
            lines += [
                f"  - {_label(v.letter)}: " + " ".join(r.message for r in v.reasons)
                for v in verdict.verdicts
                if not v.met
            ]
        lines.append(f"- **Progress:** {_progress_line(result, kpi.unit)}")
        about = f"{kpi.description.strip()}\n\n" if kpi.description.strip() else ""
        details.append(f"### {_line(kpi.name)}\n\n{about}" + "\n".join(lines))
    header = ("KPI", "Baseline", "Target", "Deadline", "Current", "Expected today", "Status", "SMART")
    return "\n\n".join(["## 5. KPIs", _table(header, rows), *details])


def _progress_line(result: Any, unit: Unit) -> str:
    if result.current is None:
        return "no measurements yet."
    parts = [
        f"{_label(result.status).lower()}; {_number(result.current, unit)} on {_day(result.last_observed_on)}"
    ]
    if result.expected is not None:
        parts.append(f"the plan expects {_number(result.expected, unit)} today")
    if result.pace_ratio is not None:
        parts.append(f"pace {_number(result.pace_ratio)}")
    if result.forecast is not None:
        parts.append(f"the trend points to {_number(result.forecast, unit)} at the deadline")
    return ", ".join(parts) + "."


def _content_plan(brief: StrategyBrief) -> str:
    covered = brief.coverage
    by_status: Counter[ContentStatus] = Counter()
    by_channel: Counter[str] = Counter()
    for (channel_id, status), count in brief.dashboard.channel_status.items():
        by_status[status] += count
        if status is not ContentStatus.ARCHIVED:
            by_channel[
                brief.channel_names.get(channel_id, "No channel yet") if channel_id else "No channel yet"
            ] += count
    total = sum(by_status.values())
    if not total:
        return "## 6. Content plan\n\n_No content planned yet._"
    statuses = _table(
        ("Status", "Items"), ((_label(s), str(by_status[s])) for s in _STATUS_ORDER if by_status[s])
    )
    channels = _table(("Channel", "Live items"), ((name, str(n)) for name, n in sorted(by_channel.items())))
    summary = (
        f"{total} content items, {covered.live_content} of them live (not archived); "
        f"{covered.mapped} are mapped to a tactic and a KPI, {covered.unmapped.count} still lack "
        "a tactic or a primary KPI."
    )
    return "\n\n".join(["## 6. Content plan", summary, statuses, channels])


def _findings(brief: StrategyBrief) -> str:
    if not brief.findings:
        return "## 7. Open findings\n\nNothing open: every part is covered and every KPI is on track."
    lines = [f"- **{_label(f.severity)}** — {f.message}" for f in brief.findings]
    return "## 7. Open findings\n\n" + "\n".join(lines)
