"""JSON API of the multilateral engagement app (mounted on the platform's API at /api/)."""

from ninja import Router

router = Router(tags=["Multilateral engagement"])
