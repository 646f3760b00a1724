// The map page's siting fold, under the panel's access figures: where to add facilities
// of an offer (POST /api/siting: k sites or a budget with a cost per site, a threshold,
// coverage or travel time, candidates from a file), or what if sites placed by a click
// on the map or picked among the communes were added (POST /api/access/what-if, whatif.js).
// Results: ranked numbered markers on the map, the sites, the coverage before and after
// per sub-territory; "Save" sends the same request again with a name (the run is
// deterministic). A saved scenario reopens from its address (?scenario=<id>). Shown to an
// account holding plan.run; anyone else sees a sign-in prompt in its place.
// A fold of the panel rather than a tab of the tables under the map: it asks about the
// territory the panel shows and extends the access figures just above it, its form and
// answer are long and narrow (the panel's shape), and on a phone it folds away with the
// panel. The panel is drawn again at each navigation: the fold is one element put back.
/* global L */
import { ApiError, can, enc, getJSON, send, sendFile } from "./api.js";
import { groupsHTML, summaryHTML } from "./coverage.js";
import { problemsHTML } from "./problems.js";
import { escapeHtml, lang, nameOf, num, t } from "./i18n.js";
import { signInPrompt } from "./shell.js";
import { WhatIf } from "./whatif.js";

const e = escapeHtml;
// A site's label in the page's language: a commune's reference point has its Arabic name.
const siteLabel = (s) => (lang() === "ar" && s.label_ar ? s.label_ar : s.label);
const LEVELS = ["primary", "secondary", "tertiary"];
const TIERS = ["general", "specialty", "maternity", "any"];

/** Options of a select: each value worded by `word(value)`. */
export function options(values, word, chosen) {
  return values.map((v) => `<option value="${e(v)}" ${v === chosen ? "selected" : ""}>${e(word(v))}</option>`).join("");
}

