// Facility markers: the kinds a planner tells apart (the map's type filter), the query for
// the chosen kinds, and how markers at one point are grouped. A hospital is never grouped:
// it is always a marker of its own, drawn above the health centres; markers at the same
// point (a commune's reference point) are grouped only with markers of the same kind, and
// the markers sharing a point are set side by side so that none hides another.

/** The kinds, in the order of the filter and of the legend. */
export const FACILITY_TYPES = ["essp", "general", "specialised", "osm"];
// General hospitals: the hospital of proximity, the provincial and the regional hospital.
const GENERAL = new Set(["HPr", "HP", "HR"]);
// Drawn above: hospitals over health centres over OpenStreetMap points (Leaflet adds the
// marker's screen y to this, so the offsets are far apart).
const Z_INDEX = { general: 200_000, specialised: 200_000, essp: 100_000, osm: 0 };
// The icons' widths in pixels (a single marker, a group) and the gap between neighbours.
const SINGLE = 16;
const HOSPITAL = 18;
const GROUP = 22;
const GAP = 2;

/** A facility's kind, from its family and category (GeoJSON properties or a category). */
export function facilityType(p) {
  if (p.family === "osm") return "osm";
  if (p.family === "hospital") return GENERAL.has(p.category ?? p.code) ? "general" : "specialised";
  return "essp";
}

export const isHospital = (type) => type === "general" || type === "specialised";

/** The kinds ticked in the filter. */
export function chosenTypes(form) {
  return new Set(
    [...form.querySelectorAll("input[data-facility-type]")]
      .filter((input) => input.checked)
      .map((input) => input.dataset.facilityType),
  );
}

/** The /api/facilities.geojson parameters for the given kinds (categories from
 * /api/categories); null when no kind is asked. OpenStreetMap points come with sector=all
 * (private ones and those of unknown sector, in their own style). */
export function markerQuery(types, categories) {
  if (!types.size) return null;
  const params = new URLSearchParams({ sector: types.has("osm") ? "all" : "public" });
  if (FACILITY_TYPES.some((type) => !types.has(type))) {
    for (const c of categories) if (types.has(facilityType(c))) params.append("category", c.code);
  }
  return params;
}

/** The markers to draw: [{lat, lon, type, members, anchor: [x, y], size, zIndexOffset}]; a
 * hospital alone, the others grouped by kind (and by sector for OpenStreetMap points) at
 * the same point; the markers of one point side by side. Ordered for the keyboard:
 * hospitals first, then health centres, then OpenStreetMap points, each by name. */
export function markerGroups(features) {
  const points = new Map();
  for (const f of features) {
    const [lon, lat] = f.geometry.coordinates;
    const key = `${lon.toFixed(5)},${lat.toFixed(5)}`;
    if (!points.has(key)) points.set(key, { lat, lon, markers: new Map() });
    const type = facilityType(f.properties);
    const kind = isHospital(type) ? `${type}:${f.properties.id}` : `${type}:${f.properties.sector}`;
    const markers = points.get(key).markers;
    if (!markers.has(kind)) markers.set(kind, { type, members: [] });
    markers.get(kind).members.push(f);
  }
  const result = [];
  for (const { lat, lon, markers } of points.values()) {
    const here = [...markers.values()].sort((a, b) => rank(a) - rank(b));
    const sizes = here.map(sizeOf);
    const width = sizes.reduce((sum, s) => sum + s, 0) + GAP * (here.length - 1);
    let left = -width / 2; // the first marker's left edge, from the point
    here.forEach((marker, i) => {
      const size = sizes[i];
      const byName = (a, b) => a.properties.name.localeCompare(b.properties.name);
      result.push({
        ...marker,
        members: [...marker.members].sort(byName),
        lat,
        lon,
        size,
        // The icon's pixel that sits on the point: the centre, moved so neighbours do not overlap.
        anchor: [size / 2 - (left + size / 2), size / 2],
        zIndexOffset: Z_INDEX[marker.type],
      });
      left += size + GAP;
    });
  }
  return result.sort((a, b) => rank(a) - rank(b) || a.members[0].properties.name.localeCompare(b.members[0].properties.name));
}

const ORDER = { general: 0, specialised: 1, essp: 2, osm: 3 };
const rank = (marker) => ORDER[marker.type];

function sizeOf(marker) {
  if (marker.members.length > 1) return GROUP;
  return isHospital(marker.type) ? HOSPITAL : SINGLE;
}
