// The campaign form's small map: the territory's communes outlined and its open public
// facilities as markers (hospitals larger); a click on a facility adds it as a base, the
// bases already chosen are filled. The facility search beside it does the same by name
// (and from the keyboard).
/* global L */
import { dataCredit } from "./credit.js";
import { escapeHtml, lang } from "./i18n.js";

const isHospital = (f) => f.properties.family !== "ESSP";

/** Draws the map in `el`; `onPick(feature)` when a facility is clicked. Returns the map
 * (the caller removes it before drawing the form again). */
export function drawBaseMap(el, { outlines, facilities, chosen, onPick, config }) {
  const map = L.map(el, { zoomSnap: 0.25, scrollWheelZoom: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(dataCredit());
  map.zoomControl.setPosition(lang() === "ar" ? "topright" : "topleft");
  if (config.tileUrl) L.tileLayer(config.tileUrl, { attribution: config.tileAttribution || "" }).addTo(map);
  const renderer = L.svg({ padding: 0.5 }).addTo(map);
  const areas = L.geoJSON(outlines, {
    renderer,
    interactive: false,
    style: () => ({ color: "#9e9e9e", weight: 1, fillColor: "#e8edf2", fillOpacity: 0.7, className: "cv-area" }),
  }).addTo(map);
  const points = [];
  // Hospitals drawn last: on top of a health centre at the same place.
  const ordered = [...facilities].sort((a, b) => isHospital(a) - isHospital(b));
  for (const f of ordered) {
    const [lon, lat] = f.geometry.coordinates;
    const picked = chosen.has(f.properties.id);
    const marker = L.circleMarker([lat, lon], {
      renderer,
      radius: isHospital(f) ? 8 : 5,
      color: "#0d47a1",
      weight: picked ? 3 : 1.5,
      fillColor: picked ? "#0d47a1" : "#fff",
      fillOpacity: 1,
      className: `cv-fac${picked ? " cv-fac-chosen" : ""}`,
    });
    marker.bindTooltip(`${escapeHtml(f.properties.name)} (${escapeHtml(f.properties.category)})`);
    marker.on("click", () => onPick(f));
    marker.on("add", () => {
      marker.getElement().dataset.id = f.properties.id;
    });
    marker.addTo(map);
    points.push([lat, lon]);
  }
  const bounds = areas.getLayers().length ? areas.getBounds() : points.length ? L.latLngBounds(points) : null;
  if (bounds?.isValid()) map.fitBounds(bounds, { padding: [12, 12] });
  else map.setView([31.8, -7.1], 5);
  return map;
}
