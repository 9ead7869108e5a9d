"""The Data page's editors section with single sign-on, in AppTest: st.user stands in for what the provider said.

AppTest has no provider and no browser: `app.user` is what st.user holds, and ui.data.browser_cookies what the
browser sent. The trip to the provider itself is tested in Chromium (tests/browser/test_single_sign_on.py).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_pages import APP, as_read, page_text

import ui.data

SECTION = {"emails": ["maria@office.gov"], "claim": "groups", "claim_value": "usascp-editors", "provider_name": "the Office account"}


def closed_port() -> int:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        return unused.getsockname()[1]


def data_page(user: dict | None = None, editors_section=SECTION, password_editors: dict | None = None, cookies=None, page="pages/data.py"):
    """The app with [auth] configured (its provider on a closed port), signed in as `user` (None: nobody)."""
    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["auth"] = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "usascp",
        "client_secret": "secret",
        "server_metadata_url": f"http://127.0.0.1:{closed_port()}/.well-known/openid-configuration",
    }
    if editors_section is not None:
        app.secrets["usascp_editors"] = editors_section
    if password_editors:
        app.secrets["editors"] = password_editors
    app.user = {"is_logged_in": True, **user} if user else {}
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def buttons(app: AppTest) -> list[str]:
    return [button.label for button in app.button]


def alerts(app: AppTest) -> str:
    return " ".join(as_read(alert.value) for alert in list(app.warning) + list(app.error) + list(app.info) + list(app.success))


def test_with_single_sign_on_configured_a_viewer_is_offered_the_providers_sign_in_and_the_password_route_stays():
    from usascp.editors import hash_password

    app = data_page(password_editors={"maria": hash_password("summit-2026", iterations=1_000)})
    assert "Sign in with the Office account" in buttons(app)
    assert "Sign in" in buttons(app)  # the password form's
    assert [field.label for field in app.text_input][-2:] == ["Editor name", "Password"]
    assert "read-only" not in alerts(app)


def test_without_editors_or_single_sign_on_the_page_says_how_to_set_up_either(monkeypatch):
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.switch_page("pages/data.py").run()
    notice = [info.value for info in app.info if "read-only" in info.value][0]
    assert "single sign-on" in notice and "[usascp_editors]" in notice and "python -m usascp hash-password" in notice
    assert not [label for label in buttons(app) if label.startswith("Sign in")]


def test_a_signed_in_editor_saves_and_the_change_log_names_their_email(tmp_path, monkeypatch):
    monkeypatch.setenv("USASCP_STORE_DIR", str(tmp_path / "store"))
    app = data_page({"email": "Maria@Office.gov", "email_verified": True, "name": "Maria"})
    assert "Signed in as **Maria@Office.gov**." in page_text(app)
    assert "Sign out" in buttons(app) and "Sign in with the Office account" not in buttons(app)
    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    app.file_uploader[0].set_value([(sample.name, sample.read_bytes(), "text/xml")])
    app.radio[0].set_value("beside").run()
    app.checkbox[0].check().run()
    next(button for button in app.button if button.label == "Save as the dashboard's data").click().run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert app.success[-1].value.startswith("Saved as version ")
    assert any(" UTC, saved by Maria@Office.gov from iati-activities-test.xml**" in as_read(line.value) for line in app.markdown)


def test_a_member_of_the_configured_group_is_an_editor_too():
    app = data_page({"email": "lee@partner.org", "email_verified": True, "groups": ["staff", "usascp-editors"]})
    assert "Signed in as **lee@partner.org**." in page_text(app)
    assert "Restore" in buttons(app) or "Versions" in [header.value for header in app.subheader]


def test_a_signed_in_person_who_is_no_editor_is_told_so_and_can_sign_out():
    app = data_page({"email": "ana@elsewhere.org", "email_verified": True})
    assert "Signed in as ana@elsewhere.org, who is not an editor of this dashboard." in alerts(app)
    assert "Save as the dashboard's data" not in buttons(app) and "Versions" not in [h.value for h in app.subheader]
    next(button for button in app.button if button.label == "Sign out").click().run()  # st.logout: st.user is emptied
    assert not app.exception
    app.run()  # a browser goes to the provider's sign-out and comes back in a new session; here, the next run
    assert "Sign in with the Office account" in buttons(app)
    assert "who is not an editor" not in alerts(app)


def test_an_unverified_email_on_the_list_is_refused_with_the_reason():
    app = data_page({"email": "maria@office.gov", "email_verified": False})
    assert "has not verified the email address maria@office.gov, so it cannot make you an editor (it is on the list)" in alerts(app)
    assert "Signed in as **maria@office.gov**." in page_text(app)
    assert "Sign out" in buttons(app)


@pytest.mark.parametrize(
    "section, problem",
    [(None, "[usascp_editors] in secrets.toml is missing"), ({"emails": []}, "names nobody"), ({"emails": "x"}, "must be a list")],
)
def test_an_unusable_editors_list_is_explained_and_makes_nobody_an_editor(section, problem):
    app = data_page(None, editors_section=section)
    assert problem in alerts(app)
    signed_in = data_page({"email": "maria@office.gov", "email_verified": True}, editors_section=section)
    assert "The editors' list is not set up correctly, so nobody who signs in is an editor." in alerts(signed_in)
    assert "Save as the dashboard's data" not in buttons(signed_in)


def test_a_provider_that_is_down_is_reported_before_anyone_is_sent_to_it():
    app = data_page()
    next(button for button in app.button if button.label == "Sign in with the Office account").click().run()
    assert not app.exception
    assert "**Signing in with the Office account is not possible just now.** The identity provider cannot be reached" in alerts(app)
    assert "Nothing was changed" in alerts(app)


def test_back_from_the_provider_without_a_sign_in_lands_on_the_data_page_saying_so(monkeypatch):
    monkeypatch.setattr(ui.data, "browser_cookies", lambda: {"usascp_sign_in": "in-default"})
    app = data_page(page=None)  # Streamlit's callback lands on the home page
    assert not app.exception
    assert "Signing in with the Office account did not complete" in alerts(app)
    assert "Sign in with the Office account" in buttons(app)  # the Data page, to try again


def test_a_marker_cookie_that_names_no_provider_is_ignored(monkeypatch):
    monkeypatch.setattr(ui.data, "browser_cookies", lambda: {"usascp_sign_in": "in-<script>"})
    app = data_page(page=None)
    assert "did not complete" not in alerts(app)
    assert "Sign in with the Office account" not in buttons(app)  # still on the Overview


def test_an_identity_cookie_that_does_not_read_is_named_and_nobody_is_signed_in(monkeypatch):
    monkeypatch.setattr(ui.data, "browser_cookies", lambda: {"_streamlit_user": "2|1:0|10:1|altered"})
    app = data_page()
    assert "Your sign-in could not be read" in alerts(app)
    assert "Sign in with the Office account" in buttons(app)
