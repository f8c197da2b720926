"""The report at a glance: a card per client (verdict, wall, p99, failed, CPU, cores and a
small chart) and the scenario's question answered in one sentence from the data.

Pure: summaries and runs in, text and HTML out; every text from the document is escaped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..records import CANCELLED, RunResult, RunState
from ..results.summary import Summary, baseline_of
from ..results.units import ratio, seconds
from .panels import Compared, esc, panel

FEW: float = 0.05  # a CPU share below this of one core is "next to none"


@dataclass(frozen=True, slots=True)
class Card:
    """One client's figures at a glance."""

    client: str
    verdict: str  # "✓ right total", "✗ wrong total …", "skipped: …", "failed: …"
    good: bool | None  # None: did not run (skipped)
    wall: float
    p99: float
    failed: int  # zips given up on
    cpu: float
    cores: float | None  # CPU ÷ wall: how many cores it kept busy on average


def _mentions(text: str, client: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(client)}(?![\w-])", text) is not None


def verdict_of(s: Summary, verdicts: Sequence[Mapping[str, Any]]) -> tuple[str, bool | None]:
    """A client's verdict in a few words: its state, its total, the expectations naming it."""
    if s.state is RunState.SKIPPED:
        return s.skipped or "skipped", None
    if s.state is RunState.FAILED:
        return s.skipped or "failed", False
    mine = [v for v in verdicts if _mentions(str(v.get("text", "")), s.client)]
    broken = sum(1 for v in mine if not v.get("passed") and not v.get("not_run"))
    if not s.trusted:
        total = s.totals[0] if s.totals else 0
        return f"✗ wrong total ({total:,})", False
    head = "✓ right total" if s.judged else "ran (no total to check)"
    if mine:
        head += f" · {len(mine) - broken}/{len(mine)} expectations"
    return ("✗ " + head[2:] if broken and head.startswith("✓") else head), not broken


def cards(summaries: Sequence[Summary], verdicts: Sequence[Mapping[str, Any]]) -> list[Card]:
    """A card per client, in the table's order."""
    out = []
    for s in summaries:
        text, good = verdict_of(s, verdicts)
        out.append(Card(s.client, text, good, s.wall, s.p99, s.counts.failed, s.cpu, s.cores))
    return out


def _why_failed(run: RunResult | None) -> str:
    """The errors of a run's last attempts at the zips it gave up on, commonest first (three
    at most), and that it never retried when it did not."""
    if run is None:
        return ""
    last: dict[str, Any] = {}
    for attempt in sorted(run.attempts, key=lambda a: (a.start, a.attempt)):
        if attempt.error != CANCELLED:
            last[attempt.zip] = attempt
    errors = Counter(a.error or f"status {a.status}" for a in last.values() if not a.ok)
    if not errors:
        return ""
    shown = ", ".join(f"{error} ×{times:,}" for error, times in errors.most_common(3))
    more = f" and {len(errors) - 3} more kinds" if len(errors) > 3 else ""
    never = "; it does not retry" if run.settings.retries == 0 else ""
    return shown + more + never


def answer(summaries: Sequence[Summary], runs: Sequence[RunResult]) -> str:
    """The scenario's question answered in one sentence: fastest, cheapest, which failed and
    why (or '' when no client ran)."""
    ran = [s for s in summaries if s.state is RunState.OK and s.wall > 0]
    trusted = [s for s in ran if s.trusted]
    if not ran:
        return ""
    parts = []
    if trusted:
        fastest = min(trusted, key=lambda s: s.wall)
        base = baseline_of(summaries)
        versus = (f", {ratio(base.wall / fastest.wall)} {base.client}"
                  if base is not None and base is not fastest else "")  # fmt: skip
        parts.append(f"{fastest.client} was fastest ({seconds(fastest.wall)}{versus})")
        cheapest = min(trusted, key=lambda s: s.cpu)
        same = " too" if cheapest is fastest else ""
        parts.append(f"{cheapest.client} the cheapest{same} ({seconds(cheapest.cpu)} of CPU, "
                     f"{_cores(cheapest.cores)})")  # fmt: skip
    else:
        parts.append("no client summed the right total, so none has a speed worth comparing")
    parts.append(_failures(summaries, runs))
    sentence = "; ".join(p for p in parts if p)
    return sentence[0].upper() + sentence[1:] + "."


def cores_text(value: float | None) -> str:
    """Cores as a card shows them: `0.61`, and `0.004` where two decimals would say 0.00."""
    if value is None:
        return "–"
    return f"{value:.2f}" if value >= 0.1 or value == 0 else f"{value:.3f}"


def _cores(value: float | None) -> str:
    if value is None:
        return "– cores"
    return "next to no core" if value < FEW else f"{value:.2f} cores"


def _failures(summaries: Sequence[Summary], runs: Sequence[RunResult]) -> str:
    by_client = {run.client: run for run in runs if run.state is RunState.OK}
    said = []
    for s in summaries:
        if s.state is RunState.FAILED:
            said.append(f"{s.client} failed ({s.reason or 'no reason given'})")
        elif s.state is RunState.OK and s.counts.failed:
            why = _why_failed(by_client.get(s.client))
            zips = f"{s.counts.failed:,} zip{'s' if s.counts.failed != 1 else ''}"
            said.append(f"{s.client} gave up on {zips}" + (f" ({why})" if why else ""))
        elif s.state is RunState.OK and not s.trusted and s.judged:
            said.append(f"{s.client} summed the wrong total")
    if not said:
        ran = [s for s in summaries if s.state is RunState.OK]
        return "none failed" if ran else ""
    return ", ".join(said)


def _card_html(card: Card) -> str:
    state = {True: "good", False: "bad", None: "skip"}[card.good]
    figures = (
        [("wall", seconds(card.wall)), ("p99", seconds(card.p99)), ("failed", f"{card.failed:,}"),
         ("CPU", seconds(card.cpu)), ("cores", cores_text(card.cores))]
        if card.good is not None else []
    )  # fmt: skip
    rows = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in figures)
    spark = '<div class="spark"></div>' if figures else ""
    return (
        f'<div class="card {state}" data-client="{esc(card.client)}"><h3>{esc(card.client)}</h3>'
        f'<p class="verdict">{esc(card.verdict)}</p><dl>{rows}</dl>{spark}</div>'
    )


def summary_panel(result: Compared) -> str:
    """The band at the top: the answer in one sentence, then a card per client."""
    doc = result.doc
    found = cards(result.summaries, doc.get("verdicts") or [])
    said = answer(result.summaries, result.runs)
    question = str((doc.get("scenario") or {}).get("description") or "")
    body = (
        (f'<p class="answer">{esc(said)}</p>' if said else "")
        + '<div class="cards">'
        + "".join(_card_html(c) for c in found)
        + "</div>"
    )
    intro = (f"The question: {esc(question)}. " if question else "") + (
        "Cores is CPU ÷ wall: how many cores the client kept busy on average; the small chart "
        "is its requests answered a second over its own run."
    )
    return panel("summary", "At a glance", body, intro)
