"""The scoring methods, one module each: :mod:`.u4ssc` (target bands), :mod:`.sdsn` (bounded
scores and traffic lights) and :mod:`.composite` (the OECD/JRC pipeline). Each takes the
panel, the framework, the spec, the framework as index arrays and the resolved targets, and
returns a :class:`~citydiplomacy.core.result.ScoreResult`.
"""
