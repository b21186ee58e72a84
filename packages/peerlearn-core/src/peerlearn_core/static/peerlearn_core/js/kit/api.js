// api(): fetch JSON from the site's own API with the CSRF token (or a bearer token), and turn DRF
// errors into an ApiError plus an error toast.

import { toast } from "./toast.js";

export class ApiError extends Error {
  /** @param {number} status HTTP status (0 = network failure) @param {*} data parsed body */
  constructor(status, data, message) {
    super(message || `Request failed (${status})`);
    this.name = "ApiError";
    this.status = status;
    this.data = data;
  }
}

let bearerToken = null;

/** Send `Authorization: Bearer <token>` on every api() call (null to stop). */
export function setAuthToken(token) {
  bearerToken = token || null;
}

function cookie(name) {
  const match = document.cookie.split("; ").find((c) => c.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : null;
}

/** The CSRF token: the csrftoken cookie, else <meta name="csrf-token">. */
export function csrfToken() {
  const fromCookie = cookie("csrftoken");
  if (fromCookie) return fromCookie;
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta && meta.content && meta.content !== "NOTPROVIDED" ? meta.content : null;
}

function firstMessage(value) {
  if (value == null) return null;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    for (const item of value) {
      const m = firstMessage(item);
      if (m) return m;
    }
    return null;
  }
  if (typeof value === "object") {
    if (typeof value.message === "string") return value.message;
    for (const key of Object.keys(value)) {
      const m = firstMessage(value[key]);
      if (m) return m;
    }
  }
  return String(value);
}

/**
 * The human message of a DRF error body: `detail`, else "<field>: <first message>" for the first
 * field (non_field_errors without the prefix).
 */
export function errorMessage(data, status) {
  if (typeof data === "string") {
    const text = data.trim();
    if (text && text.length <= 200 && !text.startsWith("<")) return text;
    return status >= 500 ? `Server error (${status}). Please try again.` : `Request failed (${status}).`;
  }
  if (Array.isArray(data)) return firstMessage(data) || `Request failed (${status}).`;
  if (data && typeof data === "object") {
    if (data.detail != null) return firstMessage(data.detail);
    for (const key of Object.keys(data)) {
      if (key === "code" || key === "status") continue;
      const m = firstMessage(data[key]);
      if (!m) continue;
      return key === "non_field_errors" || key === "__all__" ? m : `${key}: ${m}`;
    }
  }
  return status >= 500 ? `Server error (${status}). Please try again.` : `Request failed (${status}).`;
}

function sameOrigin(url) {
  try {
    return new URL(url, location.href).origin === location.origin;
  } catch {
    return false;
  }
}

async function parseBody(response) {
  if (response.status === 204 || response.status === 205) return null;
  const text = await response.text();
  if (!text) return null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Call the API.
 * @param {string} path e.g. "/api/bookings/3/attend/"
 * @param {{method?: string, body?: object|FormData|URLSearchParams|Blob|string, headers?: object,
 *          quiet?: boolean, signal?: AbortSignal}} [options] quiet: no error toast
 * @returns {Promise<any>} parsed JSON (null for 204 / empty bodies)
 * @throws {ApiError} on non-2xx ({status, data}) or network failure (status 0)
 */
export async function api(path, { method = "GET", body, headers = {}, quiet = false, signal } = {}) {
  const verb = method.toUpperCase();
  const h = new Headers({ Accept: "application/json" });
  let payload = body;
  const raw =
    body == null ||
    typeof body === "string" ||
    body instanceof FormData ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof ArrayBuffer;
  if (!raw) {
    payload = JSON.stringify(body);
    h.set("Content-Type", "application/json");
  } else if (typeof body === "string") {
    h.set("Content-Type", "application/json");
  }
  if (sameOrigin(path)) {
    const token = csrfToken();
    if (token && !["GET", "HEAD", "OPTIONS", "TRACE"].includes(verb)) h.set("X-CSRFToken", token);
    if (bearerToken) h.set("Authorization", `Bearer ${bearerToken}`);
  }
  h.set("X-Requested-With", "XMLHttpRequest");
  Object.entries(headers || {}).forEach(([k, v]) => {
    if (v == null) h.delete(k);
    else h.set(k, v);
  });

  let response;
  try {
    response = await fetch(path, { method: verb, body: payload, headers: h, credentials: "same-origin", signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    const error = new ApiError(0, null, "Network error. Check your connection and try again.");
    if (!quiet) toast(error.message, { kind: "error" });
    throw error;
  }
  const data = await parseBody(response);
  if (!response.ok) {
    const error = new ApiError(response.status, data, errorMessage(data, response.status));
    if (!quiet) toast(error.message, { kind: "error" });
    throw error;
  }
  return data;
}
