// The verifier's fallback (trace/api/static/vendor/noble-ed25519-*-hashes-*.js, @noble/ed25519 and
// @noble/hashes bundled by scripts/vendor_js.sh), for browsers whose WebCrypto lacks Ed25519 or that have no
// crypto.subtle: it answers as WebCrypto does, case by case, and with WebCrypto's SHA-256 and Ed25519 made to
// throw, every test of verify.test.cjs (the Merkle vectors, the signed note, FORMAT.md's worked examples, the
// demo bundle and every tampering of it, the forbidden bundle) passes on the fallback alone.
// Run: node --test tests/js/
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const ROOT = path.resolve(__dirname, "..", "..");
const STATIC = path.join(ROOT, "trace", "api", "static");
const primitives = require(path.join(STATIC, "verify-crypto.js"));
const bundled = fs.readdirSync(path.join(STATIC, "vendor")).filter((n) => /^noble-ed25519-.*-hashes-.*\.js$/.test(n));
assert.equal(bundled.length, 1, "one vendored fallback: " + bundled);
vm.runInThisContext(fs.readFileSync(path.join(STATIC, "vendor", bundled[0]), "utf8"), { filename: bundled[0] });
const fallback = globalThis.ginsengTraceFallback;
const webCrypto = primitives.webCrypto;

const fromHex = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
const hex = (bytes) => Buffer.from(bytes).toString("hex");
const L = (1n << 252n) + 27742317777372353535851937790883648493n;  // the order of Ed25519's base point
// accepted or not: a refusal may be false or an exception (Node's WebCrypto throws for an unreduced S, where
// a browser's answers false; verify-core.js fails the bundle either way)
const accepted = (promise) => promise.then((ok) => ok === true, () => false);

// RFC 8032 §7.1, TESTs 1, 2, 3 and SHA(abc)
const RFC8032 = [
  ["d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"],
  ["3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"],
  ["fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82", "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"],
];

test.describe("the fallback answers as WebCrypto does", () => {
  test("SHA-256, at every length around the block boundaries", async () => {
    for (let n = 0; n < 300; n += 1) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255);
      assert.equal(hex(await fallback.sha256(bytes)), hex(await webCrypto.sha256(bytes)), "length " + n);
    }
  });

  test("RFC 8032's vectors, each also with every byte of its signature changed", async () => {
    for (const [key, message, signature] of RFC8032) {
      const [k, m, s] = [fromHex(key), fromHex(message), fromHex(signature)];
      assert.equal(await fallback.ed25519(k, s, m), true);
      for (let at = 0; at < 64; at += 1) {
        const bent = s.slice();
        bent[at] ^= 1 << (at % 8);
        assert.equal(await fallback.ed25519(k, bent, m), await webCrypto.ed25519(k, bent, m), "byte " + at);
      }
    }
  });

  test("keys made by WebCrypto: their signatures, other messages, other keys", async () => {
    const pairs = await Promise.all([0, 1, 2, 3].map(() => crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])));
    const raws = await Promise.all(pairs.map(async (p) => new Uint8Array(await crypto.subtle.exportKey("raw", p.publicKey))));
    for (let i = 0; i < pairs.length; i += 1) {
      const message = new TextEncoder().encode("ginseng-trace/event/v1\n" + "x".repeat(i * 97));
      const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, pairs[i].privateKey, message));
      for (const key of raws) {
        for (const m of [message, message.slice(1)]) {
          const expected = await webCrypto.ed25519(key, signature, m);
          assert.equal(await fallback.ed25519(key, signature, m), expected);
          assert.equal(expected, key === raws[i] && m === message);
        }
      }
    }
  });

  test("malformed signatures and keys: refused by both", async () => {
    const [key, , signature] = RFC8032[0].map(fromHex);
    const message = new Uint8Array(0);
    const s = BigInt("0x" + hex(signature.slice(32).reverse()));
    const sPlusL = fromHex((s + L).toString(16).padStart(64, "0")).reverse();  // the same S, not reduced
    const cases = {
      "S + L": [key, Uint8Array.of(...signature.slice(0, 32), ...sPlusL), message],
      "S all ones": [key, Uint8Array.of(...signature.slice(0, 32), ...new Uint8Array(32).fill(255)), message],
      "R not on the curve": [key, Uint8Array.of(2, ...new Uint8Array(31), ...signature.slice(32)), message],
      "R's y not reduced": [key, Uint8Array.of(...new Uint8Array(31).fill(255), 127, ...signature.slice(32)), message],
      "63 bytes": [key, signature.slice(0, 63), message],
      "65 bytes": [key, Uint8Array.of(...signature, 0), message],
      "no signature": [key, new Uint8Array(0), message],
      "a key off the curve": [Uint8Array.of(2, ...new Uint8Array(31)), signature, message],
      "a 31-byte key": [key.slice(1), signature, message],
      "a 33-byte key": [Uint8Array.of(...key, 0), signature, message],
    };
    for (const [name, [k, sig, m]] of Object.entries(cases)) {
      assert.equal(await accepted(webCrypto.ed25519(k, sig, m)), false, name);
      assert.equal(await accepted(fallback.ed25519(k, sig, m)), false, name);
    }
  });
});

test.describe("choosing: WebCrypto where it works, the fallback for what it lacks", () => {
  test("a browser with both uses WebCrypto and loads nothing", async () => {
    assert.deepEqual(await primitives.webCryptoLacks(), []);
    assert.deepEqual(await primitives.choose(() => assert.fail("loaded the fallback")), []);
  });

  test("without crypto.subtle (not a secure context), both come from the fallback", async () => {
    const real = Object.getOwnPropertyDescriptor(globalThis, "crypto");
    Object.defineProperty(globalThis, "crypto", { value: { getRandomValues: (a) => a }, configurable: true });
    try {
      assert.deepEqual(await primitives.webCryptoLacks(), ["sha256", "ed25519"]);
    } finally {
      Object.defineProperty(globalThis, "crypto", real);
    }
  });
});

// From here on WebCrypto's SHA-256 and Ed25519 throw (what an in-app browser without them does), key
// generation and signing for the tests' own keys excepted; verify-core.js must get by on the fallback.
const used = { sha256: 0, ed25519: 0 };
test("with WebCrypto's SHA-256 and Ed25519 throwing, the fallback is chosen for both", async () => {
  const subtle = globalThis.crypto.subtle;
  for (const [name, guard] of [
    ["digest", (algorithm) => String(algorithm.name || algorithm).toUpperCase() === "SHA-256"],
    ["importKey", (format, data, algorithm) => algorithm.name === "Ed25519"],
    ["verify", (algorithm) => algorithm.name === "Ed25519"],
  ]) {
    const real = subtle[name].bind(subtle);
    subtle[name] = (...args) => {
      if (guard(...args)) throw new DOMException("not supported here", "NotSupportedError");
      return real(...args);
    };
  }
  assert.deepEqual(await primitives.webCryptoLacks(), ["sha256", "ed25519"]);
  const counted = {
    sha256: (bytes) => { used.sha256 += 1; return fallback.sha256(bytes); },
    ed25519: (...args) => { used.ed25519 += 1; return fallback.ed25519(...args); },
  };
  assert.deepEqual(await primitives.choose(async () => counted), ["sha256", "ed25519"]);
});

require("./verify.test.cjs");  // every one of its tests, now on the fallback

test("verify.test.cjs ran on the fallback", () => {
  assert.ok(used.sha256 > 1000, "SHA-256 calls: " + used.sha256);
  assert.ok(used.ed25519 > 50, "Ed25519 calls: " + used.ed25519);
});
