// The referrals' page (/referrals): the referrals the account may read (GET
// /api/referrals: filtered, a page at a time), one referral with its status changes, the
// moves its status allows this account, its counter-referral and its fiche de liaison
// (?id=); the form to send one (?view=send, referral_form.js); the waiting times and the
// counter-referral rates (?view=measures, referral_measures.js). An account without
// referrals.read (a steering committee's member) is told so and asks for no referral:
// the measures are what it reads. The codes offered (statuses, urgencies, age bands,
// sexes, the moves of each status) come in the page's configuration, from the server.
import { enc, getJSON, send, whoAmI } from "./api.js";
import { escapeHtml, initialLang, lang, locale, nameOf, named, num, t } from "./i18n.js";
import { problemsHTML, settle } from "./problems.js";
import { languageButtons } from "./shell.js";
import { afterSendDrawn, destinationsFor, keptSend, prepareSend, sendView, wireSend } from "./referral_form.js";
import { measuresView, readMeasures } from "./referral_measures.js";

const e = escapeHtml;
const config = JSON.parse(document.getElementById("qurb-config").textContent);
const root = document.getElementById("referrals");
const viewsBox = document.querySelector(".referrals-views");
const errorBox = document.querySelector(".referrals-error");
const loading = document.querySelector(".referrals-loading");
const DAY_MS = 86_400_000;
// A moment as Morocco's clocks showed it, whatever the reader's own zone.
const date = (iso) => new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short", timeZone: "Africa/Casablanca" }).format(new Date(iso));
// Still waiting to be seen: the time so far is counted to now.
const OPEN = new Set(["sent", "accepted", "booked"]);
// The moves the page offers as a form of their own (a text or a destination to give).
const WITH_TEXT = { refused: "reason", answered: "answer", counter_referred: "answer" };

let me = { permissions: [], grants: [] };
let view = "list";
let list = null; // a page of referrals, and one more when a next page exists
let one = null; // the referral shown (?id=)
let redirectChoices = []; // the facilities a redirect may go to (offering the service)
let pathways = [];
let services = {}; // service code → its names
let notice = ""; // a move's outcome or its refusal (HTML), above the referral
let ready = false; // what the view needs is read

const holds = (permission) => me.permissions.includes(permission);
const serviceName = (code) => (services[code] ? named(services[code]) : code);
const pathwayOf = (code) => pathways.find((p) => p.code === code);

function pathwayText(r) {
  const found = pathwayOf(r.pathway);
  if (!found) return e(serviceName(r.service));
  const level = r.step != null ? found.levels[r.step] : null;
  return `${e(named(found))}${level ? ` · ${e(named(level))}` : ""}`;
}

const origin = (r) =>
  r.origin_facility_id
    ? `<bdi>${e(r.origin_name || r.origin_facility_id)}</bdi>`
    : e(t("referrals.fiche.caravan_stop", { stop: r.origin_stop_id }));
const commune = (r) => `<bdi>${e(nameOf({ name_fr: r.commune_name_fr, name_ar: r.commune_name_ar }) || r.commune_code)}</bdi>`;
const status = (s) => `<span class="convention-status" data-status="${e(s)}">${e(t(`referrals.status.${s}`))}</span>`;
const sex = (s) => (s ? e(t(`referrals.sex.${s}`)) : e(t("unknown")));

/** Days from sending to being seen, or to now while still waiting; none once it ended
 * otherwise (refused, redirected, closed unseen). */
function waiting(r) {
  const end = r.seen_at ? Date.parse(r.seen_at) : OPEN.has(r.status) ? Date.now() : null;
  if (end === null) return "—";
  return e(t("referrals.days", { days: num((end - Date.parse(r.sent_at)) / DAY_MS, 1) }));
}

function href(params) {
  const url = new URLSearchParams({ lang: lang() });
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") url.set(k, v);
  return `/referrals?${url}`;
}

function renderViews() {
  const offered = [
    ["list", "referrals.view.list", holds("referrals.read")],
    ["send", "referrals.view.send", holds("referrals.handle")],
    ["measures", "referrals.view.measures", holds("referrals.measures")],
  ].filter(([, , shown]) => shown);
  viewsBox.innerHTML = offered
    .map(([name, key]) => `<a href="${href({ view: name })}" data-view="${name}"${name === view ? ' aria-current="page"' : ""}>${e(t(key))}</a>`)
    .join(" · ");
}

function choice(name, label, values, chosen, word) {
  const options = [`<option value="">${e(t("referrals.any"))}</option>`]
    .concat(values.map((v) => `<option value="${e(v)}"${v === chosen ? " selected" : ""}>${e(word(v))}</option>`))
    .join("");
  return `<label><span>${e(t(label))}</span><select name="${name}">${options}</select></label>`;
}

