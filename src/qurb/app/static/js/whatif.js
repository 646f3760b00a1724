// What if these sites were added: a mode of the siting fold (siting.js) where a click on
// the map places a site (several allowed, each removable) or communes are picked from the
// list; POST /api/access/what-if answers the coverage before and after, per
// sub-territory, before anything is saved.
/* global L */
import { arrow, groupsHTML, summaryHTML } from "./coverage.js";
import { escapeHtml, nameOf, num, t } from "./i18n.js";

const e = escapeHtml;
const MAX_SITES = 50; // the API's limit
// A signed number kept whole in Arabic (its minus sign on its left).
const ltr = (text) => `<bdi dir="ltr">${e(text)}</bdi>`;

export class WhatIf {
  /** panel: the SitingPanel; view: the MapView. */
  constructor(panel, view) {
    this.panel = panel;
    this.view = view;
    this.placing = false;
    this.placed = []; // [{lon, lat, label}]
    this.picked = []; // [{code, name_fr, name_ar}]
    this.next = 1;
    this.layer = L.layerGroup().addTo(view.map);
    // A click on the map while placing: a site there (the map's shapes do not navigate then).
    view.map.on("click", (event) => {
      if (!this.placing || this.placed.length >= MAX_SITES) return;
      const { lat, lng } = event.latlng.wrap();
      this.placed.push({ lon: Number(lng.toFixed(5)), lat: Number(lat.toFixed(5)), label: t("whatif.site", { n: this.next++ }) });
      this.renderPlaced();
    });
  }

  /** The communes the map shows (those of the province or prefecture in view), by name. */
  communes() {
    const out = [];
    this.view.areaLayer.eachLayer((layer) => {
      const p = layer.feature?.properties;
      if (p && (p.level === "commune" || p.level === "arrondissement")) out.push(p);
    });
    return out.sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  }

  formHTML() {
    const choices = this.communes()
      .map((c) => `<option value="${e(c.code)}">${e(nameOf(c))}</option>`)
      .join("");
    return `<p class="hint">${t("whatif.hint")}</p>
      <button type="button" data-action="place" aria-pressed="${this.placing}"><span class="whatif-mark sample" aria-hidden="true">+</span> ${t("whatif.place")}</button>
      <ol class="whatif-sites"></ol>
      <label><span>${t("whatif.commune")}</span><select name="whatif_commune">${choices}</select></label>
      <button type="button" data-action="pick">${t("whatif.pick")}</button>
      <ul class="whatif-communes"></ul>`;
  }

  setPlacing(on) {
    this.placing = on;
    const map = this.view.map.getContainer();
    map.classList.toggle("placing", on);
    // On a phone the fold sits under the map: the map is brought back into view.
    if (on && map.getBoundingClientRect().bottom < 40) map.scrollIntoView({ block: "start" });
    const button = this.panel.element.querySelector("[data-action=place]");
    if (button) button.setAttribute("aria-pressed", String(on));
  }

  clear() {
    this.placed = [];
    this.picked = [];
    this.next = 1;
    this.setPlacing(false);
    this.layer.clearLayers();
  }

  click(action, target) {
    if (action === "place") this.setPlacing(!this.placing);
    if (action === "remove-site") this.placed.splice(Number(target.dataset.index), 1);
    if (action === "remove-commune") this.picked.splice(Number(target.dataset.index), 1);
    if (action === "pick") {
      const code = this.panel.element.querySelector("select[name=whatif_commune]").value;
      const commune = this.communes().find((c) => c.code === code);
      if (commune && !this.picked.some((c) => c.code === code)) this.picked.push(commune);
    }
    if (["remove-site", "remove-commune", "pick"].includes(action)) this.renderPlaced();
  }

  /** The placed sites and picked communes: listed with a remove button, and on the map. */
  renderPlaced() {
    const list = this.panel.element.querySelector(".whatif-sites");
    if (list) {
      list.innerHTML = this.placed
        .map(
          (s, i) => `<li data-index="${i}" data-lon="${s.lon}" data-lat="${s.lat}"><bdi>${e(s.label)}</bdi> <small>${t("whatif.at", { lat: ltr(num(s.lat, 4)), lon: ltr(num(s.lon, 4)) })}</small>
          <button type="button" class="link" data-action="remove-site" data-index="${i}">${t("whatif.remove")}</button></li>`,
        )
        .join("");
    }
    const picked = this.panel.element.querySelector(".whatif-communes");
    if (picked) {
      picked.innerHTML = this.picked
        .map((c, i) => `<li><bdi>${e(nameOf(c))}</bdi> <button type="button" class="link" data-action="remove-commune" data-index="${i}">${t("whatif.remove")}</button></li>`)
        .join("");
    }
    this.layer.clearLayers();
    for (const s of this.placed) {
      const icon = L.divIcon({ className: "site-icon", html: `<span class="whatif-mark">+</span>`, iconSize: [22, 22], iconAnchor: [11, 11] });
      L.marker([s.lat, s.lon], { icon, title: s.label, keyboard: true, zIndexOffset: 400_000 }).addTo(this.layer);
    }
  }

  /** The request, or null (and a word why) when nothing is placed nor picked. */
  body() {
    const status = this.panel.element.querySelector(".siting-status");
    if (!this.placed.length && !this.picked.length) {
      status.textContent = t("whatif.none");
      return null;
    }
    const body = { ...this.panel.offer(), save: false };
    if (this.placed.length) body.sites = this.placed.map((s) => ({ ...s }));
    if (this.picked.length) body.communes = this.picked.map((c) => c.code);
    return body;
  }

  resultHTML(doc) {
    const changed = (doc.communes_changed ?? [])
      .map(
        (c) => `<tr data-code="${e(c.code)}"><th scope="row"><bdi>${e(nameOf(c))}</bdi></th><td class="num">${num(c.population)}</td>
        <td class="num"><bdi>${num(c.minutes_before, 1)}</bdi> ${arrow()} <bdi>${num(c.minutes_after, 1)}</bdi></td></tr>`,
      )
      .join("");
    const sites = (doc.sites ?? [])
      .map(
        (s, i) => `<tr data-rank="${i + 1}"><td class="num">${num(i + 1)}</td><th scope="row"><bdi>${e(s.label)}</bdi></th>
        <td class="num site-newly" data-value="${s.newly_covered ?? ""}">${s.newly_covered == null ? "" : num(s.newly_covered)}</td></tr>`,
      )
      .join("");
    return `${doc.name ? `<h4 class="scenario-name"><bdi>${e(doc.name)}</bdi></h4>` : ""}
      <div class="whatif-result">${summaryHTML(doc, doc.within_minutes)}
      ${sites ? `<table class="whatif-sites"><caption>${t("whatif.sites")}</caption><thead><tr><th scope="col">${t("siting.rank")}</th><th scope="col">${t("siting.site")}</th>
        <th scope="col">${t("siting.site_newly")}</th></tr></thead><tbody>${sites}</tbody></table><p class="note">${t("siting.site_newly.note")}</p>` : ""}
      ${groupsHTML(doc.groups)}
      ${changed ? `<table class="whatif-changed"><caption>${t("whatif.changed")}</caption><thead><tr><th scope="col">${t("siting.commune")}</th>
        <th scope="col">${t("siting.population")}</th><th scope="col">${t("whatif.minutes")}</th></tr></thead><tbody>${changed}</tbody></table>` : ""}
      ${doc.id ? "" : `<p class="source">${t("whatif.unsaved")}</p>`}</div>`;
  }
}
