"""The content version: one row, a new token after every committed write to the site's content."""

from __future__ import annotations

from django.db import models


class ContentVersion(models.Model):
    """The site's content version (row 1): a new random token after every committed write
    to a table whose rows a public page may show. Kept public pages are stored under the
    token they were rendered at, so after a change none of them is served again.

    A random token rather than a counter: a counter goes back to an earlier value when a
    transaction that moved it is rolled back or the table is emptied, and a page kept under
    that value would then be served for other content.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "content version"

    def __str__(self) -> str:
        return f"content version {self.token}"
