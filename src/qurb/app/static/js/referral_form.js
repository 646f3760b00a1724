// The referrals' page's form to send a referral or ask a tele-expertise (referrals.handle):
// the origin among the facilities the account's grants name (or found by name, for a
// grant that names none), the pathway's level or a service, the destination among the
// region's facilities that offer that service (GET /api/facilities: each lists its
// services), the patient's commune of residence found by name (its HCP code sent), age
// band, sex, urgency and reason. A refusal is shown as the server words it, in the page's
// language, each problem by its field (problems.js).
import { enc, getJSON, send } from "./api.js";
import { escapeHtml, lang, nameOf, named, t } from "./i18n.js";
import { problemsHTML } from "./problems.js";

const e = escapeHtml;
const MAX_FACILITIES = 5000; // a region's facilities, read once (the registry's page cap)
const regions = {}; // region code → its open public facilities
const facilities = {}; // facility id → its record
let ctx = null; // { me, config, pathways, services }
let origins = []; // the facilities the account sends from
let searchTimer = null;

export async function facility(id) {
  facilities[id] ??= await getJSON(`/api/facilities/${enc(id)}`);
  return facilities[id];
}

const regionOf = (f) => f.province_code.split(".")[0];

/** The facilities of the facility's region that offer the service, by name. */
export async function destinationsFor(facilityId, service) {
  const region = regionOf(await facility(facilityId));
  regions[region] ??= getJSON(`/api/facilities?territory=${enc(region)}&limit=${MAX_FACILITIES}`).then((p) => p.items);
  const found = (await regions[region]).filter((f) => f.services.includes(service));
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

export async function prepareSend(context) {
  ctx = context;
  const held = new Set(ctx.me.grants.flatMap((g) => g.scope?.facilities ?? []));
  origins = await Promise.all([...held].sort().map((id) => facility(id).catch(() => null)));
  origins = origins.filter(Boolean);
}

const option = (value, text, chosen = false) => `<option value="${e(value)}"${chosen ? " selected" : ""}>${e(text)}</option>`;
const field = (key, control) => `<label><span>${e(t(key))}</span>${control}</label>`;

function levels() {
  const groups = ctx.pathways
    .map((p) => `<optgroup label="${e(named(p))}">${p.levels.map((lv, i) => option(`${p.code}:${i}`, `${named(p)} · ${named(lv)}`)).join("")}</optgroup>`)
    .join("");
  return `<select name="level">${option("", t("referrals.no_pathway"))}${groups}</select>`;
}

export function sendView() {
  const c = ctx.config;
  const originControl = origins.length
    ? `<select name="origin" required>${origins.map((f, i) => option(f.id, f.name, i === 0)).join("")}</select>`
    : `<input name="origin_q" type="search" maxlength="80" autocomplete="off"><select name="origin" required></select>`;
  const services = Object.keys(ctx.services).map((code) => option(code, named(ctx.services[code]))).join("");
  return `<form class="referral-send conventions-filter" novalidate>
    <h3>${e(t("referrals.send.title"))}</h3>
    <label class="referral-tele"><input type="checkbox" name="tele"> <span>${e(t("referrals.send.tele"))}</span></label>
    ${field("referrals.fiche.origin", originControl)}
    ${field("referrals.fiche.pathway", levels())}
    ${field("referrals.fiche.service", `<select name="service">${services}</select>`)}
    ${field("referrals.fiche.destination", `<select name="destination" required></select>`)}
    <p class="referral-no-destination" hidden>${e(t("referrals.send.no_destination"))}</p>
    ${field("referrals.send.commune_search", `<input name="commune_q" type="search" maxlength="80" autocomplete="off">`)}
    ${field("referrals.fiche.commune", `<select name="commune" required></select>`)}
    ${field("referrals.col.age_band", `<select name="age_band">${option("", t("unknown"))}${c.ageBands.map((a) => option(a, a)).join("")}</select>`)}
    ${field("referrals.col.sex", `<select name="sex">${option("", t("unknown"))}${c.sexes.map((s) => option(s, t(`referrals.sex.${s}`))).join("")}</select>`)}
    ${field("referrals.fiche.urgency", `<select name="urgency">${c.urgencies.map((u) => option(u, t(`referrals.urgency.${u}`))).join("")}</select>`)}
    ${field("referrals.fiche.reason", `<textarea name="reason" rows="2" maxlength="2000"></textarea>`)}
    <button type="submit" class="primary">${e(t("referrals.send.submit"))}</button>
    <div class="referral-send-errors" aria-live="polite"></div>
  </form>`;
}

/** The service the form asks for: the pathway's level's, or the one chosen. */
function asked(form) {
  const [code, step] = form.elements.level.value.split(":");
  const pathway = ctx.pathways.find((p) => p.code === code);
  if (!pathway) return { service: form.elements.service.value, pathway: null, step: null };
  return { service: pathway.levels[Number(step)].service, pathway: code, step: Number(step) };
}

async function refreshDestinations(form) {
  const origin = form.elements.origin.value;
  const { service, pathway } = asked(form);
  form.elements.service.disabled = pathway !== null;
  if (pathway) form.elements.service.value = service;
  const found = origin ? await destinationsFor(origin, service) : [];
  const select = form.elements.destination;
  select.innerHTML = found.filter((f) => f.id !== origin).map((f) => option(f.id, f.name)).join("");
  form.querySelector(".referral-no-destination").hidden = select.options.length > 0;
}

async function search(form, input, target, url, text) {
  const q = input.value.trim();
  if (q.length < 2) return;
  const answer = await getJSON(url(q));
  const items = answer.items ?? [];
  form.elements[target].innerHTML = items.map((item) => option(item.code ?? item.id, text(item))).join("");
  if (target === "origin") refreshDestinations(form);
}

function searchLater(form, input) {
  clearTimeout(searchTimer);
  // One request once typing pauses (250 ms), not one per key.
  searchTimer = setTimeout(() => {
    const done = input.name === "commune_q"
      ? search(form, input, "commune", (q) => `/api/territories?q=${enc(q)}&level=commune&limit=10`, (c) => `${nameOf(c)} (${c.code})`)
      : search(form, input, "origin", (q) => `/api/facilities?name=${enc(q)}&limit=20`, (f) => f.name);
    done.catch((error) => (form.querySelector(".referral-send-errors").innerHTML = problemsHTML(error)));
  }, 250);
}

async function submit(form) {
  const box = form.querySelector(".referral-send-errors");
  const v = form.elements;
  const { service, pathway, step } = asked(form);
  const body = {
    service,
    pathway,
    step,
    destination: v.destination.value,
    origin_facility: v.origin.value || null,
    commune: v.commune.value || null,
    age_band: v.age_band.value || null,
    sex: v.sex.value || null,
    urgency: v.urgency.value,
    reason: v.reason.value.trim() || null,
  };
  const url = v.tele.checked ? "/api/referrals/tele-expertise" : "/api/referrals";
  try {
    const sent = await send("POST", url, body);
    location.assign(`/referrals?id=${sent.id}&lang=${lang()}`);
  } catch (error) {
    box.innerHTML = problemsHTML(error);
  }
}

/** The form's events, once for the page's root. */
export function wireSend(root) {
  root.addEventListener("change", (event) => {
    const form = event.target.closest("form.referral-send");
    if (!form || !["origin", "level", "service"].includes(event.target.name)) return;
    refreshDestinations(form).catch((error) => (form.querySelector(".referral-send-errors").innerHTML = problemsHTML(error)));
  });
  root.addEventListener("input", (event) => {
    const form = event.target.closest("form.referral-send");
    if (form && ["commune_q", "origin_q"].includes(event.target.name)) searchLater(form, event.target);
  });
  root.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("form.referral-send")) return;
    event.preventDefault();
    submit(form);
  });
}

