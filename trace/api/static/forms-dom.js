// The DOM of the entry forms: forms.render(container, schema, lang) builds the form forms.js describes (labels,
// selects of labelled values, rows of arrays with add/remove buttons, the note of a oneOf/anyOf, the list of
// what the form cannot take yet) and returns {list, read, count, missing, payload(), idOf}; payload() is the
// event's payload in the schema's types. Loaded after forms.js, which it extends.
"use strict";
((root) => {
  const forms = root.ginsengTraceForms;
  const { fields, required, collect, unsupported, alternativesNote, idOf, wordsOf } = forms;

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
        else if (field.kind === "array" || field.kind === "map") {
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

  forms.render = render;
})(globalThis);
