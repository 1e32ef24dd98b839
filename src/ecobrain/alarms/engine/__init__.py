"""The alarm rule engine (docs/alarm-engine.md).

- ``core``: the :class:`Engine` (index from data to rules, per-(rule, object) states, transitions), one per
  process via :func:`get_engine`.
- ``rules``, ``objects``: enabled rules and what the engine knows of the objects they watch.
- ``state``: verdict history per (rule, object), keyed by period.
- ``checks``, ``area_checks``: one class per rule kind, turning a row into a verdict.
- ``live``: evaluation right after commit (``monitoring.feed``); ``sweep``: the scheduled jobs' side.
"""

from ecobrain.alarms.engine.core import Engine, get_engine, reset_engine

__all__ = ["Engine", "get_engine", "reset_engine"]
