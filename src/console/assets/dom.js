// Building the page from data with DOM calls only. Every string given to `h` becomes a text
// node, so a page title or preview from Confluence can never become markup.

/**
 * `h("td", {class: "num"}, "3")`: an element with attributes and children. A child that is a
 * string or number is text; null, undefined and false are skipped; arrays are flattened.
 * Attributes starting with "on" are listeners; `dataset` takes an object.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "class") {
      el.className = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** A table row saying there is nothing (or what went wrong), across every column. */
export function emptyRow(table, text, isError = false) {
  const columns = table.tHead.rows[0].cells.length;
  return h("tr", { class: "empty" }, h("td", { colspan: columns, class: isError ? "error" : null }, text));
}

/** A link that opens outside the console without telling the target where it came from. */
export function outLink(href, text) {
  if (!href || !/^https?:\/\//i.test(href)) return text;
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text);
}

/** A definition list from [label, value] pairs; pairs with an empty value are left out. */
export function kv(pairs) {
  const dl = h("dl", { class: "kv" });
  for (const [label, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(h("dt", null, label), h("dd", null, value));
  }
  return dl;
}

/** Makes a table row act like a button for keyboard users too. */
export function clickableRow(row, onOpen) {
  row.tabIndex = 0;
  row.addEventListener("click", onOpen);
  row.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onOpen();
    }
  });
  return row;
}
