"""The observation document: one format for MQTT JSON, HTTP JSON/CSV and file import (docs/ingest.md).

A row is a device (MN), a resolution, a time, a factor code and its value text (plus an optional device
flag and other HJ 212 suffixes). :mod:`.parse` reads JSON and CSV into records, :mod:`.validate` checks
them against the registry and the caller's scope, :mod:`.store` writes the valid rows idempotently.
"""

from ecobrain.ingest.documents.parse import DocumentError, Entry, Record, RowError, read_csv, read_json
from ecobrain.ingest.documents.store import (
    MAX_ROWS_PER_CALL,
    IngestReport,
    SeriesCache,
    ingest_records,
    write_rows,
)
from ecobrain.ingest.documents.validate import (
    RESOLUTIONS,
    DeviceScope,
    Scope,
    UserScope,
    Validator,
    ValidRow,
    period_start,
)

__all__ = [
    "MAX_ROWS_PER_CALL",
    "RESOLUTIONS",
    "DeviceScope",
    "DocumentError",
    "Entry",
    "IngestReport",
    "Record",
    "RowError",
    "Scope",
    "SeriesCache",
    "UserScope",
    "ValidRow",
    "Validator",
    "ingest_records",
    "period_start",
    "read_csv",
    "read_json",
    "write_rows",
]
