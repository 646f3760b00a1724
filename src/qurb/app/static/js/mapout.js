// The map out of the page: the layer of main towns (GeoNames, offline: dots and labels, no
// tiles), the map as a PNG image drawn in the browser, and the link to its PDF sheet.
/* global L */
import { getJSON } from "./api.js";
import { escapeHtml, lang, t } from "./i18n.js";

const TOWNS_CREDIT = '<a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)';
const SCALE = 2; // the PNG's pixels per screen pixel

/** Towns labelled at a zoom: the largest first, all of them once zoomed in. */
function labelFloor(zoom) {
  if (zoom < 6) return 300000;
  if (zoom < 7) return 100000;
  if (zoom < 8) return 40000;
  return 0;
}

/** Towns drawn at a zoom: a country's map shows the larger ones only. */
function dotFloor(zoom) {
  if (zoom < 6) return 50000;
  if (zoom < 7) return 25000;
  return 0;
}

export class MapOut {
  /** `view`: the page's MapView; `current()`: the {code, indicator, params} shown. */
  constructor(view, current) {
    this.view = view;
    this.map = view.map;
    this.current = current;
    this.towns = null;
    this.map.on("zoomend", () => this._label());
    document.getElementById("show-towns")?.addEventListener("change", (event) =>
      this.showTowns(event.target.checked),
    );
    document.getElementById("map-png")?.addEventListener("click", () => this.downloadPng());
    document.getElementById("map-pdf")?.addEventListener("click", (event) => {
      event.currentTarget.href = this.pdfUrl();
    });
  }

  async showTowns(on) {
    if (!on) {
      this.towns?.remove();
      return;
    }
    if (!this.towns) {
      const body = await getJSON("/api/layers/towns");
      this.towns = L.geoJSON(body, {
        attribution: TOWNS_CREDIT,
        pointToLayer: (f, latlng) =>
          L.circleMarker(latlng, {
            renderer: this.view.renderer,
            radius: f.properties.population >= 100000 ? 4 : 3,
            color: "#222",
            weight: 1,
            fillColor: "#fff",
            fillOpacity: 1,
            interactive: false,
            className: "town",
          }),
      });
    }
    this.towns.addTo(this.map);
    this._label();
  }

  /** Permanent labels on the towns large enough for the zoom, in the page's language. */
  _label() {
    if (!this.towns || !this.map.hasLayer(this.towns)) return;
    const floor = labelFloor(this.map.getZoom());
    const dots = dotFloor(this.map.getZoom());
    this.towns.eachLayer((layer) => {
      const p = layer.feature.properties;
      const drawn = p.population >= dots;
      layer.setStyle({ opacity: drawn ? 1 : 0, fillOpacity: drawn ? 1 : 0 });
      layer.unbindTooltip();
      if (p.population < floor) return;
      const name = lang() === "ar" ? p.name_ar || p.name : p.name;
      layer.bindTooltip(escapeHtml(name), {
        permanent: true,
        direction: "right",
        offset: [4, 0],
        className: "town-label",
        interactive: false,
      });
    });
  }

  relabel() {
    this._label();
  }

  pdfUrl() {
    const now = this.current();
    const query = new URLSearchParams({ indicator: now.indicator || "", ...now.params, lang: lang() });
    return `/api/maps/${encodeURIComponent(now.code || "MA")}.pdf?${query}`;
  }

