"""Single sign-on: who of the people the office's identity provider signs in (Streamlit's st.login, OIDC) is an editor.

Configured in .streamlit/secrets.toml beside Streamlit's own [auth] section:

    [usascp_editors]
    emails = ["maria@office.gov", "@partners.office.gov"]   # exact addresses, or a whole domain written "@domain"
    claim = "groups"                                           # optional: a claim the provider sends ...
    claim_value = "usascp-editors"                             # ... and the value that makes its bearer an editor
    provider_name = "the Office account"                       # optional: shown as "Sign in with <provider_name>"

A signed-in person is an editor when the provider vouches for their email (`email_verified` true) and it is on
`emails` (case aside), or when the claim `claim` is (or is a list holding) `claim_value`. An email the
provider has not verified never counts, however it reads. Everything in the section is hostile until checked:
a malformed section makes nobody an editor and says why to the operator (read_editor_rule), and so does a
section that names nobody. The provider's metadata address is checked the same way, and asked for its
answer with a time and size budget before the browser is sent there (provider_problem), so a provider that is
down gives a sentence instead of Streamlit's bare "Authentication error" page.

No Streamlit here: the ui (ui/sso.py) reads the secrets and st.user, and hands plain values in.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

SECTION = "usascp_editors"
MOST_EMAILS = 10_000  # an allowlist longer than this is a mistake (a pasted file), not an office
LONGEST_TEXT = 254  # the longest email address RFC 5321 lets through; also the bound for claim names and values
LONGEST_PROVIDER_NAME = 80
METADATA_SECONDS = 5.0  # a provider slower than this to give its metadata is, to a person waiting, down
METADATA_BYTES = 1_000_000  # real metadata documents are a few KB
_KEYS = {"emails", "claim", "claim_value", "provider_name"}
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")
_DOMAIN = re.compile(r"@[^@\s]+")
# Streamlit refuses provider names with "_"; the name is also the value of this browser's sign-in marker.
PROVIDER_NAME = re.compile(r"[A-Za-z0-9-]{1,40}")


class EditorRuleError(ValueError):
    """[usascp_editors] cannot be used as it is: each problem is a sentence for the operator."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclass(frozen=True)
class EditorRule:
    """Who counts as an editor among the people the identity provider signs in."""

    emails: frozenset[str] = frozenset()  # lower case
    domains: frozenset[str] = frozenset()  # lower case, without the "@"
    claim: str | None = None
    claim_value: str | None = None
    provider_name: str | None = None


@dataclass(frozen=True)
class Verdict:
    """What a signed-in person may do: `editor` is the name the change log records (None: not an editor)."""

    editor: str | None
    reason: str  # why not, as a sentence (empty for an editor)
    shown_as: str  # how the page names the signed-in person


def read_editor_rule(section: object) -> EditorRule:
    """The rule from secrets.toml's [usascp_editors] (a mapping, or None when absent); EditorRuleError when unusable."""
    where = f"[{SECTION}] in secrets.toml"
    if section is None:
        raise EditorRuleError(
            [f"Single sign-on is set up ([auth]) but {where} is missing, so it names no editor: add emails = [...] or a claim."]
        )
    if not isinstance(section, Mapping):
        raise EditorRuleError([f"{where} must be a table (a [{SECTION}] heading with keys under it)."])
    problems = []
    for key in sorted(set(map(str, section)) - _KEYS):
        problems.append(f"{where} has a key {key[:40]!r} it does not use (it knows {', '.join(sorted(_KEYS))}).")
    emails, domains = set(), set()
    listed = section.get("emails", [])
    if isinstance(listed, str) or not isinstance(listed, list | tuple):
        problems.append(f"emails in {where} must be a list of addresses, like [\"maria@office.gov\"].")
        listed = []
    elif len(listed) > MOST_EMAILS:
        problems.append(f"emails in {where} lists {len(listed):,} entries; at most {MOST_EMAILS:,} are read.")
        listed = []
    for position, entry in enumerate(listed, start=1):
        # The entry itself is not repeated: the page shows this to whoever opens it, and the list is the office's.
        if not isinstance(entry, str):
            problems.append(f"Entry {position} of emails in {where} is not text.")
        elif len(entry.strip()) > LONGEST_TEXT:
            problems.append(f"Entry {position} of emails in {where} is longer than {LONGEST_TEXT} characters.")
        elif _DOMAIN.fullmatch(entry.strip()):
            domains.add(entry.strip()[1:].lower())
        elif _ADDRESS.fullmatch(entry.strip()):
            emails.add(entry.strip().lower())
        else:
            problems.append(f"Entry {position} of emails in {where} is neither an address (name@domain) nor a domain (@domain).")
    claim, claim_value = section.get("claim"), section.get("claim_value")
    for key, value in (("claim", claim), ("claim_value", claim_value)):
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > LONGEST_TEXT):
            problems.append(f"{key} in {where} must be text of 1 to {LONGEST_TEXT} characters.")
    if (claim is None) != (claim_value is None):
        problems.append(f"{where} needs both claim and claim_value (the claim's name and the value that makes an editor), or neither.")
    provider_name = section.get("provider_name")
    if provider_name is not None and (
        not isinstance(provider_name, str) or not provider_name.strip() or len(provider_name) > LONGEST_PROVIDER_NAME
    ):
        problems.append(f"provider_name in {where} must be text of 1 to {LONGEST_PROVIDER_NAME} characters.")
    if problems:
        raise EditorRuleError(problems + ["Until this is fixed nobody who signs in with the identity provider is an editor."])
    if not emails and not domains and claim is None:
        raise EditorRuleError([f"{where} names nobody: its emails list is empty and it sets no claim, so nobody who signs in is an editor."])
    return EditorRule(
        frozenset(emails),
        frozenset(domains),
        claim.strip() if claim else None,
        claim_value.strip() if claim_value else None,
        provider_name.strip() if provider_name else None,
    )


