"""Mass balance of processing: the sum of all outputs (main root, fine roots, rhizome heads and waste:
:mod:`.coproducts`) never exceeds what the inputs' dry matter can give, and the main root alone is judged
by the usual fresh : main-root ratio. Pure Python; thresholds in ``schemas/rules.yaml``."""

from __future__ import annotations

from collections.abc import Iterator

from .context import Context, rules_config
from .context import num as _num
from .coproducts import MAIN_ROOT, output_of
from .findings import Finding
from .state import EPSILON, kg


def check_process_yield(c: Context) -> Iterator[Finding]:
    event = c.event
    if event.type != "process" or c.lot is not None:
        return
    settings = rules_config()["process_yield"]
    payload = event.payload
    process = str(payload["process"])
    out = sum(kg(o) for o in payload["outputs"])
    fresh_in = 0.0
    all_fresh = True
    if process in settings["drying_processes"]:
        out_moisture = float(payload.get("final_moisture_pct", settings["default_output_moisture_pct"]))
        ceiling = 0.0
        for item in payload["input_quantities"]:
            source = c.inputs.get(str(item["lot"]))
            moisture = settings["default_output_moisture_pct"]
            if source is not None and source.moisture_pct is not None:
                moisture = source.moisture_pct
            all_fresh = all_fresh and source is not None and source.kind == "harvest_lot"
            fresh_in += kg(item)
            ceiling += kg(item) * (1 - float(moisture) / 100) / max(1 - out_moisture / 100, 0.01)
        ceiling *= float(settings["drying_tolerance"])
        how = f"inputs' dry matter at {_num(out_moisture)} % moisture x {settings['drying_tolerance']}"
    else:
        factor = float(settings["max_yield"].get(process, 1.0))
        ceiling = sum(kg(item) for item in payload["input_quantities"]) * factor
        how = f"inputs x {_num(factor)}"
    if out > ceiling + EPSILON:
        yield c.violation(
            "process_yield",
            "/payload/outputs",
            f"<= {_num(ceiling)} kg",
            f"{_num(out)} kg",
            f"{process} yields {_num(out)} kg, more than the inputs can give ({how} = {_num(ceiling)} kg)",
            f"{process} 产出 {_num(out)} kg，超过原料可得量 {_num(ceiling)} kg",
        )
    ratio_rule = rules_config()["main_root_ratio"]
    mains = [i for i, o in enumerate(payload["outputs"]) if output_of(o) == MAIN_ROOT]
    main = sum(kg(payload["outputs"][i]) for i in mains)
    if process in ratio_rule["processes"] and all_fresh and main > 0:
        ratio = fresh_in / main
        low, high = float(ratio_rule["min"]), float(ratio_rule["max"])
        if not low <= ratio <= high:
            yield c.violation(
                "main_root_ratio",
                f"/payload/outputs/{mains[0]}/value",
                f"fresh : main root between {_num(low)} and {_num(high)}",
                f"{ratio:.2f}",
                f"{_num(fresh_in)} kg fresh gave {_num(main)} kg of main root, a ratio of {ratio:.2f} : 1 "
                f"(usual {_num(low)}-{_num(high)} : 1)",
                f"鲜参 {_num(fresh_in)} kg 得主根 {_num(main)} kg，折干率 {ratio:.2f}:1"
                f"（常见 {_num(low)}-{_num(high)}:1）",
            )
