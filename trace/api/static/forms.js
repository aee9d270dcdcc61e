// Entry forms generated from the event catalogue (GET /api/v1/schemas/<type>): labels in Chinese or English
// (title, x-title-zh), enumeration values by their labels (x-enum-labels: {value: {zh, en}}), units (x-unit),
// required members (also those an allOf if/then/else makes required as the user fills the form), nested
// objects, arrays of scalars and of objects (rows added and removed with labelled buttons, minItems and maxItems
// kept), oneOf/anyOf that choose among members (shown as a note); what the form cannot take yet is listed on
// the page, never dropped silently. A payload collected in the schema's types; a problem document's field
// pointers mapped back to the fields. The pure part (fields, required, collect, fieldOf, unsupported) is
// tested under Node (tests/js/forms.test.cjs); render() builds the DOM.
"use strict";
((root) => {
  const SCALARS = new Set(["string", "number", "integer", "boolean"]);
  const DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
  const WORDS = {
    zh: {
      add: "添加一行", remove: "删除", row: (label, n) => `${label} 第 ${n} 行`, yes: "是", no: "否",
      missing: "尚未纳入表单（请通过 API 记录）", oneOf: "以下须且只须填写一组", anyOf: "以下至少填写一组",
      or: "，或 ", and: " + ",
    },
    en: {
      add: "Add a row", remove: "Remove", row: (label, n) => `${label}, row ${n}`, yes: "yes", no: "no",
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
      if (field.kind === "array") found.push(...unsupported([field.item]).map((u) => ({ ...u, path: field.path })));
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

  function control(field, lang, doc) {
    let input;
    if (field.kind === "enum" || field.kind === "boolean") {
      input = doc.createElement("select");
      const words = wordsOf(lang);
      const choices = field.kind === "boolean"
        ? [{ value: "true", label: words.yes }, { value: "false", label: words.no }] : field.choices;
      for (const { value, label } of [{ value: "", label: "" }, ...choices]) {
        const option = doc.createElement("option");
        option.value = String(value);
        option.textContent = label;
        input.append(option);
      }
      return input;
    }
    input = doc.createElement("input");
    if (field.kind === "number" || field.kind === "integer") {
      input.type = "number";
      input.step = field.kind === "integer" ? "1" : "any";
      input.inputMode = field.kind === "integer" ? "numeric" : "decimal";
      if (field.min !== null) input.min = String(field.min);
      if (field.max !== null) input.max = String(field.max);
    } else if (field.date) {
      input.type = "date";
    }
    if (field.maxLength !== null) input.maxLength = field.maxLength;
    return input;
  }

  function errorFor(id, doc) {
    const error = doc.createElement("p");
    error.className = "field-error";
    error.id = id + "-error";
    error.setAttribute("aria-live", "polite");
    return error;
  }

  function render(container, schema, lang, doc = root.document) {
    const words = wordsOf(lang);
    const list = fields(schema, lang);
    const counts = new Map();
    const count = (path) => counts.get(path) || 0;
    const read = (path) => {
      const input = doc.getElementById(idOf(path));
      return input ? input.value : "";
    };
    const scalar = (field, into) => {
      const wrap = doc.createElement("div");
      wrap.className = "field";
      wrap.dataset.path = field.path;
      const label = doc.createElement("label");
      label.htmlFor = idOf(field.path);
      label.textContent = field.label + (field.unit ? ` (${field.unit})` : "");
      if (field.required && field.path.split("/").length > 2) label.classList.add("required");
      const input = control(field, lang, doc);
      input.id = idOf(field.path);
      input.name = field.path;
      const error = errorFor(input.id, doc);
      input.setAttribute("aria-describedby", error.id);
      wrap.append(label, input, error);
      into.append(wrap);
    };
    const group = (field, into, build) => {
      const set = doc.createElement("fieldset");
      set.id = idOf(field.path);
      set.dataset.path = field.path;
      const legend = doc.createElement("legend");
      legend.textContent = field.label + (field.unit && field.kind !== "array" ? ` (${field.unit})` : "");
      set.append(legend);
      for (const text of field.kind === "object" ? alternativesNote(field, lang) : []) {
        const note = doc.createElement("p");
        note.className = "muted alternatives";
        note.textContent = text;
        set.append(note);
      }
      build(set);
      set.append(errorFor(set.id, doc));
      into.append(set);
      return set;
    };
    // An array's rows, rebuilt from the values they held after a row is added or removed, so that row i's
    // fields are always /<array>/<i> (the pointers the server names).
    const rows = (field, box, add) => {
      const values = (n) => {
        const at = `${field.path}/${n}`;
        return Array.from(box.querySelectorAll(`[name^="${at}"]`))
          .filter((input) => input.name === at || input.name.startsWith(at + "/"))
          .map((input) => [input.name.slice(at.length), input.value]);
      };
      const rebuild = (kept, focus) => {
        box.replaceChildren();
        counts.set(field.path, kept.length);
        kept.forEach((held, i) => {
          const row = doc.createElement("div");
          row.className = "row";
          row.setAttribute("role", "group");
          row.setAttribute("aria-label", words.row(field.label, i + 1));
          const item = field.row(i);
          if (item.kind === "object") build(item.children, row);
          else scalar({ ...item, label: words.row(field.label, i + 1) }, row);
          for (const [rest, value] of held) {
            const input = row.querySelector(`[name="${field.path}/${i}${rest}"]`);
            if (input) input.value = value;
          }
          const remove = doc.createElement("button");
          remove.type = "button";
          remove.className = "remove-row";
          remove.textContent = words.remove;
          remove.setAttribute("aria-label", `${words.remove}: ${words.row(field.label, i + 1)}`);
          remove.disabled = kept.length <= field.minItems;
          remove.addEventListener("click", () => {
            const now = Array.from({ length: count(field.path) }, (_, n) => values(n));
            now.splice(i, 1);
            rebuild(now, now.length ? Math.min(i, now.length - 1) : -1);
          });
          row.append(remove);
          box.append(row);
        });
        add.disabled = field.maxItems !== null && kept.length >= field.maxItems;
        if (focus === -1) add.focus();
        else if (focus !== undefined) {
          const first = box.children[focus] && box.children[focus].querySelector("input, select");
          if (first) first.focus();
        }
        container.dispatchEvent(new Event("input", { bubbles: true }));
      };
      add.addEventListener("click", () => {
        const now = Array.from({ length: count(field.path) }, (_, n) => values(n));
        now.push([]);
        rebuild(now, now.length - 1);
      });
      rebuild(Array.from({ length: Math.max(field.minItems, field.required ? 1 : 0) }, () => []));
    };
    const build = (items, into) => {
      for (const field of items) {
        if (field.kind === "object") group(field, into, (set) => build(field.children, set));
        else if (field.kind === "array") {
          group(field, into, (set) => {
            const box = doc.createElement("div");
            box.className = "rows";
            const add = doc.createElement("button");
            add.type = "button";
            add.className = "add-row";
            add.textContent = `${words.add}: ${field.label}`;
            set.append(box, add);
            rows(field, box, add);
          });
        } else if (field.kind !== "unsupported" && field.kind !== "const") scalar(field, into);
      }
    };
    const missing = unsupported(list);
    if (missing.length) {
      const note = doc.createElement("p");
      note.className = "not-in-form";
      note.textContent = `${words.missing}: ${missing.map((m) => `${m.label} (${m.path})`).join(", ")}`;
      container.append(note);
    }
    build(list, container);
    const mark = () => {
      const needed = required(schema, collect(list, read, count));
      for (const field of list) {
        const label = container.querySelector(`label[for="${idOf(field.path)}"]`)
          || container.querySelector(`fieldset#${idOf(field.path)} > legend`);
        if (label) label.classList.toggle("required", needed.has(field.name));
      }
    };
    container.addEventListener("input", mark);
    container.addEventListener("change", mark);
    mark();
    return { list, read, count, missing, payload: () => collect(list, read, count), idOf };
  }

  const forms = { render, fields, required, collect, unsupported, alternativesNote, fieldOf, idOf, WORDS };
  root.ginsengTraceForms = forms;
  if (typeof module !== "undefined" && module.exports) module.exports = forms;
})(globalThis);
