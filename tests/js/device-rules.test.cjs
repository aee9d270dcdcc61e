// device-rules.js, pure: the crop-age count agrees with trace/events/seasons.py on generated cases
// (tests/vectors/forms/seasons.json, written by scripts/seasons_vector.py), and a harvest's warnings name
// the field they are about.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const rules = require(path.join(ROOT, "trace", "api", "static", "device-rules.js"));
const CASES = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "vectors", "forms", "seasons.json"), "utf8"));
const JILIN = { planted_grows_same_year_through_month: 6, dug_counts_its_year_from_month: 6, utc_offset_hours: 8 };

test("the device counts crop age as seasons.py does, on every generated case", () => {
  assert.ok(CASES.length >= 100);
  for (const c of CASES) {
    const count = rules.cropAge(c.planted, c.dug, c.seedling_age_years, c.calendar);
    assert.equal(count.age, c.age, JSON.stringify(c));
  }
});

test("a month is read on Jilin's clock: 16:30 UTC on 30 June is July in Jilin", () => {
  assert.deepEqual(rules.localMonth("2020-06-30T16:30:00Z", 8), { year: 2020, month: 7 });
  // sown at 00:30 on 1 July in Jilin: too late for that year's season, so dug in September 2025 it is 5
  assert.equal(rules.cropAge("2020-06-30T16:30:00Z", "2025-09-15T02:00:00Z", 0, JILIN).age, 5);
  assert.equal(rules.cropAge("2020-06-30T15:30:00Z", "2025-09-15T02:00:00Z", 0, JILIN).age, 6);
});

const HINTS = {
  lot_id: "PLOT-1", kind: "plot_crop", sown_at: "2019-10-20T00:30:00.000000Z", seedling_age_years: null,
  latest_application: { at: "2025-09-01T00:00:00.000000Z", product: "苯醚甲环唑", pre_harvest_interval_days: 21 },
  calendar: JILIN,
};

test("a harvest's declared age and date are checked against the plot's sowing and last application", () => {
  const right = rules.harvestWarnings(HINTS, { crop_age_years: "6", occurred_at: "2025-09-30T00:00:00Z" }, "zh");
  assert.deepEqual(right, []);
  const wrong = rules.harvestWarnings(HINTS, { crop_age_years: "5", occurred_at: "2025-09-30T00:00:00Z" }, "zh");
  assert.deepEqual(wrong.map((w) => w.at), ["/payload/crop_age_years"]);
  assert.match(wrong[0].message, /参龄应为 6 年，而非 5 年/);
  const early = rules.harvestWarnings(HINTS, { crop_age_years: "6", occurred_at: "2025-09-15T00:00:00Z" }, "en");
  assert.deepEqual(early.map((w) => w.at), ["/occurred_at"]);
  assert.match(early[0].message, /no harvest before 2025-09-22/);
  const seedlings = { ...HINTS, seedling_age_years: 2, latest_application: null };
  const planted = rules.harvestWarnings(seedlings, { crop_age_years: "6", occurred_at: "2025-09-30T00:00:00Z" }, "en");
  assert.match(planted[0].message, /2 \+ 6 = 8 years old, not 6/);
  assert.deepEqual(rules.harvestWarnings(null, { crop_age_years: "5", occurred_at: "2025-09-30T00:00:00Z" }, "en"), []);
  assert.deepEqual(rules.harvestWarnings(HINTS, { crop_age_years: "", occurred_at: "2025-09-30T00:00:00Z" }, "en"), []);
});
