"""Writes with rules on alarms. ``raising`` is the system's side (open, repeat, escalate, clear: called by the
engine); ``lifecycle`` is the people's side (acknowledge, comment, dispatch, resolve, close, mark false);
``timeline`` writes the typed timeline row every step records."""
