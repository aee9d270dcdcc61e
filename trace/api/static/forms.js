// Entry forms generated from the event catalogue (GET /api/v1/schemas/<type>): labels in Chinese or English
// (title, x-title-zh), enumeration values by their labels (x-enum-labels: {value: {zh, en}}), units (x-unit),
// required members (also those an allOf if/then/else makes required as the user fills the form), nested
// objects, arrays of scalars and of objects (rows added and removed with labelled buttons, minItems and maxItems
// kept), oneOf/anyOf that choose among members (shown as a note); what the form cannot take yet is listed on
// the page, never dropped silently. A payload collected in the schema's types; a problem document's field
// pointers mapped back to the fields. This is the pure part, tested under Node (tests/js/forms.test.cjs);
// forms-dom.js adds render(), which builds the DOM.
"use strict";
((root) => {
  const SCALARS = new Set(["string", "number", "integer", "boolean"]);
  const DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
  const WORDS = {
    zh: {
      add: "添加一行", remove: "删除", name: "名称", value: "数值", row: (label, n) => `${label} 第 ${n} 行`, yes: "是", no: "否",
      missing: "尚未纳入表单（请通过 API 记录）", oneOf: "以下须且只须填写一组", anyOf: "以下至少填写一组",
      or: "，或 ", and: " + ",
    },
    en: {
      add: "Add a row", remove: "Remove", name: "Name", value: "Value", row: (label, n) => `${label}, row ${n}`, yes: "yes", no: "no",
      missing: "Not yet in the form (record these through the API)", oneOf: "Fill exactly one of",
      anyOf: "Fill at least one of", or: "; or ", and: " + ",
    },
  };
  const wordsOf = (lang) => WORDS[lang === "zh" ? "zh" : "en"];

  function resolved(schema, node) {
    if (!node || typeof node.$ref !== "string") return node || {};
    const name = node.$ref.replace(/^#\/\$defs\//, "");
    const { $ref, ...rest } = node;
    return { ...resolved(schema, (schema.$defs || {})[name] || {}), ...rest };
  }

  function kindOf(schema, node) {
    if (Array.isArray(node.enum)) return "enum";
    if (node.const !== undefined) return "const";
    if (SCALARS.has(node.type)) return node.type;
    if (node.type === "object" && node.properties) return "object";
    const named = node.additionalProperties;
    if (node.type === "object" && named && typeof named === "object" && SCALARS.has(resolved(schema, named).type)) {
      return "map";
    }
    if (node.type === "array" && !node.prefixItems && node.items) {
      const item = kindOf(schema, resolved(schema, node.items));
      return item === "unsupported" || item === "array" || item === "const" ? "unsupported" : "array";
    }
    return "unsupported";
  }

  function labelOf(member, lang, name) {
    return (lang === "zh" ? member["x-title-zh"] : member.title) || member.title || member["x-title-zh"] || name;
  }

  // An enumeration's values with their labels in the language asked (the value itself when it has none).
  function choicesOf(member, lang) {
    const labels = member["x-enum-labels"] || {};
    const key = lang === "zh" ? "zh" : "en";
    return member.enum.map((value) => {
      const names = labels[value] || {};
      return { value, label: String(names[key] || names.en || names.zh || value) };
    });
  }

  // oneOf/anyOf that only choose which members are required ({required: [...]} each) are shown as a note;
  // any other kind is listed as not yet in the form.
  function alternativesOf(node) {
    const found = [];
    for (const key of ["oneOf", "anyOf"]) {
      const branches = node[key];
      if (!Array.isArray(branches)) continue;
      const plain = branches.every((b) => Object.keys(b).length === 1 && Array.isArray(b.required));
      found.push({ key, sets: plain ? branches.map((b) => b.required) : null });
    }
    return found;
  }

  function describe(schema, lang, raw, name, path, isRequired) {
    const member = resolved(schema, raw);
    const kind = kindOf(schema, member);
    const field = {
      path, name, label: labelOf(member, lang, name), kind, required: isRequired,
      unit: member["x-unit"] || null, options: kind === "enum" ? member.enum : null,
      choices: kind === "enum" ? choicesOf(member, lang) : null, value: member.const,
      min: member.minimum ?? member.exclusiveMinimum ?? null, max: member.maximum ?? null,
      maxLength: member.maxLength ?? null, date: member.pattern === DATE, children: [], alternatives: [],
    };
    if (kind === "object") {
      field.children = fields(schema, lang, member, path);
      field.alternatives = alternativesOf(member);
    }
    if (kind === "array") {
      field.minItems = member.minItems ?? 0;
      field.maxItems = member.maxItems ?? null;
      // the field of row i (0-based), its path /<array>/<i> as a problem's pointer names it
      field.row = (i) => {
        const row = describe(schema, lang, member.items, String(i), `${path}/${i}`, true);
        row.label = field.label;
        return row;
      };
      field.item = field.row(0);
    }
    if (kind === "map") {  // named contents ({Pb: 0.7, Cd: 0.09}): rows of a name and a value
      const words = wordsOf(lang);
      const entry = { type: "object", required: ["name", "value"], properties: {
        name: { type: "string", title: words.name, "x-title-zh": words.name },
        value: { ...resolved(schema, member.additionalProperties), title: words.value, "x-title-zh": words.value },
      } };
      field.minItems = 0;
      field.maxItems = null;
      field.row = (i) => ({ ...describe(schema, lang, entry, String(i), `${path}/${i}`, true), label: field.label });
      field.item = field.row(0);
    }
    return field;
  }

  // Every member of the schema (or of ``node`` in it) as a field: {path, name, label, kind, required, unit,
  // options, choices, min, max, maxLength, children, alternatives; for an array minItems, maxItems, item and
  // row(i)}, in the schema's order; path is the member's JSON Pointer inside the payload.
  function fields(schema, lang, node = schema, base = "") {
    const needed = new Set(node.required || []);
    return Object.entries(node.properties || {}).map(([name, raw]) =>
      describe(schema, lang, raw, name, `${base}/${name}`, needed.has(name)));
  }

  function holds(condition, values) {
    for (const [name, test] of Object.entries(condition.properties || {})) {
      const value = values[name];
      if (test.const !== undefined && value !== test.const) return false;
      if (Array.isArray(test.enum) && !test.enum.includes(value)) return false;
    }
    return (condition.required || []).every((name) => values[name] !== undefined);
  }

  // The top-level members required given what the form holds now: the schema's, and those of every
  // allOf if/then (or else) that the values select.
  function required(schema, values) {
    const found = new Set(schema.required || []);
    for (const part of schema.allOf || []) {
      if (!part.if) continue;
      const chosen = holds(part.if, values) ? part.then : part.else;
      ((chosen || {}).required || []).forEach((n) => found.add(n));
    }
    return found;
  }

  function typed(field, text) {
    if (field.kind === "number") return Number(text);
    if (field.kind === "integer") return Number.parseInt(text, 10);
    if (field.kind === "boolean") return text === "true";
    return text;
  }

  // One field's value from the form, or undefined when it is empty. An object keeps its const members when
  // anything else in it is filled; an array keeps all its rows (an empty one as "" or {}, so the server's
  // pointers name the rows the person sees) unless every row is empty.
  function valueOf(field, read, count) {
    if (field.kind === "object") {
      const inner = collect(field.children, read, count);
      if (!Object.keys(inner).length) return undefined;
      for (const child of field.children) if (child.kind === "const") inner[child.name] = child.value;
      return inner;
    }
    if (field.kind === "map") {
      const found = {};
      for (let i = 0; i < count(field.path); i += 1) {
        const entry = valueOf(field.row(i), read, count) || {};
        if (entry.name !== undefined) found[entry.name] = entry.value !== undefined ? entry.value : "";
      }
      return Object.keys(found).length ? found : undefined;
    }
    if (field.kind === "array") {
      const rows = Array.from({ length: count(field.path) }, (_, i) => valueOf(field.row(i), read, count));
      if (rows.every((r) => r === undefined)) return undefined;
      return rows.map((r) => (r !== undefined ? r : field.item.kind === "object" ? {} : ""));
    }
    if (field.kind === "unsupported" || field.kind === "const") return undefined;
    const text = String(read(field.path) ?? "").trim();
    if (text === "") return undefined;
    const value = typed(field, text);
    return typeof value === "number" && Number.isNaN(value) ? text : value;
  }

  // The payload from the form: read(path) gives a field's text ("" when empty), count(path) an array's rows.
  // Empty members are left out. Numbers that do not parse stay text, for the server's schema check to name.
  function collect(list, read, count = () => 0) {
    const payload = {};
    for (const field of list) {
      const value = valueOf(field, read, count);
      if (value !== undefined) payload[field.name] = value;
    }
    return payload;
  }

  // What the form cannot take yet, each {path, label, why}: members of a kind it does not render (a map of
  // named contents, an array of coordinate pairs) and oneOf/anyOf that do more than choose members.
  function unsupported(list) {
    const found = [];
    for (const field of list) {
      if (field.kind === "unsupported") found.push({ path: field.path, label: field.label, why: "kind" });
      for (const alt of field.alternatives) {
        if (!alt.sets) found.push({ path: field.path, label: field.label, why: alt.key });
      }
      found.push(...unsupported(field.children));
      if (field.kind === "array" || field.kind === "map") found.push(...unsupported([field.item]).map((u) => ({ ...u, path: field.path })));
    }
    return found;
  }

  // The note an object's oneOf/anyOf makes: "Fill exactly one of: First serial + Last serial; or Serials".
  function alternativesNote(field, lang) {
    const words = wordsOf(lang);
    const named = new Map(field.children.map((c) => [c.name, c.label]));
    return field.alternatives.filter((a) => a.sets).map((a) =>
      `${words[a.key]}: ${a.sets.map((set) => set.map((n) => named.get(n) || n).join(words.and)).join(words.or)}`);
  }

  // The payload path a problem's pointer names (/event/payload/dose/value -> /dose/value), or null when it
  // names no payload member (/event/type, /event/occurred_at: shown at the top of the form).
  function fieldOf(pointer) {
    const match = /^(?:\/event)?\/payload(\/.*)$/.exec(pointer || "");
    return match ? match[1] : null;
  }

  function idOf(path) {
    return "f" + path.replace(/[^A-Za-z0-9_]/g, "-");
  }

  const forms = { fields, required, collect, unsupported, alternativesNote, fieldOf, idOf, wordsOf };
  root.ginsengTraceForms = forms;
  if (typeof module !== "undefined" && module.exports) module.exports = forms;
})(globalThis);
