// Talking to the Qurb API: JSON in, JSON out; a refusal becomes an ApiError with the
// server's message (in the page's language), its code and its per-field details.
import { lang } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? null;
    this.detail = Array.isArray(body?.detail) ? body.detail : [];
  }
}

async function parse(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: text };
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// The server words its errors in the page's language.
const headers = (extra = {}) => ({ Accept: "application/json", "Accept-Language": lang(), ...extra });

export async function getJSON(url) {
  return parse(await fetch(url, { headers: headers() }));
}

// Who the page is signed in as (read once from /api/auth/me): its permissions decide which
// buttons it shows (the server checks each request again, over the object it touches);
// its writes carry the session's CSRF token. Nobody: no permission, no token.
let me = null;
export function whoAmI() {
  me ??= fetch("/api/auth/me", { headers: headers() })
    .then((answer) => (answer.ok ? answer.json() : null))
    .catch(() => null)
    .then((found) => found ?? { anonymous: true, permissions: [] });
  return me;
}

export async function can(permission) {
  return (await whoAmI()).permissions.includes(permission);
}

export async function csrfHeader() {
  const token = (await whoAmI()).csrf_token;
  return token ? { "X-CSRF-Token": token } : {};
}

export async function send(method, url, payload, extra = {}, { signal } = {}) {
  return parse(
    await fetch(url, {
      method,
      signal,
      headers: headers({ "Content-Type": "application/json", ...(await csrfHeader()), ...extra }),
      body: JSON.stringify(payload ?? {}),
    }),
  );
}

// A file sent as a form's part `file` (multipart/form-data: the server's uploads all read
// it so), with the session's CSRF token.
export async function sendFile(url, file, { signal } = {}) {
  const body = new FormData();
  body.append("file", file);
  return parse(await fetch(url, { method: "POST", signal, headers: headers(await csrfHeader()), body }));
}

export const enc = encodeURIComponent;
