// The map's referral flows (referrals.measures: counts, never a referral): a toggle beside
// the towns, offered only to an account holding it, draws a line from each patients'
// commune of residence (or each origin: a facility, a caravan stop at its commune's point)
// to each destination facility of the region (or province) shown,
// its width by the referrals sent (GET /api/referrals/flows.geojson: the twelve months to
// today), a tooltip naming both ends and the count, a legend of widths with their counts;
// a note when there is no referral to draw, or no region chosen.
/* global L */
import { can, enc, getJSON } from "./api.js";
import { escapeHtml, lang, num, t } from "./i18n.js";

const e = escapeHtml;
// Line widths (px): the thinnest flow and the widest; between them by volume.
const THIN_PX = 2;
const WIDE_PX = 10;

/** The region or province the flows are asked of: a province's code for anything below
 * it (04.281.01.03 → 04.281), none for the country. */
export function flowTerritory(code) {
  if (!code || code === "MA") return null;
  return code.split(".").slice(0, 2).join(".");
}

/** A flow's width (px) for its volume, the largest volume drawn widest. */
export function widthOf(volume, largest) {
  return largest > 0 ? THIN_PX + ((WIDE_PX - THIN_PX) * volume) / largest : THIN_PX;
}

export class FlowLayer {
  constructor(view) {
    this.view = view;
    this.group = L.layerGroup();
    this.on = false;
    this.code = null;
    this.body = null; // the flows read for `this.asked` (territory and where from)
    this.asked = null;
    this.from = "residence"; // or "origin"
    this.box = document.getElementById("flows-toggle");
    this.note = document.getElementById("flows-note");
    this.legend = document.getElementById("flows-legend");
    can("referrals.measures").then((allowed) => {
      if (!allowed || !this.box) return;
      this.box.hidden = false;
      this.box.querySelector("input").addEventListener("change", (event) => this.toggle(event.target.checked));
      document.getElementById("flows-from").addEventListener("change", (event) => {
        this.from = event.target.value;
        if (this.on) this.draw();
      });
    });
  }

  /** The territory shown changed: the flows follow it while they are on. */
  follow(code) {
    this.code = code;
    if (this.on) this.draw();
  }

  toggle(on) {
    this.on = on;
    if (on) return this.draw();
    this.clear();
    this.group.remove();
    this.note.hidden = this.legend.hidden = true;
  }

  async draw() {
    const territory = flowTerritory(this.code);
    this.clear();
    this.legend.hidden = true;
    if (!territory) return this.say(t("map.flows.pick"));
    const asked = `${territory}:${this.from}`;
    if (this.asked !== asked) {
      this.body = await getJSON(`/api/referrals/flows.geojson?territory=${enc(territory)}&from=${this.from}`);
      this.asked = asked;
    }
    if (!this.on) return;
    const flows = this.body.features;
    if (!flows.length) return this.say(t("map.flows.none"));
    this.note.hidden = true;
    const largest = Math.max(...flows.map((f) => f.properties.volume));
    for (const flow of flows) {
      const p = flow.properties;
      const line = L.polyline(
        flow.geometry.coordinates.map(([lon, lat]) => [lat, lon]),
        { renderer: this.view.renderer, color: "#6a1b9a", opacity: 0.7, weight: widthOf(p.volume, largest), className: "flow-line", interactive: true },
      );
      line.bindTooltip(() => e(this.words(p)), { sticky: true });
      line.on("add", () => line.getElement()?.setAttribute("data-volume", String(p.volume)));
      this.group.addLayer(line);
    }
    this.group.addTo(this.view.map);
    this.showLegend(flows.map((f) => f.properties.volume), largest);
  }

  /** The lines gone, and a tooltip one of them left open with them. */
  clear() {
    this.group.eachLayer((line) => line.closeTooltip());
    this.group.clearLayers();
  }

  words(p) {
    let origin = lang() === "ar" ? p.commune_name_ar || p.commune_name : p.commune_name;
    if (p.origin_kind === "facility") origin = p.origin_name;
    if (p.origin_kind === "stop") {
      const commune = lang() === "ar" ? p.origin_name_ar || p.origin_name : p.origin_name;
      origin = `${t("referrals.fiche.caravan_stop", { stop: p.origin })} · ${commune}`;
    }
    return t("map.flows.tooltip", { origin, destination: p.facility_name, count: num(p.volume) });
  }

  say(text) {
    this.note.textContent = text;
    this.note.hidden = false;
  }

  /** Two or three widths: the largest volume, the smallest, and one between when any. */
  showLegend(volumes, largest) {
    const smallest = Math.min(...volumes);
    const middle = Math.round((largest + smallest) / 2);
    const shown = [...new Set([largest, middle, smallest])].filter((v) => v >= smallest);
    const rows = shown
      .map((v) => `<li><svg width="40" height="12" aria-hidden="true"><line x1="2" y1="6" x2="38" y2="6" stroke="#6a1b9a" stroke-width="${widthOf(v, largest).toFixed(1)}"/></svg> ${e(t("map.flows.count", { count: num(v) }))}</li>`)
      .join("");
    this.legend.innerHTML = `<p>${e(t("map.flows.legend"))}</p><ul>${rows}</ul>`;
    this.legend.hidden = false;
  }

  relabel() {
    if (this.on) this.draw();
  }
}
