// The campaign form of the caravan page: name, territory (searched by name), dates, rest
// days (weekdays and dates), specialties (their labels from /api/caravans/vocabulary),
// bases (clicked on the territory's map or found by name), partners, teams with their
// staff, units with their capacity, communes forced in or out (picked by name among the
// territory's), mode and hours; or a campaign file (TOML or JSON) the server reads into
// the same fields, for the planner to review. "Plan" sends the campaign as a job
// (caravan_job.js); the server's problems are shown next to the fields they name.
//
// The form holds its values in `this.m` (kept across a language switch and a cancelled
// plan); keys of a file the form does not show (weights, attendance, sites…) are kept as
// they were and sent back, and listed so the planner knows.
import { ApiError, enc, getJSON, sendFile } from "./api.js";
import { drawBaseMap } from "./caravan_form_map.js";
import { PlanJob } from "./caravan_job.js";
import { escapeHtml as e, lang, locale, nameOf, t } from "./i18n.js";
import { SearchBox } from "./keyboard.js";

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const FRENCH_DAYS = { lundi: 0, mardi: 1, mercredi: 2, jeudi: 3, vendredi: 4, samedi: 5, dimanche: 6 };
// The campaign keys the form shows; any other key of a file is kept as it was.
const SHOWN = new Set([
  "name", "territory", "start", "end", "rest_days", "specialties", "mode", "hours", "bases",
  "teams", "units", "force_in", "force_out", "partners", "settings", "communes", "max_tour_days",
]);

// The solver's settings the form shows (the others of a file are kept as they were).
const SOLVER_SETTINGS = ["time_limit_s", "no_improvement_iterations"];

/** A field's path (`units.0.capacity.x`) from its parts. */
const at = (...parts) => parts.join(".");
const fold = (text) => String(text ?? "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
const hhmm = (value) => String(value || "").slice(0, 5);
const count = (value) => (String(value ?? "").trim() === "" ? 0 : Number(value));

/** A weekday's name in the page's language (1 January 2024 was a Monday). */
function weekdayName(i) {
  return new Intl.DateTimeFormat(locale(), { weekday: "long" }).format(new Date(2024, 0, 1 + i, 12));
}

/** The server's field (`units[0] (U1).capacity.x`, `force_in/force_out`) as the form's path. */
export function fieldPath(field) {
  return String(field || "")
    .replace(/ \([^)]*\)/g, "")
    .replace(/\[(\d+)\]/g, ".$1")
    .split("/")[0];
}

function emptyModel() {
  return {
    name: "",
    territory: null, // {code, name_fr, name_ar, level}
    start: "",
    end: "",
    restWeekdays: new Set(["sunday"]),
    restDates: [],
    specialties: new Set(["general_medicine"]),
    mode: "day-trips",
    max_tour_days: 5,
    communes: "rural",
    hours: { start: "08:30", end: "16:30" },
    bases: [], // {name, facility, lon, lat}
    partners: [],
    teams: [{ name: t("caravan.form.team.default", { n: 1 }), staff: {} }],
    units: [{ name: t("caravan.form.unit.default", { n: 1 }), base: "", team: t("caravan.form.team.default", { n: 1 }), capacity: {} }],
    forceIn: [], // {code, name_fr, name_ar}
    forceOut: [],
    settings: {}, // SOLVER_SETTINGS' values as typed
    extras: {}, // keys of a file the form does not show
    extraSettings: {},
  };
}

export class CampaignForm {
  constructor(config) {
    this.config = config;
    this.m = emptyModel();
    this.place = { communes: [], outlines: null, facilities: [] };
    this.problems = []; // [{path, reason}]
    this.message = null; // {ok, text}
    this.map = null;
    this.job = new PlanJob((status) => this.ended(status));
  }

  async mount(section) {
    this.section = section;
    this.vocabulary ??= await getJSON("/api/caravans/vocabulary");
    this.render();
  }

  // ------------------------------------------------------------------ drawing

