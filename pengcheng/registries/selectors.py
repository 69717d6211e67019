"""Reads from the base registries."""

from __future__ import annotations

from pengcheng.registries.models import PopulationRecord


def person_matching(id_number: str, name: str) -> PopulationRecord | None:
    """The population record with this identity number and exactly this name, or None."""
    record = PopulationRecord.objects.filter(id_number=id_number.strip().upper()).first()
    if record is None or record.name != name.strip():
        return None
    return record