export class SitingPanel {
  /** view: the MapView; categories(): [{code, label}]; onScenario(id): a scenario is
   * shown (its id for the address) or none (null). */
  constructor(view, { categories, onScenario }) {
    this.view = view;
    this.categories = categories;
    this.onScenario = onScenario;
    this.code = null;
    this.territory = null;
    this.scenarioId = null;
    this.lastBody = null; // the request behind the results shown (for "Save")
    this.running = null; // the AbortController of the run under way
    this.candidates = null; // {file, items} from an uploaded candidate list
    this.services = [];
    this.element = document.createElement("details");
    this.element.id = "siting";
    this.element.className = "siting";
    this.sites = L.layerGroup().addTo(view.map);
    this.whatIf = new WhatIf(this, view);
    this.allowed = Promise.all([can("plan.run"), can("scenarios.write")]).then(([run, save]) => {
      this.mayRun = run;
      this.maySave = save;
    });
    getJSON("/api/services")
      .then((found) => (this.services = found))
      .catch(() => {});
    this.element.addEventListener("click", (event) => this.#click(event));
    this.element.addEventListener("change", (event) => this.#change(event));
    this.element.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
  }

  get placing() {
    return this.whatIf.placing;
  }

  /** Put the fold in the panel, after its access figures (the panel is drawn again at each
   * navigation: the same element is put back, with its form and results). */
  attach(panel, detail) {
    const access = panel.querySelector('[data-section="access"]');
    if (!access) return this.element.remove();
    access.after(this.element);
    if (detail.territory.code !== this.code) {
      // Another territory: the results shown were another's.
      this.code = detail.territory.code;
      this.territory = detail.territory;
      this.shown = null;
      this.lastBody = null;
      this.scenarioId = null;
      this.candidates = null; // another territory's sites
      this.sites.clearLayers();
      this.whatIf.clear();
      this.render();
    }
  }

  async render() {
    await this.allowed;
    const title = `<summary><h3>${t("siting.title")}</h3></summary>`;
    if (!this.mayRun) {
      this.element.innerHTML = `${title}${signInPrompt("siting.sign_in")}`;
      return;
    }
    const choices = this.#choices();
    this.element.innerHTML = `${title}<form class="siting-form" novalidate>
      <p class="siting-where">${t("siting.where", { name: e(nameOf(this.territory)) })}</p>
      <fieldset class="offer"><legend>${t("siting.offer")}</legend>
        <label><span>${t("siting.level")}</span><select name="level">${options(LEVELS, (v) => t(`siting.level.${v}`), "secondary")}</select></label>
        <label><span>${t("siting.tier")}</span><select name="tier">${options(TIERS, (v) => t(`siting.tier.${v}`), "general")}</select></label>
        <label><span>${t("siting.category")}</span><select name="category"><option value="">${t("siting.any")}</option>${this.categories()
          .map((c) => `<option value="${e(c.code)}">${e(c.code)} — ${e(c.label)}</option>`)
          .join("")}</select></label>
        <label><span>${t("siting.service")}</span><select name="service"><option value="">${t("siting.any")}</option>${this.services
          .map((s) => `<option value="${e(s.code)}">${e(nameOf(s))}</option>`)
          .join("")}</select></label>
      </fieldset>
      <label class="minutes"><span>${t("siting.within")}</span><input name="within_minutes" type="number" min="1" max="1440" step="1" value="60" required></label>
      <fieldset class="mode"><legend>${t("siting.mode")}</legend>
        <label class="check"><input type="radio" name="mode" value="site" checked> ${t("siting.mode.site")}</label>
        <label class="check"><input type="radio" name="mode" value="whatif"> ${t("siting.mode.whatif")}</label>
      </fieldset>
      <div data-mode="site">
        <fieldset class="how-many"><legend>${t("siting.how_many")}</legend>
          <label class="check"><input type="radio" name="count" value="add" checked> ${t("siting.count.add")}</label>
          <label class="check"><input type="radio" name="count" value="budget"> ${t("siting.count.budget")}</label>
          <label data-count="add"><span>${t("siting.add")}</span><input name="add" type="number" min="1" max="100" step="1" value="2"></label>
          <div data-count="budget" hidden>
            <label><span>${t("siting.budget")}</span><input name="budget_amount_mad" type="number" min="0" step="any"></label>
            <label><span>${t("siting.site_cost")}</span><input name="site_cost_amount_mad" type="number" min="0" step="any"></label>
          </div>
        </fieldset>
        <fieldset class="objective"><legend>${t("siting.objective")}</legend>
          <label class="check"><input type="radio" name="objective" value="coverage" checked> ${t("siting.objective.coverage")}</label>
          <label class="check"><input type="radio" name="objective" value="time"> ${t("siting.objective.time")}</label>
        </fieldset>
        <label class="candidates"><span>${t("siting.candidates")}</span>
          <input name="candidates" type="file" accept=".csv,.xlsx,.geojson,.json,text/csv,application/geo+json,application/json,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet">
          <small>${t("siting.candidates.hint")}</small></label>
        <div class="candidates-state" aria-live="polite"></div>
      </div>
      <div data-mode="whatif" hidden>${this.whatIf.formHTML()}</div>
      <div class="siting-run">
        <button type="submit" class="primary" data-action="run">${t("siting.run")}</button>
        <button type="button" data-action="stop" hidden>${t("siting.stop")}</button>
        <progress class="siting-progress" aria-label="${e(t("siting.running"))}" hidden></progress>
        <span class="siting-status" role="status"></span>
      </div>
    </form>
    <div class="siting-results" aria-live="polite"></div>`;
    this.#restore(choices);
    this.#candidatesRead();
    this.whatIf.renderPlaced();
  }

  /** The form's choices, put back when it is drawn again (another language, another
   * territory): a planner compares territories with the same question. */
  #choices() {
    const form = this.form;
    if (!form) return null;
    return [...form.elements]
      .filter((el) => el.name && !["file", "button", "submit"].includes(el.type))
      .filter((el) => el.type !== "radio" || el.checked)
      .map((el) => ({ name: el.name, value: el.value, radio: el.type === "radio" }));
  }

  #restore(choices) {
    const form = this.form;
    for (const c of choices ?? []) {
      const el = c.radio
        ? form.querySelector(`input[name="${CSS.escape(c.name)}"][value="${CSS.escape(c.value)}"]`)
        : form.elements.namedItem(c.name);
      if (!el) continue;
      if (c.radio) el.checked = true;
      else if (el.tagName !== "SELECT" || [...el.options].some((o) => o.value === c.value)) el.value = c.value;
    }
    // What each choice shows or hides.
    for (const box of form.querySelectorAll("[data-mode]")) box.hidden = box.dataset.mode !== this.mode;
    const count = form.querySelector("input[name=count]:checked").value;
    for (const box of form.querySelectorAll("[data-count]")) box.hidden = box.dataset.count !== count;
    form.querySelector("select[name=tier]").disabled = form.elements.namedItem("level").value === "primary";
  }