  render() {
    const keep = document.activeElement?.dataset?.path;
    this.map?.remove();
    this.map = null;
    const m = this.m;
    const chosen = this.chosenSpecialties();
    this.section.innerHTML = `<h2>${t("caravan.new")}</h2>
      <p class="note">${t("caravan.form.help")}</p>
      <div class="cv-upload cv-field" data-field="file">
        <label for="cv-file">${t("caravan.form.file")}</label>
        <input id="cv-file" type="file" accept=".toml,.json,application/json,application/toml" data-action="upload">
        <p class="note">${t("caravan.form.file.help")}</p>
      </div>
      <form id="cv-new-form" class="cv-campaign-form" novalidate>
        <fieldset class="cv-block" data-field="campaign"><legend>${t("caravan.form.campaign")}</legend>
          ${this.field("name", t("caravan.form.name"), m.name, { autocomplete: "off" })}
          <div class="cv-field cv-search" data-field="territory">
            <label for="cv-territory-q">${t("caravan.form.territory")}</label>
            <p class="cv-chosen" data-chosen="territory">${m.territory ? `<strong>${e(nameOf(m.territory))}</strong> <small>${t(`level.${m.territory.level}`)} · <span dir="ltr">${e(m.territory.code)}</span></small>` : `<em>${t("caravan.form.territory.none")}</em>`}</p>
            <input id="cv-territory-q" type="search" autocomplete="off" placeholder="${e(t("caravan.form.territory.search"))}">
            <ul id="cv-territory-list" class="cv-options" hidden></ul>
          </div>
          ${this.field("start", t("caravan.form.start"), m.start, { type: "date" })}
          ${this.field("end", t("caravan.form.end"), m.end, { type: "date" })}
          ${this.field("hours.start", t("caravan.form.hours.start"), m.hours.start, { type: "time" })}
          ${this.field("hours.end", t("caravan.form.hours.end"), m.hours.end, { type: "time" })}
          <div class="cv-field" data-field="mode"><label for="cv-mode">${t("caravan.form.mode")}</label>
            <select id="cv-mode" data-path="mode">${["day-trips", "tours"].map((v) => `<option value="${v}"${m.mode === v ? " selected" : ""}>${t(`caravan.form.mode.${v === "tours" ? "tours" : "day_trips"}`)}</option>`).join("")}</select></div>
          ${m.mode === "tours" ? this.field("max_tour_days", t("caravan.form.max_tour_days"), m.max_tour_days, { type: "number", min: "1", max: "31", step: "1" }) : ""}
        </fieldset>
        <fieldset class="cv-block" data-field="rest_days"><legend>${t("caravan.form.rest")}</legend>
          <div class="cv-checks">${WEEKDAYS.map((d, i) => `<label><input type="checkbox" data-rest-weekday="${d}"${m.restWeekdays.has(d) ? " checked" : ""}> ${e(weekdayName(i))}</label>`).join("")}</div>
          <div class="cv-field cv-inline" data-field="rest_dates"><label for="cv-rest-date">${t("caravan.form.rest.date")}</label>
            <input id="cv-rest-date" type="date"><button type="button" data-action="add-rest-date">${t("caravan.form.add")}</button></div>
          <ul class="cv-chips">${m.restDates.map((d, i) => this.chip(new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(new Date(`${d}T12:00:00`)), "remove-rest-date", i)).join("")}</ul>
        </fieldset>
        <fieldset class="cv-block" data-field="specialties"><legend>${t("caravan.form.specialties")}</legend>
          <div class="cv-checks">${this.vocabulary.specialties.map((s) => `<label><input type="checkbox" data-specialty="${e(s.code)}"${m.specialties.has(s.code) ? " checked" : ""}> ${e(this.specialtyName(s))}</label>`).join("")}</div>
        </fieldset>
        ${this.basesBlock()}
        ${this.listBlock("partners", m.partners, (p, i) => `
          ${this.field(at("partners", i, "name"), t("caravan.form.partner.name"), p.name)}
          ${this.field(at("partners", i, "role"), t("caravan.form.partner.role"), p.role)}`)}
        ${this.listBlock("teams", m.teams, (team, i) => `
          ${this.field(at("teams", i, "name"), t("caravan.form.team.name"), team.name)}
          ${chosen.map((s) => this.field(at("teams", i, "staff", s.code), t("caravan.form.staff", { specialty: this.specialtyName(s) }), team.staff[s.code] ?? "", { type: "number", min: "0", step: "1" })).join("")}`)}
        ${this.listBlock("units", m.units, (unit, i) => `
          ${this.field(at("units", i, "name"), t("caravan.form.unit.name"), unit.name)}
          ${this.choice(at("units", i, "base"), t("caravan.form.unit.base"), unit.base, m.bases.map((b) => b.name))}
          ${this.choice(at("units", i, "team"), t("caravan.form.unit.team"), unit.team, m.teams.map((x) => x.name))}
          ${chosen.map((s) => this.field(at("units", i, "capacity", s.code), t("caravan.form.capacity", { specialty: this.specialtyName(s) }), unit.capacity[s.code] ?? "", { type: "number", min: "0", step: "1" })).join("")}`)}
        <fieldset class="cv-block" data-field="communes"><legend>${t("caravan.form.communes")}</legend>
          <div class="cv-field" data-field="communes.kind"><label for="cv-communes">${t("caravan.form.communes.kind")}</label>
            <select id="cv-communes" data-path="communes">${["rural", "all"].map((v) => `<option value="${v}"${m.communes === v ? " selected" : ""}>${t(`caravan.form.communes.${v}`)}</option>`).join("")}</select></div>
          ${this.communePicker("force_in", m.forceIn)}
          ${this.communePicker("force_out", m.forceOut)}
        </fieldset>
        <fieldset class="cv-block" data-field="settings"><legend>${t("caravan.form.solver")}</legend>
          ${this.field("settings.time_limit_s", t("caravan.form.time_limit"), m.settings.time_limit_s ?? "", { type: "number", min: "1", step: "1" })}
          ${this.field("settings.no_improvement_iterations", t("caravan.form.no_improvement"), m.settings.no_improvement_iterations ?? "", { type: "number", min: "0", step: "100" })}
          ${this.keptNote()}
        </fieldset>
        <div class="actions"><button type="submit" data-action="plan">${t("caravan.new.submit")}</button></div>
        <div class="cv-job-box"></div>
        <div class="cv-form-message" role="alert"></div>
      </form>`;
    this.wire();
    this.showProblems();
    this.job.attach(this.section.querySelector(".cv-job-box"));
    this.section.querySelector("[data-action=plan]").disabled = this.job.running;
    if (m.territory) this.drawMap();
    if (keep) this.section.querySelector(`[data-path="${keep}"]`)?.focus();
  }

