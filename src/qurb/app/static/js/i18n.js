// The page's words in French, Arabic and English, from the catalogues (one JSON file per
// language, the same the server reads); plural rules (Intl.PluralRules), number and date
// formats per locale. Territory names come from the census (name_fr, name_ar), never
// from the catalogues.

export const LANGS = ["fr", "ar", "en"];
const LOCALES = { fr: "fr-FR", ar: "ar-MA", en: "en-GB" };

// The words of each language, from the catalogue the server also reads
// (/locales/{lang}.json); plural messages are objects of CLDR forms. The page's language
// is loaded before anything is shown, the other two just after: a switch is immediate.
const STRINGS = {};
const LOADING = {};

function load(lang) {
  LOADING[lang] ??= fetch(`/locales/${lang}.json`, { headers: { Accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(`catalogue ${lang}: HTTP ${response.status}`);
      return response.json();
    })
    .then((words) => (STRINGS[lang] = words))
    .catch((error) => {
      delete LOADING[lang]; // asked again on the next switch
      throw error;
    });
  return LOADING[lang];
}

let current = initialLang();
await load(current);
for (const other of LANGS) if (other !== current) load(other).catch(() => {});

export function initialLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  const stored = (() => {
    try {
      return localStorage.getItem("qurb.lang");
    } catch {
      return null;
    }
  })();
  return [asked, stored].find((l) => LANGS.includes(l)) || "fr";
}

/** Switch the page's language, once its catalogue is loaded. */
export async function setLang(lang) {
  const next = LANGS.includes(lang) ? lang : "fr";
  if (!STRINGS[next]) await load(next);
  current = next;
  const root = document.documentElement;
  root.lang = current;
  root.dir = current === "ar" ? "rtl" : "ltr";
  try {
    localStorage.setItem("qurb.lang", current);
  } catch {
    /* private mode: the choice lasts for the page only */
  }
  applyStatic();
}

export const lang = () => current;
export const locale = () => LOCALES[current];

/** The message `key` with its placeholders filled; a plural message takes the CLDR form
 * of `vars.count` in the page's language. */
export function t(key, vars = {}) {
  let text = STRINGS[current]?.[key] ?? key;
  if (typeof text === "object") {
    const form = new Intl.PluralRules(locale()).select(Number(vars.count ?? 0));
    text = text[form] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}

/** A number for people, in the page's language; unknown (null) says so. */
export function num(value, decimals = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return t("unknown");
  return new Intl.NumberFormat(locale(), {
    maximumFractionDigits: decimals,
    minimumFractionDigits: 0,
  }).format(value);
}

export function pct(value, decimals = 1) {
  if (value === null || value === undefined) return t("unknown");
  return `${num(value, decimals)} %`;
}

export function date(value) {
  if (!value) return t("unknown");
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(value),
  );
}

/** A territory's (or any record's) name in the page's language. */
export function nameOf(record) {
  if (!record) return "";
  return current === "ar" ? record.name_ar || record.name_fr : record.name_fr || record.name_ar;
}

/** A record named in the three languages (name_fr, name_ar, name_en): its name in the
 * page's language, else the French one. */
export function named(record) {
  return record ? record[`name_${current}`] || record.name_fr || "" : "";
}

/** A {fr, ar, en} label. */
export function label(text) {
  return text ? text[current] || text.fr : "";
}

export function applyStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]"))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

export function escapeHtml(value) {
  return String(value ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
}
