"""The production server as a deployment runs it: ``citydiplomacy serve`` (gunicorn) started
from the installed package in a subprocess, with production settings and a data directory that
does not exist yet, checked over HTTP (pages, hashed static files, security headers, cookies).

The server runs on its own fresh SQLite file in a temporary directory whatever database the
suite uses (a fresh deployment migrates it at start-up); ``DATABASE_URL`` and ``REDIS_URL`` are
removed from its environment.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

BIN = Path(sys.executable).parent
CITYDIPLOMACY = str(BIN / "citydiplomacy")
HOST = "citydiplomacy.example.org"
PASSWORD = "a-long-production-test-password-9"
#: Behind its TLS proxy the server sees HTTPS requests by this header (SECURE_PROXY_SSL_HEADER).
HTTPS = {"X-Forwarded-Proto": "https", "Host": HOST}
STARTUP_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def production_env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CITYDIPLOMACY_", "DJANGO_"))
        and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        CITYDIPLOMACY_ENV="production",
        CITYDIPLOMACY_SECRET_KEY=secrets.token_urlsafe(50),
        CITYDIPLOMACY_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        CITYDIPLOMACY_DATA_DIR=str(data_dir),
        CITYDIPLOMACY_SENSITIVITY_RUNS="16",
    )
    return env


@dataclass
class Server:
    port: int
    data_dir: Path
    log: Path

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: str | None = None,
    ) -> tuple[http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    def get(self, path: str, **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
        return self.request("GET", path, {**HTTPS, **headers})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("production")
    data_dir = root / "fresh" / "var"  # does not exist: serve must create it
    env = production_env(data_dir)
    port = _free_port()
    log = root / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CITYDIPLOMACY, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # gunicorn and its workers in one group, stopped together
        )
    srv = Server(port, data_dir, log)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                srv.get("/")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"serve did not answer in {STARTUP_SECONDS} s:\n{log.read_text()}")
                time.sleep(0.5)
        # An account to log in with (the same SQLite file the server migrated).
        made = subprocess.run(
            [CITYDIPLOMACY, "manage", "createsuperuser", "--noinput", "--username", "operator"],
            env={
                **env,
                "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
                "DJANGO_SUPERUSER_EMAIL": "operator@example.org",
            },
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stderr
        yield srv
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


#: Public pages that answer 200 on a fresh, empty deployment.
PAGES = [
    "/",
    "/cities/",
    "/ranking/",
    "/partners/",
    "/compare/",
    "/events/",
    "/forums/",
    "/declarations/",
    "/commitments/",
    "/partners/networks/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/api/docs",
    "/admin/login/",
]


def test_the_data_directory_was_created(server: Server) -> None:
    assert (server.data_dir / "citydiplomacy.sqlite3").is_file()
    assert (server.data_dir / "static" / "staticfiles.json").is_file()


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_with_the_security_headers(server: Server, path: str) -> None:
    response, body = server.get(path)
    assert response.status == 200, body[:500]
    csp = response.getheader("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
    assert "geolocation=()" in response.getheader("Permissions-Policy", "")
    assert response.getheader("Strict-Transport-Security") == (
        "max-age=31536000; includeSubDomains; preload"
    )
    # No page of the site carries an inline script or style (the policy would block them).
    html = body.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
    assert "<style" not in html and " style=" not in html


def _kept(server: Server, path: str) -> tuple[http.client.HTTPResponse, bytes]:
    """``path`` as served from the page cache (each of the two workers keeps its own)."""
    for _ in range(20):
        response, body = server.get(path)
        if response.getheader("X-Page-Cache") == "hit":
            return response, body
    pytest.fail(f"{path} was never served from the page cache")


def test_a_kept_page_has_the_security_headers_and_its_own_csrf_cookie(server: Server) -> None:
    first, _ = server.get("/events/")
    kept, body = _kept(server, "/events/")
    for name in (
        "Content-Security-Policy",
        "Strict-Transport-Security",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
    ):
        assert kept.getheader(name) == first.getheader(name), name
    cookies = _cookies(kept)
    assert set(cookies) == {"__Host-csrftoken"}
    _assert_hardened(cookies["__Host-csrftoken"])
    tokens = set(re.findall(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body))
    assert tokens and not any(b"Placeholder" in t for t in tokens)


def test_a_change_made_by_another_process_shows_on_the_next_anonymous_request(
    server: Server,
) -> None:
    _kept(server, "/events/")
    made = subprocess.run(
        [
            CITYDIPLOMACY,
            "manage",
            "shell",
            "-c",
            "import datetime as d; from citydiplomacy.web.engagement.models import Event; "
            "t = d.date.today() + d.timedelta(days=20); "
            "Event.objects.create(slug='kept-page-test', name='Kept page test summit', "
            "kind='other', start_date=t, end_date=t, place='Geneva', organiser='UNECE', "
            "source_url='https://unece.org/')",
        ],
        env=production_env(server.data_dir),
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    for _ in range(4):  # whichever worker answers, its kept page is obsolete
        _, body = server.get("/events/")
        assert b"Kept page test summit" in body


def test_the_openapi_schema_answers(server: Server) -> None:
    response, body = server.get("/api/openapi.json")
    assert response.status == 200
    assert body.startswith(b"{")


def test_plain_http_is_redirected_to_https(server: Server) -> None:
    response, _ = server.request("GET", "/cities/?q=x", {"Host": HOST})
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/cities/?q=x"


def test_an_unknown_host_is_refused(server: Server) -> None:
    response, _ = server.request("GET", "/", {**HTTPS, "Host": "evil.example.com"})
    assert response.status == 400


def test_static_files_are_served_with_hashed_names(server: Server) -> None:
    hashed = re.compile(r"\.[0-9a-f]{12}\.(css|js|svg|png|ico)$")
    _, home = server.get("/")
    _, docs = server.get("/api/docs")
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', home.decode() + docs.decode())
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    assert "/static/js/swagger-init.js" not in assets  # the page names the hashed copy
    for asset in assets:
        assert hashed.search(asset), asset
        response, body = server.get(asset, **{"Accept-Encoding": "gzip"})
        assert response.status == 200, asset
        assert body
        cache = response.getheader("Cache-Control", "")
        assert "immutable" in cache and "max-age=315360000" in cache, (asset, cache)
        assert response.getheader("X-Content-Type-Options") == "nosniff"


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """Each Set-Cookie header by cookie name (the raw header, attributes included)."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_all("Set-Cookie") or []}


