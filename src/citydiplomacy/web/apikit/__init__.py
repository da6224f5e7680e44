"""What every part of the JSON API shares: who is asking (``auth``), the one error shape
(``errors``), pages of results (``pagination``), checked text fields (``fields``) and the
rate limit every process shares (``throttle``).

The apps' routers import these; :mod:`citydiplomacy.web.api.api` mounts the routers. This
package imports no feature app (a contract in ``pyproject.toml``), so the apps depend on it
and not on the module that mounts them: no cycle.
"""
