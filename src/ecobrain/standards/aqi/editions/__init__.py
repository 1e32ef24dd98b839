"""The HJ 633 editions as data: one module per edition, each exporting ``EDITION`` (an :class:`Edition`)."""
