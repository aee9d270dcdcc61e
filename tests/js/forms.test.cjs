// forms.js, pure: fields from the catalogue's schemas (labels in both languages, units, enumerations,
// nested objects), required members as an allOf if/then makes them, the payload typed as the schema has it,
// and a problem's pointers mapped back to fields.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const forms = require(path.join(ROOT, "trace", "api", "static", "forms.js"));
const SCHEMAS = JSON.parse(fs.readFileSync(path.join(ROOT, "tests", "vectors", "forms", "schemas.json"), "utf8"));
const FIELD_OPERATION = SCHEMAS.field_operation;

test("fields carry the schema's labels in either language, units, options and nesting", () => {
  const zh = forms.fields(FIELD_OPERATION, "zh");
  const en = forms.fields(FIELD_OPERATION, "en");
  const operation = zh.find((f) => f.name === "operation");
  assert.equal(operation.label, "作业类型");
  assert.equal(en.find((f) => f.name === "operation").label, "Operation");
  assert.deepEqual(operation.options, ["fertilise", "pesticide", "irrigate", "shade", "weed", "inspect"]);
  assert.equal(operation.required, true);
  const interval = zh.find((f) => f.name === "pre_harvest_interval_days");
  assert.equal(interval.kind, "integer");
  assert.equal(interval.unit, "days");
  const dose = zh.find((f) => f.name === "dose");
  assert.equal(dose.kind, "object");
  assert.deepEqual(dose.children.map((c) => [c.path, c.kind, c.required]), [
    ["/dose/value", "number", true],
    ["/dose/unit", "enum", true],
  ]);
});

test("a pesticide application makes its product, registration, ingredient, dose and interval required", () => {
  assert.deepEqual([...forms.required(FIELD_OPERATION, { operation: "weed" })], ["operation"]);
  const pesticide = forms.required(FIELD_OPERATION, { operation: "pesticide" });
  for (const name of ["product", "registration_number", "active_ingredient", "dose", "pre_harvest_interval_days"]) {
    assert.ok(pesticide.has(name), name);
  }
  assert.ok(!forms.required(FIELD_OPERATION, { operation: "fertilise" }).has("registration_number"));
});

test("the payload is typed as the schema has it and leaves empty members out", () => {
  const list = forms.fields(FIELD_OPERATION, "zh");
  const values = {
    "/operation": "pesticide", "/product": " 苯醚甲环唑 ", "/dose/value": "30", "/dose/unit": "g a.i./hm2",
    "/pre_harvest_interval_days": "21", "/method": "", "/water_m3": "lots",
  };
  const payload = forms.collect(list, (p) => values[p] ?? "");
  assert.deepEqual(payload, {
    operation: "pesticide", product: "苯醚甲环唑", dose: { value: 30, unit: "g a.i./hm2" },
    pre_harvest_interval_days: 21, water_m3: "lots",
  });
  assert.deepEqual(forms.collect(list, () => ""), {});
});

test("a problem's pointer names the field it is about", () => {
  assert.equal(forms.fieldOf("/event/payload/dose/value"), "/dose/value");
  assert.equal(forms.fieldOf("/payload/pre_harvest_interval_days"), "/pre_harvest_interval_days");
  assert.equal(forms.fieldOf("/event/occurred_at"), null);
  assert.equal(forms.idOf("/dose/value"), "f-dose-value");
});

test("every event type's schema gives fields without failing", () => {
  for (const [type, schema] of Object.entries(SCHEMAS)) {
    const list = forms.fields(schema, "zh");
    assert.ok(Array.isArray(list), type);
    for (const field of list) assert.ok(field.label, `${type} ${field.path}`);
  }
});
