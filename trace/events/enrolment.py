"""The authority rule's part for membership records: who may register organisations, actors and keys, grant
and withdraw roles, suspend and reinstate, and agree cooperative reading; an organisation's identifier spaces
overlap no other's. Pure Python; settings in ``schemas/rules.yaml`` (``authority``). Called by
:func:`.authority.check_authority` for every event on an ``org:`` lot and every membership event."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..chain.errors import MalformedError
from ..chain.keys import ALG_ED25519, VerifierKey
from ..chain.times import format_utc, parse_utc
from .context import Context, rules_config
from .findings import Finding
from .membership import AGREEMENT_TYPES, MEMBERSHIP_TYPES, Membership, Signer, agreement_parties, org_of_lot


def settings() -> Mapping[str, Any]:
    return rules_config()["authority"]


def _refuse(c: Context, where: str, needed: str, held: str, message: str, zh: str) -> Finding:
    return c.violation("authority", where, needed, held, message, zh)


SPACES = (
    ("lot_prefixes", "lot-id prefix", "批次号前缀"),
    ("gs1_company_prefixes", "GS1 company prefix", "GS1 厂商识别代码"),
)
"""The identifier spaces an organisation owns: a lot id or a GTIN/SSCC under one names one creator."""


def _disjoint_spaces(c: Context, membership: Membership) -> Iterator[Finding]:
    """A new organisation's identifier spaces overlap no registered organisation's: neither prefix may begin
    the other, or one identifier would name lots of two creators."""
    for field, what, zh in SPACES:
        for i, prefix in enumerate(c.event.payload.get(field) or []):
            for other in membership.orgs.values():
                taken = next((q for q in getattr(other, field) if q.startswith(prefix) or prefix.startswith(q)), None)
                if taken is not None:
                    yield _refuse(
                        c,
                        f"/payload/{field}/{i}",
                        f"a {what} no other organisation's overlaps",
                        f"{prefix} (overlaps {other.org_id}'s {taken})",
                        f"the {what} {prefix} overlaps {other.org_id}'s {taken}: one identifier would name two "
                        f"organisations' lots",
                        f"{zh} {prefix} 与 {other.org_id} 的 {taken} 重叠，同一编号将指向两个组织的批次",
                    )
                    return


def check_membership(c: Context, signer: Signer) -> Iterator[Finding]:
    event, membership, config = c.event, c.membership, settings()
    org_id = org_of_lot(event.lot_id)
    if event.type not in MEMBERSHIP_TYPES or org_id is None:
        yield _refuse(
            c,
            "/lot_id",
            "membership events on org:<organisation>, nothing else there",
            event.lot_id,
            f"lots named org:… hold an organisation's membership and only membership events; {event.type} on "
            f"{event.lot_id} is neither",
            f"org: 开头的批次只记录组织成员事件；{event.lot_id} 上的 {event.type} 不符合",
        )
        return
    if event.type in AGREEMENT_TYPES:
        yield from _agreement(c, signer, org_id)
        return
    payload = event.payload
    granted = payload.get("roles", []) if event.type == "register_organisation" else [payload.get("role")]
    if event.type in ("register_organisation", "grant_role") and not signer.holds(config["privileged_by"]):
        privileged = sorted(set(granted) & set(config["privileged_roles"]))
        if privileged:
            yield _refuse(
                c,
                "/payload/role" if event.type == "grant_role" else "/payload/roles",
                f"one of the roles {', '.join(config['privileged_by'])}",
                signer.describe(),
                f"only an operator may grant the role {', '.join(privileged)}",
                f"只有运营方才能授予 {'、'.join(privileged)} 角色",
            )
    org = membership.orgs.get(org_id)
    if event.type == "register_organisation":
        if org is not None:
            yield _refuse(
                c,
                "/type",
                "an organisation registered once",
                org_id,
                f"{org_id} is already registered",
                f"组织 {org_id} 已登记",
            )
        yield from _disjoint_spaces(c, membership)
        return
    if org is None:
        return  # the lifecycle rule refuses membership events before the organisation's registration
    guarded = sorted(set(org.roles) & set(config["privileged_roles"]))
    if guarded and not signer.holds(config["privileged_by"]):
        yield _refuse(
            c,
            "/lot_id",
            f"one of the roles {', '.join(config['privileged_by'])}",
            signer.describe(),
            f"{org_id} holds the role {', '.join(guarded)}: only an operator may change its membership",
            f"{org_id} 具有 {'、'.join(guarded)} 角色，只有运营方才能变更其成员信息",
        )
        return
    actor = payload.get("actor")
    if event.type == "register_actor":
        taken = membership.org_of(str(actor))
        if taken is not None or membership.is_anchor_name(str(actor)):
            yield _refuse(
                c,
                "/payload/actor",
                "an actor id not yet taken",
                str(actor),
                f"actor id {actor!r} is already taken ({taken.org_id if taken else 'a trust anchor'})",
                f"参与者编号 {actor} 已被占用",
            )
        return
    if actor is not None and actor not in org.actors:
        yield _refuse(
            c,
            "/payload/actor",
            f"an actor of {org_id}",
            actor,
            f"{actor!r} is not an actor of {org_id}",
            f"{actor} 不是 {org_id} 的成员",
        )
        return
    if event.type == "register_key":
        try:
            key = VerifierKey.parse(str(payload["key"]))
        except MalformedError as exc:
            yield _refuse(c, "/payload/key", "a verifier key", "malformed", exc.diagnostics(), "验证公钥格式错误")
            return
        until = payload.get("valid_until")
        try:
            ends = None if until is None else parse_utc(str(until))
        except ValueError as exc:
            yield _refuse(c, "/payload/valid_until", "an RFC 3339 UTC time", str(until), str(exc), "有效期格式错误")
            return
        if ends is not None and ends <= c.recorded:
            yield _refuse(
                c,
                "/payload/valid_until",
                f"after {format_utc(c.recorded)}",
                str(until),
                f"a key registered at {format_utc(c.recorded)} cannot expire at {until}",
                "密钥有效期须晚于登记时间",
            )
            return
        if key.alg != ALG_ED25519:
            yield _refuse(
                c,
                "/payload/key",
                "an Ed25519 (type 0x01) key",
                f"type {key.alg:#04x}",
                "an actor's key is an Ed25519 (type 0x01) verifier key",
                "参与者密钥须为 Ed25519 密钥",
            )
            return
        if key.name != actor or key.key_id_hex in org.actors[str(actor)].keys:
            yield _refuse(
                c,
                "/payload/key",
                f"a new key named {actor}",
                f"{key.name}/{key.key_id_hex}",
                f"a key registered for {actor} is named {actor} and registered once; this one is "
                f"{key.name}/{key.key_id_hex}",
                f"为 {actor} 登记的密钥须以其编号命名且只登记一次",
            )
    elif event.type == "revoke_key":
        grant = org.actors[str(actor)].keys.get(str(payload["key_id"]))
        if grant is None or grant.revoked_index is not None:
            state = "not registered" if grant is None else f"revoked at log position {grant.revoked_index}"
            yield _refuse(
                c,
                "/payload/key_id",
                "a registered key not yet revoked",
                state,
                f"key {actor}/{payload['key_id']} is {state}",
                f"密钥 {actor}/{payload['key_id']} 无法吊销（{state}）",
            )
    elif event.type == "withdraw_role" and payload["role"] not in org.roles:
        yield _refuse(
            c,
            "/payload/role",
            f"one of {org_id}'s roles ({', '.join(org.roles)})",
            payload["role"],
            f"{org_id} does not hold the role {payload['role']}",
            f"{org_id} 没有 {payload['role']} 角色",
        )


def _agreement(c: Context, signer: Signer, org_id: str) -> Iterator[Finding]:
    """A grower's agreement that a cooperative may read its plots, or its end: the grower's own consent (or an
    operator's record of it), with a registered cooperative other than itself, agreed once and ended once."""
    event, membership = c.event, c.membership
    org = membership.orgs.get(org_id)
    if org is None:
        return  # the lifecycle rule refuses membership events before the organisation's registration
    cooperative = str(event.payload["cooperative"])
    parties = sorted(agreement_parties(event), key=lambda party: (party != org_id, party))  # the owner first
    if not signer.holds(settings()["privileged_by"]) and signer.org not in parties:
        who = " or ".join(parties)
        yield _refuse(
            c,
            "/actor",
            f"{who}, or an operator",
            f"{signer.org} ({signer.describe()})",
            f"an agreement on {org_id}'s plots is {who}'s to record (or an operator's), not {signer.org}'s",
            f"{org_id} 地块的查阅协议只能由 {'或'.join(parties)}（或运营方）记录，{signer.org} 不能",
        )
        return
    if event.type == "agree_cooperative":
        other = membership.orgs.get(cooperative)
        if other is None or "cooperative" not in other.roles or cooperative == org_id:
            held = "itself" if cooperative == org_id else ", ".join(other.roles) if other else "not registered"
            yield _refuse(
                c,
                "/payload/cooperative",
                "another organisation with the role cooperative",
                f"{cooperative}: {held}",
                f"{org_id} may agree only with another organisation that holds the role cooperative, and "
                f"{cooperative} is {held}",
                f"{org_id} 只能与其他具备合作社角色的组织签订查阅协议，{cooperative} 不符合（{held}）",
            )
        elif cooperative in org.cooperatives:
            yield _refuse(
                c,
                "/payload/cooperative",
                "a cooperative without a standing agreement",
                cooperative,
                f"{org_id}'s agreement with {cooperative} already stands",
                f"{org_id} 与 {cooperative} 的查阅协议已生效",
            )
    elif cooperative not in org.cooperatives:
        standing = ", ".join(org.cooperatives) or "none"
        yield _refuse(
            c,
            "/payload/cooperative",
            f"a cooperative under a standing agreement ({standing})",
            cooperative,
            f"{org_id} has no standing agreement with {cooperative} to end",
            f"{org_id} 与 {cooperative} 没有生效中的查阅协议，无从终止",
        )
