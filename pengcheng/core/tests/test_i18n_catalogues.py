"""One msgid (with its context), one zh_Hans translation across every app's catalogue.

Django merges all catalogues into one and the first app in INSTALLED_APPS wins for a msgid everywhere,
so if two apps translate the same (msgctxt, msgid) differently, one of them shows the other's words
(证照 for an open-data 许可协议, 代码 for an MFA 验证码). Where the meaning differs, the minority uses
need a translation context (pgettext / {% translate … context "…" %}); where only the wording differs,
the catalogues must agree.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[2]


def _catalogues() -> dict[str, polib.POFile]:
    found = {}
    for path in sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        relative = path.relative_to(PACKAGE)
        app = relative.parts[0] if relative.parts[0] != "locale" else "project"
        found[app] = polib.pofile(str(path))
    return found


CATALOGUES = _catalogues()


def test_catalogues_are_found() -> None:
    assert {"core", "project", "opendata", "licences"} <= set(CATALOGUES)


def test_one_translation_per_msgid_and_context() -> None:
    seen: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for app, po in CATALOGUES.items():
        for entry in po:
            if entry.obsolete or not entry.msgstr:
                continue
            seen[(entry.msgctxt, entry.msgid)][app] = entry.msgstr
    conflicts = []
    for key, by_app in sorted(seen.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        if len(set(by_app.values())) > 1:
            conflicts.append(f"{key[1]!r} context={key[0]!r}: {by_app}")
    assert not conflicts, (
        "the same msgid is translated differently by different apps; add a translation context where the "
        "meaning differs, or use one wording everywhere:\n" + "\n".join(conflicts)
    )


@pytest.mark.parametrize("app", sorted(CATALOGUES))
def test_no_fuzzy_or_empty_entries(app: str) -> None:
    missing = [
        f"{entry.msgctxt!r} {entry.msgid!r}"
        for entry in CATALOGUES[app]
        if not entry.obsolete and ("fuzzy" in entry.flags or not (entry.msgstr or any(entry.msgstr_plural.values())))
    ]
    assert not missing, f"{app}: fuzzy or untranslated entries: {missing}"
