"""The page itself: sections, tables and small SVG charts, made from the class's results.

Every number a chart shows is also written as text beside it; the colours are Okabe and Ito's.
"""

from __future__ import annotations

import html
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from checks.model import Exercise, ExerciseResult, FailedAt, Failure, cents
from checks.reports.classpage.results import (
    NOT_GRADED,
    Student,
    first_failing,
    first_failure,
    solved,
)

__all__ = ["BINS", "PLACES", "REPORT", "render"]

REPORT = "report.txt"
"""Each student's text report, which the students' table links to."""

COMMON_FAILURES = 10
"""First failures listed in the table of the most common ones."""

EXAMPLE_LINES = 14
"""Lines of a teaching message shown as an example of a common failure."""

BINS = 10
"""Bars in the histogram of totals: tenths of the full score (the last holds the full score)."""

BAR_WIDTH = 240
"""Width of the bars in the exercise table, in CSS pixels."""

SOLVED_COLOUR = "#009E73"
"""Okabe-Ito's bluish green: an exercise solved."""

UNTOUCHED = "untouched"
"""The place of an exercise whose files are still its starter's: not started."""


@dataclass(frozen=True)
class _Place:
    """Where a student who did not solve an exercise stands, as the page shows it."""

    key: str
    label: str
    short: str
    colour: str
    ink: str = "#000"


PLACES = (
    _Place(FailedAt.READ.value, FailedAt.READ.label, "read", "#CC79A7"),
    _Place(FailedAt.PARSE.value, FailedAt.PARSE.label, "parse", "#D55E00"),
    _Place(FailedAt.COMPILE.value, FailedAt.COMPILE.label, "compile", "#E69F00"),
    _Place(FailedAt.RUN.value, FailedAt.RUN.label, "run", "#F0E442"),
    _Place(FailedAt.OUTPUT.value, FailedAt.OUTPUT.label, "output", "#56B4E9"),
    _Place(FailedAt.TYPECHECK.value, FailedAt.TYPECHECK.label, "pyright", "#0072B2", "#fff"),
    _Place(FailedAt.OTHER.value, "another check", "other", "#999999"),
    _Place(UNTOUCHED, "not started (the starter as handed out)", "not started", "#FFFFFF"),
)
"""In order: the stages of the lesson, the wrong output, a finding, another check, and not
started; coloured with Okabe and Ito's colour-blind-safe palette (grey, then white, for the
last two). The short words fill the students' table; the legend says them in full."""

