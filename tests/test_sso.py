"""Who the identity provider makes an editor ([usascp_editors] and the claims), and the checks on its configuration."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from usascp.sso import EditorRule, EditorRuleError, judge, provider_label, provider_problem, providers, read_editor_rule

RULE = read_editor_rule({"emails": ["Maria@Office.gov", "@partners.office.gov"], "claim": "groups", "claim_value": "usascp-editors"})


def claims(**values):
    return {"is_logged_in": True, "sub": "s-1", **values}


def test_a_verified_email_on_the_list_is_an_editor_named_by_it_whatever_its_case():
    verdict = judge(claims(email="maria@OFFICE.gov", email_verified=True), RULE)
    assert verdict.editor == "maria@OFFICE.gov"


def test_a_whole_domain_counts_but_not_its_look_alikes():
    assert judge(claims(email="lee@partners.office.gov", email_verified=True), RULE).editor == "lee@partners.office.gov"
    for address in ("lee@evil-partners.office.gov", "lee@x.partners.office.gov", "partners.office.gov@evil.org"):
        assert judge(claims(email=address, email_verified=True), RULE).editor is None


def test_an_address_that_only_contains_a_listed_one_is_not_an_editor():
    for address in ("maria@office.gov.evil.org", "xmaria@office.gov", "maria@office.go"):
        verdict = judge(claims(email=address, email_verified=True), RULE)
        assert verdict.editor is None
        assert verdict.reason == f"Signed in as {address}, who is not an editor of this dashboard."


@pytest.mark.parametrize("verified", [False, None, "false", "yes", 1])
def test_an_unverified_email_is_refused_and_the_message_says_so(verified):
    values = {"email": "maria@office.gov"} | ({} if verified is None else {"email_verified": verified})
    verdict = judge(claims(**values), RULE)
    assert verdict.editor is None
    assert verdict.reason == (
        "The identity provider has not verified the email address maria@office.gov, so it cannot make you an editor (it is on the list)."
    )


def test_email_verified_sent_as_text_true_counts():  # Amazon Cognito sends "true"
    assert judge(claims(email="maria@office.gov", email_verified="true"), RULE).editor == "maria@office.gov"


def test_the_configured_claim_makes_an_editor_as_a_list_or_a_single_value():
    assert judge(claims(email="ana@else.org", email_verified=True, groups=["staff", "usascp-editors"]), RULE).editor == "ana@else.org"
    assert judge(claims(email="ana@else.org", email_verified=True, groups="usascp-editors"), RULE).editor == "ana@else.org"
    # Never by a near value, another claim, or a value inside a longer one.
    for held in (["usascp-editors-old"], "usascp-editors staff", ["USASCP-EDITORS"], None, 3):
        assert judge(claims(email="ana@else.org", email_verified=True, groups=held), RULE).editor is None
    assert judge(claims(email="ana@else.org", email_verified=True, roles=["usascp-editors"]), RULE).editor is None


def test_a_claim_editor_whose_email_is_unverified_is_named_by_name_not_by_that_email():
    verdict = judge(claims(email="boss@office.gov", name="Ana", groups=["usascp-editors"]), RULE)
    assert verdict.editor == "Ana"


def test_no_email_at_all_is_refused_with_a_reason():
    verdict = judge(claims(), RULE)
    assert verdict.editor is None
    assert verdict.reason == "The identity provider sent no email address, so you cannot be recognised as an editor."
    assert verdict.shown_as == "s-1"


def test_a_rule_with_emails_only_or_claim_only_reads():
    assert read_editor_rule({"emails": ["a@b.org"]}) == EditorRule(frozenset({"a@b.org"}))
    assert read_editor_rule({"claim": " groups ", "claim_value": "eds"}) == EditorRule(claim="groups", claim_value="eds")


@pytest.mark.parametrize(
    "section, problem",
    [
        (None, "[usascp_editors] in secrets.toml is missing, so it names no editor"),
        ("maria@office.gov", "[usascp_editors] in secrets.toml must be a table"),
        ({"emails": []}, "names nobody: its emails list is empty and it sets no claim"),
        ({}, "names nobody"),
        ({"emails": "maria@office.gov"}, "emails in [usascp_editors] in secrets.toml must be a list of addresses"),
        ({"emails": ["maria@office.gov", "maria"]}, "Entry 2 of emails in [usascp_editors] in secrets.toml is neither an address"),
        ({"emails": ["a@b@c"]}, "Entry 1 of emails"),
        ({"emails": ["a b@c.org"]}, "Entry 1 of emails"),
        ({"emails": [3]}, "Entry 1 of emails in [usascp_editors] in secrets.toml is not text."),
        ({"emails": ["a@" + "b" * 300]}, "is longer than 254 characters"),
        ({"emails": ["a@b.org"] * 10_001}, "lists 10,001 entries; at most 10,000 are read"),
        ({"email": ["a@b.org"]}, "has a key 'email' it does not use"),
        ({"claim": "groups"}, "needs both claim and claim_value"),
        ({"claim": "", "claim_value": "x"}, "claim in [usascp_editors] in secrets.toml must be text of 1 to 254 characters"),
        ({"emails": ["a@b.org"], "provider_name": ""}, "provider_name in [usascp_editors] in secrets.toml must be text"),
    ],
)
def test_a_malformed_or_empty_rule_is_refused_with_a_sentence_and_makes_nobody_an_editor(section, problem):
    with pytest.raises(EditorRuleError) as error:
        read_editor_rule(section)
    assert problem in str(error.value)


def test_a_rule_problem_never_repeats_an_entry_of_the_list():  # the page shows it to anyone who opens it
    with pytest.raises(EditorRuleError) as error:
        read_editor_rule({"emails": ["secret-person@office", "not an address"]})
    assert "not an address" not in str(error.value) and "secret-person" not in str(error.value)


def test_providers_are_the_default_and_each_named_section_with_a_client():
    assert providers(None) == [] and providers({"redirect_uri": "x", "cookie_secret": "y"}) == []
    assert providers({"client_id": "a", "server_metadata_url": "u"}) == ["default"]
    assert providers({"redirect_uri": "x", "entra": {"client_id": "a"}, "bad_name": {"client_id": "b"}, "other": {}}) == ["entra"]
    assert provider_label("default", None) == "the office's identity provider"
    assert provider_label("default", read_editor_rule({"emails": ["a@b.org"], "provider_name": "Office 365"})) == "Office 365"
    assert provider_label("entra", None) == "entra"


class _Provider(http.server.BaseHTTPRequestHandler):
    body = b""
    status = 200

    def do_GET(self):
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def metadata_server():
    def serve(body: bytes, status: int = 200):
        handler = type("Handler", (_Provider,), {"body": body, "status": status})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration"

    servers = []
    yield serve
    for server in servers:
        server.shutdown()


def test_a_provider_that_answers_with_metadata_has_no_problem(metadata_server):
    url = metadata_server(json.dumps({"issuer": "x", "authorization_endpoint": "http://a", "token_endpoint": "http://t"}).encode())
    assert provider_problem(url) is None


def test_a_provider_that_is_down_or_wrong_gets_a_sentence(metadata_server):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = unused.getsockname()[1]
    assert provider_problem(f"http://127.0.0.1:{closed}/x") == (
        "The identity provider cannot be reached (its address refused the connection or does not resolve)."
    )
    assert provider_problem(metadata_server(b"{}", 500)) == "The identity provider answered its metadata address with HTTP 500."
    assert provider_problem(metadata_server(b"<html>sign in</html>")).endswith("did not answer with OpenID Connect metadata.")
    assert "larger than 1,000 bytes" in provider_problem(metadata_server(b"x" * 2_000), most_bytes=1_000)
    for url in (None, 3, "file:///etc/passwd", "ftp://x/y", "http://a b/", "javascript:alert(1)"):
        assert provider_problem(url) == "The identity provider's server_metadata_url in secrets.toml is not an http:// or https:// address."


def test_a_provider_that_never_answers_is_given_up_after_the_budget():
    import socket
    import time

    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        problem = provider_problem(f"http://127.0.0.1:{silent.getsockname()[1]}/x", timeout=0.5)
        assert time.monotonic() - started < 3
    assert problem == "The identity provider did not answer within 0.5 seconds."
