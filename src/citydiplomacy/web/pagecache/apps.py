"""The public page cache: a content version that every database write moves on, and the
middleware that keeps anonymous visitors' public pages under it."""

from __future__ import annotations

from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    name = "citydiplomacy.web.pagecache"
    label = "pagecache"
    verbose_name = "Public page cache"

    def ready(self) -> None:
        """Watch every database connection this process opens for writes (see
        :func:`citydiplomacy.web.pagecache.versioning.watch_connection`)."""
        from django.db.backends.signals import connection_created

        from citydiplomacy.web.pagecache import versioning

        connection_created.connect(versioning.watch_connection, dispatch_uid="pagecache-watch")
