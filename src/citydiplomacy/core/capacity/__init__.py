"""Diplomatic capacity: the competency framework, gaps, learning plans, change, mentoring and
the office survey. Pure computation on tables and arrays (no Django, no files)."""
