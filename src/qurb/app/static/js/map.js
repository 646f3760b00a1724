// The Leaflet map: territory polygons (the map itself, no tiles by default), the
// choropleth fill, and facility markers (public vs OpenStreetMap, exact vs approximate).
/* global L */
import { HATCH, fillFor } from "./choropleth.js";
import { dataCredit } from "./credit.js";
import { escapeHtml, nameOf, num, t } from "./i18n.js";

const MOROCCO_BOUNDS = [
  [20.7, -17.2],
  [36.0, -0.9],
];

export class MapView {
  constructor(element, config, handlers) {
    this.handlers = handlers;
    this.map = L.map(element, {
      zoomSnap: 0.25,
      preferCanvas: false,
      attributionControl: true,
    });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution(dataCredit());
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "" }).addTo(this.map);
    }
    this.renderer = L.svg({ padding: 0.5 }).addTo(this.map);
    this.map.fitBounds(MOROCCO_BOUNDS);
    this._addHatch();
    this.contextLayer = L.geoJSON(null, {
      renderer: this.renderer,
      interactive: false,
      style: () => ({ color: "#9e9e9e", weight: 1, fillColor: "#eeeeee", fillOpacity: 0.6 }),
    }).addTo(this.map);
    this.areaLayer = L.geoJSON(null, {
      renderer: this.renderer,
      style: (f) => this._style(f),
      onEachFeature: (f, layer) => this._bindArea(f, layer),
    }).addTo(this.map);
    this.markerLayer = L.layerGroup().addTo(this.map);
    this.values = new Map();
    this.colours = [];
    this.selected = null;
  }

  _addHatch() {
    const svg = this.renderer._container;
    const ns = "http://www.w3.org/2000/svg";
    const defs = document.createElementNS(ns, "defs");
    defs.innerHTML = `<pattern id="qurb-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#e0e0e0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/>
      </pattern>`;
    svg.insertBefore(defs, svg.firstChild);
  }

  _style(feature) {
    const code = feature.properties.code;
    const entry = this.values.get(code);
    const fill = this.values.size ? fillFor(entry, this.colours) : "#dfe7ef";
    const selected = code === this.selected;
    return {
      color: selected ? "#111" : "#ffffff",
      weight: selected ? 3 : 1,
      fillColor: fill,
      fillOpacity: fill === HATCH ? 1 : 0.85,
      className: `area area-${feature.properties.level}`,
    };
  }

  _bindArea(feature, layer) {
    layer.on({
      click: () => this.handlers.onArea(feature.properties.code),
      mouseover: () => layer.setStyle({ weight: 2.5, color: "#333" }),
      mouseout: () => this.areaLayer.resetStyle(layer),
    });
    layer.bindTooltip(() => this._tooltip(feature), { sticky: true, direction: "auto" });
    layer.getElement?.()?.setAttribute("data-code", feature.properties.code);
  }

  _tooltip(feature) {
    const entry = this.values.get(feature.properties.code);
    const value = entry ? this.handlers.formatValue(entry) : "";
    return `<div dir="auto"><strong>${escapeHtml(nameOf(feature.properties))}</strong>
      <span class="code">${escapeHtml(feature.properties.code)}</span><br>${escapeHtml(value)}${nearestText(entry?.nearest, this.handlers.categoryName)}</div>`;
  }

  showAreas(geojson, { context = null, fit = true } = {}) {
    this.areaLayer.clearLayers();
    this.contextLayer.clearLayers();
    if (context) this.contextLayer.addData(context);
    this.areaLayer.addData(geojson);
    this.areaLayer.eachLayer((layer) => {
      const el = layer.getElement?.();
      if (el) el.setAttribute("data-code", layer.feature.properties.code);
    });
    if (fit && geojson.features.length) this.map.fitBounds(this.areaLayer.getBounds(), { padding: [12, 12] });
  }

  setValues(values, colours) {
    this.values = new Map(values.map((v) => [v.code, v]));
    this.colours = colours;
    this.areaLayer.setStyle((f) => this._style(f));
  }

  select(code, { zoom = false } = {}) {
    this.selected = code;
    this.areaLayer.setStyle((f) => this._style(f));
    if (!code) return;
    this.areaLayer.eachLayer((layer) => {
      if (layer.feature.properties.code === code) {
        layer.bringToFront();
        if (zoom) this.map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 12 });
      }
    });
  }

  /** Facility markers; those at the same point (a commune reference point) are grouped. */
  showFacilities(features) {
    this.markerLayer.clearLayers();
    const groups = new Map();
    for (const f of features) {
      const [lon, lat] = f.geometry.coordinates;
      const key = `${lon.toFixed(5)},${lat.toFixed(5)}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(f);
    }
    for (const group of groups.values()) {
      const first = group[0];
      const [lon, lat] = first.geometry.coordinates;
      const p = first.properties;
      const kind = p.family === "osm" ? "osm" : p.family === "hospital" ? "hospital" : "essp";
      const unknownSector = p.family === "osm" && p.sector === "unknown" ? "fm-unknown" : "";
      const exact = p.location_source !== "commune_reference";
      const count = group.length > 1 ? `<b>${group.length}</b>` : "";
      const icon = L.divIcon({
        className: "",
        html: `<span class="fm fm-${kind} ${unknownSector} ${exact ? "fm-exact" : "fm-ref"} ${group.length > 1 ? "fm-group" : ""}" data-facility="${escapeHtml(p.id)}">${count}</span>`,
        iconSize: group.length > 1 ? [22, 22] : [14, 14],
      });
      const marker = L.marker([lat, lon], { icon, keyboard: true, title: group.length > 1 ? "" : p.name });
      marker.bindPopup(() => this._popup(group), { maxWidth: 320, maxHeight: 320 });
      marker.addTo(this.markerLayer);
    }
  }

  _popup(group) {
    const el = document.createElement("div");
    el.className = "facility-popup";
    el.dir = document.documentElement.dir;
    el.innerHTML = group
      .map((f) => {
        const p = f.properties;
        return `<section data-id="${escapeHtml(p.id)}">
          <h4>${escapeHtml(p.name)}</h4>
          <div>${escapeHtml(this.handlers.categoryName(p.category))} · ${escapeHtml(t(`sector.${p.sector}`))}</div>
          <div>${t("facility.commune")} : ${escapeHtml(nameOf({ name_fr: p.commune_name_fr, name_ar: p.commune_name_ar }))}</div>
          <div class="loc">${escapeHtml(locationText(p))}</div>
          <button type="button" class="link" data-open="${escapeHtml(p.id)}">${t("facility.details")}</button>
        </section>`;
      })
      .join("");
    el.addEventListener("click", (event) => {
      const id = event.target?.dataset?.open;
      if (id) this.handlers.onFacility(id);
    });
    return el;
  }

  /** Arabic reads from the right: the zoom buttons go to the other side of the controls. */
  setDirection(rtl) {
    this.map.zoomControl.setPosition(rtl ? "topright" : "topleft");
  }

  invalidate() {
    this.map.invalidateSize();
  }
}

/** The nearest facility of an access figure, with its minutes and km (tooltip lines). */
function nearestText(n, categoryName) {
  if (!n) return "";
  const figures = [
    n.minutes === null ? t("unknown") : t("unit.minutes", { n: num(n.minutes, 1) }),
    n.km === null ? t("unknown") : t("unit.km", { n: num(n.km, 1) }),
  ];
  return `<br><span class="nearest">${escapeHtml(t("tooltip.nearest", { name: n.name }))} (${escapeHtml(categoryName(n.category))})</span><br>${escapeHtml(figures.join(" · "))}`;
}

export function locationText(p) {
  if (p.location_source === "commune_reference") {
    const km = p.location_precision_m ? num(p.location_precision_m / 1000, 1) : t("unknown");
    return t("location.commune_reference", { km });
  }
  return t(`location.${p.location_source}`) || p.location_source;
}
