"""Open311 GeoReport v2 endpoints over the complaint services."""
