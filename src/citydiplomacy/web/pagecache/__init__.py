"""Whole public pages kept for anonymous visitors, dropped at every change of content.

See :mod:`citydiplomacy.web.pagecache.middleware` for what is kept and when it is served, and
:mod:`citydiplomacy.web.pagecache.versioning` for how a change anywhere makes every kept page
obsolete.
"""
