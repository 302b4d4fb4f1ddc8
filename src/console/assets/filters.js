// The findings' filter column: the form's values as the API's query, the choices of space and
// detector from what the store holds, and facet counts for the current filters.

import { api, describe } from "./api.js";
import { $, fill, h } from "./dom.js";
import { SEVERITIES, number } from "./format.js";

const form = () => $("#filters");

/** The form as the query of `/findings` (empty values left out). */
export function currentQuery() {
  const query = {};
  for (const [name, value] of new FormData(form())) {
    if (value !== "") query[name] = value;
  }
  return query;
}

/** Sets one filter, as a click on a facet does, and tells the listeners. */
function choose(name, value) {
  const field = form().elements[name];
  if (!field) return;
  if (field.tagName === "SELECT" && ![...field.options].some((o) => o.value === value)) {
    field.append(h("option", { value }, value));
  }
  field.value = field.value === value ? "" : value;
  form().dispatchEvent(new Event("change"));
}

/** Keeps a select's options in step with the values the store holds, keeping the choice. */
function options(select, values) {
  const chosen = select.value;
  const all = [...new Set([...values, ...(chosen ? [chosen] : [])])].sort();
  fill(select, h("option", { value: "" }, "any"), all.map((v) => h("option", { value: v }, v)));
  select.value = chosen;
}

/** The spaces and detectors that have findings, for the selects. */
export async function refreshChoices() {
  try {
    const all = await api("/findings/summary");
    options($("#f-space"), Object.keys(all.by_space || {}));
    options($("#f-detector"), Object.keys(all.by_detector || {}));
  } catch {
    // The facets below say what went wrong; the selects keep what they had.
  }
}

function facet(title, name, counts, order) {
  const entries = Object.entries(counts || {});
  if (order) entries.sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  else entries.sort((a, b) => b[1] - a[1]);
  if (!entries.length) return null;
  const current = form().elements[name]?.value;
  return [
    h("h3", null, title),
    h(
      "ul",
      { dataset: { facet: name } },
      entries.map(([value, n]) =>
        h(
          "li",
          { class: value === current ? "active" : null },
          name
            ? h("button", { type: "button", onclick: () => choose(name, value) }, value.replaceAll("_", " "))
            : h("span", null, value.replaceAll("_", " ")),
          h("span", { class: "muted", dataset: { n: value } }, number(n)),
        ),
      ),
    ),
  ];
}

/**
 * Counts under the current filters. The summary takes the filters but not the search text,
 * so with a search the counts are those of the filters alone, and say so.
 */
export async function refreshFacets() {
  const box = $("#facets");
  const { q, sort, ...filters } = currentQuery();
  let summary;
  try {
    summary = await api("/findings/summary", { query: filters });
  } catch (error) {
    fill(box, h("p", { class: "error" }, describe(error)));
    return;
  }
  fill(
    box,
    h("h3", null, "Matching"),
    h("p", { dataset: { facetTotal: "" } }, h("b", null, number(summary.total)), q ? " (before search)" : " findings"),
    facet("Severity", null, summary.by_severity, SEVERITIES),
    facet("Category", "category", summary.by_category),
    facet("Exposure", null, summary.by_exposure),
    facet("Space", "space_key", summary.by_space),
    facet("Status", "status", summary.by_status),
    facet("Detector", "detector", summary.by_detector),
  );
}

/** Calls `onChange` when a filter changes; typing in the search waits for a pause. */
export function onFiltersChange(onChange) {
  let timer;
  form().addEventListener("input", (e) => {
    if (e.target.name !== "q") return;
    clearTimeout(timer);
    timer = setTimeout(onChange, 300);
  });
  form().addEventListener("change", (e) => {
    if (e.target?.name === "q") return;
    onChange();
  });
  form().addEventListener("submit", (e) => {
    e.preventDefault();
    onChange();
  });
  // A reset changes the fields after the event: act once they hold their defaults.
  form().addEventListener("reset", () => setTimeout(onChange));
}
