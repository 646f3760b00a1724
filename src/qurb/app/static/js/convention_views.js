// The conventions seen from a partner (/conventions?partner=<id>: every convention it is
// a party to with its roles, what it committed, disbursed and valued in kind, the
// deliverables it owns, the totals and its yearly report) and from a territory
// (/conventions?territory=<HCP code>: the conventions covering it, money and in kind per
// inhabitant with the rule that spread them, the facilities, equipment and projects they
// fund). Both read what the reader may see: the published conventions, and those its
// `conventions.read` grants reach (GET /api/conventions/partners/{id}/figures,
// /api/conventions/territory-figures). An unknown amount is counted, never taken as 0.
import { enc, getJSON } from "./api.js";
import { escapeHtml, lang, named, num, t } from "./i18n.js";
import {
  askPlaces,
  conventionLink,
  madEach,
  placeName,
  placeOf,
  ratio,
  reportChoice,
  statusBadge,
  sumWithUnknown,
  territoryNames,
  unknown,
} from "./convention_parts.js";

const e = escapeHtml;
const facilities = new Map(); // facility id → its registry record, asked once

/** The partner's figures; the API's error (an unknown partner) is the page's. */
export async function readPartner(id) {
  const found = await getJSON(`/api/conventions/partners/${enc(id)}/figures`);
  await askPlaces(found.conventions.flatMap((c) => c.territories));
  return found;
}

/** The territory's figures, its name and those of the facilities its conventions fund. */
export async function readTerritory(code) {
  const found = await getJSON(`/api/conventions/territory-figures?territory=${enc(code)}`);
  await askPlaces([found.territory_code, ...found.conventions.flatMap((c) => c.territories)]);
  const ids = [...new Set(found.objects.filter((o) => o.kind === "facility").map((o) => o.ref))].filter((i) => !facilities.has(i));
  const records = await Promise.all(ids.map((i) => getJSON(`/api/facilities/${enc(i)}`).catch(() => null)));
  ids.forEach((i, n) => records[n] && facilities.set(i, records[n]));
  return found;
}

function deliveries(d) {
  if (!d.total) return `<span class="unknown-part">${t("conventions.figures.no_deliverable")}</span>`;
  const overdue = d.overdue ? ` <span class="figures-overdue">${t("conventions.figures.overdue", { count: num(d.overdue) })}</span>` : "";
  return `${t("conventions.figures.delivered", { delivered: num(d.delivered), total: num(d.total) })}${overdue}`;
}

// A cell headed by its column's words too, which a phone shows beside it (a row becomes a
// card there: conventions.css).
const cell = (key, value) => `<td data-label="${e(t(`conventions.figures.col.${key}`))}">${value}</td>`;

/** A line's money: committed, disbursed, execution and in kind, each unknown counted. */
function moneyCells(s) {
  return [
    cell("committed", sumWithUnknown(s.committed_mad, s.unknown_commitments)),
    cell("disbursed", sumWithUnknown(s.disbursed_mad, s.unknown_disbursements)),
    cell("execution", ratio(s.financial_ratio)),
    cell("in_kind", sumWithUnknown(s.in_kind_mad, s.unknown_in_kind)),
  ].join("");
}

const MONEY_HEADS = ["committed", "disbursed", "execution", "in_kind"];
const heads = (keys) => keys.map((k) => `<th scope="col">${t(`conventions.figures.col.${k}`)}</th>`).join("");
const roles = (line) => (line.roles.length ? line.roles.map((r) => t(`conventions.role.${r}`)).join(", ") : unknown());

