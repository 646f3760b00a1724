// A still map drawn as SVG from a layer's GeoJSON: for the fact sheet and print, where a
// page needs no pan or zoom and must print as it shows. Equirectangular, the x axis
// shrunk by the cosine of the middle latitude (at Morocco's latitudes, within a few % of
// a conformal projection over a province). Fills use the choropleth's classes; every
// area is named by its <title> and labelled for screen readers.
import { HATCH, fillFor } from "./choropleth.js";
import { escapeHtml, nameOf } from "./i18n.js";

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return geometry.coordinates;
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
  return [];
}

function bounds(features) {
  let [west, south, east, north] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features)
    for (const ring of rings(f.geometry))
      for (const [lon, lat] of ring) {
        west = Math.min(west, lon);
        east = Math.max(east, lon);
        south = Math.min(south, lat);
        north = Math.max(north, lat);
      }
  return { west, south, east, north };
}

/** An SVG of `geojson`'s areas, each filled by its entry of `values` (a Map code → {value,
 * note}) with `breaks` and `colours`; `selected` outlined; `points` drawn over them as
 * markers ({lon, lat, colour, label, id, and r in px (7) and selected, outlined}: a circle
 * named by its <title>). `width` in px;
 * the height follows the territory's shape. */
export function mapSVG(geojson, { values = new Map(), colours = [], selected = null, width = 640, title = "", points = [] } = {}) {
  const features = geojson.features.filter((f) => rings(f.geometry).length);
  if (!features.length) return "";
  const b = bounds(features);
  const kx = Math.cos((((b.north + b.south) / 2) * Math.PI) / 180);
  const spanX = (b.east - b.west) * kx || 1;
  const spanY = b.north - b.south || 1;
  const pad = 6;
  const scale = (width - 2 * pad) / spanX;
  const height = Math.round(spanY * scale + 2 * pad);
  const x = (lon) => (pad + (lon - b.west) * kx * scale).toFixed(1);
  const y = (lat) => (pad + (b.north - lat) * scale).toFixed(1);
  const areas = features
    .map((f) => {
      const p = f.properties;
      const d = rings(f.geometry)
        .map((ring) => `M${ring.map(([lon, lat]) => `${x(lon)},${y(lat)}`).join("L")}Z`)
        .join("");
      const fill = values.size ? fillFor(values.get(p.code), colours) : "#dfe7ef";
      const chosen = p.code === selected;
      return `<path d="${d}" fill="${fill === HATCH ? "url(#sheet-hatch)" : escapeHtml(fill)}" fill-rule="evenodd"
        stroke="${chosen ? "#111" : "#fff"}" stroke-width="${chosen ? 2.5 : 0.8}" data-code="${escapeHtml(p.code)}"><title>${escapeHtml(nameOf(p))}</title></path>`;
    })
    .join("");
  return `<svg class="still-map" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}" xmlns="http://www.w3.org/2000/svg">
    <defs><pattern id="sheet-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
      <rect width="6" height="6" fill="#e0e0e0"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9e9e9e" stroke-width="2"/></pattern></defs>
    ${areas}${markers(points, x, y)}</svg>`;
}

function markers(points, x, y) {
  return points
    .map(
      (p) => `<circle class="marker" cx="${x(p.lon)}" cy="${y(p.lat)}" r="${Number(p.r ?? 7)}" fill="${escapeHtml(p.colour)}"
        stroke="${p.selected ? "#111" : "#fff"}" stroke-width="${p.selected ? 3 : 2}"
        data-id="${escapeHtml(p.id ?? "")}"><title>${escapeHtml(p.label ?? "")}</title></circle>`,
    )
    .join("");
}
