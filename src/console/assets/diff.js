// A remediation plan's changes, drawn as before/after lines. In `before`, the value about to
// change is wrapped in ⟦ ⟧ by the server; here it becomes a <mark>, built as DOM nodes.

import { h } from "./dom.js";

/** "a ⟦b⟧ c" → ["a ", <mark>b</mark>, " c"]; an unmatched bracket stays as text. */
export function marked(text) {
  const parts = [];
  let rest = String(text ?? "");
  for (;;) {
    const open = rest.indexOf("⟦");
    const close = open < 0 ? -1 : rest.indexOf("⟧", open + 1);
    if (open < 0 || close < 0) break;
    if (open > 0) parts.push(rest.slice(0, open));
    parts.push(h("mark", null, rest.slice(open + 1, close)));
    rest = rest.slice(close + 1);
  }
  if (rest) parts.push(rest);
  return parts;
}

export function changes(list) {
  if (!list?.length) return h("p", { class: "muted" }, "No content change in this plan.");
  return list.map((c, i) =>
    h(
      "div",
      { class: "diff", dataset: { change: i } },
      h("div", { class: "before", "aria-label": "Before" }, marked(c.before)),
      h("div", { class: "after", "aria-label": "After" }, String(c.after ?? "")),
    ),
  );
}

/** Permissions before and after, as formatted JSON text. */
export function permissions(before, after) {
  if (before == null && after == null) return null;
  const block = (label, value) => [
    h("p", { class: "small muted" }, label),
    h("pre", { class: "json" }, value == null ? "—" : JSON.stringify(value, null, 2)),
  ];
  return [block("Permissions before", before), block("Permissions after", after)];
}
