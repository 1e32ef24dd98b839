"""`ecobrain import observations`: observation files (csv, jsonl, hj212, beijing-prsa) into the store, streaming."""

from ecobrain.ingest.fileimport.importer import FORMATS, FileSummary, ObservationFileImport, detect_format

__all__ = ["FORMATS", "FileSummary", "ObservationFileImport", "detect_format"]
