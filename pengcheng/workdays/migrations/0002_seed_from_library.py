"""Seed the holiday table from the chinese_calendar package (its data ends in 2026; later years are
imported from the State Council's notice)."""

from django.db import migrations

NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    from chinese_calendar import constants

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    known = set(CalendarYear.objects.values_list("year", flat=True))
    days = []
    years = set()
    for source, kind in ((constants.holidays, "holiday"), (constants.workdays, "workday")):
        for day, label in source.items():
            if day.year in known:
                continue
            years.add(day.year)
            days.append(CalendarDay(date=day, kind=kind, name=NAMES.get(label, label), notice_year=day.year))
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="library", reference="chinese_calendar") for y in sorted(years)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