/** What the reader has filled in, kept across a redraw (a switch of language): each
 * field's value, and the choices the searches found. */
export function keptSend(root) {
  const form = root.querySelector("form.referral-send");
  if (!form) return null;
  const values = {};
  for (const el of form.elements) if (el.name) values[el.name] = el.type === "checkbox" ? el.checked : el.value;
  const found = Object.fromEntries(["origin", "destination", "commune"].map((n) => [n, form.elements[n].innerHTML]));
  return { values, found };
}

/** After the form is drawn: what was kept put back, else its destinations for the first
 * origin and service. */
export function afterSendDrawn(root, kept = null) {
  const form = root.querySelector("form.referral-send");
  if (!form) return;
  if (!kept) {
    refreshDestinations(form).catch((error) => (form.querySelector(".referral-send-errors").innerHTML = problemsHTML(error)));
    return;
  }
  for (const [name, html] of Object.entries(kept.found)) if (html) form.elements[name].innerHTML = html;
  for (const el of form.elements) {
    if (!(el.name in kept.values)) continue;
    if (el.type === "checkbox") el.checked = kept.values[el.name];
    else el.value = kept.values[el.name];
  }
  form.elements.service.disabled = form.elements.level.value !== "";
  form.querySelector(".referral-no-destination").hidden = form.elements.destination.options.length > 0;
}