  /** The map as drawn (the SVG of the polygons and towns' dots), with the title above and
   * the legend, date and sources under it, as a PNG file. */
  async downloadPng() {
    const canvas = await this.drawPng();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    const now = this.current();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `qurb-${now.indicator || "map"}-${now.code || "MA"}-${lang()}.png`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  async drawPng() {
    const box = this.map.getContainer().getBoundingClientRect();
    const svg = this.view.renderer._container;
    const at = svg.getBoundingClientRect();
    const copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("width", String(at.width));
    copy.setAttribute("height", String(at.height));
    copy.removeAttribute("style");
    const xml = new XMLSerializer().serializeToString(copy);
    // A data: URL (the page's policy allows data: images; no blob: needed to draw it).
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
    await image.decode();

    const rtl = lang() === "ar";
    const now = shownWords();
    const rows = legendRows();
    const width = Math.round(box.width);
    const columns = Math.max(1, Math.floor((width - 32) / 230));
    const legendHeight = 26 + Math.ceil(rows.length / columns) * 22;
    const head = 64;
    const foot = legendHeight + 86;
    const canvas = document.createElement("canvas");
    canvas.width = width * SCALE;
    canvas.height = (head + box.height + foot) * SCALE;
    const g = canvas.getContext("2d");
    g.scale(SCALE, SCALE);
    g.fillStyle = "#ffffff";
    g.fillRect(0, 0, width, head + box.height + foot);
    g.fillStyle = "#dfe9f0";
    g.fillRect(0, head, width, box.height);
    g.drawImage(image, at.left - box.left, head + at.top - box.top, at.width, at.height);
    this._drawTownLabels(g, head);

    g.direction = rtl ? "rtl" : "ltr";
    g.textAlign = "start";
    const x0 = rtl ? width - 16 : 16;
    g.fillStyle = "#222";
    g.font = "bold 20px 'DejaVu Sans', 'Noto Sans Arabic', sans-serif";
    g.fillText(now.title, x0, 30, width - 32);
    g.font = "13px 'DejaVu Sans', 'Noto Sans Arabic', sans-serif";
    g.fillStyle = "#555";
    g.fillText(now.subtitle, x0, 52, width - 32);

    let y = head + box.height + 24;
    g.fillStyle = "#222";
    g.font = "bold 14px 'DejaVu Sans', 'Noto Sans Arabic', sans-serif";
    g.fillText(now.legendTitle, x0, y, width - 32);
    g.font = "13px 'DejaVu Sans', 'Noto Sans Arabic', sans-serif";
    rows.forEach((row, i) => {
      const col = i % columns;
      const line = Math.floor(i / columns);
      const top = y + 10 + line * 22;
      const left = rtl ? width - 16 - col * 230 - 22 : 16 + col * 230;
      drawSwatch(g, row, left, top);
      g.fillStyle = "#222";
      g.fillText(row.text, rtl ? left - 8 : left + 30, top + 12, 190);
    });
    y += legendHeight + 10;
    g.font = "12px 'DejaVu Sans', 'Noto Sans Arabic', sans-serif";
    g.fillStyle = "#444";
    for (const text of now.sources) {
      g.fillText(text, x0, y, width - 32);
      y += 18;
    }
    const made = new Intl.DateTimeFormat(document.documentElement.lang || "fr", { dateStyle: "long" }).format(new Date());
    g.fillText(t("map.sheet.made", { date: made }), x0, y, width - 32);
    return canvas;
  }

  _drawTownLabels(g, head) {
    if (!this.towns || !this.map.hasLayer(this.towns)) return;
    g.font = "12px 'DejaVu Sans', 'Noto Sans Arabic', sans-serif";
    g.direction = "ltr";
    g.textAlign = "left";
    this.towns.eachLayer((layer) => {
      const text = layer.getTooltip()?.getContent();
      if (!text) return;
      const p = this.map.latLngToContainerPoint(layer.getLatLng());
      g.lineWidth = 3;
      g.strokeStyle = "rgba(255,255,255,0.9)";
      g.strokeText(text, p.x + 6, head + p.y + 4);
      g.fillStyle = "#111";
      g.fillText(text, p.x + 6, head + p.y + 4);
    });
  }
}

/** The legend's classes as the page shows them: colour (or hatch) and words. */
function legendRows() {
  return [...document.querySelectorAll("#legend ul.classes li")].map((li) => {
    const swatch = li.querySelector(".swatch");
    return {
      colour: swatch?.dataset.colour || null,
      hatch: swatch?.classList.contains("hatch") || false,
      text: li.textContent.trim(),
    };
  });
}

function drawSwatch(g, row, left, top) {
  g.fillStyle = row.hatch ? "#e0e0e0" : row.colour || "#dfe7ef";
  g.fillRect(left, top, 22, 14);
  if (row.hatch) {
    g.save();
    g.beginPath();
    g.rect(left, top, 22, 14);
    g.clip();
    g.strokeStyle = "#9e9e9e";
    g.lineWidth = 1.5;
    for (let d = -14; d < 22; d += 5) {
      g.beginPath();
      g.moveTo(left + d, top + 14);
      g.lineTo(left + d + 14, top);
      g.stroke();
    }
    g.restore();
  }
  g.strokeStyle = "#999";
  g.lineWidth = 1;
  g.strokeRect(left, top, 22, 14);
}

/** The words around the map, as the page shows them: the legend's title, unit and
 * sources, the breadcrumb's territory, the map's credit line. */
function shownWords() {
  const text = (selector) => document.querySelector(selector)?.textContent.trim() || "";
  const indicator = text("#legend h3");
  const place = text("#breadcrumb [aria-current]");
  const sources = [...document.querySelectorAll("#legend .source")].map((el) => el.textContent.trim());
  sources.push(text(".leaflet-control-attribution"));
  return {
    title: [indicator, place].filter(Boolean).join(" — "),
    subtitle: text("#legend .unit"),
    legendTitle: indicator,
    sources: sources.filter(Boolean),
  };
}
