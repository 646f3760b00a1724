// The Leaflet map: territory polygons (the map itself, no tiles by default), the
// choropleth fill, and facility markers (by kind, exact vs approximate). The shapes and
// the markers are named and reached with the keyboard (keyboard.js).
/* global L */
import { HATCH, fillFor } from "./choropleth.js";
import { dataCredit } from "./credit.js";
import { escapeHtml, locale, nameOf, num, t } from "./i18n.js";
import { Roving } from "./keyboard.js";
import { isHospital, markerGroups } from "./markers.js";

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
    // The shapes: one tab stop, arrows between them (by name), Enter or Space selects.
    this.areaKeys = new Roving(this.renderer._container, {
      onActivate: (el) => this.handlers.onArea(el.dataset.code),
      onMove: (el) => this._reveal(el.dataset.code),
    });
    // The markers: one tab stop, arrows between them; Enter opens the popup (Leaflet), so
    // does Space.
    this.markerKeys = new Roving(this.map.getPane("markerPane"), {
      onActivate: (el, key) => (key === " " ? el.click() : false),
    });
    this.facilities = [];
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
    // A shape chosen with the keyboard opens the next level: the focus goes to its shapes.
    const focused = this.areaKeys.elements.includes(document.activeElement);
    this.areaLayer.clearLayers();
    this.contextLayer.clearLayers();
    if (context) this.contextLayer.addData(context);
    this.areaLayer.addData(geojson);
    this.areaLayer.eachLayer((layer) => {
      const el = layer.getElement?.();
      if (el) el.setAttribute("data-code", layer.feature.properties.code);
    });
    this._labelAreas();
    if (fit && geojson.features.length) this.map.fitBounds(this.areaLayer.getBounds(), { padding: [12, 12] });
    const stop = this.areaKeys.elements.find((el) => el.getAttribute("tabindex") === "0");
    if (focused && stop) stop.focus({ preventScroll: true });
  }

  /** Each shape is a button named by its territory and its value, in the keyboard order of
   * the names; the selected one says so and takes the tab stop. */
  _labelAreas() {
    const shapes = [];
    let current = null;
    this.areaLayer.eachLayer((layer) => {
      const el = layer.getElement?.();
      if (!el) return;
      const p = layer.feature.properties;
      const entry = this.values.get(p.code);
      const value = entry ? this.handlers.formatValue(entry) : "";
      el.setAttribute("role", "button");
      el.setAttribute("aria-label", value ? `${nameOf(p)}, ${value}` : nameOf(p));
      if (p.code === this.selected) {
        el.setAttribute("aria-current", "true");
        current = el;
      } else el.removeAttribute("aria-current");
      shapes.push([nameOf(p), el]);
    });
    const collator = new Intl.Collator(locale());
    shapes.sort((a, b) => collator.compare(a[0], b[0]));
    this.areaKeys.set(
      shapes.map(([, el]) => el),
      current,
    );
  }

  /** A shape reached with the keyboard outside the view is brought into it. */
  _reveal(code) {
    this.areaLayer.eachLayer((layer) => {
      if (layer.feature.properties.code !== code) return;
      const bounds = layer.getBounds();
      if (!this.map.getBounds().contains(bounds)) this.map.panInside(bounds.getCenter(), { padding: [40, 40] });
    });
  }

  /** The words changed (language): shapes and markers are named again. */
  relabel() {
    this._labelAreas();
    this.showFacilities(this.facilities);
  }

  setValues(values, colours) {
    this.values = new Map(values.map((v) => [v.code, v]));
    this.colours = colours;
    this.areaLayer.setStyle((f) => this._style(f));
    this._labelAreas();
  }

  select(code, { zoom = false } = {}) {
    this.selected = code;
    this.areaLayer.setStyle((f) => this._style(f));
    if (!code) return this._labelAreas();
    this.areaLayer.eachLayer((layer) => {
      if (layer.feature.properties.code === code) {
        // Brought to the front, the shape moves in the document: it keeps the focus it had.
        const el = layer.getElement?.();
        const focused = el && el === document.activeElement;
        layer.bringToFront();
        if (focused) el.focus({ preventScroll: true });
        if (zoom) this.map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 12 });
      }
    });
    this._labelAreas();
  }

  /** Facility markers: a hospital always alone and above; the others grouped by kind at
   * the same point (a commune reference point); the markers of one point side by side. */
  showFacilities(features) {
    this.facilities = features;
    this.markerLayer.clearLayers();
    const icons = [];
    for (const group of markerGroups(features)) {
      const { members, type, size } = group;
      const p = members[0].properties;
      const many = members.length > 1;
      const classes = [
        "fm",
        isHospital(type) ? `fm-hospital fm-${type}` : `fm-${type}`,
        type === "osm" && p.sector === "unknown" ? "fm-unknown" : "",
        p.location_source !== "commune_reference" ? "fm-exact" : "fm-ref",
        many ? "fm-group" : "",
      ];
      const icon = L.divIcon({
        className: "fm-icon",
        html: `<span class="${classes.filter(Boolean).join(" ")}" data-facility="${escapeHtml(p.id)}" data-count="${members.length}">${many ? `<b>${members.length}</b>` : ""}</span>`,
        iconSize: [size, size],
        iconAnchor: group.anchor,
      });
      const marker = L.marker([group.lat, group.lon], {
        icon,
        keyboard: true,
        title: this._markerName(group),
        zIndexOffset: group.zIndexOffset,
      });
      marker.bindPopup(() => this._popup(group), { maxWidth: 320, maxHeight: 320 });
      marker.addTo(this.markerLayer);
      icons.push(marker.getElement());
    }
    this.markerKeys.set(icons.filter(Boolean));
  }

  /** A marker's name: the facility and its category, or the group's kind, count and members. */
  _markerName({ members, type }) {
    const p = members[0].properties;
    if (members.length === 1) return `${p.name} · ${this.handlers.categoryName(p.category)}`;
    const names = members.slice(0, 8).map((f) => f.properties.name);
    const more = members.length > names.length ? ", …" : "";
    return `${t(`map.type.${type}`)} · ${members.length} : ${names.join(", ")}${more}`;
  }

  _popup({ members, type }) {
    const el = document.createElement("div");
    el.className = "facility-popup";
    el.dir = document.documentElement.dir;
    const head = members.length > 1 ? `<p class="group-head">${escapeHtml(t(`map.type.${type}`))} · ${members.length}</p>` : "";
    el.innerHTML =
      head +
      members
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
