"""JSON API of the reports app (mounted on the platform's API at /api/)."""

from ninja import Router

router = Router(tags=["Reports"])
