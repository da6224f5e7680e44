"""The content version, and the watch on database writes that moves it on.

Every connection this process opens gets an execute wrapper (Django's documented database
instrumentation, :meth:`~django.db.backends.base.base.BaseDatabaseWrapper.execute_wrapper`)
that looks at each statement: an ``INSERT``, ``UPDATE``, ``DELETE``, ``REPLACE`` or
``TRUNCATE`` on a table a public page may show gives the content version a new token once
the write is committed (right away outside a transaction). Watching statements rather than
model signals also sees ``QuerySet.update()``, ``bulk_create()``, raw SQL and the writes of
other processes that run this code (management commands, task workers), none of which send
``post_save``.

While a connection holds writes that are not committed yet, :func:`pending_writes` is true:
the page cache neither serves nor keeps a page on that connection, since what it would read
is not what others see (and inside a test's rolled-back transaction, never will be).

Writes made with other tools (``psql``) are not seen: kept pages then age out after
``CITYDIPLOMACY_PAGE_CACHE_SECONDS``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

log = logging.getLogger(__name__)

TABLE = "pagecache_contentversion"

#: Tables no public page shows: sessions, log-in attempts, the admin's log, the version
#: itself, users' inboxes and invitations, and the users table (every log-in updates
#: ``last_login``). A write to any other table moves the version on.
IGNORED_TABLES = re.compile(
    r"^(django_session|django_admin_log|axes_\w*|pagecache_\w*|notifications_\w*|auth_user)$"
)

#: The statement kinds that change rows, and the table each names first.
_WRITE = re.compile(
    r"""^\s*(?:
        insert\s+(?:or\s+\w+\s+)?into
        | replace\s+into
        | update(?:\s+or\s+\w+)?
        | delete\s+from
        | truncate(?:\s+table)?
    )\s+[`"\[]?(\w+)""",
    re.IGNORECASE | re.VERBOSE,
)

#: Marks a connection whose wrapper is installed (a connection object is reused after a
#: reconnect, and ``connection_created`` is sent again).
_INSTALLED = "_citydiplomacy_pagecache_watch"


def written_table(sql: str) -> str | None:
    """The table a writing statement changes, or ``None`` for a statement that only reads.

    Examples
    --------
    >>> written_table('UPDATE "cities_city" SET "name" = %s')
    'cities_city'
    >>> written_table('SELECT 1') is None
    True
    """
    found = _WRITE.match(sql)
    return found.group(1).lower() if found else None


def watches(sql: str) -> bool:
    """Whether ``sql`` writes to a table a public page may show (a ``TRUNCATE`` always
    counts: it names many tables, and only the first is read)."""
    table = written_table(sql)
    if table is None:
        return False
    return sql.lstrip()[:8].lower() == "truncate" or IGNORED_TABLES.match(table) is None


def watch_connection(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Receiver of ``connection_created``: install the write watch on ``connection`` once."""
    if not getattr(connection, _INSTALLED, False):
        connection.execute_wrappers.append(_Watch(connection.alias))
        setattr(connection, _INSTALLED, True)


class _Watch:
    """The execute wrapper of one connection (see the module's description)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias
        self.bump_after_commit = _AfterCommit(alias)

    def __call__(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        result = execute(sql, params, many, context)
        if isinstance(sql, str) and watches(sql):
            connection = connections[self.alias]
            if connection.in_atomic_block:
                if not _pending(connection, self.bump_after_commit):
                    transaction.on_commit(self.bump_after_commit, using=self.alias, robust=True)
            else:
                bump(self.alias)
        return result


class _AfterCommit:
    """The one callable a connection queues for after its commit (found again by identity,
    so a transaction of many writes queues it once)."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    def __call__(self) -> None:
        bump(self.alias)


def _pending(connection: BaseDatabaseWrapper, callback: _AfterCommit) -> bool:
    # ``run_on_commit`` holds (savepoint ids, callable, robust) for the open transaction;
    # Django drops the entries of a transaction or savepoint that is rolled back.
    return any(entry[1] is callback for entry in connection.run_on_commit)


def pending_writes(using: str = "default") -> bool:
    """Whether the connection ``using`` holds watched writes that are not committed yet."""
    connection = connections[using]
    for wrapper in connection.execute_wrappers:
        if isinstance(wrapper, _Watch):
            return _pending(connection, wrapper.bump_after_commit)
    return False


def bump(using: str = "default") -> None:
    """Give the content version a new token: every kept page becomes obsolete.

    A failure is logged, not raised: the write it follows has been committed, and before the
    table exists (while ``migrate`` runs) there is nothing to make obsolete.
    """
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (id, token) VALUES (1, %s) "
                "ON CONFLICT (id) DO UPDATE SET token = excluded.token",
                [uuid.uuid4().hex],
            )
    except DatabaseError as error:
        log.debug("content version not moved on: %s", error)


def current(using: str = "default") -> str:
    """The content version's token ('' before the first write)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return str(row[0]) if row else ""
