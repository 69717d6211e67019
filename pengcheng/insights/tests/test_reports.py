"""Analysis reports: figures from the hotline's tables, charts drawn locally, HTML and a PDF that
embeds its Chinese font and whose text can be extracted; scheduled and on-demand; downloads."""

import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.insights import reports, services, tasks
from pengcheng.insights.models import Report, ReportKind, ReportStatus
from pengcheng.insights.tests.conftest import import_tickets
from pengcheng.testing import login_client

START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 8)


def _history() -> None:
    rows = []
    for day in range(7):
        at = dt.datetime(2026, 3, 2 + day, 10)
        for i in range(3):
            rows.append(
                {
                    "title": "福中三路路灯不亮",
                    "text": "福中三路的路灯连续几晚不亮，请尽快维修。",
                    "at": at + dt.timedelta(minutes=i),
                    "reply": "经现场核查，已于次日更换损坏的灯具，路灯已恢复照明。如有问题请拨打12345。",
                    "replied_at": at + dt.timedelta(days=1),
                }
            )
        rows.append(
            {
                "title": "咨询社保卡补办",
                "text": "社保卡丢了，请问在哪里补办？",
                "at": at,
                "address": "南山区粤海街道科技园社区",
            }
        )
    import_tickets(rows)


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Font base names on every page, and whether each embeds a font program."""
    found: dict[str, bool] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font = reference.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            embedded = bool(descriptor) and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found[str(font["/BaseFont"])] = embedded
    return found


def test_a_report_has_the_figures_charts_html_and_a_pdf_with_an_embedded_cjk_font(demo_city: None) -> None:
    _history()
    services.compute_hot_topics(SYSTEM, dt.date(2026, 3, 5))
    built = reports.build(START, END, title="12345 热线周报 测试")
    assert built.summary["received"] == 28
    assert built.summary["hot_topics"] and "路灯" in built.summary["hot_topics"][0]
    assert "<svg" in built.html and "cdn" not in built.html.lower() and "<script" not in built.html
    assert "12345 热线周报 测试" in built.html and "福田区" in built.html and "南山区" in built.html
    reader = PdfReader(io.BytesIO(built.pdf))
    fonts = _fonts(reader)
    assert fonts and all(fonts.values()), fonts
    assert any("NotoSansSC" in name for name in fonts)
    # fpdf2 writes the CFF font's code-to-CID map as an embedded CMap; pypdf reads its two-byte codes
    # as a NUL and a character (pdfium, Chrome's engine, extracts it cleanly), hence the replace, as in
    # the seals tests
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    for expected in ("12345 热线周报 测试", "热点", "福田区", "路灯"):
        assert expected in text, expected
    assert len(reader.pages[0].images) >= 1  # the charts


def test_worst_performers_need_enough_tickets_and_sort_by_rates() -> None:
    rows = [
        reports.Row("好", 50, 98.0, 95.0),
        reports.Row("差", 40, 60.0, 70.0),
        reports.Row("太少", 2, 0.0, 0.0),
        reports.Row("未评价", 30, 70.0, None),
    ]
    assert [r.label for r in reports.worst(rows)] == ["差", "未评价", "好"]


def test_a_report_ordered_for_a_range_is_generated_by_the_job_and_downloaded(
    demo_city: None, django_capture_on_commit_callbacks
) -> None:
    _history()
    client = login_client("operator")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/console/insights/reports/", {"start": START.isoformat(), "end": END.isoformat()})
    assert response.status_code == 302 and len(callbacks) == 1
    report = Report.objects.get()
    assert report.status == ReportStatus.PENDING and report.kind == ReportKind.CUSTOM
    assert services.generate_report(report.pk) == "ready"  # what the worker runs
    report.refresh_from_db()
    assert (Path(settings.DATA_DIR) / report.pdf_path).is_file()
    listing = client.get("/console/insights/reports/").content.decode()
    assert report.title in listing and f"/console/insights/reports/{report.pk}.pdf" in listing
    pdf: Any = client.get(f"/console/insights/reports/{report.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    html: Any = client.get(f"/console/insights/reports/{report.pk}.html")
    assert "<svg" in b"".join(html.streaming_content).decode()
    api = client.get("/api/v1/insights/reports").json()
    assert api[0]["pdf_url"] == f"/api/v1/insights/reports/{report.pk}/pdf"
    assert client.get(f"/api/v1/insights/reports/{report.pk}/pdf").status_code == 200


def test_scheduled_weekly_and_monthly_reports_cover_the_last_full_period(demo_city: None) -> None:
    weekly = services.scheduled_report(ReportKind.WEEKLY, today=dt.date(2026, 3, 11))  # a Wednesday
    assert (weekly.start, weekly.end, weekly.status) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8), "ready")
    monthly = services.scheduled_report(ReportKind.MONTHLY, today=dt.date(2026, 3, 1))
    assert (monthly.start, monthly.end) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert monthly.title == "12345 热线月报 2026年2月" and monthly.language == "zh-hans"


def test_reports_are_for_city_level_staff_and_ranges_are_checked(demo_city: None) -> None:
    with pytest.raises(ValidationFailed):
        services.request_report(SYSTEM, END, START)
    with pytest.raises(ValidationFailed):
        services.request_report(SYSTEM, dt.date(2024, 1, 1), dt.date(2026, 1, 1))
    from pengcheng.core.models import User

    futian = User.objects.get(username="supervisor")
    with pytest.raises(AccessDenied):
        services.request_report(futian, START, END)
    # a district supervisor reads the (aggregate) reports but cannot order one
    district = login_client("supervisor")
    page = district.get("/console/insights/reports/")
    assert page.status_code == 200 and 'name="start"' not in page.content.decode()
    assert district.post("/console/insights/reports/", {"start": START, "end": END}).status_code == 403
    assert (
        district.post(
            "/api/v1/insights/reports",
            {"start": START.isoformat(), "end": END.isoformat()},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert login_client("clerk").get("/api/v1/insights/reports").status_code == 403
    anonymous = Client().get("/console/insights/reports/")
    assert anonymous.status_code == 302


# Languages --------------------------------------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
ENGLISH_HEADINGS = ("Summary", "Hot topics", "Worst-performing districts", "Tickets by category", "Reply quality")
CHINESE_HEADINGS = ("摘要", "热点问题", "按分类统计", "按区统计", "答复质量")


def _names(language: str) -> list[str]:
    """The proper names a report shows as they are: categories, districts, departments, hot topics and
    their places and example tickets (Chinese in either language)."""
    with translation.override(language):
        data = reports.gather(START, END)
    names = [r.label for rows in (data.categories, data.districts, data.departments) for r in rows]
    for topic in data.hot_topics:
        names += [topic.label, topic.place, *(r["title"] for r in topic.representatives)]
        names += [r["title"][:40] for r in topic.representatives]
    return sorted({re.sub(r"\s", "", n) for n in names if n}, key=len, reverse=True)


def _without(text: str, names: list[str]) -> str:
    text = re.sub(r"\s", "", text)  # a name may wrap in a PDF table cell
    for name in names:
        text = text.replace(name, "")
    return text


def _visible(page: str) -> str:
    """The HTML page's text as a reader meets it: no styles, charts (drawn as paths) or tags."""
    page = re.sub(r"<style.*?</style>|<svg.*?</svg>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def _pdf_text(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "")


def test_an_english_report_is_english_but_for_proper_names_and_a_chinese_one_is_chinese(demo_city: None) -> None:
    _history()
    services.compute_hot_topics(SYSTEM, dt.date(2026, 3, 5))
    english = reports.build(START, END, language="en")
    chinese = reports.build(START, END, language="zh-hans")
    names = _names("en")
    assert "福田区" in names

    page = english.html
    assert '<html lang="en">' in page
    assert "<title>12345 report March 2, 2026 to March 8, 2026</title>" in page
    assert "28 tickets were received from March 2, 2026 to March 8, 2026." in page
    for heading in ENGLISH_HEADINGS:
        assert f"<h2>{heading}</h2>" in page, heading
    assert "福田区" in page  # a district's name stays as it is
    leftover = CJK.findall(_without(_visible(page), names))
    assert not leftover, "".join(leftover)
    text = _pdf_text(english.pdf)
    for expected in ("12345 report March 2, 2026", "Hot topics", "Worst-performing districts", "Reply quality"):
        assert expected in text, expected
    assert "福田区" in text  # the embedded font covers both scripts
    leftover = CJK.findall(_without(text, names))
    assert not leftover, "".join(leftover)
    fonts = _fonts(PdfReader(io.BytesIO(english.pdf)))
    assert fonts and all(fonts.values()) and any("NotoSansSC" in name for name in fonts)
    root: Any = PdfReader(io.BytesIO(english.pdf)).trailer["/Root"]
    assert root["/Lang"] == "en"

    page = chinese.html
    assert '<html lang="zh-hans">' in page and "2026年3月2日 至 2026年3月8日 共受理工单 28 件。" in page
    for heading in CHINESE_HEADINGS:
        assert f"<h2>{heading}</h2>" in page, heading
    names = _names("zh-hans")
    visible = _without(_visible(page), names)
    for heading in (*ENGLISH_HEADINGS, "tickets were received", "Period", "Generated"):
        assert heading not in visible, heading
    text = _pdf_text(chinese.pdf)
    assert "热点问题" in text and "Hot topics" not in text
    # no English words but the hotline's number and the 12345 title's digits
    assert not re.findall(r"[A-Za-z]{2,}", _without(text, names))


def test_report_sentences_count_in_each_language_and_the_days_chart_dates_follow_it(demo_city: None) -> None:
    with translation.override("en"):
        data = reports.gather(START, END)
        one = replace(data, total=replace(data.total, received=1), previous_received=2)
        assert reports.sentences(one)["lead"] == (
            "1 ticket was received from March 2, 2026 to March 8, 2026. "
            "That is 50.0% fewer than in the previous period of the same length."
        )
        two = replace(data, total=replace(data.total, received=2), replies={"scored": 1, "flagged": 0, "mean": 80})
        said = reports.sentences(two)
        assert said["lead"].startswith("2 tickets were received")
        assert said["replies"] == "1 reply scored, 0 flagged for review, mean score 80."
        figure = reports.day_figure(data)
        figure.canvas.draw()
        axes = figure.axes[0]
        assert axes.get_title() == "Tickets received per day" and axes.get_ylabel() == "Tickets"
        assert "March 2" in [label.get_text() for label in axes.get_xticklabels()]
    with translation.override("zh-hans"):
        said = reports.sentences(replace(data, replies={"scored": 3, "flagged": 1, "mean": 70.5}))
        assert said["replies"] == "共评分 3 条答复，其中 1 条待审核，平均分 70.5。"
        assert said["period"] == "统计时段：2026年3月2日 至 2026年3月8日"
        figure = reports.day_figure(data)
        figure.canvas.draw()
        assert figure.axes[0].get_title() == "每日受理工单量"


def test_scheduled_reports_are_in_the_platform_language_whatever_is_active(demo_city: None) -> None:
    with translation.override("en"):  # e.g. a worker started with another locale
        assert tasks.weekly_report() == "ready"
    report = Report.objects.get()
    assert report.language == settings.LANGUAGE_CODE == "zh-hans"
    assert report.title.startswith("12345 热线周报 ") and "年" in report.title and report.translation_of is None
    page = (Path(settings.DATA_DIR) / report.html_path).read_text(encoding="utf-8")
    assert '<html lang="zh-hans">' in page and "<h2>摘要</h2>" in page
    monthly = services.scheduled_report(ReportKind.MONTHLY, today=dt.date(2026, 3, 1), language="en")
    assert monthly.language == "en" and monthly.title == "12345 monthly report February 2026"


def test_a_report_ordered_in_english_is_english_and_the_list_offers_and_serves_both_languages(
    demo_city: None, django_capture_on_commit_callbacks
) -> None:
    _history()
    client = login_client("operator")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})  # the reader switches the UI to English
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/console/insights/reports/", {"start": START.isoformat(), "end": END.isoformat()})
    english = Report.objects.get()
    assert services.generate_report(english.pk) == "ready"  # what the worker runs
    english.refresh_from_db()
    assert english.language == "en" and english.status == ReportStatus.READY
    assert english.title == "12345 report March 2, 2026 to March 8, 2026"

    # the list, read in Chinese, offers the Chinese version of the English report
    reader = login_client("supervisor")  # a district supervisor: reads reports, cannot order one
    listing = reader.get("/console/insights/reports/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "12345 热线分析报告 2026年3月2日 至 2026年3月8日" in listing  # the title in the reader's language
    assert f"/console/insights/reports/{english.pk}.pdf" in listing
    assert f"/console/insights/reports/{english.pk}/language/" in listing and "生成简体中文版" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = reader.post(f"/console/insights/reports/{english.pk}/language/", {"language": "zh-hans"})
    assert response.status_code == 302
    chinese = Report.objects.get(language="zh-hans")
    assert chinese.status == ReportStatus.PENDING
    pending = reader.get("/console/insights/reports/").content.decode()
    assert "生成中" in pending and f"/console/insights/reports/{chinese.pk}.pdf" not in pending
    assert services.generate_report(chinese.pk) == "ready"
    chinese.refresh_from_db()
    assert chinese.translation_of == english and chinese.status == ReportStatus.READY
    assert (chinese.start, chinese.end, chinese.kind) == (english.start, english.end, english.kind)
    # asking again gives the same version
    reader.post(f"/console/insights/reports/{english.pk}/language/", {"language": "zh-hans"})
    assert Report.objects.count() == 2

    listing = reader.get("/console/insights/reports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert listing.count('<tr><th scope="row">') == 1  # one line for both versions
    for version in (english, chinese):
        assert f"/console/insights/reports/{version.pk}.html" in listing
        assert f"/console/insights/reports/{version.pk}.pdf" in listing
    assert "Generate in" not in listing

    pages = {}
    for version in (english, chinese):
        html: Any = reader.get(f"/console/insights/reports/{version.pk}.html")
        pages[version.language] = b"".join(html.streaming_content).decode()
        pdf: Any = reader.get(f"/console/insights/reports/{version.pk}.pdf")
        assert (
            pdf.status_code == 200 and f"12345-report-{version.pk}-{version.language}.pdf" in pdf["Content-Disposition"]
        )
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "<h2>Hot topics</h2>" in pages["en"] and "<h2>热点问题</h2>" in pages["zh-hans"]
    assert "<h2>热点问题</h2>" not in pages["en"] and "<h2>Hot topics</h2>" not in pages["zh-hans"]

    api = client.get("/api/v1/insights/reports").json()
    assert {(r["id"], r["language"], r["translation_of_id"]) for r in api} == {
        (english.pk, "en", None),
        (chinese.pk, "zh-hans", english.pk),
    }
    again = client.post(
        f"/api/v1/insights/reports/{chinese.pk}/versions", {"language": "en"}, content_type="application/json"
    )
    assert again.status_code == 200 and again.json()["id"] == english.pk
    unknown = client.post(
        f"/api/v1/insights/reports/{english.pk}/versions", {"language": "fr"}, content_type="application/json"
    )
    assert unknown.status_code == 422 and "language" in unknown.content.decode() and Report.objects.count() == 2
    refused = reader.post(f"/console/insights/reports/{english.pk}/language/", {"language": "fr"})
    assert refused.status_code == 302 and Report.objects.count() == 2


def test_the_report_command_writes_the_language_asked_for(demo_city: None) -> None:
    out = io.StringIO()
    call_command("insights_report", "--start", str(START), "--end", str(END), "--language", "en", stdout=out)
    report = Report.objects.get()
    assert report.language == "en" and report.title == "12345 report March 2, 2026 to March 8, 2026"
    assert report.title in out.getvalue()
    page = (Path(settings.DATA_DIR) / report.html_path).read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<h2>Summary</h2>" in page
