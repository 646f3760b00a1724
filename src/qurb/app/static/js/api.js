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

// A signed-in browser's writes carry its session's CSRF token (read once from /api/auth/me);
// an anonymous page has none to send.
let csrf = null;
export async function csrfHeader() {
  csrf ??= fetch("/api/auth/me", { headers: headers() })
    .then((answer) => (answer.ok ? answer.json() : null))
    .then((me) => me?.csrf_token ?? null)
    .catch(() => null);
  const token = await csrf;
  return token ? { "X-CSRF-Token": token } : {};
}

export async function send(method, url, payload) {
  return parse(
    await fetch(url, {
      method,
      headers: headers({ "Content-Type": "application/json", ...(await csrfHeader()) }),
      body: JSON.stringify(payload ?? {}),
    }),
  );
}

export const enc = encodeURIComponent;
