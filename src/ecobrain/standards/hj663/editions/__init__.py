"""The HJ 663 editions as data: one module per edition, each exporting ``EDITION`` (an :class:`AssessmentEdition`)."""
