// Ginseng Trace: the scan page's on-device check. The checks themselves are verify-core.js's (loaded
// before this script, pinned like it by Subresource Integrity); this file only wires them to the page:
// it picks WebCrypto's primitives or the vendored fallback's (verify-crypto.js says when), fetches the
// lot's proof bundle and the trusted keys, which come from the page's data-trust URL when it has one
// (published by someone other than this service, e.g. the regulator), else from the page itself, and the
// result says which; it verifies the bundle, binds it to this page's address and checks
// the history the page shows (verify-core.js says how), and says the outcome.
// The result goes into the element with id "device-check"; the page's server-side status stays beside it.
"use strict";

(function () {
  const { Failure, fail, verifyBundle, checkScanned, checkPage } = window.ginsengTraceCore;

  // The pure-JavaScript SHA-256 and Ed25519 (vendor/noble-*.js), from this service, pinned like this script
  function loadFallback(box) {
    return new Promise((resolve, reject) => {
      if (!box.dataset.fallback) { reject(new Error("no fallback named")); return; }
      const script = document.createElement("script");
      script.src = box.dataset.fallback;
      script.integrity = box.dataset.fallbackIntegrity;
      script.onload = () => window.ginsengTraceFallback ? resolve(window.ginsengTraceFallback) : reject(new Error("the fallback did not load"));
      script.onerror = () => reject(new Error("the fallback could not be loaded"));
      document.head.append(script);
    });
  }

  async function run() {
    const box = document.getElementById("device-check");
    if (!box) return;
    const say = (cls, text) => { box.className = "banner " + cls; box.textContent = text; box.dataset.state = cls; };
    const zh = document.documentElement.lang.startsWith("zh");
    say("warn", zh ? "正在本机核验…" : "Verifying on this device…");
    // WebCrypto's SHA-256 and Ed25519 where they work; else the vendored fallback, fetched only then
    let lacks;
    try {
      lacks = await window.ginsengTraceCrypto.choose(() => loadFallback(box));
    } catch (_) {
      say("warn", zh ? "此浏览器无法在本机核验。" : "This browser cannot verify on this device.");
      return;
    }
    box.dataset.crypto = lacks.length ? "fallback:" + lacks.join(",") : "webcrypto";
    try {
      // revalidated, never taken from a cache unasked (its ETag makes that a 304 when nothing changed): the
      // page is always fresh, and a stale bundle would miss the page's newest facts
      const fetchBundle = async () => {
        const response = await fetch(box.dataset.bundle, { headers: { Accept: "application/json" }, cache: "no-cache" });
        if (!response.ok) fail("the proof bundle could not be fetched (" + response.status + ")");
        return response.json();
      };
      let bundle = await fetchBundle();
      let logKeys = JSON.parse(box.dataset.logKeys), witnessKeys = JSON.parse(box.dataset.witnessKeys || "[]");
      let anchorKeys = JSON.parse(box.dataset.anchorKeys || "[]"), policy = JSON.parse(box.dataset.policy || "null");
      let source = zh ? "（密钥由本服务提供）" : " (keys as given by this service)";
      if (box.dataset.trust) {
        const trusted = await fetch(box.dataset.trust, { headers: { Accept: "application/json" } });
        if (!trusted.ok) fail("the trusted keys could not be fetched from " + box.dataset.trust + " (" + trusted.status + ")");
        const anchors = await trusted.json();
        if (!Array.isArray(anchors.log_keys) || !Array.isArray(anchors.witness_keys || [])) fail("the trusted keys document is malformed");
        logKeys = anchors.log_keys;
        witnessKeys = anchors.witness_keys || [];
        // who may sign, and who may record what, come from the same trusted document, or nothing verifies
        if (!Array.isArray(anchors.membership_anchors) || anchors.authority_policy === null || typeof anchors.authority_policy !== "object") fail("the trusted keys document names no membership_anchors and authority_policy");
        anchorKeys = anchors.membership_anchors;
        policy = anchors.authority_policy;
        source = (zh ? "（密钥来自 " : " (keys from ") + new URL(box.dataset.trust).host + (zh ? "）" : ")");
      }
      const renderedAt = /^(0|[1-9][0-9]*)$/.test(box.dataset.logSize || "") ? Number(box.dataset.logSize) : Infinity;
      const check = async () => {
        const result = await verifyBundle(bundle, logKeys, witnessKeys, anchorKeys, policy);
        result.holds = checkScanned(bundle, location.pathname) ? checkPage(bundle, document, renderedAt) : [];
        return result;
      };
      let r;
      try {
        r = await check();
      } catch (e) {
        // a record logged by another server process just before the page: its bundle follows within a second
        if (!(e instanceof Failure) || !e.message.startsWith("the page shows an event the bundle does not hold")) throw e;
        await new Promise((done) => setTimeout(done, 1500));
        bundle = await fetchBundle();
        r = await check();
      }
      const w = r.witnessed.length ? (zh ? "，见证方：" : "; witnessed by ") + r.witnessed.join(", ") : "";
      // the standing recalls and holds, verified: the lot each was placed on and who recorded it
      const held = r.holds.map((h) => zh
        ? "。已核验：" + (h.type === "recall" ? "召回" : "暂扣") + "（" + (h.upstream ? "上游批次 " : "本批次 ") + h.lot + "，" + h.by + "，" + h.on + "）"
        : ". Verified: " + (h.type === "recall" ? "RECALL" : "HOLD") + " of " + (h.upstream ? "upstream lot " : "this lot ") + h.lot + " recorded by " + h.by + " on " + h.on).join("");
      say("ok", zh
        ? "已在本机核验：" + r.records + " 条记录、" + r.lots + " 个批次，签名、哈希链、日志证明与记录者权限全部通过" + w + source + held
        : "Verified on this device: " + r.records + " records in " + r.lots + " lots; every signature, hash link, log proof and recorder's authority checks out" + w + source + held);
    } catch (e) {
      const why = e instanceof Failure ? e.message : String(e);
      say("fail", (zh ? "本机核验失败：" : "Verification on this device FAILED: ") + why);
    }
  }

  window.ginsengTraceVerify = verifyBundle;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
