"""``python -m bench``: every benchmark in one run, one report (bench/report.py)."""

from .report import main

raise SystemExit(main())
