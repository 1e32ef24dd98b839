"""The in-memory state of one (rule, object): its recent verdicts keyed by period, and whether its alarm is open.

A verdict is BAD (the condition holds), GOOD (clearly normal: past the hysteresis) or HOLD (in between: neither
counts towards opening nor towards clearing, and it breaks both runs). The state keeps the last ``depth``
verdicts sorted by period; re-evaluating a period replaces its verdict (the same verdict again changes nothing),
so evaluating an observation twice never counts it twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

BAD = 1
HOLD = 0
GOOD = -1

NEVER = datetime.min.replace(tzinfo=UTC)


class RuleState:
    """Verdict history and alarm status of one (rule, object key)."""

    __slots__ = (
        "bad_run",
        "depth",
        "good_run",
        "history",
        "key",
        "last_period",
        "last_verdict",
        "open",
        "primed",
        "recorded_period",
        "rule_id",
    )

    def __init__(self, rule_id: int, key: str, depth: int, *, open_: bool = False, recorded: datetime | None = None):
        self.rule_id = rule_id
        self.key = key
        self.depth = max(2, depth)
        self.history: list[tuple[datetime, int, float | None, int]] = []  # (period, verdict, value, tag), sorted
        self.last_period = NEVER
        self.last_verdict = HOLD
        self.bad_run = 0
        self.good_run = 0
        self.open = open_
        self.recorded_period = recorded or NEVER  # the open alarm's last period as known here
        self.primed = False

    def reset(self, *, open_: bool, recorded: datetime | None) -> None:
        """Forget everything (a failed write, a changed rule): the next evaluation primes it again."""
        self.history = []
        self.last_period = NEVER
        self.last_verdict = HOLD
        self.bad_run = self.good_run = 0
        self.open = open_
        self.recorded_period = recorded or NEVER
        self.primed = False

    def update(self, period: datetime, verdict: int, value: float | None, tag: int = 0) -> bool:
        """Record the verdict of ``period``; False when nothing changed (the same verdict again, or too old)."""
        if period > self.last_period:  # the usual case: the next period
            history = self.history
            history.append((period, verdict, value, tag))
            if len(history) > 2 * self.depth:
                del history[: -self.depth]
            self.last_period = period
            self.last_verdict = verdict
            if verdict == BAD:
                self.bad_run += 1
                self.good_run = 0
            elif verdict == GOOD:
                self.good_run += 1
                self.bad_run = 0
            else:
                self.bad_run = self.good_run = 0
            return True
        return self._revise(period, verdict, value, tag)

    def _revise(self, period: datetime, verdict: int, value: float | None, tag: int) -> bool:
        """A period already seen (re-evaluated) or older than the last one (late data)."""
        history = self.history
        index = len(history) - 1
        while index >= 0 and history[index][0] > period:
            index -= 1
        entry = (period, verdict, value, tag)
        if index >= 0 and history[index][0] == period:
            if history[index] == entry:
                return False
            history[index] = entry
        elif index < 0 and len(history) >= self.depth:
            return False  # older than everything kept: it cannot change the runs
        else:
            history.insert(index + 1, entry)
            if len(history) > 2 * self.depth:
                del history[: -self.depth]
        self._recount()
        return True

    def _recount(self) -> None:
        history = self.history
        self.last_period, self.last_verdict = history[-1][0], history[-1][1]
        run = 0
        for entry in reversed(history):
            if entry[1] != self.last_verdict:
                break
            run += 1
        self.bad_run = run if self.last_verdict == BAD else 0
        self.good_run = run if self.last_verdict == GOOD else 0

    def bad_run_entries(self) -> list[tuple[datetime, int, float | None, int]]:
        """The entries of the current run of BAD verdicts (as far as kept), oldest first."""
        history = self.history
        run = []
        for entry in reversed(history):
            if entry[1] != BAD:
                break
            run.append(entry)
        run.reverse()
        return run

    def previous(self, period: datetime) -> tuple[datetime, int, float | None, int] | None:
        """The latest entry before ``period``."""
        history = self.history
        for index in range(len(history) - 1, -1, -1):
            if history[index][0] < period:
                return history[index]
        return None

    def values_between(self, start: datetime, end: datetime) -> list[float]:
        """Values of the entries with ``start <= period < end``."""
        return [entry[2] for entry in self.history if start <= entry[0] < end and entry[2] is not None]
