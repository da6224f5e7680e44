"""Who may do what: a role per user, the cities an editor looks after, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "admin", "Secretariat administrator"
    EDITOR = "editor", "City editor"
    ANALYST = "analyst", "Analyst"


class Membership(models.Model):
    """A user's role on the platform; an editor's cities are in :class:`CityAssignment`.

    A user without a membership is *public*: they see published profiles only, like an
    anonymous visitor.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    cities = models.ManyToManyField(
        "cities.City", through="CityAssignment", related_name="editor_memberships", blank=True
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class CityAssignment(models.Model):
    """An editor may change the data of this city."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    city = models.ForeignKey("cities.City", on_delete=models.CASCADE)
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["membership", "city"], name="unique_city_assignment")
        ]


class ApiTokenManager(models.Manager["ApiToken"]):
    def create_token(self, user: Any, name: str) -> tuple[ApiToken, str]:
        """Create a token; the clear key is returned once and only its hash is kept."""
        key = secrets.token_urlsafe(32)
        token = self.create(user=user, name=name, key_hash=ApiToken.hash(key), prefix=key[:8])
        return token, key

    def authenticate(self, key: str) -> ApiToken | None:
        token = (
            self.select_related("user")
            .filter(key_hash=ApiToken.hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            return None
        return token


class ApiToken(models.Model):
    """A bearer token for the JSON API's writes; it acts with its user's permissions."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenManager()

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
