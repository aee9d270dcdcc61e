"""The ledger's tables. ``records``, ``record_inputs`` and ``actor_keys`` are append-only:
triggers created by the migrations refuse UPDATE and DELETE on both engines."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

LEDGER_TABLES = ("records", "record_inputs", "actor_keys")

records = Table(
    "records",
    metadata,
    # Position in the ledger's single append order across all lots (0-based, no gaps).
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("record_hash", LargeBinary(32), nullable=False, unique=True),
    Column("event_hash", LargeBinary(32), nullable=False, unique=True),
    Column("event_id", String(128), nullable=False, unique=True),
    Column("lot_id", String(128), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    # RFC 3339 UTC with microseconds: fixed width, so text order is time order.
    Column("occurred_at", String(27), nullable=False),
    Column("recorded_at", String(27), nullable=False),
    # The exact bytes the actor signed and the ledger sealed; verification reads these.
    Column("event_bytes", LargeBinary, nullable=False),
    Column("record_bytes", LargeBinary, nullable=False),
    UniqueConstraint("lot_id", "seq"),
)

record_inputs = Table(
    "record_inputs",
    metadata,
    Column("log_index", BigInteger, ForeignKey("records.log_index"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("input_lot_id", String(128), nullable=False, index=True),
    Column("head", LargeBinary(32), nullable=False),
)

actor_keys = Table(
    "actor_keys",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("key_id", String(8), primary_key=True),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("registered_at", String(27), nullable=False),
    # The key stops being valid at valid_until (set at registration, if ever) or at its revocation.
    Column("valid_until", String(27), nullable=True),
)

key_revocations = Table(
    "key_revocations",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("key_id", String(8), primary_key=True),
    Column("revoked_at", String(27), nullable=False),
    Column("reason", Text, nullable=False),
)

# Derived, not part of the ledger: each lot's latest record, kept by the appender under the append
# lock so that sealing reads one row per lot. Verification never reads it.
lot_heads = Table(
    "lot_heads",
    metadata,
    Column("lot_id", String(128), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("record_hash", LargeBinary(32), nullable=False),
    Column("log_index", BigInteger, nullable=False),
)

# The transparency log (issue 3): every record's bytes are a leaf of one RFC 9162 Merkle tree in
# log_index order. log_nodes keeps each complete subtree's hash, so appending a leaf and building a
# proof each take O(log n) work.
log_nodes = Table(
    "log_nodes",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),  # the signed note exactly as the log signed it
    Column("created_at", String(27), nullable=False),
)

cosignatures = Table(
    "cosignatures",
    metadata,
    Column("size", BigInteger, ForeignKey("checkpoints.size"), primary_key=True),
    Column("witness", String(255), primary_key=True),
    Column("line", Text, nullable=False),  # the note signature line, as the witness returned it
    Column("timestamp", BigInteger, nullable=False),
)

# What the log's monitors reported, every report kept: the console shows each monitor's latest. ``agrees``:
# the reported root is this log's root at that size (False: a split view; None: the size is beyond this tree).
monitor_reports = Table(
    "monitor_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("monitor", String(255), nullable=False),
    Column("key_id", String(8), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("checked_at", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),
    Column("agrees", Boolean, nullable=True),
    Column("received_at", String(27), nullable=False),
    Column("note", Text, nullable=False),  # the signed note exactly as the monitor sent it
    Index("ix_monitor_reports_monitor_checked", "monitor", "checked_at"),
)

LOG_TABLES = ("log_nodes", "checkpoints", "cosignatures")

# The log's signing keys, in the order they came into use: each is valid from its valid_from until
# the next key's. Rotation appends a row; nothing is ever changed.
log_keys = Table(
    "log_keys",
    metadata,
    Column("key_id", String(8), primary_key=True),
    Column("vkey", Text, nullable=False),
    Column("valid_from", String(27), nullable=False),
)

# Derived, not part of the ledger: each lot's state as the rules see it (``events.state.LotState`` as
# JSON), kept by the appender under the append lock so that judging an event reads one row per lot.
# It is a function of the records and is rebuilt from them when missing.
lot_states = Table(
    "lot_states",
    metadata,
    Column("lot_id", String(128), primary_key=True),
    Column("state", Text, nullable=False),
)

# Derived from lot_states: whom each lot concerns (events/parties.py), by party, for people's home pages.
lot_parties = Table(
    "lot_parties",
    metadata,
    Column("party", String(128), primary_key=True),
    Column("relation", String(16), primary_key=True),
    Column("lot_id", String(128), primary_key=True),
)
Index("ix_lot_parties_lot_id", lot_parties.c.lot_id)

# Derived, like lot_states: each organisation's membership (its roles, actors and keys) as folded from the
# membership events in the log, and each actor's organisation; rebuilt from the records when missing.
organisations = Table(
    "organisations",
    metadata,
    Column("org_id", String(64), primary_key=True),
    Column("state", Text, nullable=False),
)

org_members = Table(
    "org_members",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
)

# What the soft rules found when each event was appended: append-only, so a finding is never dropped.
# ``ginseng-trace check`` recomputes them from the records and compares.
findings = Table(
    "findings",
    metadata,
    Column("log_index", BigInteger, ForeignKey("records.log_index"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("lot_id", String(128), nullable=False, index=True),
    Column("rule", String(64), nullable=False, index=True),
    Column("severity", String(8), nullable=False),
    Column("pointer", Text, nullable=False),
    Column("limit_text", Text, nullable=False),
    Column("value_text", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("message_zh", Text, nullable=False),
    Column("found_at", String(27), nullable=False),
    Column("standard", String(64), nullable=True),  # the standard a quality limit belongs to (rules.yaml id)
)

# Outside the ledger: each scan of a label (issue 5), for counterfeit signals. No personal data: a coarse
# city only when the person scanning allowed it, and a visitor hash in place of the client's address.
scans = Table(
    "scans",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("gtin", String(14), nullable=False),
    Column("lot_id", String(128), nullable=False),
    Column("serial", String(20), nullable=True),
    Column("scanned_at", String(27), nullable=False),
    Column("city", String(64), nullable=True),
    # the gazetteer place the city resolved to (its GeoNames id, ginseng_trace.labels.places), for distances
    Column("place_id", Integer, nullable=True),
    # false for a place report: the city of a scan already counted, told afterwards by the person scanning
    Column("counted", Boolean, nullable=False, server_default=true()),
    # who scanned, as a visitor: a keyed hash of the client's address and the day (service/scans.py), never
    # the address; None for scans without a client and for scans before visitors were kept
    Column("visitor", String(32), nullable=True),
    Index("ix_scans_label", "gtin", "lot_id", "serial"),
)

# The private payload members of events, as the disclosures their actors sent (docs/FORMAT.md §2a). Apart
# from the records so that nothing public carries them: proof bundles and pages hold only their digests.
# Each is checked against its digest when read. No UPDATE (a trigger refuses it); DELETE is allowed, as an
# erasure: the records and every proof stay valid without the plain text.
disclosures = Table(
    "disclosures",
    metadata,
    Column("log_index", BigInteger, ForeignKey("records.log_index"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("disclosure", Text, nullable=False),
)

# Outside the ledger: people's accounts, their sessions, API tokens and server-held actor keys (issue 11). No
# secret is stored as sent: passwords as argon2id hashes, session and token secrets as SHA-256 digests, held
# keys' seeds under AES-GCM with the key-encryption key, which is not in the database.
accounts = Table(
    "accounts",
    metadata,
    Column("login", String(64), primary_key=True),
    Column("actor", String(64), nullable=False, index=True),
    Column("password_hash", Text, nullable=False),  # argon2id, PHC string form
    Column("created_at", String(27), nullable=False),
    Column("disabled_at", String(27), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", LargeBinary(32), primary_key=True),  # SHA-256 of the 32 random bytes of the cookie
    Column("login", String(64), ForeignKey("accounts.login"), nullable=False, index=True),
    Column("created_at", String(27), nullable=False),
    Column("expires_at", String(27), nullable=False),
    Column("csrf_hash", LargeBinary(32), nullable=False),  # SHA-256 of the CSRF token handed out at login
    Column("revoked_at", String(27), nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(16), primary_key=True),
    Column("secret_hash", LargeBinary(32), nullable=False),  # SHA-256 of the secret part of gt_<id>_<secret>
    Column("actor", String(64), nullable=False, index=True),
    Column("permissions", Text, nullable=False),  # a JSON array of permission names
    Column("label", Text, nullable=False),
    Column("created_at", String(27), nullable=False),
    Column("expires_at", String(27), nullable=False),
    Column("revoked_at", String(27), nullable=True),
    # the account whose session issued it (disabling the account stops it); None: the operator's, for the actor
    Column("issued_by", String(64), ForeignKey("accounts.login"), nullable=True, index=True),
)

held_keys = Table(
    "held_keys",
    metadata,
    Column("actor", String(64), primary_key=True),
    Column("key_id", String(8), primary_key=True),
    Column("nonce", LargeBinary(12), nullable=False),
    # AES-256-GCM of the Ed25519 seed, associated data actor || 0x0A || key id: a row moved to another actor
    # or key id does not decrypt
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at", String(27), nullable=False),
)

# Outside the ledger, append-only (triggers refuse UPDATE and DELETE): every read of private members or of
# data only regulators and partners see, written in the request that served it (README "Reads by role").
read_audit = Table(
    "read_audit",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("read_at", String(27), nullable=False, index=True),
    Column("actor", String(64), nullable=False, index=True),
    Column("org_id", String(64), nullable=False),
    Column("credential", String(40), nullable=False),  # "session", or "token:<token id>"
    Column("endpoint", Text, nullable=False),  # e.g. "GET /api/v1/lots/{lot_id}/history?private=true"
    Column("what", String(32), nullable=False),  # private_members, findings, scan_signals, audit
    Column("lot_id", String(128), nullable=True, index=True),
    Column("event_ids", Text, nullable=False),  # a JSON array: the events whose non-public data was served
)

# consumers' complaints from the scan page (README "Consumer complaints"): not ledger data (a consumer has no
# key), so not signed; the text is never public, only counts per category
complaints = Table(
    "complaints",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("received_at", String(27), nullable=False),
    Column("lot_id", String(128), nullable=False, index=True),
    Column("gtin", String(14), nullable=True),
    Column("serial", String(20), nullable=True),
    Column("category", String(32), nullable=False),
    Column("text", Text, nullable=False),
    # a keyed hash of the client's address and the day (as scans keep it), never the address
    Column("visitor", String(32), nullable=True),
)

# Derived, not part of the ledger: the EPCIS 2.0 query index (docs/EPCIS.md "Query"). Each record's EPCIS event
# as the mapping makes it (on the index's own base, trace/epcis/index.py), written by the appender in the append
# transaction, with the fields GET /events filters on; its EPCs and EPC classes one row each.
epcis_events = Table(
    "epcis_events",
    metadata,
    Column("log_index", BigInteger, ForeignKey("records.log_index"), primary_key=True, autoincrement=False),
    Column("event_time", String(27), nullable=False),  # UTC, fixed width: text order is time order
    Column("record_time", String(27), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("action", String(8), nullable=True),
    Column("biz_step", Text, nullable=True),  # a CBV term bare (shipping), any other as its URI
    Column("disposition", Text, nullable=True),
    Column("read_point", Text, nullable=True),
    Column("biz_location", Text, nullable=True),
    # the EPCIS event without its eventID in the compact form of trace/store/epcis_codec.py (what the records
    # row of the same log index gives is not stored again)
    Column("document", LargeBinary, nullable=False),
)
Index("ix_epcis_events_event_time", epcis_events.c.event_time, epcis_events.c.log_index)
Index("ix_epcis_events_event_type", epcis_events.c.event_type, epcis_events.c.log_index)
# The optional fields' indexes hold the events that have the field (partial: no query looks for one without it;
# an equality or IN on the field, and the resource lists' IS NOT NULL, imply the index's condition).
for _field in ("biz_step", "disposition", "read_point", "biz_location"):
    _present = epcis_events.c[_field].is_not(None)
    Index(
        f"ix_epcis_events_{_field}",
        epcis_events.c[_field],
        epcis_events.c.log_index,
        sqlite_where=_present,
        postgresql_where=_present,
    )

epcis_event_epcs = Table(
    "epcis_event_epcs",
    metadata,
    Column("log_index", BigInteger, ForeignKey("epcis_events.log_index"), primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("field", String(24), nullable=False),  # epcList, childEPCs, parentID, …, quantityList, …
    Column("epc", Text, nullable=False),  # its match key (trace/epcis/index.py)
)
Index("ix_epcis_event_epcs_epc", epcis_event_epcs.c.epc, epcis_event_epcs.c.log_index)

# Derived: what the mapping names each lot by (its GTIN once packaged, its species), as the records so far say.
epcis_lots = Table(
    "epcis_lots",
    metadata,
    Column("lot_id", String(128), primary_key=True),
    Column("gtin", String(14), nullable=True),
    Column("species", Text, nullable=True),
)

# EPCIS capture jobs (REST binding GET /capture/{id}, docs/EPCIS.md): each capture's outcome, readable by the
# actor that submitted it. Not ledger data: the captured events themselves are records.
capture_jobs = Table(
    "capture_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("actor", String(64), nullable=False, index=True),
    Column("created_at", String(27), nullable=False),
    Column("job", Text, nullable=False),  # the capture job document (JSON)
)
