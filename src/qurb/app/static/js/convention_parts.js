// Parts the conventions' page shows in each of its views (the list, a convention, a
// partner's and a territory's): an unknown said so, amounts in MAD with how many are
// unknown (never taken as 0), a convention's title and status, territories by their
// census names linking to their view, and the yearly report's choice (a year, then PDF,
// XLSX or a printable page in the page's language).
import { enc, getJSON } from "./api.js";
import { escapeHtml, lang, nameOf, num, t } from "./i18n.js";

const e = escapeHtml;
const places = new Map(); // HCP code → its territory (names), asked once
const YEARS = 6; // the report's year choice: this year and the five before it

export const unknown = () => `<span class="unknown-part">${t("unknown")}</span>`;

export function mad(value) {
  return value === null || value === undefined ? unknown() : `${num(Number(value), 0)} ${t("conventions.mad")}`;
}

// Kept left to right: "100 %" reads so in Arabic too, never "% 100".
export function percentOf(value) {
  return value === null || value === undefined ? unknown() : `<span dir="ltr">${num(Number(value), 1)} %</span>`;
}

/** An amount per inhabitant, to the centime (most are below a dirham), from the known
 * sum (`known`) with the amounts left out of it counted beside. */
export function madEach(value, known, unknownCount) {
  if (!unknownCount && Number(known) === 0) return `<span class="unknown-part">${t("conventions.figures.none_recorded")}</span>`;
  const each = value === null || value === undefined ? unknown() : `${num(Number(value), 2)} ${t("conventions.mad")}`;
  return unknownCount ? `${each} <small class="unknown-part">${t("conventions.figures.unknown_count", { count: num(unknownCount) })}</small>` : each;
}

/** A known sum with the amounts left out of it: "1 000 000 MAD + 1 unknown"; nothing
 * known but something unknown is unknown, never 0; nothing recorded is said so. */
export function sumWithUnknown(known, unknownCount) {
  const count = `<small class="unknown-part">${t("conventions.figures.unknown_count", { count: num(unknownCount) })}</small>`;
  if (!unknownCount && Number(known) === 0) return `<span class="unknown-part">${t("conventions.figures.none_recorded")}</span>`;
  if (!unknownCount) return mad(known);
  if (Number(known) === 0) return `${unknown()} ${count}`;
  return `${mad(known)} ${count}`;
}

/** A ratio (0–1) as a percentage; null (nothing known to divide by) is unknown. */
export function ratio(value) {
  return value === null || value === undefined ? unknown() : percentOf(Number(value) * 100);
}

export const title = (c) => (lang() === "ar" && c.title_ar ? c.title_ar : c.title_fr);
export const statusBadge = (s) => `<span class="convention-status" data-status="${e(s)}">${t(`conventions.status.${s}`)}</span>`;

/** A convention's name linking to its page, its reference under it. */
export function conventionLink(c) {
  return `<a href="/conventions?id=${c.id}&lang=${lang()}"><bdi>${e(title(c))}</bdi></a><br><small class="code" dir="ltr">${e(c.reference)}</small>`;
}

export function placeOf(code) {
  return places.get(code) ?? null;
}

export function placeName(code) {
  const place = places.get(code);
  return place ? nameOf(place) : code;
}

/** The territories by their census names, each linking to its conventions' view. */
export function territoryNames(codes) {
  return codes
    .map(
      (code) =>
        `<a class="territory-link" href="/conventions?territory=${enc(code)}&lang=${lang()}"><bdi>${e(placeName(code))}</bdi></a> <small class="code" dir="ltr">${e(code)}</small>`,
    )
    .join(", ");
}

export async function askPlaces(codes) {
  const missing = [...new Set(codes)].filter((c) => !places.has(c));
  const found = await Promise.all(missing.map((c) => getJSON(`/api/territories/${enc(c)}`).catch(() => null)));
  missing.forEach((code, i) => found[i] && places.set(code, found[i].territory));
}

function reportHref(base, year, format) {
  return `${base}?year=${year}&format=${format}&lang=${lang()}`;
}

/** The yearly execution report's choice: a year, then its PDF, XLSX or printable page
 * (`base`: the report's route); the links follow the year chosen (`followYear`). */
export function reportChoice(base, chosen) {
  const now = new Date().getFullYear();
  const year = chosen ?? now;
  const years = Array.from({ length: YEARS }, (_, i) => now - i)
    .map((y) => `<option value="${y}" ${y === year ? "selected" : ""}>${y}</option>`)
    .join("");
  const links = [
    ["pdf", "conventions.report_choice.pdf"],
    ["xlsx", "conventions.report_choice.xlsx"],
    ["html", "conventions.report_choice.html"],
  ]
    .map(([format, key]) => `<a class="report-link" data-format="${format}" href="${e(reportHref(base, year, format))}">${t(key)}</a>`)
    .join("");
  return `<div class="convention-report" data-base="${e(base)}"><label>${t("conventions.report_choice.year")}
    <select data-action="report-year">${years}</select></label><span class="report-links">${links}</span></div>`;
}

/** The report's links after its year changed; the year chosen, kept for the next render. */
export function followYear(select) {
  const box = select.closest(".convention-report");
  const year = Number(select.value);
  for (const link of box.querySelectorAll("a.report-link")) link.href = reportHref(box.dataset.base, year, link.dataset.format);
  return year;
}
