"""Rendering official PDFs (approval letters, licence print-outs) with an embedded CJK font.

The font is Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package, which the install brings; fpdf2
embeds the subset of glyphs used (CIDFontType0), so the PDF shows the same text on any reader.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import qrcode
from fpdf import FPDF
from pylopdf_fonts_zh_cn import sans_path

FONT = "NotoSansSC"
logging.getLogger("fontTools").setLevel(logging.WARNING)  # subsetting logs every glyph at INFO


@lru_cache(maxsize=1)
def font_path() -> Path:
    return Path(sans_path())


@dataclass
class Document:
    """A one-page official document: heading, a table of fields, paragraphs, and an optional QR code."""

    title: str
    issuer: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    qr_url: str = ""
    qr_caption: str = ""
    footer: str = ""
    date_line: str = ""
    reference: str = ""
    accent: tuple[int, int, int] = (179, 38, 30)


def _qr_png(url: str) -> bytes:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)  # the default (pure-Python) factory writes PNG
    return out.getvalue()


def render(document: Document) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(document.title)
    pdf.set_author(document.issuer)
    pdf.set_creator("Pengcheng")
    pdf.set_auto_page_break(auto=False)
    pdf.add_font(FONT, fname=str(font_path()))
    pdf.add_page()
    pdf.set_draw_color(*document.accent)
    pdf.set_line_width(0.8)
    pdf.rect(12, 12, 186, 273)
    pdf.set_text_color(*document.accent)
    pdf.set_font(FONT, size=22)
    pdf.set_xy(12, 24)
    pdf.cell(186, 12, document.title, align="C")
    pdf.set_font(FONT, size=12)
    pdf.set_text_color(60, 60, 60)
    pdf.set_xy(12, 38)
    pdf.cell(186, 8, document.issuer, align="C")
    if document.reference:
        pdf.set_xy(12, 46)
        pdf.set_font(FONT, size=9)
        pdf.cell(186, 6, document.reference, align="C")
    y = 60.0
    pdf.set_text_color(20, 20, 20)
    for label, value in document.fields:
        pdf.set_font(FONT, size=11)
        pdf.set_xy(24, y)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(44, 8, label)
        pdf.set_text_color(20, 20, 20)
        pdf.set_font(FONT, size=12)
        pdf.set_xy(70, y)
        pdf.multi_cell(112, 8, value or "—")
        y = max(y + 10, pdf.get_y() + 2)
        pdf.set_draw_color(225, 225, 225)
        pdf.set_line_width(0.2)
        pdf.line(24, y - 1, 182, y - 1)
    pdf.set_font(FONT, size=11)
    for paragraph in document.paragraphs:
        y += 4
        pdf.set_xy(24, y)
        pdf.multi_cell(158, 7, paragraph)
        y = pdf.get_y()
    if document.qr_url:
        pdf.image(io.BytesIO(_qr_png(document.qr_url)), x=24, y=222, w=40, h=40)
        pdf.set_font(FONT, size=8)
        pdf.set_xy(24, 263)
        pdf.multi_cell(60, 4, document.qr_caption)
    if document.date_line:
        pdf.set_font(FONT, size=12)
        pdf.set_xy(110, 250)
        pdf.cell(72, 8, document.date_line, align="R")
    if document.footer:
        pdf.set_font(FONT, size=8)
        pdf.set_text_color(110, 110, 110)
        pdf.set_xy(12, 277)
        pdf.cell(186, 5, document.footer, align="C")
    return bytes(pdf.output())


def letter(title: str, issuer: str, paragraphs: Iterable[str], *, reference: str = "", date_line: str = "") -> bytes:
    """An approval letter (批复/决定书) as a one-page PDF."""
    return render(
        Document(title=title, issuer=issuer, paragraphs=list(paragraphs), reference=reference, date_line=date_line)
    )
