"""The public portal (no login) and the mobile web app 生态咸阳: air and water quality, disclosure, open data."""