  /** The form asks again what a saved scenario asked (to change a figure and run it). */
  #ask(params) {
    if (!params || !this.form) return;
    const choices = [
      { name: "level", value: params.level ?? "secondary" },
      { name: "tier", value: params.tier ?? "general" },
      { name: "category", value: params.categories?.[0] ?? "" },
      { name: "service", value: params.services?.[0] ?? "" },
      { name: "within_minutes", value: String(params.within_minutes) },
    ];
    if (params.objective) choices.push({ name: "objective", value: params.objective, radio: true });
    if (params.budget_amount_mad != null) {
      choices.push({ name: "count", value: "budget", radio: true }, { name: "budget_amount_mad", value: String(params.budget_amount_mad) });
      if (params.site_cost_amount_mad != null) choices.push({ name: "site_cost_amount_mad", value: String(params.site_cost_amount_mad) });
    } else if (params.add != null) choices.push({ name: "add", value: String(params.add) });
    this.#restore(choices);
  }

  /** The candidate list read from a file, said (its sites stay with the form). */
  #candidatesRead() {
    const slot = this.element.querySelector(".candidates-state");
    if (!slot || !this.candidates) return;
    const { file, items } = this.candidates;
    slot.innerHTML = `<p class="candidates-read">${t("siting.candidates.read", { n: items.length, file: e(file) })}
      <button type="button" class="link" data-action="clear-candidates">${t("siting.candidates.clear")}</button></p>`;
  }

  /** Words changed: the fold is drawn again, its results kept. */
  relabel() {
    if (this.code) this.render().then(() => this.shown && this.#show(this.shown));
  }

  get form() {
    return this.element.querySelector("form.siting-form");
  }

  get mode() {
    return this.form?.querySelector("input[name=mode]:checked")?.value ?? "site";
  }

  /** The offer and threshold of the form (shared by both modes). */
  offer() {
    const data = new FormData(this.form);
    const level = data.get("level");
    return {
      territory: this.code,
      level,
      // A tier is a kind of hospital: none for primary care.
      tier: level === "primary" ? null : data.get("tier") || null,
      within_minutes: Number(data.get("within_minutes")),
    };
  }

  body() {
    const data = new FormData(this.form);
    const body = {
      ...this.offer(),
      categories: data.get("category") ? [data.get("category")] : [],
      services: data.get("service") ? [data.get("service")] : [],
      objective: data.get("objective"),
      candidates: this.candidates?.items ?? null,
      save: false,
    };
    if (data.get("count") === "budget") {
      // Left empty, a figure is not sent: the server says what is missing (a candidate
      // file may carry each site's cost instead of one cost per site).
      for (const name of ["budget_amount_mad", "site_cost_amount_mad"])
        if (data.get(name) !== "") body[name] = Number(data.get(name));
    } else body.add = Number(data.get("add"));
    return body;
  }

  #click(event) {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    const action = target.dataset.action;
    if (action === "stop") this.running?.abort();
    if (action === "save") this.save();
    if (action === "clear-candidates") {
      this.candidates = null;
      this.form.querySelector("input[name=candidates]").value = "";
      this.element.querySelector(".candidates-state").innerHTML = "";
    }
    this.whatIf.click(action, target);
  }

  #change(event) {
    const name = event.target.name;
    if (name === "mode") {
      for (const box of this.form.querySelectorAll("[data-mode]")) box.hidden = box.dataset.mode !== this.mode;
      this.whatIf.setPlacing(false);
    }
    if (name === "level") this.form.querySelector("select[name=tier]").disabled = event.target.value === "primary";
    if (name === "count") {
      const count = event.target.value;
      for (const box of this.form.querySelectorAll("[data-count]")) box.hidden = box.dataset.count !== count;
    }
    if (name === "candidates" && event.target.files[0]) this.upload(event.target.files[0]);
  }

  async upload(file) {
    const slot = this.element.querySelector(".candidates-state");
    this.candidates = null;
    slot.innerHTML = `<p class="pending">${t("siting.candidates.reading", { file: e(file.name) })}</p>`;
    try {
      const answer = await sendFile("/api/siting/candidates", file);
      this.candidates = { file: file.name, items: answer.candidates };
      this.#candidatesRead();
    } catch (error) {
      slot.innerHTML = problemsHTML(error);
    }
  }

  /** Run what the form asks (the solver or the what-if), with progress and a way to stop. */
  async run() {
    if (this.running) return;
    const whatIf = this.mode === "whatif";
    const body = whatIf ? this.whatIf.body() : this.body();
    if (!body) return;
    const controller = new AbortController();
    this.running = controller;
    this.#busy(true);
    const results = this.element.querySelector(".siting-results");
    try {
      const url = whatIf ? "/api/access/what-if" : "/api/siting";
      const answer = await send("POST", url, body, {}, { signal: controller.signal });
      this.lastBody = { url, body };
      this.scenarioId = null;
      this.onScenario(null);
      this.#show({ kind: whatIf ? "what_if" : "siting", doc: answer, saved: false });
    } catch (error) {
      results.innerHTML = error.name === "AbortError" ? `<p class="notice">${t("siting.stopped")}</p>` : problemsHTML(error);
    } finally {
      this.running = null;
      this.#busy(false);
    }
  }

  #busy(on) {
    const form = this.form;
    if (!form) return;
    form.querySelector(".siting-progress").hidden = !on;
    form.querySelector("[data-action=stop]").hidden = !on;
    form.querySelector("[data-action=run]").disabled = on;
    form.querySelector(".siting-status").textContent = on ? t("siting.running") : "";
    this.element.toggleAttribute("aria-busy", on);
  }

  /** Show a run's or a saved scenario's results: the map's markers, the sites, the coverage. */
  #show(shown) {
    this.shown = shown;
    const { kind, doc, saved } = shown;
    const results = this.element.querySelector(".siting-results");
    if (!results) return;
    if (kind === "what_if") {
      results.innerHTML = this.whatIf.resultHTML(doc) + this.#saveHTML(saved, doc);
      // Sites placed by a click are on the map already; a saved what-if's are drawn.
      this.#mark(this.whatIf.placed.length ? [] : (doc.sites ?? []));
      return;
    }
    const minutes = doc.params?.within_minutes ?? doc.within_minutes;
    const cost = doc.solver?.cost_mad ?? null;
    const rows = doc.sites
      .map(
        (s) => `<tr data-rank="${s.rank}"><td class="num">${num(s.rank)}</td><th scope="row"><bdi>${e(siteLabel(s))}</bdi></th>
        <td><bdi>${e(this.#communeName(doc, s.commune))}</bdi></td><td class="num site-newly" data-value="${s.newly_covered ?? ""}">${s.newly_covered == null ? "" : num(s.newly_covered)}</td><td class="num site-cost">${s.cost_mad == null ? "" : num(s.cost_mad)}</td></tr>`,
      )
      .join("");
    results.innerHTML = `${doc.name ? `<h4 class="scenario-name"><bdi>${e(doc.name)}</bdi></h4>` : ""}
      ${summaryHTML(doc.summary, minutes)}
      <table class="siting-sites"><caption><span class="site-mark sample" aria-hidden="true">1</span> ${t("siting.sites")}</caption>
        <thead><tr><th scope="col">${t("siting.rank")}</th><th scope="col">${t("siting.site")}</th><th scope="col">${t("siting.commune")}</th><th scope="col">${t("siting.site_newly")}</th><th scope="col">${t("siting.cost")}</th></tr></thead>
        <tbody>${rows}</tbody>
        <tfoot><tr><th scope="row" colspan="3">${t("siting.newly_covered")}</th><td class="num newly" data-value="${doc.summary.newly_covered}">${num(doc.summary.newly_covered)}</td><td class="num cost-total" data-value="${cost ?? ""}">${cost == null ? "" : num(cost)}</td></tr></tfoot></table>
      <p class="note">${t("siting.site_newly.note")}</p>
      ${groupsHTML(doc.groups)}
      <p class="source">${t("siting.source", { model: e(doc.params?.model ?? doc.model ?? "") })}</p>
      ${this.#saveHTML(saved, doc)}`;
    this.#mark(doc.sites);
  }

  #communeName(doc, code) {
    const commune = doc.communes?.find((c) => c.code === code);
    return commune ? nameOf(commune) : (code ?? "");
  }

  #saveHTML(saved, doc) {
    if (saved) return `<p class="saved" role="status">${t("siting.saved")} <a href="/scenarios?lang=${lang()}">${t("siting.scenarios")}</a></p>`;
    if (!this.maySave || !this.lastBody) return "";
    return `<div class="siting-save">
      <label><span>${t("siting.name")}</span><input name="scenario_name" maxlength="120" value="${e(doc.name ?? "")}"></label>
      <label><span>${t("siting.visibility")}</span><select name="visibility">${options(["partner", "public"], (v) => t(`siting.visibility.${v}`), "partner")}</select></label>
      <button type="button" class="primary" data-action="save">${t("siting.save")}</button></div>`;
  }

  /** Numbered markers for the sites, in their rank (a what-if's sites lettered by whatif.js). */
  #mark(sites) {
    this.sites.clearLayers();
    for (const [i, s] of sites.entries()) {
      const rank = s.rank ?? i + 1;
      const icon = L.divIcon({ className: "site-icon", html: `<span class="site-mark" data-rank="${rank}">${num(rank)}</span>`, iconSize: [26, 26], iconAnchor: [13, 13] });
      L.marker([s.lat, s.lon], { icon, title: `${num(rank)}. ${siteLabel(s)}`, keyboard: true, zIndexOffset: 400_000 }).addTo(this.sites);
    }
  }

  async save() {
    if (!this.lastBody) return;
    const box = this.element.querySelector(".siting-save");
    const name = box.querySelector("input[name=scenario_name]").value.trim();
    const visibility = box.querySelector("select[name=visibility]").value;
    const { url, body } = this.lastBody;
    try {
      const answer = await send("POST", url, { ...body, save: true, name: name || null, visibility });
      if (answer.id == null) {
        // Run, but not kept: the account may run analyses here, not save scenarios.
        box.insertAdjacentHTML("beforeend", `<p class="errors" role="alert">${t("siting.not_saved")}</p>`);
        return;
      }
      this.scenarioId = answer.id;
      this.onScenario(this.scenarioId);
      this.#show({ ...this.shown, doc: { ...answer, name }, saved: true });
    } catch (error) {
      box.insertAdjacentHTML("beforeend", problemsHTML(error));
    }
  }

  /** Show a saved scenario (its address names it): refused or unknown, said so. */
  async open(id) {
    await this.allowed;
    this.element.open = true;
    await this.render();
    const results = this.element.querySelector(".siting-results");
    try {
      const doc = await getJSON(`/api/scenarios/${enc(id)}`);
      this.scenarioId = id;
      this.lastBody = null;
      this.#ask(doc.params);
      // A saved what-if is kept as a siting run is (its sites, its coverage): shown the same.
      this.#show({ kind: doc.summary ? "siting" : "what_if", doc, saved: false });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        (results ?? this.element).innerHTML = signInPrompt("siting.scenario_hidden");
      } else if (results) results.innerHTML = problemsHTML(error);
    }
  }
}
