"""Work-order pages: lists (``lists``), one order and its steps (``detail``, ``steps``), creation (``create``),
the overdue board and statistics (``boards``), the deadline settings (``settings``)."""
