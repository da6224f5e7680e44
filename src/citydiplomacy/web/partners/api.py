"""JSON API of the partnerships and networks app (mounted on the platform's API at /api/)."""

from ninja import Router

router = Router(tags=["Partnerships and networks"])