function filtersForm() {
  const f = config.filters;
  return `<form class="conventions-filter referrals-filter" method="get" action="/referrals">
    <input type="hidden" name="lang" value="${lang()}">
    ${choice("status", "referrals.col.status", config.statuses, f.status, (s) => t(`referrals.status.${s}`))}
    ${choice("pathway", "referrals.fiche.pathway", pathways.map((p) => p.code), f.pathway, (c) => named(pathwayOf(c)))}
    ${choice("service", "referrals.fiche.service", Object.keys(services), f.service, serviceName)}
    ${choice("direction", "referrals.direction", ["sent", "received"], f.direction, (d) => t(`referrals.direction.${d}`))}
    ${choice("urgency", "referrals.fiche.urgency", config.urgencies, f.urgency, (u) => t(`referrals.urgency.${u}`))}
    <button type="submit">${e(t("referrals.filter"))}</button>
  </form>`;
}

function listView() {
  const shown = list.slice(0, config.pageSize);
  const heads = ["reference", "pathway", "origin", "destination", "commune", "age_band", "sex", "urgency", "status", "sent_at", "waiting"];
  const rows = shown
    .map(
      (r) => `<tr data-id="${r.id}" data-status="${e(r.status)}">
      <td><a href="${href({ id: r.id })}" dir="ltr">${e(r.reference)}</a></td><td>${pathwayText(r)}</td>
      <td>${origin(r)}</td><td><bdi>${e(r.destination_name || r.destination_facility_id)}</bdi></td><td>${commune(r)}</td>
      <td dir="ltr">${e(r.age_band || "—")}</td><td>${sex(r.sex)}</td><td>${e(t(`referrals.urgency.${r.urgency}`))}</td>
      <td>${status(r.status)}</td><td>${e(date(r.sent_at))}</td><td>${waiting(r)}</td></tr>`,
    )
    .join("");
  const page = config.page;
  const links = [
    page > 1 ? `<a href="${href({ ...config.filters, page: page - 1 })}" rel="prev">${e(t("referrals.previous"))}</a>` : "",
    list.length > config.pageSize ? `<a href="${href({ ...config.filters, page: page + 1 })}" rel="next">${e(t("referrals.next"))}</a>` : "",
  ].filter(Boolean);
  const table = shown.length
    ? `<div class="table-scroll"><table class="conventions-table referrals-table"><thead><tr>${heads.map((h) => `<th scope="col">${e(t(`referrals.col.${h}`))}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="referrals-none">${e(t("referrals.none"))}</p>`;
  return `${filtersForm()}${table}<p class="referrals-pages">${e(t("referrals.page", { page }))} ${links.join(" · ")}</p>`;
}

/** Whether a grant of the account may reach the facility (its scope names no facility,
 * or names this one): the moves offered follow; the server checks each again. */
const reaches = (facility) => facility != null && me.grants.some((g) => !g.scope?.facilities || g.scope.facilities.includes(facility));

function movesFor(r) {
  if (!holds("referrals.handle")) return [];
  const allowed = config.moves[r.kind]?.[r.status] ?? [];
  return allowed.filter((m) => {
    // A booking through a shared resource moves it on from booked, never the page.
    if (r.status === "booked" && r.booking_id != null) return false;
    if (config.receiving.includes(m)) return reaches(r.destination_facility_id);
    return reaches(r.destination_facility_id) || reaches(r.origin_facility_id);
  });
}

function moveForm(r, move) {
  const label = e(t(`referrals.move.${move}`));
  let fields = "";
  if (move in WITH_TEXT) {
    fields = `<label><span>${e(t(`referrals.field.${WITH_TEXT[move]}`))}</span><textarea name="text" rows="2" maxlength="2000" required></textarea></label>`;
  } else if (move === "redirected") {
    const options = redirectChoices
      .filter((f) => f.id !== r.destination_facility_id)
      .map((f) => `<option value="${e(f.id)}">${e(f.name)}</option>`)
      .join("");
    fields = `<label><span>${e(t("referrals.fiche.destination"))}</span><select name="destination" required>${options}</select></label>
      <label><span>${e(t("referrals.field.reason"))}</span><textarea name="text" rows="2" maxlength="2000" required></textarea></label>`;
  }
  return `<form class="referral-move conventions-filter" data-move="${move}">${fields}<button type="submit" class="primary">${label}</button></form>`;
}

function oneView() {
  const r = one;
  const facts = [
    ["referrals.fiche.reference", `<span dir="ltr">${e(r.reference)}</span>`],
    ["referrals.col.status", status(r.status)],
    ["referrals.fiche.pathway", pathwayText(r)],
    ["referrals.fiche.service", e(serviceName(r.service))],
    ["referrals.fiche.origin", origin(r)],
    ["referrals.fiche.destination", `<bdi>${e(r.destination_name || r.destination_facility_id)}</bdi>`],
    ["referrals.fiche.commune", commune(r)],
    ["referrals.fiche.age_sex", `<span dir="ltr">${e(r.age_band || "—")}</span> · ${sex(r.sex)}`],
    ["referrals.fiche.urgency", e(t(`referrals.urgency.${r.urgency}`))],
    ["referrals.fiche.reason", e(r.reason || "—")],
    ["referrals.fiche.counter_referral", e(r.answer || t("referrals.fiche.no_answer"))],
  ];
  if (r.parent_id) facts.push(["referrals.parent", `<a href="${href({ id: r.parent_id })}">${e(String(r.parent_id))}</a>`]);
  const events = r.events
    .map((ev) => `<tr><td>${status(ev.status)}</td><td>${e(date(ev.at))}</td><td>${e(ev.reason || "")}</td></tr>`)
    .join("");
  const fiche = ["fr", "ar"]
    .flatMap((l) => ["html", "pdf"].map((f) => `<a href="/api/referrals/${r.id}/fiche?lang=${l}&format=${f}" data-fiche="${l}-${f}">${e(t(`referrals.fiche_link.${f}`, { lang: l.toUpperCase() }))}</a>`))
    .join("");
  const moves = movesFor(r);
  return `<p><a href="${href({})}">${e(t("referrals.back"))}</a></p>
    <h3>${e(t("referrals.one", { reference: r.reference }))}</h3>
    <dl class="convention-facts referral-facts">${facts.map(([k, v]) => `<dt>${e(t(k))}</dt><dd>${v}</dd>`).join("")}</dl>
    <h4>${e(t("referrals.fiche.events"))}</h4>
    <div class="table-scroll"><table class="conventions-table referral-events"><thead><tr>
      <th scope="col">${e(t("referrals.fiche.col.status"))}</th><th scope="col">${e(t("referrals.fiche.col.at"))}</th><th scope="col">${e(t("referrals.fiche.col.reason"))}</th>
    </tr></thead><tbody>${events}</tbody></table></div>
    <div class="referral-notice" aria-live="polite">${notice}</div>
    ${moves.length ? `<h4>${e(t("referrals.actions"))}</h4><div class="referral-moves">${moves.map((m) => moveForm(r, m)).join("")}</div>` : ""}
    <h4>${e(t("referrals.fiche.title"))}</h4><p class="report-links">${fiche}</p>`;
}

function refusedView() {
  return `<p class="referrals-refused" role="status">${e(t("referrals.not_allowed"))}</p>`;
}

function render() {
  if (!ready) return;
  renderViews();
  if (view === "one") root.innerHTML = holds("referrals.read") ? oneView() : refusedView();
  else if (view === "send") {
    const kept = keptSend(root);
    root.innerHTML = holds("referrals.handle") ? sendView() : refusedView();
    afterSendDrawn(root, kept);
  }
  else if (view === "measures") root.innerHTML = measuresView();
  else root.innerHTML = holds("referrals.read") ? listView() : refusedView();
}

async function move(form) {
  const name = form.dataset.move;
  const text = form.elements.text?.value ?? null;
  const ifMatch = { "If-Match": `"${one.version}"` };
  try {
    if (name === "counter_referred") {
      one = await send("POST", `/api/referrals/${one.id}/counter-referral`, { answer: text }, ifMatch);
    } else {
      const body = { status: name, reason: text, destination: form.elements.destination?.value ?? null };
      const moved = await send("POST", `/api/referrals/${one.id}/status`, body, ifMatch);
      // A redirect or a conversion answers the new referral: the old one is read again.
      one = moved.id === one.id ? moved : await getJSON(`/api/referrals/${one.id}`);
    }
    notice = `<p class="referral-moved" role="status">${e(t("referrals.moved", { status: t(`referrals.status.${one.status}`) }))}</p>`;
  } catch (error) {
    notice = problemsHTML(error);
  }
  render();
}

root.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form.referral-move")) return;
  event.preventDefault();
  move(form);
});
wireSend(root);

async function load() {
  me = await whoAmI();
  me.grants ??= [];
  view = config.id ? "one" : config.view || (holds("referrals.read") ? "list" : "measures");
  const [found, routes] = await Promise.all([
    getJSON("/api/services"),
    holds("referrals.measures") ? getJSON("/api/referrals/pathways") : [],
  ]);
  services = Object.fromEntries(found.map((s) => [s.code, s]));
  pathways = routes;
  if (view === "one" && holds("referrals.read")) {
    one = await getJSON(`/api/referrals/${enc(config.id)}`);
    if (movesFor(one).includes("redirected")) redirectChoices = await destinationsFor(one.destination_facility_id, one.service);
  } else if (view === "list" && holds("referrals.read")) {
    const query = new URLSearchParams({ limit: config.pageSize + 1, offset: (config.page - 1) * config.pageSize });
    for (const [k, v] of Object.entries(config.filters)) if (v) query.set(k, v);
    list = await getJSON(`/api/referrals?${query}`);
  } else if (view === "send" && holds("referrals.handle")) {
    await prepareSend({ me, config, pathways, services });
  } else if (view === "measures") {
    await readMeasures({ me, config, pathways, services });
  }
  ready = true;
  render();
}

const switchLanguage = languageButtons(() => render());
await switchLanguage(new URLSearchParams(location.search).get("lang") ? initialLang() : config.lang);
loading.hidden = false;
settle(load, { errorBox, loading });
