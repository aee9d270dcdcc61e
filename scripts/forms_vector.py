"""Write tests/vectors/forms/schemas.json: the event catalogue as GET /api/v1/schemas serves it, in the schemas'
own member order, for the form generator's Node tests (tests/js/forms.test.cjs). A test fails when the catalogue
changes and this file does not: run ``.venv/bin/python scripts/forms_vector.py``."""

from __future__ import annotations

import json
from pathlib import Path

from ginseng_trace.events.catalogue import catalogue

VECTOR = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "forms" / "schemas.json"


def schemas_json() -> str:
    found = {name: dict(schema.schema) for name, schema in sorted(catalogue().items())}
    return json.dumps(found, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    VECTOR.parent.mkdir(parents=True, exist_ok=True)
    VECTOR.write_text(schemas_json(), encoding="utf-8")
    print(f"wrote {VECTOR}")
