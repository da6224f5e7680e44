"""The web platform: a Django project (accounts, city registry, KPI data, profiles, JSON API)."""
