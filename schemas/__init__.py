"""Event payload schemas (JSON Schema 2020-12 written in YAML), installed as ``ginseng_trace.schemas``."""
