"""EcoBrain 生态环境智慧大脑 — a smart eco-environment platform for city ecology and environment bureaus."""

__version__ = "0.1.0"