_BY_KEY = {place.key: place for place in PLACES}

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:76rem;padding:0 1rem;color:#111;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;
border-bottom:1px solid #ccc;padding-bottom:.2rem}
p.lead{margin-top:0;color:#333}
table{border-collapse:collapse;margin:.6rem 0}
th,td{padding:.25rem .5rem;text-align:left;vertical-align:top;border-bottom:1px solid #e4e4e4}
th{background:#f3f3f3;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.bar{min-width:16rem}td.name{white-space:nowrap}
svg{display:block}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;margin:.4rem 0;padding:0;list-style:none}
.swatch{display:inline-block;width:.9rem;height:.9rem;margin-right:.35rem;
vertical-align:-.1rem;border:1px solid #555}
td.cell{text-align:center;white-space:nowrap;font-size:.8rem;border:1px solid #ccc;
padding:.2rem .3rem}
.totals{display:flex;flex-wrap:wrap;gap:1rem 3rem;align-items:flex-start}
td.solved{background:#009E73;color:#000}
pre{white-space:pre-wrap;margin:.3rem 0;font-size:.8rem;background:#f6f6f6;padding:.4rem;
max-width:44rem}
.small{font-size:.85rem;color:#444}
@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}
h2{break-after:avoid}tr{break-inside:avoid}}
"""

_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
"""The page may load nothing: no script, font, image or style from anywhere."""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _shown(points: float) -> str:
    return f"{points:g}" if points == int(points) else f"{points:.2f}"


def _stacked_bar(counts: Sequence[tuple[_Place, int]], whole: int, label: str) -> str:
    """One horizontal bar, split by place, each part as wide as its share of ``whole``."""
    parts: list[str] = []
    x = 0.0
    for place, count in counts:
        if not count:
            continue
        width = BAR_WIDTH * count / whole
        parts.append(
            f'<rect x="{x:.1f}" y="0.5" width="{width:.1f}" height="17" fill="{place.colour}" '
            f'stroke="#555" stroke-width="1"><title>{_e(place.label)}: {count}</title></rect>'
        )
        if width >= 14:
            parts.append(
                f'<text x="{x + width / 2:.1f}" y="13" font-size="11" text-anchor="middle" '
                f'fill="{place.ink}" aria-hidden="true">{count}</text>'
            )
        x += width
    return (
        f'<svg width="{BAR_WIDTH}" height="18" viewBox="0 0 {BAR_WIDTH} 18" role="img" '
        f'aria-label="{_e(label)}">' + "".join(parts) + "</svg>"
    )


def _solved_bar(count: int, whole: int) -> str:
    width = BAR_WIDTH * count / whole if whole else 0
    return (
        f'<svg width="{BAR_WIDTH}" height="14" viewBox="0 0 {BAR_WIDTH} 14" role="img" '
        f'aria-label="{count} of {whole} solved"><rect width="{BAR_WIDTH}" height="14" '
        f'fill="#eee"/><rect width="{width:.1f}" height="14" fill="{SOLVED_COLOUR}"/></svg>'
    )


def _legend() -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{p.colour}"></span>{_e(p.label)}</li>'
        for p in PLACES
    )
    return f'<ul class="legend">{items}</ul>'


def _place(result: ExerciseResult) -> _Place:
    """Where a student who did not solve an exercise stands: not started, or where it failed."""
    if result.untouched:
        return _BY_KEY[UNTOUCHED]
    return _BY_KEY[first_failure(result).at.value]


def _where(failure: Failure) -> str:
    """Where a failure stopped, in a few words: ``NameError, crashes.py line 18``."""
    words = [failure.error] if failure.error else []
    if failure.file:
        words.append(failure.file + (f" line {failure.line}" if failure.line else ""))
    return ", ".join(words)


def _exercise_section(students: Sequence[Student], exercises: Sequence[Exercise]) -> str:
    graded = [s for s in students if s.grade is not None]
    whole = len(students)
    rows: list[str] = []
    for index, exercise in enumerate(exercises):
        results = [s.grade.exercises[index] for s in graded if s.grade is not None]
        done = sum(1 for r in results if solved(r))
        stopped = Counter(_place(r).key for r in results if not solved(r))
        stopped[FailedAt.OTHER.value] += whole - len(results)  # no results: nothing to say more
        ordered = [(place, stopped.get(place.key, 0)) for place in PLACES]
        others = whole - done
        said = ", ".join(f"{place.short} {n}" for place, n in ordered if n) or "none"
        data = " ".join(f'data-{place.key}="{n}"' for place, n in ordered)
        chart = _stacked_bar(ordered, others, f"where {others} stopped: {said}") if others else ""
        rows.append(
            f'<tr data-exercise="{_e(exercise.number)}" data-solved="{done}" '
            f'data-students="{whole}" {data}>'
            f"<th>{_e(exercise.number)}</th><td>{_e(exercise.title)}</td>"
            f'<td class="n solved-count">{done}/{whole}</td>'
            f'<td class="bar">{_solved_bar(done, whole)}</td>'
            f'<td class="bar">{chart}<span class="small stages">{_e(said)}</span></td></tr>'
        )
    return (
        '<h2 id="exercises">Exercises: who solved each, and where the others stopped</h2>'
        '<p class="small">Solved: every point of the exercise earned. For the others, the '
        "place where the first failing check of the exercise stopped: a stage of the run "
        "(read, parse, compile, run), the wrong output, a type-checker finding, or another "
        "check; or not started, when the student's files are still the starter.</p>"
        + _legend()
        + '<table class="exercises"><thead><tr><th>#</th><th>exercise</th>'
        '<th class="n">solved</th><th></th><th>where the others stopped</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


@dataclass
class _Common:
    exercise: str
    failure: Failure
    students: list[str]
    example: str


def _common_failures(students: Sequence[Student], exercises: Sequence[Exercise]) -> list[_Common]:
    """The same first failure (same test, place and error) of an exercise, over the class."""
    found: dict[tuple[str, str, Failure], _Common] = {}
    for student in sorted(students, key=lambda s: s.name):
        if student.grade is None:
            continue
        for exercise, result in zip(exercises, student.grade.exercises, strict=True):
            test = first_failing(result)
            failure = first_failure(result)
            if solved(result) or result.untouched or test is None or failure.error == NOT_GRADED:
                continue
            key = (exercise.number, test.nodeid, failure)
            if key not in found:
                example = test.message.strip() or result.message.strip()
                found[key] = _Common(exercise.number, failure, [], example)
            found[key].students.append(student.name)
    ranked = sorted(found.values(), key=lambda c: (-len(c.students), c.exercise, _where(c.failure)))
    return ranked[:COMMON_FAILURES]


def _common_section(students: Sequence[Student], exercises: Sequence[Exercise]) -> str:
    titles = {e.number: e.title for e in exercises}
    rows: list[str] = []
    for common in _common_failures(students, exercises):
        lines = common.example.splitlines()
        shown = "\n".join(lines[:EXAMPLE_LINES])
        if len(lines) > EXAMPLE_LINES:
            shown += f"\n[... {len(lines) - EXAMPLE_LINES} more lines]"
        rows.append(
            f'<tr data-exercise="{_e(common.exercise)}" data-count="{len(common.students)}" '
            f'data-at="{common.failure.at.value}" data-error="{_e(common.failure.error)}">'
            f'<td class="n">{len(common.students)}</td>'
            f"<td>{_e(common.exercise)} {_e(titles.get(common.exercise, ''))}</td>"
            f"<td>{_e(common.failure.at.label)}</td><td>{_e(_where(common.failure))}</td>"
            f"<td><pre>{_e(shown)}</pre></td></tr>"
        )
    body = (
        "".join(rows)
        or '<tr><td colspan="5">No failures: every student solved every exercise.</td></tr>'
    )
    return (
        '<h2 id="common">The most common first failures</h2>'
        '<p class="small">The same first failure of an exercise (same place, same error, same '
        "line) counted over the class, with the message one of those students read.</p>"
        '<table class="common"><thead><tr><th class="n">students</th><th>exercise</th>'
        "<th>stopped at</th><th>error and where</th><th>what the student read</th></tr>"
        f"</thead><tbody>{body}</tbody></table>"
    )


def _students_section(students: Sequence[Student], exercises: Sequence[Exercise]) -> str:
    heads = "".join(f'<th class="n">{_e(e.number)}</th>' for e in exercises)
    rows: list[str] = []
    for student in sorted(students, key=lambda s: (cents(s.total), s.name)):
        link = urllib.parse.quote(student.name) + "/" + REPORT
        cells: list[str] = []
        if student.grade is None:
            cells.append(
                f'<td colspan="{len(exercises)}">its results.json is missing or unreadable</td>'
            )
        elif all(first_failure(r).error == NOT_GRADED for r in student.grade.exercises):
            cells.append(
                f'<td class="cell ungraded" colspan="{len(exercises)}" data-state="{NOT_GRADED}" '
                f'style="background:{_BY_KEY[FailedAt.OTHER.value].colour}">{NOT_GRADED}: no test '
                "ran (see the note)</td>"
            )
        else:
            for exercise, result in zip(exercises, student.grade.exercises, strict=True):
                if solved(result):
                    cells.append(
                        f'<td class="cell solved" data-exercise="{_e(exercise.number)}" '
                        'data-state="solved">solved</td>'
                    )
                    continue
                failure = first_failure(result)
                place = _place(result)
                word = NOT_GRADED if failure.error == NOT_GRADED else place.short
                where = _where(failure) if place.key != UNTOUCHED else ""
                title = f' title="{_e(where)}"' if where else ""
                cells.append(
                    f'<td class="cell p-{place.key}" data-exercise="{_e(exercise.number)}" '
                    f'data-state="{place.key}"{title}>{_e(word)}</td>'
                )
        rows.append(
            f'<tr data-student="{_e(student.name)}" data-total="{_shown(student.total)}">'
            f'<td class="name"><a href="{_e(link)}">{_e(student.name)}</a></td>'
            f'<td class="n name">{_shown(student.total)} / {_shown(student.max_score)}</td>'
            + "".join(cells)
            + f'<td class="small">{_e(student.note)}</td></tr>'
        )
    return (
        '<h2 id="students">Students</h2>'
        '<p class="small">Lowest total first. Each exercise: solved, or where its first '
        "failing check stopped. The name opens the student's report.</p>"
        f'<table class="students"><thead><tr><th>student</th><th class="n">total</th>{heads}'
        f"<th>note</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _bins(totals: Iterable[float], max_score: float) -> list[int]:
    counts = [0] * BINS
    whole = cents(max_score)
    for total in totals:
        part = cents(total) * BINS // whole if whole > 0 else 0
        counts[max(0, min(part, BINS - 1))] += 1
    return counts


def _bin_label(index: int, max_score: float) -> str:
    low, high = max_score * index / BINS, max_score * (index + 1) / BINS
    return f"{_shown(low)} to {_shown(high)}"


def _histogram_section(students: Sequence[Student]) -> str:
    max_score = max((s.max_score for s in students), default=0.0)
    counts = _bins((s.total for s in students), max_score)
    tallest = max(counts, default=0) or 1
    column, height, base = 60, 160, 190
    bars: list[str] = []
    for index, count in enumerate(counts):
        tall = height * count / tallest
        x = index * column + 8
        label = _bin_label(index, max_score)
        bars.append(
            f'<rect x="{x}" y="{base - tall:.1f}" width="{column - 16}" height="{tall:.1f}" '
            f'fill="#0072B2"><title>{_e(label)}: {count}</title></rect>'
            f'<text x="{x + (column - 16) / 2}" y="{base - tall - 4:.1f}" font-size="12" '
            f'text-anchor="middle">{count}</text>'
            f'<text x="{x + (column - 16) / 2}" y="{base + 16}" font-size="11" '
            f'text-anchor="middle">{_e(label)}</text>'
        )
    width = column * BINS + 8
    said = ", ".join(f"{_bin_label(i, max_score)}: {n}" for i, n in enumerate(counts))
    rows = "".join(
        f'<tr data-bin="{i}" data-count="{n}"><td>{_e(_bin_label(i, max_score))}</td>'
        f'<td class="n">{n}</td></tr>'
        for i, n in enumerate(counts)
    )
    return (
        '<h2 id="totals">Totals</h2><div class="totals"><div>'
        f'<svg width="{width}" height="{base + 26}" viewBox="0 0 {width} {base + 26}" '
        f'role="img" aria-label="students by total: {_e(said)}">'
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#555"/>'
        + "".join(bars)
        + "</svg>"
        '<p class="small">Each bar counts the students whose total is at least its lower '
        "bound and below its upper one; the last bar also holds the full score.</p></div>"
        '<table class="histogram"><thead><tr><th>total</th><th class="n">students</th></tr>'
        f"</thead><tbody>{rows}</tbody></table></div>"
    )


def _place_styles() -> str:
    """A class per place, so that each cell of the students' table names its colours once."""
    return "".join(f"td.p-{p.key}{{background:{p.colour};color:{p.ink}}}" for p in PLACES)


def render(students: Sequence[Student], exercises: Sequence[Exercise]) -> str:
    """The class page, as one self-contained HTML document."""
    whole = len(students)
    max_score = max((s.max_score for s in students), default=0.0)
    totals = sorted(s.total for s in students)
    mean = sum(totals) / whole if whole else 0.0
    median = (totals[(whole - 1) // 2] + totals[whole // 2]) / 2 if whole else 0.0
    every = sum(
        1 for s in students if s.grade is not None and all(solved(r) for r in s.grade.exercises)
    )
    lead = (
        f"{whole} students, {len(exercises)} exercises. Mean total {mean:.1f} / "
        f"{_shown(max_score)}, median {_shown(round(median, 2))}; "
        f"{every} solved every exercise."
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Class report</title>"
        f"<style>{_STYLE}{_place_styles()}</style></head><body>"
        "<h1>Class report: what happens when Python runs your file</h1>"
        f'<p class="lead" id="summary" data-students="{whole}">{_e(lead)}</p>'
        + _exercise_section(students, exercises)
        + _common_section(students, exercises)
        + _students_section(students, exercises)
        + _histogram_section(students)
        + "</body></html>\n"
    )
