"""The garbage collector of a service process (`ecobrain gateway`, `serve`, `demo`): ``tune_gc``.

Persona: the operator whose gateway must keep up with thousands of packets a second; the collector's default
thresholds cost the writer a sixth of its CPU (bench/README.md, "Where the time goes").
"""

from __future__ import annotations

import json
import subprocess
import sys

from ecobrain.core.processes import SERVICE_GC_THRESHOLDS

# In a fresh interpreter: tune_gc changes process-wide state, which the test process must keep at its defaults.
PROBE = """
import gc, json
from ecobrain.core.processes import tune_gc
before = gc.get_threshold()
tune_gc()
print(json.dumps({"before": before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_tune_gc_freezes_the_start_up_objects_and_raises_the_young_threshold():
    command = [sys.executable, "-c", PROBE]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)  # noqa: S603 - fixed code
    figures = json.loads(result.stdout)
    assert figures["before"] == [700, 10, 10]  # CPython's defaults
    assert figures["after"] == list(SERVICE_GC_THRESHOLDS)
    assert figures["frozen"] > 1000  # the interpreter's and the imported modules' objects