function totalsFacts(s, d) {
  const rows = [
    ["committed", sumWithUnknown(s.committed_mad, s.unknown_commitments)],
    ["disbursed", sumWithUnknown(s.disbursed_mad, s.unknown_disbursements)],
    ["execution", ratio(s.financial_ratio)],
    ["in_kind", sumWithUnknown(s.in_kind_mad, s.unknown_in_kind)],
  ];
  if (d) rows.push(["deliverables", deliveries(d)]);
  return `<dl class="convention-facts figures-totals">${rows.map(([k, v]) => `<dt>${t(`conventions.figures.col.${k}`)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

/** A partner's view: its name when the reader sees one of its conventions, its part of
 * each, the totals over them and the yearly report. */
export function partnerView(p, reportYear) {
  const name = p.name_fr ? named(p) : p.partner_id;
  const rows = p.conventions
    .map(
      (c) => `<tr data-id="${c.id}"><th scope="row">${conventionLink(c)}</th>${cell("status", statusBadge(c.status))}${cell("roles", roles(c))}
        ${moneyCells(c.totals)}${cell("deliverables", deliveries(c.deliveries))}${cell("territories", territoryNames(c.territories))}</tr>`,
    )
    .join("");
  const table = rows
    ? `<div class="table-scroll"><table class="conventions-table partner-conventions"><thead><tr>${heads(["convention", "status", "roles"])}${heads(MONEY_HEADS)}
        ${heads(["deliverables", "territories"])}</tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="conventions-none">${t("conventions.partner_report.none")}</p>`;
  const base = `/api/conventions/partners/${enc(p.partner_id)}/report`;
  return `<p><a href="/conventions?lang=${lang()}">${t("conventions.back")}</a></p>
    <h3 class="partner-name"><bdi>${e(name)}</bdi> <small class="code" dir="ltr">${e(p.partner_id)}</small></h3>
    <p class="source">${t("conventions.figures.partner_seen")}</p>
    <section><h4>${t("conventions.figures.totals")}</h4>${totalsFacts(p.totals, p.deliveries)}</section>
    <section><h4>${t("conventions.figures.partner_conventions", { count: num(p.conventions.length) })}</h4>${table}</section>
    <section><h4>${t("conventions.report_choice")}</h4>${reportChoice(base, reportYear)}</section>`;
}

/** A funded object: a facility by its registry name, linking to it on the map; an
 * equipment item, a project or a campaign by its id. */
function objectItem(o) {
  const facility = o.kind === "facility" ? facilities.get(o.ref) : null;
  const name = facility && ((lang() === "ar" && facility.name_ar) || facility.name);
  const what = facility
    ? `<a href="/?f=${enc(o.ref)}&lang=${lang()}"><bdi>${e(name)}</bdi></a> <small class="code" dir="ltr">${e(o.ref)}</small>`
    : `<bdi dir="ltr">${e(o.ref)}</bdi>`;
  return `<li data-kind="${e(o.kind)}">${t(`conventions.figures.object.${o.kind}`)} : ${what}
    <small>(<a href="/conventions?id=${o.convention_id}&lang=${lang()}" dir="ltr">${e(o.reference)}</a>)</small></li>`;
}

function perInhabitant(f) {
  const a = f.attributed;
  const population = f.population === null ? unknown() : num(f.population);
  const unspread = f.unspread ? `<p class="source">${t("conventions.figures.unspread", { count: num(f.unspread) })}</p>` : "";
  const rows = [
    ["population", population],
    ["committed_per_inhabitant", madEach(f.committed_per_inhabitant, a.committed_mad, a.unknown_commitments)],
    ["in_kind_per_inhabitant", madEach(f.in_kind_per_inhabitant, a.in_kind_mad, a.unknown_in_kind)],
    ["attributed", sumWithUnknown(a.committed_mad, a.unknown_commitments)],
  ];
  return `<div class="per-inhabitant"><dl class="convention-facts">${rows
    .map(([k, v]) => `<dt>${t(`conventions.figures.${k}`)}</dt><dd>${v}</dd>`)
    .join("")}</dl><p class="spread-rule source" dir="auto">${e(f.rule)}</p>${unspread}</div>`;
}

/** A territory's view: the conventions covering it (each's share of it), money and in
 * kind per inhabitant with the rule's words beside, and the objects they fund. */
export function territoryView(f) {
  const code = f.territory_code;
  const rows = f.conventions
    .map(
      (c) => `<tr data-id="${c.id}"><th scope="row">${conventionLink(c)}</th>${cell("status", statusBadge(c.status))}${cell("share", ratio(c.share))}
        ${moneyCells(c.totals)}${cell("deliverables", deliveries(c.deliveries))}</tr>`,
    )
    .join("");
  const table = rows
    ? `<div class="table-scroll"><table class="conventions-table territory-conventions"><thead><tr>${heads(["convention", "status", "share"])}${heads(MONEY_HEADS)}
        ${heads(["deliverables"])}</tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="conventions-none">${t("conventions.none")}</p>`;
  const objects = f.objects.length ? `<ul class="funded-objects">${f.objects.map(objectItem).join("")}</ul>` : `<p>${t("conventions.none_listed")}</p>`;
  const level = placeOf(code)?.level;
  return `<p><a href="/conventions?lang=${lang()}">${t("conventions.back")}</a></p>
    <h3 class="territory-name"><bdi>${e(placeName(code))}</bdi> <small class="code" dir="ltr">${e(code)}</small>${level ? ` <small>${t(`level.${level}`)}</small>` : ""}</h3>
    <p><a href="/?t=${enc(code)}&lang=${lang()}">${t("conventions.figures.on_map")}</a></p>
    <section><h4>${t("conventions.figures.per_inhabitant")}</h4>${perInhabitant(f)}</section>
    <section><h4>${t("conventions.figures.territory_conventions", { count: num(f.conventions.length) })}</h4>
      <p class="source">${t("conventions.figures.totals_whole")}</p>${table}</section>
    <section><h4>${t("conventions.figures.objects")}</h4>${objects}</section>`;
}