def _verified(claims: Mapping) -> bool:
    # JSON true; some providers (Amazon Cognito) send the text "true". Anything else, absence included, is no.
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _text(value: object) -> str | None:
    return value.strip()[:LONGEST_TEXT] if isinstance(value, str) and value.strip() else None


def _carries(claims: Mapping, claim: str, value: str) -> bool:
    held = claims.get(claim)
    if isinstance(held, str):
        return held == value
    if isinstance(held, list | tuple):
        return any(isinstance(item, str) and item == value for item in held)
    return False


def judge(claims: Mapping, rule: EditorRule) -> Verdict:
    """Whether the person the provider vouched for (`claims`, as st.user holds them) is an editor, and as whom."""
    email = _text(claims.get("email"))
    verified = email is not None and _verified(claims)
    shown_as = email or _text(claims.get("name")) or _text(claims.get("sub")) or "someone the identity provider did not name"
    if rule.claim is not None and rule.claim_value is not None and _carries(claims, rule.claim, rule.claim_value):
        # The change log names a claim's bearer by an address the provider vouches for, else by name or subject.
        named = email if verified else _text(claims.get("name")) or _text(claims.get("sub")) or shown_as
        return Verdict(named, "", shown_as)
    if email is None:
        return Verdict(None, "The identity provider sent no email address, so you cannot be recognised as an editor.", shown_as)
    address = email.lower()
    listed = address in rule.emails or address.rpartition("@")[2] in rule.domains
    if not verified:
        return Verdict(
            None,
            f"The identity provider has not verified the email address {email}, so it cannot make you an editor"
            f"{' (it is on the list)' if listed else ''}.",
            shown_as,
        )
    if not listed:
        return Verdict(None, f"Signed in as {email}, who is not an editor of this dashboard.", shown_as)
    return Verdict(email, "", shown_as)


def providers(auth: object) -> list[str]:
    """The provider names st.login accepts from an [auth] section: "default" when [auth] holds a client itself,
    then each [auth.<name>] table that does. Names Streamlit would refuse (an "_", odd characters) are left out."""
    if not isinstance(auth, Mapping):
        return []
    names = ["default"] if "client_id" in auth or "server_metadata_url" in auth else []
    names += [name for name, value in auth.items() if isinstance(value, Mapping) and "client_id" in value and PROVIDER_NAME.fullmatch(name)]
    return names


def metadata_url(auth: Mapping, provider: str) -> object:
    section = auth if provider == "default" else auth.get(provider, {})
    return section.get("server_metadata_url") if isinstance(section, Mapping) else None


def provider_label(provider: str, rule: EditorRule | None) -> str:
    """How the sign-in button names a provider: provider_name for the default one, else its section's name."""
    if provider == "default":
        return rule.provider_name if rule and rule.provider_name else "the office's identity provider"
    return provider


def provider_problem(url: object, timeout: float = METADATA_SECONDS, most_bytes: int = METADATA_BYTES) -> str | None:
    """None when the provider's metadata document answers, within budget, as OIDC metadata; else why not, as a sentence.

    Asked before a person is sent to sign in: Streamlit itself answers a provider that is down with a bare
    "Authentication error" page. The address is configuration, so it is checked before use.
    """
    if not isinstance(url, str) or not re.fullmatch(r"https?://[^\s\"'<>\\]{1,2000}", url):
        return "The identity provider's server_metadata_url in secrets.toml is not an http:// or https:// address."
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=timeout) as answer:
            body = answer.read(most_bytes + 1)
    except urllib.error.HTTPError as error:
        return f"The identity provider answered its metadata address with HTTP {error.code}."
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return f"The identity provider did not answer within {timeout:g} seconds."
        return "The identity provider cannot be reached (its address refused the connection or does not resolve)."
    if len(body) > most_bytes:
        return f"The identity provider's metadata is larger than {most_bytes:,} bytes, which no real provider's is."
    try:
        metadata = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        metadata = None
    if not isinstance(metadata, dict) or not all(isinstance(metadata.get(key), str) for key in ("authorization_endpoint", "token_endpoint")):
        return "The identity provider's metadata address did not answer with OpenID Connect metadata."
    return None
