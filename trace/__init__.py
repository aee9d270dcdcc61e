"""Ginseng Trace: a traceability ledger for Jilin ginseng (import name ``ginseng_trace``)."""

__version__ = "0.1.0"
