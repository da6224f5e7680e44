"""The passes of :func:`citydiplomacy.core.validate.validate_long`, one module each.

They share the input's columns decided once per distinct value (:mod:`.columns`) and the
per-row columns in :class:`.state.Work`; :mod:`citydiplomacy.core.validate` runs them in order
and is the module to import from.
"""
