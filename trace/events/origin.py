"""Origin claims: a geographical-indication claim needs an origin inside the protected areas. Pure
Python; the areas in ``schemas/rules.yaml``."""

from __future__ import annotations

from collections.abc import Iterator

from .context import Context, rules_config
from .findings import Finding


def _claims(names: list[str], rule: str) -> list[int]:
    wanted = [n.casefold() for n in rules_config()[rule]["claim_names"]]
    return [i for i, name in enumerate(names) if any(w in name.casefold() for w in wanted)]


def prefecture_of(county: str, declared: str | None) -> str | None:
    """The prefecture whose protected area holds ``county``, or the declared one if the county is not listed."""
    for prefecture, counties in rules_config()["geographical_indication"]["prefectures"].items():
        if county in counties:
            return str(prefecture)
    return declared


def _protected(county: str, declared: str | None) -> bool:
    return prefecture_of(county, declared) in rules_config()["geographical_indication"]["prefectures"]


def check_origin_claims(c: Context) -> Iterator[Finding]:
    event, payload = c.event, c.event.payload
    areas = "、".join(rules_config()["geographical_indication"]["prefectures"])
    if event.type == "register_plot":
        names = [str(n) for n in payload.get("certifications", [])]
        county, prefecture = str(payload["county"]), payload.get("prefecture")
        for i in _claims(names, "geographical_indication"):
            if not _protected(county, prefecture):
                yield _outside(c, f"/payload/certifications/{i}", county, areas)
    if event.type == "package" and c.lot is None:
        claims = [str(n) for n in payload.get("claims", [])]
        origins = [o for _j, s in c.input_states() for o in s.origins]
        for i in _claims(claims, "geographical_indication"):
            for origin in origins:
                if not _protected(origin.county, origin.prefecture):
                    yield _outside(c, f"/payload/claims/{i}", f"{origin.county} (plot {origin.plot})", areas)
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


def _outside(c: Context, where: str, place: str, areas: str) -> Finding:
    return c.violation(
        "geographical_indication",
        where,
        f"origin in {areas}",
        place,
        f"a geographical-indication claim needs origin inside the protected areas ({areas}); {place} is outside",
        f"地理标志声明须产自保护范围（{areas}），{place} 不在其内",
    )
