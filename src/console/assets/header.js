// The header's counts: the open findings by severity, category, exposure and space, from the
// API's summary, so they are the same numbers a script would get.

import { api, describe } from "./api.js";
import { $, fill, h } from "./dom.js";
import { SEVERITIES, bySeverity, number } from "./format.js";

const TOP_SPACES = 4;

function count(key, value, label) {
  return h("div", { class: "count", dataset: { count: key } }, h("b", null, number(value)), h("span", null, label));
}

function group(label, entries, prefix) {
  return h(
    "div",
    { class: "count-group", role: "group", "aria-label": label },
    entries.map(([k, v]) => count(`${prefix}:${k}`, v, k.replaceAll("_", " "))),
  );
}

export async function refreshCounts() {
  const box = $("#counts");
  let summary;
  try {
    summary = await api("/findings/summary", { query: { status: "open" } });
  } catch (error) {
    fill(box, h("span", { class: "error" }, describe(error)));
    return;
  }
  const severities = SEVERITIES.filter((s) => summary.by_severity?.[s]).map((s) => [s, summary.by_severity[s]]);
  severities.sort((a, b) => bySeverity(a[0], b[0]));
  const categories = Object.entries(summary.by_category || {});
  const spaces = Object.entries(summary.by_space || {}).sort((a, b) => b[1] - a[1]).slice(0, TOP_SPACES);
  const exposure = summary.by_exposure
    ? group("By exposure", Object.entries(summary.by_exposure), "exposure")
    : h("div", { class: "count-group", title: "This server does not report exposure" },
        h("div", { class: "count" }, h("b", null, "—"), h("span", null, "exposure")));
  fill(
    box,
    count("total", summary.total, "open"),
    group("By severity", severities, "severity"),
    group("By category", categories, "category"),
    exposure,
    group("Top spaces", spaces, "space"),
  );
}
