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

test("enumeration values show their labels in either language, never a raw code", () => {
  const operation = forms.fields(FIELD_OPERATION, "zh").find((f) => f.name === "operation");
  assert.deepEqual(operation.choices.slice(0, 2), [{ value: "fertilise", label: "施肥" }, { value: "pesticide", label: "施药" }]);
  const unit = forms.fields(SCHEMAS.harvest, "en").find((f) => f.name === "fresh_weight").children[1];
  assert.deepEqual(unit.choices.map((c) => c.label), ["kg", "g", "t"]);
  for (const [type, schema] of Object.entries(SCHEMAS)) {  // in Chinese, no member or value shows its key
    const walk = (list) => {
      for (const field of list) {
        assert.notEqual(field.label, field.name, `${type} ${field.path} has no label`);
        for (const choice of field.choices || []) assert.notEqual(choice.label, String(choice.value), `${type} ${field.path}`);
        walk(field.children);
        if (field.item) walk(field.item.kind === "object" ? field.item.children : [field.item]);
      }
    };
    walk(forms.fields(schema, "zh"));
  }
  const zhUnit = forms.fields(SCHEMAS.harvest, "zh").find((f) => f.name === "fresh_weight").children[1];
  assert.deepEqual(zhUnit.choices.map((c) => c.label), ["千克", "克", "吨"]);
});

test("a process's input quantities and outputs are arrays of objects, collected row by row in their types", () => {
  const list = forms.fields(SCHEMAS.process, "zh");
  const inputs = list.find((f) => f.name === "input_quantities");
  assert.equal(inputs.kind, "array");
  assert.equal(inputs.label, "投料");
  assert.equal(inputs.minItems, 1);
  assert.deepEqual(inputs.row(1).children.map((c) => [c.path, c.kind, c.required]), [
    ["/input_quantities/1/lot", "string", true],
    ["/input_quantities/1/value", "number", true],
    ["/input_quantities/1/unit", "enum", true],
    ["/input_quantities/1/from_output", "enum", false],
    ["/input_quantities/1/from_grade", "string", false],
  ]);
  const values = {
    "/process": "steam_red_ginseng",
    "/input_quantities/0/lot": "HV-1", "/input_quantities/0/value": "600", "/input_quantities/0/unit": "kg",
    "/input_quantities/1/lot": "HV-2", "/input_quantities/1/value": "0.4", "/input_quantities/1/unit": "t",
    "/outputs/0/output": "main_root", "/outputs/0/value": "300", "/outputs/0/unit": "kg",
    "/outputs/1/output": "waste", "/outputs/1/value": "20", "/outputs/1/unit": "kg",
    "/steps/0": "洗", "/steps/1": "蒸",
  };
  const rows = { "/input_quantities": 2, "/outputs": 3, "/steps": 2 };
  const payload = forms.collect(list, (p) => values[p] ?? "", (p) => rows[p] || 0);
  assert.deepEqual(payload, {
    process: "steam_red_ginseng",
    input_quantities: [{ lot: "HV-1", value: 600, unit: "kg" }, { lot: "HV-2", value: 0.4, unit: "t" }],
    outputs: [{ output: "main_root", value: 300, unit: "kg" }, { output: "waste", value: 20, unit: "kg" }, {}],
    steps: ["洗", "蒸"],
  });
  assert.deepEqual(forms.collect(list, () => "", (p) => rows[p] || 0), {});  // every row empty: left out
});

test("arrays of scalars and of enumeration values, with their item limits", () => {
  const list = forms.fields(SCHEMAS.package, "en");
  const claims = list.find((f) => f.name === "claims");
  assert.equal(claims.kind, "array");
  assert.equal(claims.item.kind, "enum");
  assert.equal(claims.item.choices[0].label, "geographical indication (GB/T 19506)");
  const markets = list.find((f) => f.name === "export_markets");
  assert.equal(markets.maxItems, 20);
  const payload = forms.collect(list, (p) => ({ "/claims/0": "green_trade", "/claims/1": "" })[p] ?? "", (p) => (p === "/claims" ? 2 : 0));
  assert.deepEqual(payload, { claims: ["green_trade", ""] });  // the empty row stays, for the server to name
  const readings = forms.fields(SCHEMAS.store, "zh").find((f) => f.name === "readings");
  assert.deepEqual(readings.item.children.map((c) => c.label), ["时间（UTC）", "温度", "相对湿度"]);
});

test("oneOf/anyOf that choose members are a note; what the form cannot take is listed, not dropped", () => {
  const serials = forms.fields(SCHEMAS.package, "en").find((f) => f.name === "serials");
  assert.deepEqual(forms.alternativesNote(serials, "en"), ["Fill exactly one of: First serial + Last serial; or Serials"]);
  const outputs = forms.fields(SCHEMAS.process, "zh").find((f) => f.name === "outputs");
  assert.deepEqual(forms.alternativesNote(outputs.item, "zh"), ["以下至少填写一组: 产出类别（仅有品名的记录按品名判断：须为须根，芦为芦头，废为废料，其余为主根），或 品名"]);
  const plot = forms.unsupported(forms.fields(SCHEMAS.register_plot, "en")).map((u) => u.path);
  assert.deepEqual(plot, ["/location/polygon"]);
  assert.deepEqual(forms.unsupported(forms.fields(SCHEMAS.quality_test, "zh")), []);
  assert.deepEqual(forms.unsupported(forms.fields(SCHEMAS.process, "zh")), []);
  const odd = { properties: { x: { type: "object", properties: { a: { type: "string" } }, oneOf: [{ properties: { a: { const: "1" } } }] } } };
  assert.deepEqual(forms.unsupported(forms.fields(odd, "en")), [{ path: "/x", label: "x", why: "oneOf" }]);
});

test("an allOf if/then/else makes members required either way", () => {
  assert.ok(forms.required(SCHEMAS.split, { kind: "harvest_lot" }).has("net_weight_kg"));
  const packaged = forms.required(SCHEMAS.split, { kind: "packaged_product" });
  assert.ok(packaged.has("serials") && !packaged.has("net_weight_kg"));
});

test("a const member is sent with the object that holds it", () => {
  const list = forms.fields({ properties: { where: { type: "object", properties: { private: { const: true }, name: { type: "string" } } } } }, "en");
  assert.deepEqual(forms.collect(list, (p) => (p === "/where/name" ? "x" : "")), { where: { name: "x", private: true } });
  assert.deepEqual(forms.collect(list, () => ""), {});
});

test("named contents (a test's heavy metals) are rows of a name and a value, sent as an object", () => {
  const list = forms.fields(SCHEMAS.quality_test, "zh");
  const metals = list.find((f) => f.name === "heavy_metals_mg_kg");
  assert.equal(metals.kind, "map");
  assert.equal(metals.unit, "mg/kg");
  assert.deepEqual(metals.row(1).children.map((c) => [c.path, c.label, c.kind]), [
    ["/heavy_metals_mg_kg/1/name", "名称", "string"],
    ["/heavy_metals_mg_kg/1/value", "数值", "number"],
  ]);
  const values = { "/heavy_metals_mg_kg/0/name": "Pb", "/heavy_metals_mg_kg/0/value": "0.7", "/heavy_metals_mg_kg/1/name": "Cd", "/heavy_metals_mg_kg/1/value": "0.09" };
  const payload = forms.collect(list, (p) => values[p] ?? "", (p) => (p === "/heavy_metals_mg_kg" ? 3 : 0));
  assert.deepEqual(payload, { heavy_metals_mg_kg: { Pb: 0.7, Cd: 0.09 } });  // the empty third row is no content
});
