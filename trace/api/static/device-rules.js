// Rules that run on the device as the person types, before anything is submitted: a harvest's declared root
// age against the growing seasons since the plot was sown or planted (plus bought-in seedlings' age), counted
// as trace/events/seasons.py counts them, and the harvest date against the latest pesticide application's
// pre-harvest interval. The facts come from GET /api/v1/lots/<plot>/hints; the warnings are shown beside
// the field they are about. The server judges again on submit: these are warnings, never the verdict.
// The pure part (localMonth, cropAge, harvestWarnings) is tested under Node against Python's count
// (tests/js/device-rules.test.cjs, tests/vectors/forms/seasons.json).
"use strict";
((root) => {
  // The year and month of a UTC instant on the clock ``offsetHours`` east of UTC (Jilin: +8).
  function localMonth(instant, offsetHours) {
    const local = new Date(new Date(instant).getTime() + offsetHours * 3600000);
    return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1 };
  }

  // seasons.py: first_season, last_season, growing_seasons and crop_age, on Jilin's clock.
  function cropAge(plantedAt, dugAt, seedlingAgeYears, calendar) {
    const planted = localMonth(plantedAt, calendar.utc_offset_hours);
    const dug = localMonth(dugAt, calendar.utc_offset_hours);
    const first = planted.month <= calendar.planted_grows_same_year_through_month ? planted.year : planted.year + 1;
    const last = dug.month >= calendar.dug_counts_its_year_from_month ? dug.year : dug.year - 1;
    const seasons = Math.max(0, last - first + 1);
    return { seasons, first, last, age: (seedlingAgeYears || 0) + seasons };
  }

  const DAY = 86400000;
  const day = (instant) => new Date(instant).toISOString().slice(0, 10);

  // The warnings a harvest would get, each {at: the event pointer it is about, message}: ``hints`` as the
  // endpoint gives them, ``values`` {crop_age_years (text or number), occurred_at (an ISO instant)}.
  function harvestWarnings(hints, values, lang) {
    const zh = lang === "zh";
    const found = [];
    const dug = Date.parse(values.occurred_at);
    if (!hints || Number.isNaN(dug)) return found;
    const declared = Number.parseInt(String(values.crop_age_years ?? ""), 10);
    if (hints.sown_at && !Number.isNaN(declared)) {
      const count = cropAge(hints.sown_at, dug, hints.seedling_age_years, hints.calendar);
      if (count.age !== declared) {
        const seedlings = hints.seedling_age_years || 0;
        const sum = seedlings ? `${seedlings} + ${count.seasons} = ${count.age}` : String(count.age);
        const sown = hints.sown_at.slice(0, 10);
        found.push({
          at: "/payload/crop_age_years",
          message: zh
            ? `地块 ${hints.lot_id} 于 ${sown} ${seedlings ? `栽植 ${seedlings} 年生种苗` : "播种"}，至 ${day(dug)} 采收在地生长 ${count.seasons} 季（${count.first}-${count.last} 年），参龄应为 ${sum} 年，而非 ${declared} 年`
            : `plot ${hints.lot_id} was ${seedlings ? `planted with ${seedlings}-year-old seedlings` : "sown"} on ${sown}: roots dug on ${day(dug)} grew ${count.seasons} season(s) there (${count.first}-${count.last}), so they are ${sum} years old, not ${declared}`,
        });
      }
    }
    const applied = hints.latest_application;
    if (applied) {
      const ready = Date.parse(applied.at) + applied.pre_harvest_interval_days * DAY;
      if (dug < ready) {
        found.push({
          at: "/occurred_at",
          message: zh
            ? `${applied.product} 于 ${day(applied.at)} 施用，安全间隔期 ${applied.pre_harvest_interval_days} 天，${day(ready)} 前不得采收`
            : `${applied.product} was applied on ${day(applied.at)} with a pre-harvest interval of ${applied.pre_harvest_interval_days} days: no harvest before ${day(ready)}`,
        });
      }
    }
    return found;
  }

  // On the record page of a harvest made from a plot: read the plot's hints once, then check as the person
  // types, each warning in a .field-warning beside the field's error line.
  function watch(doc) {
    const form = doc.getElementById("record");
    if (!form || form.dataset.type !== "harvest" || !form.dataset.inputs) return;
    const plot = form.dataset.inputs.split(",")[0];
    const lang = form.dataset.lang;
    let hints = null;
    const place = (errorId) => {
      const error = doc.getElementById(errorId);
      if (!error) return null;
      let warning = doc.getElementById(errorId.replace(/-error$/, "-warning"));
      if (!warning) {
        warning = doc.createElement("p");
        warning.className = "field-warning";
        warning.id = errorId.replace(/-error$/, "-warning");
        warning.setAttribute("role", "status");
        error.after(warning);
      }
      return warning;
    };
    const check = () => {
      const age = doc.getElementById("f-crop_age_years");
      const when = doc.getElementById("occurred_at");
      const occurred = when && when.value ? new Date(when.value).toISOString() : "";
      const found = harvestWarnings(hints, { crop_age_years: age ? age.value : "", occurred_at: occurred }, lang);
      for (const [at, errorId] of [["/payload/crop_age_years", "f-crop_age_years-error"], ["/occurred_at", "occurred_at-error"]]) {
        const warning = place(errorId);
        if (warning) warning.textContent = found.filter((w) => w.at === at).map((w) => w.message).join(" ");
      }
    };
    form.addEventListener("input", check);
    form.addEventListener("change", check);
    fetch(`/api/v1/lots/${encodeURIComponent(plot)}/hints`, { credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.json() : null))
      .then((body) => { hints = body; check(); })
      .catch(() => {});  // no hints (offline, not the holder): the server still judges on submit
  }

  const rules = { localMonth, cropAge, harvestWarnings, watch };
  root.ginsengTraceDeviceRules = rules;
  if (typeof module !== "undefined" && module.exports) module.exports = rules;
  else if (root.document) watch(root.document);
})(globalThis);
