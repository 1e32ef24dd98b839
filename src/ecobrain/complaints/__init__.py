"""Public complaints (环境投诉): submission, triage, dispatch as a work order, reply, rating, publication."""