def _assert_hardened(header: str) -> None:
    attributes = [a.strip().lower() for a in header.split(";")[1:]]
    assert "secure" in attributes, header
    assert "httponly" in attributes, header
    assert "samesite=lax" in attributes, header
    assert "path=/" in attributes, header
    assert not any(a.startswith("domain=") for a in attributes), header


def test_csrf_and_session_cookies_are_secure_httponly_and_same_site(server: Server) -> None:
    response, body = server.get("/accounts/login/")
    cookies = _cookies(response)
    assert set(cookies) == {"__Host-csrftoken"}
    _assert_hardened(cookies["__Host-csrftoken"])
    jar = SimpleCookie()
    jar.load(cookies["__Host-csrftoken"])
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token is not None
    form = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": "operator",
            "password": PASSWORD,
        }
    )
    response, _ = server.request(
        "POST",
        "/accounts/login/",
        {
            **HTTPS,
            "Cookie": f"__Host-csrftoken={jar['__Host-csrftoken'].value}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"https://{HOST}/accounts/login/",
        },
        form,
    )
    assert response.status == 302, response.getheader("Location")
    cookies = _cookies(response)
    assert "__Host-sessionid" in cookies
    _assert_hardened(cookies["__Host-sessionid"])
    assert "sessionid" not in cookies and "csrftoken" not in cookies


def test_the_login_form_refuses_a_post_without_the_csrf_cookie(server: Server) -> None:
    form = urlencode({"username": "operator", "password": PASSWORD})
    response, _ = server.request(
        "POST",
        "/accounts/login/",
        {**HTTPS, "Content-Type": "application/x-www-form-urlencoded"},
        form,
    )
    assert response.status == 403


def test_the_log_has_no_traceback(server: Server) -> None:
    assert "Traceback" not in server.log.read_text()


# ------------------------------------------------------------------ refusing to start
def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CITYDIPLOMACY, "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_data_directory_that_cannot_be_created_is_one_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    done = _serve(production_env(blocker / "var"))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: the data directory {blocker / 'var'} (CITYDIPLOMACY_DATA_DIR) cannot be "
        "created: Not a directory; create it or point CITYDIPLOMACY_DATA_DIR to a writable one"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any directory")
def test_a_data_directory_that_cannot_be_written_is_one_message(tmp_path: Path) -> None:
    locked = tmp_path / "var"
    locked.mkdir(mode=0o500)
    done = _serve(production_env(locked))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "is not writable" in done.stderr


def test_a_missing_secret_key_is_one_message(tmp_path: Path) -> None:
    env = production_env(tmp_path / "var")
    del env["CITYDIPLOMACY_SECRET_KEY"]
    done = _serve(env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: CITYDIPLOMACY_SECRET_KEY must be set in production (CITYDIPLOMACY_ENV=production);"
        " see docs/web.md"
    ]


# ------------------------------------------------------------------ static files
def test_collectstatic_with_the_production_storage(tmp_path: Path, settings: Any) -> None:
    """The manifest storage follows every reference in CSS and JavaScript (url(),
    sourceMappingURL, imports) to hash it: a vendored file naming a file that is not shipped
    (leaflet.js's source map) made collectstatic fail, and production never started."""
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "js/swagger-init.js" in manifest["paths"]
    vendored = [p for p in manifest["paths"] if p.startswith("vendor/")]
    for name in vendored:
        if name.endswith((".js", ".css")):
            text = (tmp_path / "static" / manifest["paths"][name]).read_text(encoding="utf-8")
            assert "sourceMappingURL=" not in text, name


# ------------------------------------------------------------------ any settings
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/cities/", "/api/docs", "/api/cities", "/no-such-page/"])
def test_every_response_carries_the_policy_headers(client: Any, path: str) -> None:
    """In development and tests too (the production server is checked above): the policy is
    the same everywhere, so a page that breaks under it breaks in the tests first."""
    r = client.get(path)
    csp = r.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "camera=()" in r.headers.get("Permissions-Policy", "")
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("Referrer-Policy") == "same-origin"
