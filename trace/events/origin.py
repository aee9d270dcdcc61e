"""Origin: where plots and enterprises are (GB/T 2260 codes, the names stated with them, a plot's polygon
against its declared area), and geographical-indication claims, which need an origin inside the protected
areas. Pure Python; the protected prefectures and the area tolerance in ``schemas/rules.yaml``, the division
table in :mod:`.places`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .context import Context, num, rules_config
from .findings import Finding
from .lot_facts import Origin
from .places import SQUARE_METRES_PER_MU, Division, counties_named, division, polygon_area_m2


def _claims(names: list[str], rule: str) -> list[int]:
    wanted = [n.casefold() for n in rules_config()[rule]["claim_names"]]
    return [i for i, name in enumerate(names) if any(w in name.casefold() for w in wanted)]


def place(code: str | None, county: str | None, prefecture: str | None = None) -> Division | None:
    """The county a record names: its code's, or for a record without a code (recorded before codes) the
    one county-level division in China its name denotes (under its declared prefecture, if it gives one);
    None for an unknown code, or a name that is unknown, lacks its suffix (抚松) or is ambiguous (朝阳区)."""
    if code:
        found = division(code)
        return found if found is not None and found.level == "county" else None
    candidates = counties_named(county or "", prefecture) if county else ()
    return candidates[0] if len(candidates) == 1 else None


def _protected(where: Division | None) -> bool:
    return where is not None and where.code[:4] in rules_config()["geographical_indication"]["prefecture_codes"]


def _described(code: str | None, county: str | None, prefecture: str | None) -> str:
    where = place(code, county, prefecture)
    if where is not None:
        return f"{where.full_name} ({where.code})"
    return f"{prefecture or ''}{county or ''}{f' ({code})' if code else ''}"


def check_places(c: Context) -> Iterator[Finding]:
    """A plot's, an enterprise's or an organisation's ``county_code`` is a county-level code of the table, and
    the ``county`` and ``prefecture`` stated with it are the code's names (``place_code``, hard); a record
    naming its county without a code names exactly one county (``county_name``, soft: records from before
    codes keep being accepted, but 抚松 for 抚松县 or an ambiguous 朝阳区 is flagged)."""
    if c.event.type not in rules_config()["place_code"]["events"]:
        return
    payload = c.event.payload
    code, county, prefecture = payload.get("county_code"), payload.get("county"), payload.get("prefecture")
    if code:
        yield from _code_and_names(c, str(code), county, prefecture)
    elif county and place(None, str(county), prefecture) is None:
        found = counties_named(str(county), prefecture)
        said = f"{prefecture or ''}{county}"
        which = "、".join(d.full_name for d in found) if found else ""
        yield c.violation(
            "county_name",
            "/payload/county",
            "exactly one GB/T 2260 county",
            said,
            f"{said} is {'ambiguous (' + which + ')' if found else 'not a county of GB/T 2260'}: state county_code",
            f"{said}{'重名（' + which + '）' if found else '不是 GB/T 2260 中的县级行政区名称'}，请填写行政区划代码",
        )


def _code_and_names(c: Context, code: str, county: Any, prefecture: Any) -> Iterator[Finding]:
    found = division(code)
    if found is None or found.level != "county":
        what = "not in GB/T 2260" if found is None else f"{found.name}, a {found.level}"
        yield c.violation(
            "place_code",
            "/payload/county_code",
            "a county-level GB/T 2260 code",
            code,
            f"county_code {code} is {what}: a plot or enterprise is placed by its county's code",
            f"行政区划代码 {code} {'不存在' if found is None else '为' + found.name + '，非县级'}，须填写县级代码",
        )
        return
    if county is not None and county != found.name:
        yield c.violation(
            "place_code",
            "/payload/county",
            found.name,
            county,
            f"county_code {code} is {found.full_name}; the county stated with it, {county}, is not its name",
            f"行政区划代码 {code} 为{found.full_name}，所填县名 {county} 与之不符",
        )
    above = {d.name for d in (found.prefecture, found.province) if d is not None}
    if prefecture is not None and prefecture not in above:
        yield c.violation(
            "place_code",
            "/payload/prefecture",
            "、".join(sorted(above)),
            prefecture,
            f"county_code {code} is {found.full_name}, not under {prefecture}",
            f"行政区划代码 {code} 为{found.full_name}，不属于{prefecture}",
        )


def check_plot_area(c: Context) -> Iterator[Finding]:
    """A plot's polygon (a private member: the rules judge the event with it, at append and in ``check``)
    encloses its declared ``area_mu`` within the tolerance (``plot_area``, soft)."""
    if c.event.type != "register_plot":
        return
    location = c.event.payload.get("location")
    polygon = location.get("polygon") if isinstance(location, Mapping) else None
    if not polygon:
        return
    declared = float(c.event.payload["area_mu"])
    measured = polygon_area_m2(polygon) / SQUARE_METRES_PER_MU
    tolerance = float(rules_config()["plot_area"]["tolerance"])
    if abs(measured - declared) > tolerance * declared:
        pct = num(tolerance * 100)
        yield c.violation(
            "plot_area",
            "/payload/location/polygon",
            f"{num(declared)} mu ± {pct} %",
            f"{measured:.3g} mu",
            f"the plot's polygon encloses {measured:.3g} mu; its declared area is {num(declared)} mu (± {pct} %)",
            f"地块边界围合面积约 {measured:.3g} 亩，与登记面积 {num(declared)} 亩相差超过 {pct}%",
        )


def check_origin_claims(c: Context) -> Iterator[Finding]:
    event, payload = c.event, c.event.payload
    areas = "、".join(rules_config()["geographical_indication"]["prefecture_codes"].values())
    if event.type == "register_plot":
        names = [str(n) for n in payload.get("certifications", [])]
        code, county, prefecture = payload.get("county_code"), payload.get("county"), payload.get("prefecture")
        for i in _claims(names, "geographical_indication"):
            if not _protected(place(code, county, prefecture)):
                yield _outside(c, f"/payload/certifications/{i}", _described(code, county, prefecture), areas)
    if event.type == "package" and c.lot is None:
        claims = [str(n) for n in payload.get("claims", [])]
        origins = [o for _j, s in c.input_states() for o in s.origins]
        for i in _claims(claims, "geographical_indication"):
            for origin in origins:
                where = (origin.county_code, origin.county, origin.prefecture)
                if not _protected(place(*where)):
                    yield _outside(c, f"/payload/claims/{i}", f"{_described(*where)} (plot {origin.plot})", areas)
        yield from _county_claims(c, claims, origins)
        # a brand base is a certificate its issuer recorded, valid on the day of the harvest (the origin keeps
        # those), not the grower's own certification strings
        schemes = rules_config()["brand_base"]["certificate_schemes"]
        for i in _claims(claims, "brand_base"):
            for origin in origins:
                if not any(cert.scheme in schemes for cert in origin.certificates):
                    claimed = " (claimed by its grower, not certified)" if origin.certifications else ""
                    yield c.violation(
                        "brand_base",
                        f"/payload/claims/{i}",
                        "every origin certified as a brand base when harvested",
                        origin.plot,
                        f"the 长白山人参 brand needs bases certified by their issuer, and plot {origin.plot} held no "
                        f"valid brand-base certificate when harvested in {origin.harvest_year}{claimed}",
                        f"长白山人参品牌须来自认证基地，地块 {origin.plot} 采收时（{origin.harvest_year}年）"
                        f"无有效的品牌基地证书",
                    )


def _county_claims(c: Context, claims: list[str], origins: list[Origin]) -> Iterator[Finding]:
    """A claim of a one-county GI (``county_claims``: the 靖宇林下参 GI, 靖宇县 220622) needs every origin's
    plot in that county, by its GB/T 2260 code (``geographical_indication``, hard)."""
    for claim, spec in dict(rules_config()["geographical_indication"].get("county_claims") or {}).items():
        codes: dict[str, str] = {str(k): str(v) for k, v in dict(spec["county_codes"]).items()}
        counties = "、".join(f"{name} ({code})" for code, name in codes.items())
        for i, stated in enumerate(claims):
            if stated != claim:
                continue
            for origin in origins:
                where = (origin.county_code, origin.county, origin.prefecture)
                found = place(*where)
                if found is not None and found.code in codes:
                    continue
                said = f"{_described(*where)} (plot {origin.plot})"
                yield c.violation(
                    "geographical_indication",
                    f"/payload/claims/{i}",
                    f"origin in {counties}",
                    said,
                    f"the {spec['name']} claim needs origin in {counties} by its GB/T 2260 code; {said} is not",
                    f"{spec['name']} 声明须产自 {counties}（以行政区划代码为准），{said} 不在其内",
                )


def _outside(c: Context, pointer: str, where: str, areas: str) -> Finding:
    return c.violation(
        "geographical_indication",
        pointer,
        f"origin in {areas}",
        where,
        f"a geographical-indication claim needs origin inside the protected areas ({areas}) by its GB/T 2260 code"
        f" (or a county name that is exactly one county); {where} is not",
        f"地理标志声明须产自保护范围（{areas}），以行政区划代码（或唯一对应的县名）为准，{where} 不在其内",
    )
