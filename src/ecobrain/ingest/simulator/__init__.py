"""The HJ 212 device simulator: data loggers of air stations, flue-gas CEMS and wastewater outlets over TCP.

``profiles``, ``noise``, ``timeline``, ``values`` and ``packets`` are plain Python (no Django) so benchmarks can
generate the same packets without a database; ``device`` and ``runner`` are the asyncio network part;
``registry`` reads the devices to simulate from the database. See docs/simulator.md.
"""
