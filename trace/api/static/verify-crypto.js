// Ginseng Trace: the two primitives the on-device verifier rests on, SHA-256 and Ed25519 verification, and
// where they come from. WebCrypto's, where the browser has them. Where it lacks Ed25519 (older and in-app
// browsers) or crypto.subtle altogether (a page over plain HTTP is not a secure context), the missing ones
// come from the vendored pure-JavaScript fallback, @noble/ed25519 and @noble/hashes
// (vendor/noble-ed25519-*-hashes-*.js, built by scripts/vendor_js.sh), which the page loads only then,
// pinned by Subresource Integrity (verify.js). The verdicts are the same either way: tests/js/ runs every
// vector on both (fallback.test.cjs). It runs as a classic <script> before verify-core.js (as
// globalThis.ginsengTraceCrypto) and under Node (as a CommonJS module).
"use strict";

(function (root) {
  const fromHex = (text) => Uint8Array.from(text.match(/../g), (h) => parseInt(h, 16));
  // RFC 8032 §7.1 TEST 1 (the empty message) and SHA-256 of nothing: what a working WebCrypto must answer
  const KEY = fromHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const SIGNATURE = fromHex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  const webCrypto = {
    sha256: async (bytes) => new Uint8Array(await root.crypto.subtle.digest("SHA-256", bytes)),
    async ed25519(publicKey, signature, message) {
      const key = await root.crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
      return root.crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    },
  };
  const current = { ...webCrypto };

  // Which primitives this browser's WebCrypto lacks, found by trying them (a browser may name Ed25519 and
  // still refuse it, or have no crypto.subtle): [], ["ed25519"] or ["sha256", "ed25519"].
  async function webCryptoLacks() {
    const lacks = [];
    if (!(root.crypto && root.crypto.subtle)) return ["sha256", "ed25519"];
    try {
      const digest = await webCrypto.sha256(new Uint8Array(0));
      if (Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") !== EMPTY_SHA256) lacks.push("sha256");
    } catch (_) { lacks.push("sha256"); }
    try {
      const bent = SIGNATURE.slice();
      bent[0] ^= 1;
      const good = await webCrypto.ed25519(KEY, SIGNATURE, new Uint8Array(0));
      if (good !== true || (await webCrypto.ed25519(KEY, bent, new Uint8Array(0))) !== false) lacks.push("ed25519");
    } catch (_) { lacks.push("ed25519"); }
    return lacks;
  }

  // Use WebCrypto's primitives where they work, and the fallback's (loadFallback(): a promise of
  // { sha256, ed25519 }, called only when one is lacking) for the others. Says which are the fallback's.
  async function choose(loadFallback) {
    const lacks = await webCryptoLacks();
    Object.assign(current, webCrypto);
    if (lacks.length) {
      const fallback = await loadFallback();
      for (const name of lacks) current[name] = fallback[name];
    }
    return lacks;
  }

  const primitives = {
    sha256: (bytes) => current.sha256(bytes),
    ed25519: (publicKey, signature, message) => current.ed25519(publicKey, signature, message),
    webCrypto, webCryptoLacks, choose,
    use: (chosen) => Object.assign(current, chosen),  // for tests: these primitives, whatever the browser has
  };
  root.ginsengTraceCrypto = primitives;
  if (typeof module !== "undefined" && module.exports) module.exports = primitives;
})(globalThis);
