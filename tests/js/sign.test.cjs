// The device signer (trace/api/static/sign-core.js) under Node: with a fixed key imported into WebCrypto and the
// salts derived as the Python signer derives them, it must give the Python signer's envelopes byte for byte
// (tests/vectors/device/signed.json, from scripts/device_vector.py) and reproduce docs/FORMAT.md's worked
// examples (§5's signature, §2a's disclosures and digests). Run: node --test tests/js/
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const sign = require(path.join(ROOT, "trace", "api", "static", "sign-core.js"));
const core = require(path.join(ROOT, "trace", "api", "static", "verify-core.js"));
const V = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "vectors", "device", "signed.json"), "utf8"));
const FORMAT = fs.readFileSync(path.join(ROOT, "docs", "FORMAT.md"), "utf8");
const fromHex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
const PKCS8_ED25519 = fromHex("302e020100300506032b657004220420");  // RFC 8410 prefix of a 32-byte seed
const jsonBlock = (marker) => JSON.parse(FORMAT.split(`<!-- ${marker}:begin -->`)[1].split("```json")[1].split("```")[0]);

async function privateKey(seedHex) {
  return crypto.subtle.importKey("pkcs8", core.concat(PKCS8_ED25519, fromHex(seedHex)), { name: "Ed25519" }, false, ["sign"]);
}

test("it attaches itself to globalThis, as a classic script", () => {
  assert.equal(globalThis.ginsengTraceSign, sign);
});

test("canonical JSON (RFC 8785): sorted members, minimal escapes, shortest numbers; no NaN or unsafe integer", () => {
  assert.equal(sign.canonical({ b: [1, 1.5, -0, 1e-7, 0.1], a: "\u00e9\n\"\u001f", "\u00e9": null, A: true }),
    '{"A":true,"a":"é\\n\\"\\u001f","b":[1,1.5,0,1e-7,0.1],"é":null}');
  assert.throws(() => sign.canonical({ x: NaN }), core.Failure);
  assert.throws(() => sign.canonical(2 ** 53), core.Failure);
  assert.throws(() => sign.canonical({ x: undefined }), core.Failure);
});

test.describe("the Python signer's envelopes (tests/vectors/device/signed.json)", () => {
  for (const c of V.cases) {
    test(`${c.unsigned.type} ${c.unsigned.event_id}${c.private.some((n) => n in c.unsigned.payload) ? " (private members)" : ""}`, async () => {
      const key = await privateKey(V["seed (hex)"]);
      const salt = sign.seededSalt(fromHex(V["seed (hex)"]), c.unsigned.event_id);
      const { envelope, eventHash } = await sign.signEvent(c.unsigned, sign.signer(key), c.private, salt);
      assert.deepEqual(envelope, c.envelope);
      assert.equal(sign.canonical(envelope.event), c["signed bytes"]);
      assert.equal(eventHash, core.hex(await core.sha256(new TextEncoder().encode(c["signed bytes"]))));
    });
  }

  test("with fresh random salts the event differs, its disclosures still match its digests", async () => {
    const c = V.cases.find((x) => x.unsigned.event_id === "dev-plot-1");
    const key = await privateKey(V["seed (hex)"]);
    const { envelope } = await sign.signEvent(c.unsigned, sign.signer(key), c.private);
    assert.notDeepEqual(envelope.event.payload._sd, c.envelope.event.payload._sd);
    const digests = await Promise.all(envelope.disclosures.map(async (d) => sign.base64url(await core.sha256(new TextEncoder().encode(d)))));
    assert.deepEqual(digests.sort(), envelope.event.payload._sd);
    assert.equal(envelope.disclosures.length, 2);
    assert.ok(!("location" in envelope.event.payload) && !("note" in envelope.event.payload));
  });
});

test("FORMAT.md §5: the worked example's verifier key, key id and signature", async () => {
  const ex = jsonBlock("worked-example");
  const key = await privateKey(ex["signer key (seed, hex)"]);
  const vkey = await sign.verifierKey("fusong-wang-farm", fromHex(ex["public key (hex)"]));
  assert.deepEqual(vkey, { keyId: ex["key id (hex)"], text: ex["verifier key (vkey text)"] });
  const event = JSON.parse(ex["event (canonical signed bytes, UTF-8)"]);
  const { envelope, eventHash } = await sign.signEvent(event, sign.signer(key), []);
  assert.equal(envelope.signature, ex["signature (base64, as in the envelope and the record)"]);
  assert.equal(eventHash, ex["event hash = SHA-256(signed bytes) (hex)"]);
  assert.ok(!("disclosures" in envelope));
});

test("FORMAT.md §2a: the private example's disclosures, digests, event and signature", async () => {
  const ex = jsonBlock("private-example");
  const seed = jsonBlock("worked-example")["signer key (seed, hex)"];
  const shown = ex.envelope.event;
  const unsigned = { ...shown, payload: { ...shown.payload } };
  delete unsigned.payload._sd;
  for (const d of ex.disclosures) {
    const [, name, value] = JSON.parse(d["array (JSON)"]);
    unsigned.payload[name] = value;
  }
  const salt = sign.seededSalt(fromHex(seed), unsigned.event_id);
  const { envelope, eventHash } = await sign.signEvent(unsigned, sign.signer(await privateKey(seed)), ["location", "note"], salt);
  assert.deepEqual(envelope, ex.envelope);
  assert.equal(eventHash, ex["event hash (hex)"]);
});

test("the schema's private members, direct or by reference", () => {
  const schema = { $defs: { note: { type: "string", "x-private": true } }, properties: { a: { type: "string" }, location: { "x-private": true }, note: { $ref: "#/$defs/note" } } };
  assert.deepEqual(sign.privateOf(schema), ["location", "note"]);
});
