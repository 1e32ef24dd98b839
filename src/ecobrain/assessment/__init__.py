"""Environmental quality assessment (环境质量评价): AQI and, later, HJ 663 statistics, rankings and reports."""
