"""The demo's canned responses (four languages, placeholders) and team calendars are valid."""

from __future__ import annotations

import re

from sada.cases import demo
from sada.cases.canned import PLACEHOLDER_RE, check_canned, do_save_canned, list_canned
from sada.cases.sla import BusinessCalendar

SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "fa": re.compile(r"[\u0600-\u06ff]"),
    "zh": re.compile(r"[\u4e00-\u9fff]"),
    "en": re.compile(r"[A-Za-z]"),
}


def test_demo_canned_responses_in_four_languages_with_placeholders():
    assert len(demo.CANNED) >= 6
    for key, bodies in demo.CANNED.items():
        check_canned(key, bodies)  # known placeholders only, valid key
        assert set(bodies) == {"ar", "fa", "zh", "en"}, key
        placeholders = {lang: set(PLACEHOLDER_RE.findall(text)) for lang, text in bodies.items()}
        assert placeholders["en"], f"{key}: no placeholder"
        # Every language fills the same placeholders (nothing lost in translation).
        assert all(p == placeholders["en"] for p in placeholders.values()), key
        for lang, text in bodies.items():
            assert SCRIPTS[lang].search(PLACEHOLDER_RE.sub("", text)), (key, lang)
    # Persian and Arabic differ (not one text copied for both).
    assert all(b["fa"] != b["ar"] for b in demo.CANNED.values())


def test_demo_canned_responses_save_and_team_calendars_validate(db, workspace):
    with db.transaction(workspace.id) as session:
        for key, bodies in demo.CANNED.items():
            do_save_canned(session, key, bodies)
        saved = {c["key"]: c["bodies"] for c in list_canned(session)}
    assert saved == demo.CANNED
    for lang, hours in demo.TEAM_HOURS.items():
        _name, tz, weekend = demo.TEAMS[lang]
        cal = BusinessCalendar.build(
            tz, weekend, hours, demo.TEAM_HOLIDAYS.get(lang, []), strict=True
        )
        assert len(cal.windows[0]) == 2  # split shifts
