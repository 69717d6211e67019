"""分析报告: the figures of a date range as a self-contained HTML page and a PDF.

Figures come from the hotline's daily tables (``hotline.stats``), hot topics from the stored daily
rankings, reply quality from the assessments. Charts are drawn locally with matplotlib (no CDN): as
inline SVG in the HTML and PNG in the PDF. The PDF is written with fpdf2 and embeds the subset of
Noto Sans SC it uses (the font ships in the ``pylopdf-fonts-zh-cn`` package, so pip alone brings it).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from pengcheng.core.actors import SYSTEM
from pengcheng.hotline import stats
from pengcheng.insights.models import HotTopic, ReplyAssessment

WORST = 5
MIN_VOLUME = 3
ACCENT = "#b3261e"


@dataclass
class Row:
    label: str
    received: int
    close_rate: float | None
    satisfaction: float | None
    unsatisfied: int = 0
    accept_rate: float | None = None


@dataclass
class Data:
    title: str
    start: dt.date
    end: dt.date
    total: Row
    previous_received: int
    days: list[tuple[dt.date, int]]
    categories: list[Row]
    districts: list[Row]
    departments: list[Row]
    types: list[Row]
    worst_departments: list[Row]
    worst_districts: list[Row]
    hot_topics: list[HotTopic]
    replies: dict[str, Any] = field(default_factory=dict)
    generated_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def change(self) -> float | None:
        if not self.previous_received:
            return None
        return round(100.0 * (self.total.received - self.previous_received) / self.previous_received, 1)


@dataclass
class Built:
    html: str
    pdf: bytes
    summary: dict[str, Any]


def _row(figures: stats.Figures) -> Row:
    return Row(
        label=figures.label,
        received=figures.get("received"),
        close_rate=figures.close_rate,
        satisfaction=figures.satisfaction,
        unsatisfied=figures.get("unsatisfied"),
        accept_rate=figures.accept_rate,
    )


def worst(rows: list[Row], n: int = WORST) -> list[Row]:
    """Worst performers: lowest on-time closing rate plus satisfaction rate, among those with enough
    tickets to judge; an unknown rate counts as neither good nor bad (the median)."""
    judged = [r for r in rows if r.received >= MIN_VOLUME and (r.close_rate is not None or r.satisfaction is not None)]
    if not judged:
        return []

    def median(values: list[float]) -> float:
        values = sorted(values)
        return values[len(values) // 2] if values else 100.0

    close_mid = median([r.close_rate for r in judged if r.close_rate is not None])
    sat_mid = median([r.satisfaction for r in judged if r.satisfaction is not None])

    def badness(r: Row) -> tuple[float, int]:
        close = r.close_rate if r.close_rate is not None else close_mid
        satisfied = r.satisfaction if r.satisfaction is not None else sat_mid
        return (close + satisfied, -r.received)

    return sorted(judged, key=badness)[:n]


def gather(start: dt.date, end: dt.date, title: str = "") -> Data:
    stats.refresh()  # the daily tables are kept current by a job; bring in the last minutes too
    views = {
        dim: stats.overview(SYSTEM, start, end, dim) for dim in ("department", "district", "category", "type", "day")
    }
    length = (end - start).days + 1
    before = stats.overview(SYSTEM, start - dt.timedelta(days=length), start - dt.timedelta(days=1), "type")
    known = [_row(r) for r in views["department"].rows if r.key is not None]
    districts = [_row(r) for r in views["district"].rows]
    topics: list[HotTopic] = []
    seen: set[tuple[str, str]] = set()
    for topic in HotTopic.objects.filter(day__gte=start, day__lte=end, window_days=1).order_by("-hotness", "day"):
        key = (topic.label, topic.district_code)
        if key in seen:
            continue
        seen.add(key)
        topics.append(topic)
        if len(topics) >= 10:
            break
    replies = ReplyAssessment.objects.filter(ticket__received_on__gte=start, ticket__received_on__lte=end).aggregate(
        scored=Count("id"), flagged=Count("id", filter=Q(flagged=True)), mean=Avg("score")
    )
    by_day = {r.key: r.get("received") for r in views["day"].rows}
    return Data(
        title=title
        or _("12345 report %(start)s to %(end)s")
        % {"start": formats.date_format(start), "end": formats.date_format(end)},
        start=start,
        end=end,
        total=_row(views["department"].total),
        previous_received=before.total.get("received"),
        days=[(start + dt.timedelta(days=i), by_day.get(start + dt.timedelta(days=i), 0)) for i in range(length)],
        categories=[_row(r) for r in views["category"].rows],
        districts=districts,
        departments=known,
        types=[_row(r) for r in views["type"].rows],
        worst_departments=worst(known),
        worst_districts=worst([d for d in districts if d.label != _("Not located")]),
        hot_topics=topics,
        replies={
            "scored": replies["scored"] or 0,
            "flagged": replies["flagged"] or 0,
            "mean": round(replies["mean"], 1) if replies["mean"] is not None else None,
        },
    )


# Sentences ------------------------------------------------------------------------------------------
# Every sentence of the report in the active language, shared by the HTML page and the PDF.


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _change(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def sentences(data: Data) -> dict[str, str]:
    start, end = formats.date_format(data.start), formats.date_format(data.end)
    received = data.total.received
    lead = ngettext(
        "%(count)s ticket was received from %(start)s to %(end)s.",
        "%(count)s tickets were received from %(start)s to %(end)s.",
        received,
    ) % {"count": received, "start": start, "end": end}
    change = data.change
    if change is None:
        compared = _("The previous period of the same length had no tickets to compare with.")
    elif change > 0:
        compared = _("That is %(change)s more than in the previous period of the same length.") % {
            "change": f"{change:.1f}%"
        }
    elif change < 0:
        compared = _("That is %(change)s fewer than in the previous period of the same length.") % {
            "change": f"{-change:.1f}%"
        }
    else:
        compared = _("That is as many as in the previous period of the same length.")
    scored, flagged, mean = data.replies["scored"], data.replies["flagged"], data.replies["mean"]
    if scored:
        replies = ngettext(
            "%(scored)s reply scored, %(flagged)s flagged for review, mean score %(mean)s.",
            "%(scored)s replies scored, %(flagged)s flagged for review, mean score %(mean)s.",
            scored,
        ) % {"scored": scored, "flagged": flagged, "mean": "—" if mean is None else mean}
    else:
        replies = _("No replies were scored in this period.")
    return {
        "period": _("Period: %(start)s to %(end)s") % {"start": start, "end": end},
        "generated": _("Generated %(at)s")
        % {"at": formats.date_format(timezone.localtime(data.generated_at), "DATETIME_FORMAT")},
        # Chinese sentences follow one another without a space
        "lead": ("" if translation.get_language().startswith("zh") else " ").join((lead, compared)),
        "replies": replies,
        "change": _change(change),  # the summary's figure, signed, as in the PDF
    }


# Charts -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _font_name() -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    from pengcheng.seals.pdf import font_path

    font_manager.fontManager.addfont(str(font_path()))
    name = font_manager.FontProperties(fname=str(font_path())).get_name()
    # SVG text as paths: the page shows the same glyphs without the font installed.
    matplotlib.rcParams.update({"font.family": name, "svg.fonttype": "path", "axes.unicode_minus": False})
    return name


def _figure(width: float = 7.0, height: float = 3.0) -> Any:
    _font_name()
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return figure


def _save(figure: Any) -> tuple[str, bytes]:
    svg = io.StringIO()
    figure.savefig(svg, format="svg")
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=150)
    text = svg.getvalue()
    return text[text.index("<svg") :], png.getvalue()


def day_figure(data: Data) -> Any:
    figure = _figure()
    axes = figure.subplots()
    from matplotlib.dates import num2date
    from matplotlib.ticker import FuncFormatter

    axes.bar([d for d, _n in data.days], [n for _d, n in data.days], color=ACCENT)
    axes.set_title(_("Tickets received per day"))
    axes.set_ylabel(pgettext("ticket count", "Tickets"))
    language = translation.get_language()

    def day_label(value: float, _position: int | None = None) -> str:
        # matplotlib draws later, maybe outside the override: format in the report's language
        with translation.override(language):
            return formats.date_format(num2date(value).date(), "MONTH_DAY_FORMAT")

    axes.xaxis.set_major_formatter(FuncFormatter(day_label))
    figure.autofmt_xdate()
    return figure


def chart_days(data: Data) -> tuple[str, bytes]:
    return _save(day_figure(data))


def chart_bars(rows: list[Row], title: str, n: int = 10) -> tuple[str, bytes]:
    rows = rows[:n][::-1]
    figure = _figure(7.0, max(2.0, 0.35 * len(rows) + 1.0))
    axes = figure.subplots()
    axes.barh([r.label[:18] for r in rows], [r.received for r in rows], color=ACCENT)
    axes.set_title(title)
    axes.set_xlabel(pgettext("ticket count", "Tickets"))
    return _save(figure)


def charts(data: Data) -> dict[str, tuple[str, bytes]]:
    return {
        "days": chart_days(data),
        "categories": chart_bars(data.categories, _("Tickets by category")),
        "districts": chart_bars(data.districts, _("Tickets by district")),
    }


# Output -----------------------------------------------------------------------------------------------


def html(data: Data, drawn: dict[str, tuple[str, bytes]]) -> str:
    return render_to_string(
        "insights/report_document.html",
        {
            "data": data,
            "text": sentences(data),
            "charts": {name: mark_safe(svg) for name, (svg, _png) in drawn.items()},
        },
    )


def pdf(data: Data, drawn: dict[str, tuple[str, bytes]]) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from pengcheng.seals.pdf import FONT, font_path

    said = sentences(data)
    document = FPDF(format="A4", unit="mm")
    document.set_title(data.title)
    document.set_author(_("12345 hotline centre"))
    document.set_creator("Pengcheng")
    document.set_lang(translation.to_locale(translation.get_language()).replace("_", "-"))
    document.add_font(FONT, fname=str(font_path()))
    document.set_auto_page_break(auto=True, margin=15)
    document.add_page()
    document.set_font(FONT, size=18)
    document.multi_cell(0, 10, data.title, new_x="LMARGIN", new_y="NEXT")
    document.set_font(FONT, size=10)
    document.multi_cell(
        0,
        6,
        f"{said['period']} · {said['generated']}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    document.ln(2)
    heading = FontFace(emphasis="", fill_color=(240, 228, 226))

    def section(text: str) -> None:
        if document.will_page_break(30):  # keep a heading with the start of its table
            document.add_page()
        document.ln(3)
        document.set_font(FONT, size=13)
        document.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        document.set_font(FONT, size=9)

    def table(header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        with document.table(col_widths=widths, headings_style=heading, line_height=5.5) as grid:
            head = grid.row()
            for text in header:
                head.cell(text)
            for values in rows:
                line = grid.row()
                for text in values:
                    line.cell(text)

    section(_("Summary"))
    document.multi_cell(0, 6, said["lead"], new_x="LMARGIN", new_y="NEXT")
    document.ln(1)
    table(
        [
            pgettext("ticket count", "Tickets"),
            _("Change on the previous period"),
            _("Closed on time"),
            _("Satisfaction"),
        ],
        [
            [
                str(data.total.received),
                _change(data.change),
                _rate(data.total.close_rate),
                _rate(data.total.satisfaction),
            ]
        ],
        (1, 1, 1, 1),
    )
    for name in ("days", "categories", "districts"):
        _svg, png = drawn[name]
        document.ln(2)
        document.image(io.BytesIO(png), w=180)
    section(_("Hot topics"))
    table(
        [_("Rank"), _("Topic"), _("Place"), pgettext("ticket count", "Tickets"), _("Growth"), _("Example")],
        [
            [
                str(i),
                t.label,
                t.place or "—",
                str(t.count),
                f"×{t.growth:.1f}",
                (t.representatives[0]["title"] if t.representatives else "—")[:40],
            ]
            for i, t in enumerate(data.hot_topics, start=1)
        ]
        or [["—", _("No hot topics were computed for this period."), "", "", "", ""]],
        (1, 4, 2, 2, 2, 5),
    )
    for title, rows in (
        (_("Worst-performing departments"), data.worst_departments),
        (_("Worst-performing districts"), data.worst_districts),
    ):
        section(title)
        table(
            [_("Name"), pgettext("ticket count", "Tickets"), _("Closed on time"), _("Satisfaction"), _("Unsatisfied")],
            [[r.label, str(r.received), _rate(r.close_rate), _rate(r.satisfaction), str(r.unsatisfied)] for r in rows]
            or [[_("Not enough tickets to judge."), "", "", "", ""]],
            (4, 1, 2, 2, 2),
        )
    section(_("Tickets by category"))
    table(
        [_("Category"), pgettext("ticket count", "Tickets"), _("Closed on time"), _("Satisfaction")],
        [[r.label, str(r.received), _rate(r.close_rate), _rate(r.satisfaction)] for r in data.categories[:15]]
        or [["—", "0", "—", "—"]],
        (5, 1, 2, 2),
    )
    section(_("Reply quality"))
    document.multi_cell(
        0,
        6,
        said["replies"],
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(document.output())


def build(start: dt.date, end: dt.date, *, title: str = "", language: str | None = None) -> Built:
    """The report in ``language`` (the platform's default, zh-hans, unless told): headings, sentences,
    chart titles and dates follow it; names of categories, districts and departments stay as they are."""
    with translation.override(language or settings.LANGUAGE_CODE):
        data = gather(start, end, title)
        drawn = charts(data)
        page = html(data, drawn)
        document = pdf(data, drawn)
    summary = {
        "received": data.total.received,
        "previous_received": data.previous_received,
        "close_rate": data.total.close_rate,
        "satisfaction": data.total.satisfaction,
        "hot_topics": [t.label for t in data.hot_topics[:5]],
        "worst_departments": [r.label for r in data.worst_departments],
        "worst_districts": [r.label for r in data.worst_districts],
        "replies": data.replies,
    }
    return Built(page, document, summary)