  field(path, words, value, attrs = {}) {
    const id = `cv-f-${path.replaceAll(".", "-")}`;
    const more = Object.entries(attrs).map(([k, v]) => ` ${k}="${e(v)}"`).join("");
    const ltr = ["date", "time", "number"].includes(attrs.type) ? ' dir="ltr"' : "";
    return `<div class="cv-field" data-field="${e(path)}"><label for="${id}">${e(words)}</label>
      <input id="${id}" data-path="${e(path)}" value="${e(value)}"${more}${ltr}></div>`;
  }

  choice(path, words, value, options) {
    const id = `cv-f-${path.replaceAll(".", "-")}`;
    const names = options.includes(value) || !value ? options : [value, ...options];
    return `<div class="cv-field" data-field="${e(path)}"><label for="${id}">${e(words)}</label>
      <select id="${id}" data-path="${e(path)}"><option value="">—</option>${names.map((n) => `<option value="${e(n)}"${n === value ? " selected" : ""}>${e(n)}</option>`).join("")}</select></div>`;
  }

  chip(text, action, index) {
    return `<li><span>${e(text)}</span> <button type="button" data-action="${action}" data-index="${index}" aria-label="${e(t("caravan.form.remove"))} ${e(text)}">×</button></li>`;
  }

  listBlock(name, items, body) {
    const blocks = items
      .map((item, i) => `<div class="cv-item" data-field="${name}.${i}">${body(item, i)}
        <button type="button" class="cv-remove" data-action="remove" data-list="${name}" data-index="${i}">${t(`caravan.form.${name}.remove`)}</button></div>`)
      .join("");
    return `<fieldset class="cv-block" data-field="${name}"><legend>${t(`caravan.form.${name}`)}</legend>
      ${blocks || `<p class="note">${t(`caravan.form.${name}.none`)}</p>`}
      <button type="button" data-action="add" data-list="${name}">${t(`caravan.form.${name}.add`)}</button></fieldset>`;
  }

