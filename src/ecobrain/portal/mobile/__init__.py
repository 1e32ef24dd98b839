"""The mobile web app 生态咸阳 (mounted at /m/): the installable shell (manifest, service worker, offline page),
the public side (nearby air quality, links to the complaint pages) and the staff side (my work orders, handling one
with photos, alarms). Views only read through the gate and call the work-order and alarm services."""
