"""Single sign-on in Streamlit: the "Sign in with ..." button (st.login), who st.user is, sign-out (st.logout).

The rule for who is an editor is usascp.sso's; this module reads secrets.toml and st.user, and draws.

Signing in leaves the page: the browser goes to the provider and comes back through Streamlit's /oauth2callback,
which always lands on the dashboard's home page in a new session. When the provider refuses or fails there
(a "Deny", an error, a failed token exchange), Streamlit only logs it and lands the same way, signed out. So
before leaving, a script gives this browser a short-lived marker cookie naming the provider; the new session
reads it (sign_in_return), goes back to the Data page, and says whether the sign-in completed. Streamlit's own
identity cookie that is present but no longer reads (altered, or signed with an old cookie_secret) is named too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

import ui.data
from usascp.formatting import markdown_text
from usascp.sso import (
    PROVIDER_NAME,
    SECTION,
    EditorRule,
    EditorRuleError,
    Verdict,
    judge,
    metadata_url,
    provider_label,
    provider_problem,
    providers,
    read_editor_rule,
)

MARKER = "usascp_sign_in"  # this browser's cookie: "in-<provider>" or "out", set just before leaving for the provider
MARKER_SECONDS = 600  # time enough to sign in at the provider; an older marker is the browser's to forget
USER_COOKIE = "_streamlit_user"  # Streamlit's signed identity cookie (streamlit.web.server.starlette_server_config)
_RETURN_READ = "sign_in_return_read"  # once per session: the marker is looked at when the session starts
_NOTICE = "sign_in_notice"  # ("success" | "warning", text): what became of the last trip to the provider
_MARKER_WANTED = "sign_in_marker"  # the marker's value to set, or "" to clear it, at the end of this run
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class SingleSignOn:
    providers: tuple[str, ...]
    rule: EditorRule | None  # None when [usascp_editors] is unusable: nobody is an editor, `problem` says why
    problem: str | None
    auth: dict


def _secrets_section(name: str):
    try:
        section = st.secrets.get(name)
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return None
    return section.to_dict() if hasattr(section, "to_dict") else section


def single_sign_on() -> SingleSignOn | None:
    """The [auth] providers and the editor rule; None when no [auth] section names a provider."""
    auth = _secrets_section("auth")
    names = providers(auth)
    if not names:
        return None
    try:
        rule, problem = read_editor_rule(_secrets_section(SECTION)), None
    except EditorRuleError as error:
        rule, problem = None, str(error)
    return SingleSignOn(tuple(names), rule, problem, dict(auth))


def signed_in_claims() -> dict | None:
    """What the provider said about this session's person, or None when nobody signed in with it."""
    user = st.user.to_dict()
    return user if user.get("is_logged_in") is True else None


def verdict(sso: SingleSignOn | None) -> Verdict | None:
    """Whether this session's signed-in person is an editor; None when nobody is signed in through the provider."""
    claims = signed_in_claims()
    if sso is None or claims is None:
        return None
    if sso.rule is None:
        who = judge(claims, EditorRule(emails=frozenset()))
        return Verdict(None, "The editors' list is not set up correctly, so nobody who signs in is an editor.", who.shown_as)
    return judge(claims, sso.rule)


def sign_in_buttons(sso: SingleSignOn, password_too: bool) -> None:
    """A "Sign in with ..." button per provider; a provider that is down is reported here, before anyone leaves."""
    if sso.problem:
        st.error(markdown_text(sso.problem), icon=":material/error:")
    for provider in sso.providers:
        label = provider_label(provider, sso.rule)
        if st.button(f"Sign in with {markdown_text(label)}", key=f"sso_{provider}", icon=":material/login:", type="primary"):
            problem = provider_problem(metadata_url(sso.auth, provider))
            if problem:
                also = " Editors with a password can sign in below." if password_too else ""
                st.error(
                    f"**Signing in with {markdown_text(label)} is not possible just now.** {markdown_text(problem)} "
                    f"Nothing was changed; try again later.{also}",
                    icon=":material/cloud_off:",
                )
                continue
            _leave(f"in-{provider}", lambda: st.login(provider))
    if st.session_state.get("checked_upload") is not None:
        st.caption("Signing in reloads the dashboard: a checked upload you have not chosen to explore has to be uploaded again.")


def sign_out_button(key: str = "sso_sign_out") -> None:
    if st.button("Sign out", key=key, icon=":material/logout:"):
        _leave("out", st.logout)


def _leave(marker: str, go) -> None:
    """Mark this browser, then hand it to Streamlit's sign-in or sign-out (which navigates away)."""
    _set_marker(marker)
    try:
        go()
    except Exception as error:  # StreamlitAuthError (an [auth] section Streamlit refuses), a missing Authlib
        _LOG.warning("single sign-on could not start: %s", error)
        _set_marker("")
        st.error(
            "**Single sign-on is not set up correctly on this server**, so nobody can sign in with it: "
            f"{markdown_text(type(error).__name__)}. The details are in the server's log.",
            icon=":material/error:",
        )


def _set_marker(value: str) -> None:
    # The value is "out" or "in-" and a provider name matched by PROVIDER_NAME: safe inside the script's quotes.
    cookie = f"{MARKER}={value}; max-age={MARKER_SECONDS if value else 0}"
    secure = "(location.protocol === 'https:' ? '; Secure' : '')"
    st.html(f"<script>document.cookie = '{cookie}; path=/; SameSite=Lax' + {secure};</script>", unsafe_allow_javascript=True)


def sign_in_return(current_page: str) -> None:
    """Called by the entry point on every run: once per session, see what became of a trip to the provider.

    A browser back from the provider lands on the home page; it is sent on to the Data page, which says what
    happened. Clearing the marker waits for a run that is not switching pages (a script must be drawn).
    """
    if (wanted := st.session_state.pop(_MARKER_WANTED, None)) is not None:
        _set_marker(wanted)
    if _RETURN_READ in st.session_state:
        return
    st.session_state[_RETURN_READ] = True
    cookies = ui.data.browser_cookies()  # looked up on the module: AppTest stands in for the browser there
    marker = cookies.get(MARKER) if hasattr(cookies, "get") else None
    signed_in = signed_in_claims() is not None
    if isinstance(marker, str) and (marker == "out" or (marker.startswith("in-") and PROVIDER_NAME.fullmatch(marker[3:]))):
        sso = single_sign_on()
        if marker == "out":
            notice = None if signed_in else ("success", "You are signed out.")
        elif signed_in:
            notice = None  # the Data page says who is signed in, and whether they are an editor
        else:
            label = provider_label(marker[3:], sso.rule if sso else None)
            notice = (
                "warning",
                f"Signing in with {label} did not complete: the identity provider refused or cancelled it, or could not "
                "finish it. Nothing was changed. You can try again below.",
            )
        if notice:
            st.session_state[_NOTICE] = notice
        st.session_state[_MARKER_WANTED] = ""
        if current_page != "data":
            st.switch_page("pages/data.py")
        st.session_state.pop(_MARKER_WANTED)
        _set_marker("")
    elif not signed_in and isinstance(cookies.get(USER_COOKIE) if hasattr(cookies, "get") else None, str):
        st.session_state[_NOTICE] = (
            "warning",
            "Your sign-in could not be read (it was altered, or signed before the server's settings changed), so you "
            "are not signed in. Sign in again.",
        )


def sign_in_notice() -> None:
    """What became of the last trip to the provider (or of an unreadable identity cookie), shown once."""
    if notice := st.session_state.pop(_NOTICE, None):
        kind, text = notice
        (st.success if kind == "success" else st.warning)(markdown_text(text), icon=":material/info:")
