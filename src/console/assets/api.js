// The one way the console talks to the server: `/api/v1` with the token the person pasted.
// The token lives in sessionStorage: it survives a reload of this tab but not the tab itself,
// and no other tab or later visit sees it.

const KEY = "confluence-dlp.token";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  get refusesToken() {
    return this.status === 401;
  }
  get lacksScope() {
    return this.status === 403;
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

let onRefused = () => {};

/** What to do when the server refuses the token (401): the app returns to the login. */
export function whenRefused(handler) {
  onRefused = handler;
}

/**
 * `api("/findings", {query: {status: "open"}})` → the parsed JSON. Throws ApiError with the
 * API's own message (`{"error": {"code", "message"}}`) or a description of what failed.
 */
export async function api(path, { method = "GET", query, body } = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json", Authorization: `Bearer ${token.get() || ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (e) {
    throw new ApiError(0, "network", `The server could not be reached (${e.message}).`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the message below says so.
  }
  if (response.ok) return json;
  const error = new ApiError(
    response.status,
    json?.error?.code || "http_" + response.status,
    json?.error?.message || `${response.status} ${response.statusText || "error"}`,
  );
  if (error.refusesToken) onRefused(error);
  throw error;
}

/** A person-readable sentence for an error, naming the status. */
export function describe(error) {
  if (!(error instanceof ApiError)) return String(error?.message || error);
  if (error.status === 401) return `The token was refused (401): ${error.message}. Sign in again.`;
  if (error.status === 403) return `This token may not do that (403): ${error.message}.`;
  if (error.status === 404 && error.code === "not_found") return `Not available on this server (404): ${error.message}.`;
  if (error.status === 0) return error.message;
  return `${error.message} (${error.status} ${error.code})`;
}
