"""Analysis reports: figures from the hotline's tables, charts drawn locally, HTML and a PDF that
embeds its Chinese font and whose text can be extracted; scheduled and on-demand; downloads."""

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from pengcheng.core.actors import SYSTEM
from pengcheng.core.errors import AccessDenied, ValidationFailed
from pengcheng.insights import reports, services
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
    assert "2026-02" in monthly.title


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
