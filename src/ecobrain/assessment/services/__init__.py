"""Writes of the assessment app: the air-quality recomputation (``air``) and the late-data pass (``late``)."""

from ecobrain.assessment.services.air import RecomputeResult, recompute_air
from ecobrain.assessment.services.late import LateResult, recompute_received

__all__ = ["LateResult", "RecomputeResult", "recompute_air", "recompute_received"]