  basesBlock() {
    const m = this.m;
    const rows = m.bases
      .map((b, i) => {
        const where = b.facility
          ? `<small dir="ltr">${e(b.facility)}</small>`
          : `<small dir="ltr">${e(b.lon)}, ${e(b.lat)}</small>`;
        return `<div class="cv-item" data-field="bases.${i}">
          ${this.field(at("bases", i, "name"), t("caravan.form.base.name"), b.name)}<p class="cv-where" data-field="bases.${i}.facility">${where}</p>
          <button type="button" class="cv-remove" data-action="remove" data-list="bases" data-index="${i}">${t("caravan.form.bases.remove")}</button></div>`;
      })
      .join("");
    const map = m.territory
      ? `<div id="cv-form-map" class="cv-form-map" role="region" aria-label="${e(t("caravan.form.bases.map"))}"></div><p class="note">${t("caravan.form.bases.map.help")}</p>`
      : `<p class="note">${t("caravan.form.bases.first")}</p>`;
    return `<fieldset class="cv-block" data-field="bases"><legend>${t("caravan.form.bases")}</legend>
      ${map}
      <div class="cv-field cv-search"><label for="cv-base-q">${t("caravan.form.bases.search")}</label>
        <input id="cv-base-q" type="search" autocomplete="off"${m.territory ? "" : " disabled"}>
        <ul id="cv-base-list" class="cv-options" hidden></ul></div>
      ${rows || `<p class="note">${t("caravan.form.bases.none")}</p>`}</fieldset>`;
  }

  communePicker(name, chosen) {
    return `<div class="cv-field cv-search" data-field="${name}"><label for="cv-${name}-q">${t(`caravan.form.${name}`)}</label>
      <input id="cv-${name}-q" type="search" autocomplete="off"${this.m.territory ? "" : " disabled"}>
      <ul id="cv-${name}-list" class="cv-options" hidden></ul>
      <ul class="cv-chips">${chosen.map((c, i) => this.chip(nameOf(c) || c.code, `remove-${name}`, i)).join("")}</ul></div>`;
  }

  keptNote() {
    const kept = [...Object.keys(this.m.extras), ...Object.keys(this.m.extraSettings).map((k) => at("settings", k))];
    if (!kept.length) return "";
    return `<p class="note" data-kept>${t("caravan.form.kept", { keys: kept.join(t("list.separator")) })}</p>`;
  }

  specialtyName(s) {
    return s[`label_${lang()}`] || s.label_fr || s.code;
  }

  chosenSpecialties() {
    return this.vocabulary.specialties.filter((s) => this.m.specialties.has(s.code));
  }

  drawMap() {
    const el = this.section.querySelector("#cv-form-map");
    if (!el || !this.place.outlines) return;
    this.map = drawBaseMap(el, {
      outlines: this.place.outlines,
      facilities: this.place.facilities,
      chosen: new Set(this.m.bases.map((b) => b.facility).filter(Boolean)),
      onPick: (f) => this.addBase(f),
      config: this.config,
    });
  }

  // ------------------------------------------------------------------ events

