// The entry point scripts/vendor_js.sh builds (esbuild, one classic script) into
// trace/api/static/vendor/noble-ed25519-*-hashes-*.js: the lot page's fallback for browsers whose WebCrypto
// lacks Ed25519, or that have no crypto.subtle at all (plain HTTP is not a secure context). It exposes the
// two primitives verify-core.js rests on, with WebCrypto's meaning, as globalThis.ginsengTraceFallback:
//   sha256(bytes) -> Promise<Uint8Array(32)>
//   ed25519(publicKey, signature, message) -> Promise<boolean>: false for a signature that is not 64 bytes
//     (as WebCrypto's verify), an exception for a key that is not 32 bytes (as WebCrypto's importKey)
// Verification is @noble/ed25519's own, in its RFC 8032 / FIPS 186-5 strict mode ({ zip215: false }).
import { verify, hashes } from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";

hashes.sha512 = sha512;

globalThis.ginsengTraceFallback = {
  sha256: async (bytes) => sha256(bytes),
  ed25519: async (publicKey, signature, message) => {
    if (publicKey.length !== 32) throw new Error("an Ed25519 public key is 32 bytes");
    if (signature.length !== 64) return false;
    try {
      return verify(signature, message, publicKey, { zip215: false });
    } catch (_) {
      return false;  // an encoding noble refuses (a point off the curve, a scalar not below the group order)
    }
  },
};
