"""Portal, login, console and error pages through Django's test client."""

import re

import pytest
from django.core import mail
from django.test import Client

from pengcheng.audit.models import AuditRecord
from pengcheng.seeding import DEMO_PASSWORD
from pengcheng.testing import login_with_second_factor


def test_home_page_is_chinese_by_default_and_switches_to_english(demo_city: None) -> None:
    client = Client()
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-CN"' in html
    assert "一网通办" in html or "政务服务" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "One-stop government services" in html


def test_elder_mode_is_remembered_in_a_cookie(demo_city: None) -> None:
    client = Client()
    response = client.post("/prefs/elder/", {"elder": "1", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert response.cookies["pc_elder"].value == "1"
    assert 'class="elder"' in client.get("/").content.decode()
    client.post("/prefs/elder/", {"elder": "0"})
    assert 'class="elder"' not in client.get("/").content.decode()


def test_elder_toggle_refuses_offsite_redirects(demo_city: None) -> None:
    response = Client().post("/prefs/elder/", {"elder": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def _login(client: Client, username: str, password: str = DEMO_PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_clerk_lands_in_the_console_and_citizen_on_the_account_page(demo_city: None) -> None:
    clerk = Client()
    response = _login(clerk, "clerk")
    assert response.status_code == 302
    assert clerk.get(response["Location"])["Location"] == "/console/"
    page = clerk.get("/console/").content.decode()
    assert "clerk" in page or "窗口受理员" in page
    citizen = Client()
    assert citizen.get(_login(citizen, "citizen")["Location"])["Location"] == "/me/"
    assert "4403**********" in citizen.get("/me/").content.decode()


def test_operator_reaches_the_admin_and_a_clerk_does_not(demo_city: None) -> None:
    operator = Client()
    login_with_second_factor(operator, "operator")  # operators sign in with an authenticator code
    assert operator.get("/admin/").status_code == 200
    assert operator.get("/admin/core/department/").status_code == 200
    clerk = Client()
    _login(clerk, "clerk")
    assert clerk.get("/admin/").status_code == 302  # the admin sends non-staff to its own login


def test_logins_and_failures_are_audited(demo_city: None) -> None:
    _login(Client(), "clerk")
    _login(Client(), "clerk", "wrong-password")
    actions = list(AuditRecord.objects.order_by("-id").values_list("action", "summary")[:2])
    assert actions[0] == ("account.login_failed", "clerk")
    assert actions[1][0] == "account.login"


def test_account_locks_after_repeated_failures(demo_city: None) -> None:
    for _ in range(5):
        _login(Client(), "supervisor", "not-the-password")
    response = _login(Client(), "supervisor")  # the right password, but locked
    assert response.status_code == 429
    assert "Account locked" in response.content.decode() or "锁定" in response.content.decode()


def test_password_reset_sends_a_working_link(demo_city: None) -> None:
    client = Client()
    response = client.post("/accounts/password_reset/", {"email": "citizen@demo.pengcheng.localhost"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    match = re.search(r"http://testserver(/accounts/reset/\S+)", str(mail.outbox[0].body))
    assert match is not None
    link = match.group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "a-new-Passw0rd!", "new_password2": "a-new-Passw0rd!"})
    assert response.status_code == 302
    assert _login(Client(), "citizen", "a-new-Passw0rd!").status_code == 302


def test_registration_creates_an_l1_citizen(demo_city: None) -> None:
    client = Client()
    response = client.post(
        "/accounts/register/",
        {
            "username": "newcomer",
            "full_name": "新市民",
            "phone": "19912345678",
            "email": "",
            "password": "Long-enough-1",
            "password_again": "Long-enough-1",
        },
    )
    assert response.status_code == 302
    page = client.get("/me/").content.decode()
    assert "newcomer" in page and "L1" in page


def test_registration_shows_field_errors(demo_city: None) -> None:
    response = Client().post(
        "/accounts/register/",
        {
            "username": "citizen",
            "phone": "123",
            "password": "short",
            "password_again": "other",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"password_again", "username", "phone"}


def test_forged_session_gets_the_login_page(demo_city: None) -> None:
    client = Client()
    client.cookies["sessionid"] = "forged-or-expired-session-key"
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(response["Location"]).status_code == 200


def test_unknown_page_is_an_html_404(demo_city: None) -> None:
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_operator_console_pages(client_for) -> None:
    client = client_for("operator")
    for path in (
        "/console/",
        "/console/staff/?q=s-&sort=-name",
        "/console/departments/?level=district",
        "/console/divisions/?parent=440304",
        "/console/calendar/?year=2026",
        "/console/audit/",
        "/console/jobs/",
    ):
        assert client.get(path).status_code == 200, path
    assert "440304001" in client.get("/console/divisions/?parent=440304").content.decode()


def test_console_calendar_imports_a_notice(client_for) -> None:
    client = client_for("operator")
    response = client.post("/console/calendar/", {"notice": "2027年\n一、元旦：1月1日至3日放假，共3天。"})
    assert response.status_code == 302
    assert "2027-01-02" in client.get("/console/calendar/?year=2027").content.decode()
    response = client.post("/console/calendar/", {"notice": "2027年\n一、元旦：1月1日至3日放假，共9天。"})
    assert response.status_code == 200 and "9" in response.content.decode()


def test_clerk_is_refused_platform_pages_and_it_is_audited(client_for) -> None:
    client = client_for("clerk")
    response = client.get("/console/departments/")
    assert response.status_code == 403
    denial = AuditRecord.objects.filter(action="permission.denied").latest("id")
    assert denial.actor_label == "clerk" and "departments.view" in denial.summary


def test_citizen_is_refused_the_console(client_for) -> None:
    assert client_for("citizen").get("/console/").status_code == 403


def test_supervisor_sees_only_their_departments_staff(client_for) -> None:
    page = client_for("supervisor").get("/console/staff/").content.decode()
    assert "福田区政数局" in page
    assert "便民热线管理中心" not in page  # the hotline centre is not the supervisor's department


@pytest.mark.parametrize("path", ["/healthz"])
def test_healthz(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_a_long_console_menu_is_grouped_by_module(client_for) -> None:
    from pengcheng.core import navigation

    html = client_for("operator").get("/console/hotline/routing/").content.decode()
    menu = html[html.index('class="console-nav"') : html.index("</nav>", html.index('class="console-nav"'))]
    # One row of modules, the current one marked, and one row with only that module's pages.
    assert 'class="console-modules"' in menu and menu.count('aria-current="true"') == 1
    assert 'href="/console/#module-hotline" aria-current="true"' in menu
    pages = menu[menu.index('class="console-pages"') :]
    assert 'href="/console/hotline/routing/" aria-current="page"' in pages
    assert "/console/identity/clients/" not in pages and "/console/audit/" not in pages
    home = client_for("operator").get("/console/").content.decode()
    for group in navigation.console_groups(_user("operator")):
        assert f'id="module-{group.key}"' in home  # every module has its section of tools
    assert 'href="/console/identity/clients/"' in home

    # A clerk has few tools: one flat row, as before.
    clerk_menu = client_for("clerk").get("/console/").content.decode()
    assert 'class="console-modules"' not in clerk_menu


def _user(username: str):
    from pengcheng.core.models import User

    return User.objects.get(username=username)


@pytest.mark.parametrize(
    "username", ["clerk", "supervisor", "agent", "hotline_supervisor", "dataofficer", "operator", "admin"]
)
def test_every_console_link_a_staff_member_is_shown_opens(client_for, username: str) -> None:
    """The console menu offers only what the server lets this person open: no link to a 403."""
    from pengcheng.core import navigation

    client = client_for(username)
    user = _user(username)
    links = [url for _link, url in navigation.links_for("console", user)]
    assert links
    html = client.get("/console/").content.decode()
    refused = []
    for url in links:
        assert f'href="{url}"' in html
        status = client.get(url).status_code
        if status != 200:
            refused.append((url, status))
    assert not refused, f"{username} is shown links that do not open: {refused}"
