// Entry forms generated from the event catalogue (GET /api/v1/schemas/<type>): labels in Chinese or English
// (title, x-title-zh), units (x-unit), enumerations, required members (also those an allOf if/then makes
// required as the user fills the form), nested objects of plain members; a payload collected in the schema's
// types; a problem document's field pointers mapped back to the fields. The pure part (fields, required,
// collect, fieldOf) is tested under Node (tests/js/forms.test.cjs); render() builds the DOM.
"use strict";
((root) => {
  const SCALARS = new Set(["string", "number", "integer", "boolean"]);

  function resolved(schema, node) {
    if (!node || typeof node.$ref !== "string") return node || {};
    const name = node.$ref.replace(/^#\/\$defs\//, "");
    const { $ref, ...rest } = node;
    return { ...((schema.$defs || {})[name] || {}), ...rest };
  }

  function kindOf(node) {
    if (Array.isArray(node.enum)) return "enum";
    if (node.const !== undefined) return "const";
    if (SCALARS.has(node.type)) return node.type;
    if (node.type === "object" && node.properties) return "object";
    return "unsupported";
  }

  // Every member of the schema as a field: {path, label, kind, options, unit, required, min, max, maxLength,
  // children}, in the schema's order; path is the member's JSON Pointer inside the payload.
  function fields(schema, lang, node = schema, base = "") {
    const required = new Set(node.required || []);
    return Object.entries(node.properties || {}).map(([name, raw]) => {
      const member = resolved(schema, raw);
      const path = `${base}/${name}`;
      const label = (lang === "zh" ? member["x-title-zh"] : member.title) || member.title || name;
      const field = {
        path, name, label, kind: kindOf(member), required: required.has(name),
        unit: member["x-unit"] || null, options: member.enum || null,
        min: member.minimum ?? member.exclusiveMinimum ?? null, max: member.maximum ?? null,
        maxLength: member.maxLength ?? null, children: [],
      };
      if (field.kind === "object") field.children = fields(schema, lang, member, path);
      return field;
    });
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
  // allOf if/then whose condition the values meet.
  function required(schema, values) {
    const found = new Set(schema.required || []);
    for (const part of schema.allOf || []) {
      if (part.if && part.then && holds(part.if, values)) (part.then.required || []).forEach((n) => found.add(n));
    }
    return found;
  }

  function typed(field, text) {
    if (field.kind === "number") return Number(text);
    if (field.kind === "integer") return Number.parseInt(text, 10);
    if (field.kind === "boolean") return text === "true";
    return text;
  }

  // The payload from the form: read(path) gives a field's text ("" when empty); empty members are left
  // out, an object whose members are all empty too. Numbers that do not parse stay text, for the server's
  // schema check to name.
  function collect(list, read) {
    const payload = {};
    for (const field of list) {
      if (field.kind === "object") {
        const inner = collect(field.children, read);
        if (Object.keys(inner).length) payload[field.name] = inner;
        continue;
      }
      if (field.kind === "unsupported" || field.kind === "const") continue;
      const text = String(read(field.path) ?? "").trim();
      if (text === "") continue;
      const value = typed(field, text);
      payload[field.name] = typeof value === "number" && Number.isNaN(value) ? text : value;
    }
    return payload;
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

  function render(container, schema, lang, doc = root.document) {
    const list = fields(schema, lang);
    const build = (items, into) => {
      for (const field of items) {
        if (field.kind === "object") {
          const set = doc.createElement("fieldset");
          const legend = doc.createElement("legend");
          legend.textContent = field.label;
          set.append(legend);
          build(field.children, set);
          into.append(set);
          continue;
        }
        if (field.kind === "unsupported" || field.kind === "const") continue;
        const wrap = doc.createElement("div");
        wrap.className = "field";
        wrap.dataset.path = field.path;
        const label = doc.createElement("label");
        label.htmlFor = idOf(field.path);
        label.textContent = field.label + (field.unit ? ` (${field.unit})` : "");
        let input;
        if (field.kind === "enum" || field.kind === "boolean") {
          input = doc.createElement("select");
          const options = field.kind === "boolean" ? ["true", "false"] : field.options;
          for (const value of ["", ...options]) {
            const option = doc.createElement("option");
            option.value = String(value);
            option.textContent = String(value);
            input.append(option);
          }
        } else {
          input = doc.createElement("input");
          if (field.kind === "number" || field.kind === "integer") {
            input.type = "number";
            input.step = field.kind === "integer" ? "1" : "any";
            input.inputMode = field.kind === "integer" ? "numeric" : "decimal";
            if (field.min !== null) input.min = String(field.min);
            if (field.max !== null) input.max = String(field.max);
          }
          if (field.maxLength !== null) input.maxLength = field.maxLength;
        }
        input.id = idOf(field.path);
        input.name = field.path;
        const error = doc.createElement("p");
        error.className = "field-error";
        error.id = input.id + "-error";
        error.setAttribute("aria-live", "polite");
        input.setAttribute("aria-describedby", error.id);
        wrap.append(label, input, error);
        into.append(wrap);
      }
    };
    build(list, container);
    const read = (path) => {
      const input = doc.getElementById(idOf(path));
      return input ? input.value : "";
    };
    const mark = () => {
      const values = collect(list, read);
      const needed = required(schema, values);
      for (const field of list) {
        const label = container.querySelector(`label[for="${idOf(field.path)}"]`);
        if (label) label.classList.toggle("required", needed.has(field.name));
      }
    };
    container.addEventListener("input", mark);
    mark();
    return { list, read, payload: () => collect(list, read), idOf };
  }

  const forms = { fields, required, collect, fieldOf, idOf, render };
  root.ginsengTraceForms = forms;
  if (typeof module !== "undefined" && module.exports) module.exports = forms;
})(globalThis);
