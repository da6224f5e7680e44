"""The city registry: countries and cities from GeoNames (CC BY 4.0)."""
