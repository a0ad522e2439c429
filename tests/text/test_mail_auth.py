"""Authentication-Results, Received-SPF and DKIM-Signature parsing, and the
host helpers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.text.domains import domain_in_text, find_urls, host_of_url, parse_host
from vigil.text.mail_auth import (
    parse_authentication_results,
    parse_dkim_signature,
    parse_received_spf,
)

MICROSOFT = (
    "spf=fail (sender IP is 192.0.2.1)\n smtp.mailfrom=example.net; dkim=none (message not"
    " signed)\n header.d=none;dmarc=fail action=none\n header.from=example.net;compauth=fail"
    " reason=001"
)
GOOGLE = (
    "mx.google.com;\n dkim=pass header.i=@example.org header.s=s1 header.b=AbC;\n"
    " spf=pass (google.com: domain of a@example.org designates 192.0.2.2 as permitted sender)"
    " smtp.mailfrom=a@example.org;\n dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=example.org"
)


def test_microsoft_form_without_authserv_id() -> None:
    results = parse_authentication_results(MICROSOFT)
    assert results.authserv_id == ""
    assert [(r.method, r.result) for r in results.results] == [
        ("spf", "fail"),
        ("dkim", "none"),
        ("dmarc", "fail"),
        ("compauth", "fail"),
    ]
    spf, dmarc = results.first("spf"), results.first("dmarc")
    assert spf is not None and spf.properties["smtp.mailfrom"] == "example.net"
    assert dmarc is not None and dmarc.properties["header.from"] == "example.net"


def test_google_form_with_comments() -> None:
    results = parse_authentication_results(GOOGLE)
    assert results.authserv_id == "mx.google.com"
    found = {r.method: r for r in results.results}
    assert found["dkim"].properties["header.i"] == "@example.org"
    assert (found["spf"].result, found["dmarc"].result) == ("pass", "pass")


def test_arc_instance_tag_is_not_a_method() -> None:
    results = parse_authentication_results("i=1; mx.example; spf=pass smtp.mailfrom=x.example")
    assert [r.method for r in results.results] == ["spf"]


def test_received_spf_and_dkim_signature() -> None:
    spf = parse_received_spf(
        "SoftFail (protection.outlook.com: domain of transitioning example.net discourages use"
        " of 192.0.2.1 as permitted sender) receiver=x; client-ip=192.0.2.1;"
        " envelope-from=bounce@example.net"
    )
    assert spf is not None and spf.result == "softfail"
    assert spf.properties["smtp.mailfrom"] == "example.net"
    assert parse_received_spf("gibberish") is None
    dkim = parse_dkim_signature("v=1; a=rsa-sha256; d=Example.ORG; s=sel;\r\n h=from; b=abc")
    assert dkim is not None and (dkim.domain, dkim.selector) == ("example.org", "sel")
    assert parse_dkim_signature("v=1; s=x") is None


def test_hosts_and_urls() -> None:
    host = parse_host("Login.PayPal.com.")
    assert host is not None and (host.name, host.registrable) == ("login.paypal.com", "paypal.com")
    idn = host_of_url("https://pаypal.com/x")
    assert idn is not None and idn.name.startswith("xn--") and idn.unicode == "pаypal.com"
    assert host_of_url("javascript:alert(1)") is None
    assert host_of_url("http://[::1") is None
    assert getattr(parse_host("192.0.2.1"), "is_ip", False)
    assert find_urls("see https://a.example/x, and www.b.example.") == [
        "https://a.example/x",
        "www.b.example",
    ]
    assert getattr(domain_in_text("Go to www.bank-example.com now"), "registrable", "") == (
        "bank-example.com"
    )
    assert domain_in_text("write to info@bank-example.com") is None
    invalid = domain_in_text("Go to www.bank.invalid now")  # RFC 6761 name
    assert invalid is not None and invalid.registrable == "bank.invalid"
    assert domain_in_text("see readme.notatld") is None  # no public suffix


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_header_value_parses(value: str) -> None:
    results = parse_authentication_results(value)
    assert all(r.method and r.result for r in results.results)
    parse_received_spf(value)
    parse_dkim_signature(value)
    parse_host(value[:60])
    host_of_url(value)
    domain_in_text(value)
