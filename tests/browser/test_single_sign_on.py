"""In Chromium: editors sign in with an OpenID Connect provider running on loopback (oidc-provider-mock), through st.login.

One journey, as people meet it: an editor signs in, sees the save section under their email and signs out; a
colleague whose email is not on the list is refused and signs out; someone presses Deny at the provider; an
identity cookie altered in the browser is refused; the provider stops and the button says so. Each lands back on
the Data page with a sentence, and the server logs no traceback. The provider is in this process, on a thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import pytest
from harness import Visit, free_port, running_server, server_log

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
SHOTS = Path("/tmp/usascp-sso-shots")

USERS = [
    oidc_provider_mock.User(sub="maria", claims={"email": "maria@office.gov", "email_verified": True, "name": "Maria"}),
    oidc_provider_mock.User(sub="ana", claims={"email": "ana@elsewhere.org", "email_verified": True, "name": "Ana"}),
]


@contextlib.contextmanager
def provider_on_loopback(port: int):
    """oidc-provider-mock on 127.0.0.1:`port`, on a thread; stop() takes it down mid-test."""
    import werkzeug.serving

    server = werkzeug.serving.make_server("127.0.0.1", port, oidc_provider_mock.app(user_claims=USERS), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    stopped = []

    def stop():
        if not stopped:
            stopped.append(True)
            server.shutdown()
            server.server_close()

    try:
        yield stop
    finally:
        stop()


@pytest.fixture
def sso_server(tmp_path):
    """A dashboard whose secrets (a temporary file, never the repository's .streamlit) point [auth] at the provider."""
    provider_port, app_port = free_port(), free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f"""[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a-test-cookie-secret-of-some-length-0123456789"
client_id = "usascp-dashboard"
client_secret = "a-test-client-secret"
server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"

[usascp_editors]
emails = ["maria@office.gov"]
provider_name = "the Office account"
"""
    )
    with provider_on_loopback(provider_port) as stop_provider, running_server(
        {"USASCP_STORE_DIR": str(tmp_path / "store")}, ("--secrets.files", str(secrets)), port=app_port
    ) as url:
        yield url, provider_port, stop_provider


def main_text(visit: Visit) -> str:
    # Addresses are shown with an invisible word joiner after the "@", so that markdown makes no link of them.
    return visit.page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")


def wait_for_text(visit: Visit, text: str, timeout_s: float = 40) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in main_text(visit):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared; the page says: {main_text(visit)[-800:]}")
        time.sleep(0.3)


def sign_in_as(visit: Visit, provider_port: int, who: str | None) -> None:
    """From the Data page: the provider's button, then `who` at the provider (None: press Deny)."""
    visit.page.get_by_role("button", name="Sign in with the Office account").click()
    visit.page.wait_for_url(f"http://127.0.0.1:{provider_port}/**", timeout=30_000)
    visit.page.get_by_role("button", name=who or "Deny", exact=True).click()


def sign_out(visit: Visit) -> None:
    visit.page.get_by_role("button", name="Sign out").click()
    visit.page.get_by_role("button", name="End session").click()  # the provider's own sign-out page
    wait_for_text(visit, "You are signed out.")


def shot(visit: Visit, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    visit.settle(0.2)
    visit.page.get_by_role("heading", name="3. Make it everyone's data (editors)").scroll_into_view_if_needed()
    visit.page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_editors_sign_in_with_the_identity_provider_others_are_refused_and_faults_get_a_sentence(sso_server, browser):
    url, provider_port, stop_provider = sso_server
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    # The provider's pages link a stylesheet from a CDN; no request may leave the machine.
    context.route("http*://**", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort())
    visit = Visit(context.new_page())
    visit.open(f"{url}/data")

    sign_in_as(visit, provider_port, "maria")  # an editor: back on the Data page with the save section
    wait_for_text(visit, "Signed in as maria@office.gov.")
    assert "Versions" in main_text(visit) and "Upload and check files above to save them." in main_text(visit)
    shot(visit, "editor-signed-in")
    sign_out(visit)
    visit.page.get_by_role("button", name="Sign in with the Office account").wait_for(state="visible", timeout=30_000)

    sign_in_as(visit, provider_port, "ana")  # signed in, but not an editor
    wait_for_text(visit, "Signed in as ana@elsewhere.org, who is not an editor of this dashboard.")
    assert "Versions" not in main_text(visit)
    shot(visit, "not-an-editor")
    sign_out(visit)

    sign_in_as(visit, provider_port, None)  # Deny at the provider: Streamlit only logs it; the page says it
    wait_for_text(visit, "Signing in with the Office account did not complete")
    shot(visit, "denied")

    sign_in_as(visit, provider_port, "maria")  # an identity cookie altered in the browser is not believed
    wait_for_text(visit, "Signed in as maria@office.gov.")
    # The page clears the trip's marker cookie with a script once drawn; a reload before that reads the marker
    # first and says the sign-in did not complete (seen once in a fresh-clone make test).
    deadline = time.monotonic() + 20
    while any(cookie["name"] == "usascp_sign_in" and cookie["value"] for cookie in context.cookies()):
        assert time.monotonic() < deadline, "the sign-in marker cookie was never cleared"
        time.sleep(0.2)
    cookie = next(cookie for cookie in context.cookies() if cookie["name"] == "_streamlit_user")
    context.add_cookies([{**cookie, "value": cookie["value"].replace("maria", "mario", 1)[:-3] + "AAA"}])
    visit.open(f"{url}/data")
    wait_for_text(visit, "Your sign-in could not be read")
    assert "Signed in as maria" not in main_text(visit) and "Versions" not in main_text(visit)
    shot(visit, "altered-cookie")

    stop_provider()  # the provider is down: said before anyone is sent to it
    visit.page.get_by_role("button", name="Sign in with the Office account").click()
    wait_for_text(visit, "Signing in with the Office account is not possible just now.")
    assert visit.page.url.startswith(url)
    shot(visit, "provider-down")
    visit.page.set_viewport_size({"width": 1920, "height": 1080})
    shot(visit, "provider-down-1920")

    log = server_log(url)
    assert "Traceback" not in log
    assert "Error during authentication: access_denied" in log  # Streamlit's own record of the Deny
    context.close()
