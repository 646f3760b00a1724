// The referrals' page's waiting times (referrals.measures: a steering committee's members
// read these, never a referral): for a region or a province (?t=, else the first one the
// account's grants name), the median and the 90th percentile of sent → booked → seen →
// counter-referred by pathway, destination service and commune of residence (GET
// /api/referrals/measures, one grouping each), with their counts, and the counter-referral
// rate per receiving service; a note says how they are computed and on what.
import { enc, getJSON } from "./api.js";
import { escapeHtml, lang, locale, nameOf, named, num, pct, t } from "./i18n.js";
import { facility } from "./referral_form.js";

const e = escapeHtml;
const BY = ["pathway", "service", "commune"];
const INTERVALS = ["sent_to_booked", "booked_to_seen", "seen_to_counter_referred", "sent_to_seen"];
// A region (04) or a province (04.281): what the measures are asked of.
const MEASURED = /^\d{2}(?:\.\d{3})?$/;

let ctx = null;
let territory = null;
let measured = null; // by grouping: the route's answer
let communes = {}; // HCP code → census names
let facilities = {}; // facility id → name

/** The territory asked (?t=), else the first region or province a grant names. */
function chosenTerritory(context) {
  if (context.config.territory) return context.config.territory;
  const named = context.me.grants.flatMap((g) => g.scope?.territories ?? []);
  return named.find((code) => MEASURED.test(code)) ?? null;
}

export async function readMeasures(context) {
  ctx = context;
  territory = chosenTerritory(context);
  if (!territory) return;
  const answers = await Promise.all(BY.map((by) => getJSON(`/api/referrals/measures?territory=${enc(territory)}&by=${by}`)));
  measured = Object.fromEntries(BY.map((by, i) => [by, answers[i]]));
  const list = await getJSON(`/api/territories?parent=${enc(territory)}&level=commune&limit=500`);
  communes = Object.fromEntries(list.items.map((c) => [c.code, c]));
  const ids = [...new Set(measured.pathway.counter_referral.map((r) => r.destination_facility_id))];
  const found = await Promise.all(ids.map((id) => facility(id).catch(() => null)));
  facilities = Object.fromEntries(found.filter(Boolean).map((f) => [f.id, f.name]));
}

function groupName(by, code) {
  if (by === "pathway") {
    const found = ctx.pathways.find((p) => p.code === code);
    return found ? named(found) : code ? code : t("referrals.no_pathway");
  }
  if (by === "service") return ctx.services[code] ? named(ctx.services[code]) : code;
  return communes[code] ? nameOf(communes[code]) : code;
}

// A day of the range (ISO 8601) in the page's language.
const day = (iso) => new Intl.DateTimeFormat(locale(), { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
const days = (value) => (value === null ? t("unknown") : t("referrals.days", { days: num(value, 1) }));

function cell(w) {
  if (!w || !w.count) return `<td data-count="0">—</td>`;
  return `<td data-count="${w.count}"><span class="median">${e(days(w.median_days))}</span> · <span class="p90">${e(t("referrals.measures.p90", { days: days(w.p90_days) }))}</span><br><small>${e(t("referrals.measures.count", { count: w.count }))}</small></td>`;
}

function waitingTable(by) {
  const answer = measured[by];
  const groups = [...new Set(answer.waiting.map((w) => w.group))];
  const rows = groups
    .map((g) => {
      const cells = INTERVALS.map((i) => cell(answer.waiting.find((w) => w.group === g && w.interval === i))).join("");
      return `<tr data-group="${e(g)}"><th scope="row"><bdi>${e(groupName(by, g))}</bdi></th>${cells}</tr>`;
    })
    .join("");
  const heads = INTERVALS.map((i) => `<th scope="col">${e(t(`referrals.interval.${i}`))}</th>`).join("");
  return `<h4>${e(t(`referrals.measures.by.${by}`))}</h4>
    <div class="table-scroll"><table class="conventions-table referral-waiting" data-by="${by}"><thead><tr><th scope="col">${e(t(`referrals.measures.group.${by}`))}</th>${heads}</tr></thead>
    <tbody>${rows || `<tr><td colspan="5">${e(t("referrals.none"))}</td></tr>`}</tbody></table></div>`;
}

function ratesTable() {
  const rows = measured.pathway.counter_referral
    .map(
      (r) => `<tr><td><bdi>${e(facilities[r.destination_facility_id] || r.destination_facility_id)}</bdi></td>
      <td>${e(groupName("service", r.service))}</td><td>${num(r.seen)}</td><td>${num(r.counter_referred)}</td>
      <td>${r.rate === null ? e(t("unknown")) : e(pct(r.rate * 100))}</td></tr>`,
    )
    .join("");
  const heads = ["destination", "service", "seen", "counter_referred", "rate"].map((h) => `<th scope="col">${e(t(`referrals.rate.${h}`))}</th>`).join("");
  return `<h4>${e(t("referrals.measures.rates"))}</h4>
    <div class="table-scroll"><table class="conventions-table referral-rates"><thead><tr>${heads}</tr></thead>
    <tbody>${rows || `<tr><td colspan="5">${e(t("referrals.none"))}</td></tr>`}</tbody></table></div>`;
}

function territoryForm() {
  return `<form class="conventions-filter referral-territory" method="get" action="/referrals">
    <input type="hidden" name="lang" value="${lang()}"><input type="hidden" name="view" value="measures">
    <label><span>${e(t("referrals.measures.territory"))}</span><input name="t" type="text" dir="ltr" maxlength="16" value="${e(territory ?? "")}" required></label>
    <button type="submit">${e(t("referrals.filter"))}</button></form>`;
}

export function measuresView() {
  if (!measured) return `${territoryForm()}<p>${e(t("referrals.measures.pick"))}</p>`;
  const head = measured.pathway;
  const counts = head.counts;
  const summary = t("referrals.measures.summary", {
    start: day(head.start),
    end: day(head.end),
    count: counts.referrals,
    booked: counts.booked_at ?? 0,
    seen: counts.seen_at ?? 0,
    back: counts.counter_referred_at ?? 0,
  });
  return `${territoryForm()}<p class="referral-measures-summary">${e(summary)}</p>
    ${BY.map(waitingTable).join("")}${ratesTable()}
    <p class="referral-measures-note">${e(t("referrals.measures.note"))}</p>`;
}
