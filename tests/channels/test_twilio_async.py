"""The Twilio channel's asyncio transport: what the SDK's client leaves out."""

from notify_admin.channels.twilio_async import environment_proxy


def test_the_environment_proxy_is_used_for_twilio(monkeypatch):
    for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://proxy.example.com:3128")
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")

    assert environment_proxy("https://api.twilio.com") == (
        "http://proxy.example.com:3128"
    )
    # NO_PROXY hosts, and schemes without a proxy, go direct.
    assert environment_proxy("https://127.0.0.1:8443") is None
    assert environment_proxy("http://twilio.internal.example.com") is None


def test_no_proxy_in_the_environment_means_direct(monkeypatch):
    for name in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]:
        monkeypatch.delenv(name, raising=False)
    assert environment_proxy("https://api.twilio.com") is None