  wire() {
    const root = this.section;
    const form = root.querySelector("#cv-new-form");
    form.addEventListener("input", (event) => this.edited(event.target, false));
    form.addEventListener("change", (event) => this.edited(event.target, true));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.plan();
    });
    root.addEventListener("click", (event) => this.clicked(event));
    root.querySelector("#cv-file").addEventListener("change", (event) => this.upload(event.target));
    const option = (name, small) => `${e(name)}${small ? ` <small>${small}</small>` : ""}`;
    new SearchBox(root.querySelector("#cv-territory-q"), root.querySelector("#cv-territory-list"), {
      find: async (text) => (await getJSON(`/api/territories?q=${enc(text)}&limit=12`)).items,
      option: (u) => option(nameOf(u), `${t(`level.${u.level}`)} · ${e(u.code)}`),
      none: () => t("search.none"),
      words: () => t("search.results"),
      onPick: (u) => this.setTerritory(u).catch((error) => this.say(false, error.message)),
    });
    new SearchBox(root.querySelector("#cv-base-q"), root.querySelector("#cv-base-list"), {
      find: async (text) => this.place.facilities.filter((f) => fold(f.properties.name).includes(fold(text))).slice(0, 12),
      option: (f) => option(f.properties.name, `${e(f.properties.category)} · ${e(nameOf({ name_fr: f.properties.commune_name_fr, name_ar: f.properties.commune_name_ar }))}`),
      none: () => t("search.none"),
      words: () => t("search.results"),
      onPick: (f) => this.addBase(f),
    });
    for (const [name, list] of [["force_in", this.m.forceIn], ["force_out", this.m.forceOut]]) {
      new SearchBox(root.querySelector(`#cv-${name}-q`), root.querySelector(`#cv-${name}-list`), {
        find: async (text) => this.place.communes.filter((c) => fold(c.name_fr).includes(fold(text)) || fold(c.name_ar).includes(fold(text))).slice(0, 12),
        option: (c) => option(nameOf(c), e(c.code)),
        none: () => t("search.none"),
        words: () => t("search.results"),
        onPick: (c) => {
          if (!list.some((x) => x.code === c.code)) list.push({ code: c.code, name_fr: c.name_fr, name_ar: c.name_ar });
          this.render();
        },
      });
    }
  }

  edited(el, changed) {
    const m = this.m;
    if (el.dataset.restWeekday) {
      if (el.checked) m.restWeekdays.add(el.dataset.restWeekday);
      else m.restWeekdays.delete(el.dataset.restWeekday);
      return;
    }
    if (el.dataset.specialty) {
      if (el.checked) m.specialties.add(el.dataset.specialty);
      else m.specialties.delete(el.dataset.specialty);
      if (changed) this.render(); // the staff and capacity fields follow the specialties
      return;
    }
    const path = el.dataset.path;
    if (!path) return;
    const parts = path.split(".");
    if (parts[0] === "settings" || parts[0] === "hours") m[parts[0]][parts[1]] = el.value;
    else if (parts.length === 1) {
      m[path] = el.value;
      if (path === "mode" && changed) this.render(); // tours: their longest, in days
    }
    else {
      const item = m[parts[0]][Number(parts[1])];
      const old = item[parts[2]];
      if (parts.length === 4) item[parts[2]][parts[3]] = el.value;
      else item[parts[2]] = el.value;
      // A team or base renamed: the units that named it follow.
      if (parts[2] === "name" && (parts[0] === "teams" || parts[0] === "bases")) {
        const key = parts[0] === "teams" ? "team" : "base";
        for (const u of m.units) if (u[key] === old) u[key] = el.value;
        if (changed) this.render();
      }
    }
  }

  clicked(event) {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const m = this.m;
    const i = Number(button.dataset.index);
    const action = button.dataset.action;
    if (action === "add") this.addItem(button.dataset.list);
    else if (action === "remove") m[button.dataset.list].splice(i, 1);
    else if (action === "add-rest-date") {
      const value = this.section.querySelector("#cv-rest-date").value;
      if (value && !m.restDates.includes(value)) m.restDates.push(value);
      m.restDates.sort();
    } else if (action === "remove-rest-date") m.restDates.splice(i, 1);
    else if (action === "remove-force_in") m.forceIn.splice(i, 1);
    else if (action === "remove-force_out") m.forceOut.splice(i, 1);
    else return;
    this.render();
  }

  addItem(list) {
    const m = this.m;
    if (list === "teams") m.teams.push({ name: t("caravan.form.team.default", { n: m.teams.length + 1 }), staff: {} });
    if (list === "units") {
      const n = m.units.length + 1;
      m.units.push({ name: t("caravan.form.unit.default", { n }), base: m.bases[0]?.name || "", team: m.teams[0]?.name || "", capacity: {} });
    }
    if (list === "partners") m.partners.push({ name: "", role: "" });
  }

  addBase(f) {
    const m = this.m;
    const p = f.properties;
    if (!m.bases.some((b) => b.facility === p.id)) {
      let name = p.name;
      for (let n = 2; m.bases.some((b) => b.name === name); n++) name = `${p.name} (${n})`;
      m.bases.push({ name, facility: p.id, lon: null, lat: null });
      for (const u of m.units) if (!u.base) u.base = name;
    }
    this.render();
  }

  // ------------------------------------------------------------------ territory

  async setTerritory(unit) {
    this.m.territory = { code: unit.code, name_fr: unit.name_fr, name_ar: unit.name_ar, level: unit.level };
    await this.loadPlace();
    const known = new Set(this.place.communes.map((c) => c.code));
    this.m.forceIn = this.m.forceIn.filter((c) => known.has(c.code));
    this.m.forceOut = this.m.forceOut.filter((c) => known.has(c.code));
    this.render();
  }

  async loadPlace() {
    const { code, level } = this.m.territory;
    // A cercle's or a commune's caravan may start from anywhere in its province (the
    // server's rule): the province's facilities are the bases offered (HCP codes: RR.PPP…).
    const smaller = ["cercle", "commune", "arrondissement"].includes(level);
    const province = smaller ? code.split(".").slice(0, 2).join(".") : code;
    const [communes, outlines, facilities] = await Promise.all([
      getJSON(`/api/territories?parent=${enc(code)}&level=commune&limit=500`),
      getJSON(`/api/layers/communes?parent=${enc(province)}`).catch(() => ({ type: "FeatureCollection", features: [] })),
      getJSON(`/api/facilities.geojson?territory=${enc(province)}&sector=public&limit=5000`),
    ]);
    const items = communes.items.length ? communes.items : [communes.parent].filter((u) => u?.level === "commune");
    this.place = { communes: items, outlines, facilities: facilities.features };
  }

  // ------------------------------------------------------------------ the campaign

  toSpec() {
    const m = this.m;
    const chosen = this.chosenSpecialties().map((s) => s.code);
    const pick = (values) => Object.fromEntries(chosen.map((s) => [s, count(values[s])]));
    const spec = {
      ...m.extras,
      name: m.name,
      territory: m.territory?.code ?? "",
      rest_days: [...WEEKDAYS.filter((d) => m.restWeekdays.has(d)), ...m.restDates],
      specialties: chosen,
      mode: m.mode,
      communes: m.communes,
      hours: { start: `${m.hours.start}:00`, end: `${m.hours.end}:00` },
      bases: m.bases.map((b) => (b.facility ? { name: b.name, facility: b.facility } : { name: b.name, lon: b.lon, lat: b.lat })),
      partners: m.partners.filter((p) => p.name.trim()).map((p) => ({ name: p.name, role: p.role })),
      teams: m.teams.map((x) => ({ name: x.name, staff: pick(x.staff) })),
      units: m.units.map((u) => ({ name: u.name, base: u.base, team: u.team, capacity: pick(u.capacity) })),
      force_in: m.forceIn.map((c) => c.code),
      force_out: m.forceOut.map((c) => c.code),
    };
    if (m.mode === "tours") spec.max_tour_days = count(m.max_tour_days);
    if (m.start) spec.start = m.start;
    if (m.end) spec.end = m.end;
    const settings = { ...m.extraSettings };
    for (const key of SOLVER_SETTINGS) if (String(m.settings[key] ?? "").trim()) settings[key] = Number(m.settings[key]);
    if (Object.keys(settings).length) spec.settings = settings;
    return spec;
  }

  /** The form filled from a campaign as the server read it (a file's parse). */
  async fill(spec) {
    const m = emptyModel();
    // Kept: what the form does not show and the file gives (an empty list or table is no key).
    const given = (v) => v !== null && !(typeof v === "object" && Object.keys(v).length === 0);
    m.extras = Object.fromEntries(Object.entries(spec).filter(([k, v]) => !SHOWN.has(k) && given(v)));
    for (const [key, value] of Object.entries(spec.settings || {})) {
      if (SOLVER_SETTINGS.includes(key)) m.settings[key] = value;
      else m.extraSettings[key] = value;
    }
    m.name = spec.name || "";
    m.start = spec.start || "";
    m.end = spec.end || "";
    m.restWeekdays = new Set();
    for (const d of spec.rest_days || []) {
      const day = String(d).toLowerCase();
      if (/^\d{4}-\d\d-\d\d$/.test(day)) m.restDates.push(day);
      else m.restWeekdays.add(WEEKDAYS.includes(day) ? day : WEEKDAYS[FRENCH_DAYS[day]]);
    }
    m.specialties = new Set(spec.specialties || []);
    m.mode = spec.mode || "day-trips";
    m.max_tour_days = spec.max_tour_days ?? 5;
    m.communes = spec.communes || "rural";
    m.hours = { start: hhmm(spec.hours?.start) || "08:30", end: hhmm(spec.hours?.end) || "16:30" };
    m.bases = (spec.bases || []).map((b) => ({ name: b.name, facility: b.facility ?? null, lon: b.lon ?? null, lat: b.lat ?? null }));
    m.partners = (spec.partners || []).map((p) => ({ name: p.name, role: p.role || "" }));
    m.teams = (spec.teams || []).map((x) => ({ name: x.name, staff: { ...x.staff } }));
    m.units = (spec.units || []).map((u) => ({ name: u.name, base: u.base, team: u.team, capacity: { ...u.capacity } }));
    this.m = m;
    const found = spec.territory ? (await getJSON(`/api/territories?q=${enc(spec.territory)}&limit=1`)).items[0] : null;
    if (found) {
      m.territory = { code: found.code, name_fr: found.name_fr, name_ar: found.name_ar, level: found.level };
      await this.loadPlace();
    }
    const commune = (text) =>
      this.place.communes.find((c) => c.code === text || fold(c.name_fr) === fold(text) || fold(c.name_ar) === fold(text)) || { code: text, name_fr: text, name_ar: text };
    m.forceIn = (spec.force_in || []).map(commune);
    m.forceOut = (spec.force_out || []).map(commune);
  }

  async upload(input) {
    const file = input.files?.[0];
    if (!file) return;
    this.problems = [];
    try {
      const parsed = await sendFile("/api/caravans/files", file);
      await this.fill(parsed);
      this.message = { ok: true, text: t("caravan.form.file.read", { name: file.name }) };
    } catch (error) {
      this.refused(error, "file");
    }
    this.render();
  }

  async plan() {
    this.problems = [];
    this.message = null;
    this.showProblems();
    const button = this.section.querySelector("[data-action=plan]");
    button.disabled = true;
    try {
      await this.job.start(this.toSpec());
    } catch (error) {
      button.disabled = false;
      this.refused(error);
      this.showProblems();
      this.section.querySelector("[aria-invalid=true]")?.focus(); // the first field to correct
    }
  }

  ended(status) {
    if (status.status === "done" && status.campaign_id) {
      location.href = `/caravans/${enc(status.campaign_id)}`;
      return;
    }
    if (status.status === "cancelled") this.message = { ok: true, text: t("caravan.job.cancelled") };
    else this.refused(status.error);
    this.render();
  }

  /** A refusal (an ApiError, or a failed job's error) as problems next to their fields;
   * a file's, each with its field (and row), beside the file's input. */
  refused(error, where = "") {
    const body = error instanceof ApiError ? { error: error.message, detail: error.detail } : error;
    const detail = typeof body === "object" && body ? body.detail || [] : [];
    const text = typeof body === "string" ? body : body?.error || body?.message || String(body ?? "");
    const located = (d) => `${d.row ? `${d.row} · ` : ""}${d.field}${t("punct.colon")} ${d.reason}`;
    text ||= t("caravan.job.failed");
    if (where) {
      // A file's refusal beside the file's input: its message, then each problem.
      this.problems = [text, ...detail.map(located)].map((reason) => ({ path: where, reason }));
      this.message = null;
      return;
    }
    this.problems = detail.map((d) => ({ path: fieldPath(d.field), reason: d.reason }));
    this.message = { ok: false, text };
  }

  say(ok, text) {
    this.message = { ok, text };
    this.showProblems();
  }

  showProblems() {
    const root = this.section;
    for (const old of root.querySelectorAll(".cv-problem")) old.remove();
    for (const el of root.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    }
    const message = root.querySelector(".cv-form-message");
    message.className = `cv-form-message${this.message ? (this.message.ok ? " ok" : " errors") : ""}`;
    message.dir = "auto";
    message.textContent = this.message?.text || "";
    this.problems.forEach((problem, k) => {
      let path = problem.path;
      let box = null;
      while (path && !(box = root.querySelector(`[data-field="${CSS.escape(path)}"]`))) path = path.split(".").slice(0, -1).join(".");
      box ??= message;
      const p = document.createElement("p");
      p.className = "cv-problem";
      p.id = `cv-problem-${k}`;
      p.dataset.problemFor = problem.path;
      p.dir = "auto";
      p.textContent = problem.reason;
      box.append(p);
      const input = box === message ? null : box.querySelector("input, select");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", p.id);
      }
    });
  }
}
