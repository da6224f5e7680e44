"""KPI data: values with their provenance and status, submissions, audit trail, profiles."""
