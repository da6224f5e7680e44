"""The API's rate limit counts in the shared cache, atomically: at most the limit passes however
many threads (here) or processes and hosts (``test_tasks_redis.py``) ask at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from citydiplomacy.web.api.api import RequesterThrottle
from citydiplomacy.web.apikit import throttle as throttle_module


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock()
    cache.clear()
    yield c
    cache.clear()


def limiter(rate: str, clock: Clock) -> RequesterThrottle:
    t = RequesterThrottle(rate)
    t.clock = clock  # type: ignore[method-assign]
    return t


def anonymous(address: str = "203.0.113.7") -> Any:
    return RequestFactory().get("/api/cities", REMOTE_ADDR=address)


def test_at_most_the_limit_passes_and_the_rest_are_told_when_to_retry(clock: Clock) -> None:
    t = limiter("10/min", clock)
    answers = [t.allow_request(anonymous()) for _ in range(15)]
    assert answers == [True] * 10 + [False] * 5
    wait = t.wait()
    assert wait is not None and 1 <= wait <= 60
    # Another client has its own count.
    assert t.allow_request(anonymous("198.51.100.1"))


def test_the_window_slides_and_refused_requests_do_not_count(clock: Clock) -> None:
    t = limiter("10/min", clock)
    for _ in range(6):
        assert t.allow_request(anonymous())
    clock.now += 30
    for _ in range(4):
        assert t.allow_request(anonymous())
    for _ in range(50):  # a client hammering while limited does not push its window on
        assert not t.allow_request(anonymous())
    clock.now += 30  # the first six are now more than a minute old
    for _ in range(6):
        assert t.allow_request(anonymous())
    assert not t.allow_request(anonymous())


def test_threads_at_once_get_exactly_the_limit(clock: Clock) -> None:
    """Count first, then check: concurrent requests never pass together past the limit (the
    regression test of the per-process count is the multi-process one in
    ``test_tasks_redis.py``; under the GIL threads rarely showed ninja's race)."""
    t = limiter("300/min", clock)
    passed = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def client() -> None:
        start.wait()
        n = sum(t.allow_request(anonymous()) for _ in range(50))
        with lock:
            passed.append(n)

    threads = [threading.Thread(target=client) for _ in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(passed) == 300


def test_a_cache_that_does_not_answer_lets_requests_through(
    clock: Clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(throttle_module.cache, "add", down)
    t = limiter("1/min", clock)
    assert t.allow_request(anonymous()) and t.allow_request(anonymous())
    assert "rate limit not counted" in caplog.text


@pytest.mark.django_db
def test_the_api_answers_429_with_retry_after(client: Any, settings: Any) -> None:
    from citydiplomacy.web.api import api as api_module

    cache.clear()
    (t,) = api_module.api.throttle  # type: ignore[misc]
    before = t.num_requests
    t.num_requests = 3
    try:
        codes = [client.get("/api/cities").status_code for _ in range(5)]
    finally:
        t.num_requests = before
        cache.clear()
    assert codes == [200, 200, 200, 429, 429]


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(clock: Clock) -> None:
    """Without a proxy in front (development, CITYDIPLOMACY_PROXIES=0), X-Forwarded-For is the
    client's own text: ninja used it whole as the client's identity, so a new value in each
    request was never limited."""
    t = limiter("5/min", clock)
    answers = [
        t.allow_request(
            RequestFactory().get(
                "/api/cities", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
            )
        )
        for i in range(8)
    ]
    assert answers == [True] * 5 + [False] * 3


def test_behind_one_proxy_the_address_it_saw_is_the_client(clock: Clock, settings: Any) -> None:
    settings.NINJA_NUM_PROXIES = 1  # ninja reloads its settings on this signal
    t = limiter("2/min", clock)

    def via_proxy(forwarded: str) -> bool:
        request = RequestFactory().get(
            "/api/cities", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR=forwarded
        )
        return t.allow_request(request)

    # The client forges the first address; the proxy appends the one it saw.
    assert [via_proxy(f"1.2.3.{i}, 198.51.100.20") for i in range(3)] == [True, True, False]
    assert via_proxy("198.51.100.21")  # another client


def test_a_process_behind_a_slot_boundary_sees_the_requests_counted_after_it(
    clock: Clock,
) -> None:
    """Two processes on one cache, one whose clock was read just after a slot boundary, the
    other just before it (its request reaches the cache later): the earlier one must count
    the later slot's requests too. Without it, a burst across four processes on Redis got
    102 answers at a limit of 100."""
    late = Clock(clock.now + throttle_module.SLOTS * 1000)  # any slot start
    early = Clock(late.now - 0.001)  # the slot before, a millisecond earlier
    after = limiter("2/min", late)
    before = limiter("2/min", early)
    assert after.allow_request(anonymous()) and after.allow_request(anonymous())
    assert not before.allow_request(anonymous())
