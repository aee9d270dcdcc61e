// Ginseng Trace: signing an event on the device (docs/FORMAT.md §1, §2, §2a), with WebCrypto only, the pure part
// (no window, no IndexedDB): canonical JSON (RFC 8785), the private members as salted digests with their
// disclosures, the Ed25519 signature over "ginseng-trace/event/v1\n" || signed bytes, the C2SP verifier key text
// and key id of a raw public key. The hash and byte helpers are verify-core.js's (loaded before it in the page,
// required under Node). It runs as a classic <script> (globalThis.ginsengTraceSign) and under Node (CommonJS):
// tests/js/sign.test.cjs signs with a fixed key and compares, byte for byte, with the Python signer's envelopes
// (tests/vectors/device/signed.json, made by scripts/device_vector.py) and FORMAT.md's worked examples.
"use strict";

(function (root) {
  const core = typeof module !== "undefined" && module.exports ? require("./verify-core.js") : root.ginsengTraceCore;
  const enc = new TextEncoder();
  const CONTEXT = enc.encode("ginseng-trace/event/v1\n");
  const SALT_CONTEXT = enc.encode("ginseng-trace/salt/v1\n");
  const SALT_BYTES = 16;  // 128 bits, RFC 9901 §9.3 (as trace/chain/disclosure.py)
  const { fail, sha256, concat, hex } = core;

  // RFC 8785: members sorted by UTF-16 code units (the default sort), strings and numbers as ECMAScript's
  // JSON.stringify writes them (which is what the RFC specifies); no NaN, Infinity or unsafe integers.
  function canonical(value) {
    if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number") {
      if (!Number.isFinite(value)) fail("canonical JSON holds no NaN or Infinity");
      if (Number.isInteger(value) && !Number.isSafeInteger(value)) fail("an integer beyond ±(2^53 − 1): " + value);
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (typeof value === "object") {
      return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
    }
    return fail("not a JSON value: " + typeof value);
  }

  const base64 = (bytes) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
  const base64url = (bytes) => base64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  // A salt of fresh randomness (what the device uses: its key is non-extractable, so no salt is derived from it).
  const randomSalt = async () => base64url(crypto.getRandomValues(new Uint8Array(SALT_BYTES)));

  // The Python signer's salt (FORMAT.md §2a): HMAC-SHA256(seed, context || canonical [event_id, name, value])[:16];
  // for a key whose seed is at hand (the tests), so that both signers give the same bytes.
  function seededSalt(seed, eventId) {
    const key = crypto.subtle.importKey("raw", seed, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return async (name, value) => {
      const message = concat(SALT_CONTEXT, enc.encode(canonical([eventId, name, value])));
      const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key, message));
      return base64url(mac.slice(0, SALT_BYTES));
    };
  }

  // The payload to sign (each private member replaced by its digest in _sd, sorted) and the disclosures
  // (in the order of the members' names), as trace/chain/disclosure.py's conceal.
  async function conceal(payload, privateNames, salt) {
    const kept = {}, disclosures = [], digests = [];
    for (const name of Object.keys(payload).sort()) {
      if (!privateNames.includes(name)) { kept[name] = payload[name]; continue; }
      const text = base64url(enc.encode(canonical([await salt(name, payload[name]), name, payload[name]])));
      disclosures.push(text);
      digests.push(base64url(await sha256(enc.encode(text))));
    }
    if (disclosures.length) kept._sd = digests.sort();
    return { payload: kept, disclosures };
  }

  // The envelope {event, signature, disclosures} of POST /api/v1/events: ``event`` already names its actor
  // and key_id; ``sign(message)`` is the key's Ed25519 signature (a CryptoKey's, see signer()).
  async function signEvent(event, sign, privateNames, salt = randomSalt) {
    const { payload, disclosures } = await conceal(event.payload || {}, privateNames, salt);
    const signed = { ...event, payload };
    const bytes = enc.encode(canonical(signed));
    const signature = base64(new Uint8Array(await sign(concat(CONTEXT, bytes))));
    const envelope = { event: signed, signature };
    if (disclosures.length) envelope.disclosures = disclosures;
    return { envelope, eventHash: hex(await sha256(bytes)) };
  }

  const signer = (privateKey) => (message) => crypto.subtle.sign({ name: "Ed25519" }, privateKey, message);

  // C2SP: key id = SHA-256(name || 0x0A || 0x01 || public key)[:4]; vkey = name+<id hex>+base64(0x01 || public key)
  async function verifierKey(name, publicRaw) {
    const material = concat(Uint8Array.of(1), new Uint8Array(publicRaw));
    const keyId = hex((await sha256(concat(enc.encode(name + "\n"), material))).slice(0, 4));
    return { keyId, text: name + "+" + keyId + "+" + base64(material) };
  }

  // The schema's private members (GET /api/v1/schemas/{type}): marked "x-private", directly or on the definition
  // they refer to (as trace/events/catalogue.py's EventSchema.private).
  function privateOf(schema) {
    const defs = (schema && schema.$defs) || {};
    const marked = (m) => m["x-private"] === true || (typeof m.$ref === "string" && (defs[m.$ref.replace("#/$defs/", "")] || {})["x-private"] === true);
    return Object.entries((schema && schema.properties) || {}).filter(([, m]) => m && marked(m)).map(([n]) => n);
  }

  const sign = { canonical, base64, base64url, randomSalt, seededSalt, conceal, signEvent, signer, verifierKey, privateOf };
  root.ginsengTraceSign = sign;
  if (typeof module !== "undefined" && module.exports) module.exports = sign;
})(globalThis);
