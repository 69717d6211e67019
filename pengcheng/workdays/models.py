"""The working-day calendar: public holidays and make-up working days (调休上班)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Make-up working day (调休上班)")


class CalendarSource(models.TextChoices):
    LIBRARY = "library", _("chinese_calendar package")
    NOTICE = "notice", _("State Council notice")
    MANUAL = "manual", _("Entered by an operator")


class CalendarYear(models.Model):
    """A year whose holiday arrangement is known. Years without a row fall back to weekends only."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=10, choices=CalendarSource.choices)
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A date that differs from the plain weekday/weekend rule."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("holiday"), max_length=40)
    # The arrangement this day belongs to: 30 Dec can belong to the next year's New Year notice.
    notice_year = models.PositiveSmallIntegerField(_("arrangement year"), db_index=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.get_kind_display()})"
