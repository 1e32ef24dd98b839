"""Assessment pages: air quality now, a station's or a region's history, rankings."""
