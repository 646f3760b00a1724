// The map page on every screen. The legend, the map's controls and (on a phone) the panel
// fold away behind a button that says whether it is open (aria-expanded); on a phone the
// legend and the controls start folded, so that the map shows whole. On every screen the
// selected territory is kept clear of the overlays: when the legend or the controls would
// cover it, the map is fitted again inside the space they leave.
/* global L */
import { t } from "./i18n.js";

const PHONE = window.matchMedia("(max-width: 600px)");
const GAP = 8; // px between an overlay and the territory fitted beside it

/** A button that folds `target` (aria-controls) and says so (aria-expanded); `box` carries
 * the state as data-folded, which the style sheet reads. */
function foldButton(key, target, box, onChange) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "fold";
  button.setAttribute("aria-controls", target.id);
  button.innerHTML = `<span data-i18n="${key}">${t(key)}</span>`;
  const set = (folded) => {
    box.toggleAttribute("data-folded", folded);
    button.setAttribute("aria-expanded", String(!folded));
  };
  button.addEventListener("click", () => {
    set(button.getAttribute("aria-expanded") === "true");
    onChange();
  });
  return { button, set };
}

/** The box of `el` in the map container's pixels, or null when it is not shown. */
function boxIn(el, container) {
  if (!el || !el.offsetParent) return null;
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height) return null;
  const c = container.getBoundingClientRect();
  return { left: r.left - c.left, top: r.top - c.top, right: r.right - c.left, bottom: r.bottom - c.top };
}

const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** The padding that keeps `bounds` clear of every overlay: each overlay is avoided by the
 * side of the map it sits on (beside it or above/below it), whichever leaves the
 * territory the larger scale. */
function clearPadding(map, bounds, overlays) {
  const size = map.getSize();
  const nw = map.project(bounds.getNorthWest(), map.getZoom());
  const se = map.project(bounds.getSouthEast(), map.getZoom());
  const width = Math.max(se.x - nw.x, 1);
  const height = Math.max(se.y - nw.y, 1);
  // For each overlay, two ways out: the inline side it touches, or the block side.
  const choices = overlays.map((o) => {
    const horizontal = o.left < size.x - o.right ? { left: o.right + GAP } : { right: size.x - o.left + GAP };
    const vertical = o.top < size.y - o.bottom ? { top: o.bottom + GAP } : { bottom: size.y - o.top + GAP };
    return [horizontal, vertical];
  });
  let best = null;
  for (let mask = 0; mask < 1 << choices.length; mask++) {
    const pad = { left: GAP, right: GAP, top: GAP, bottom: GAP };
    choices.forEach((pair, i) => {
      for (const [side, value] of Object.entries(pair[(mask >> i) & 1])) pad[side] = Math.max(pad[side], value);
    });
    const scale = Math.min((size.x - pad.left - pad.right) / width, (size.y - pad.top - pad.bottom) / height);
    if (scale > 0 && (!best || scale > best.scale)) best = { scale, pad };
  }
  return best?.pad ?? null;
}

/** Fold buttons for the legend, the map's controls and the panel; the selected territory
 * kept clear of the overlays after every navigation, language switch and fold. */
export function setupLayout(view) {
  const map = view.map;
  const container = map.getContainer();
  const legend = document.getElementById("legend");
  const controls = document.getElementById("map-controls");
  const panel = document.getElementById("panel");
  const overlays = () => [
    legend,
    legend.previousElementSibling, // its fold button
    controls,
    container.querySelector(".leaflet-control-zoom"),
    container.querySelector(".leaflet-control-attribution"),
  ];
  const keepClear = () => requestAnimationFrame(() => clearSelection(view, overlays()));
  // On a phone an open legend covers much of the map: the reader opened it to read it, and
  // the map is not shrunk under it.
  const folded = () => (PHONE.matches ? null : keepClear());

  // The legend is rewritten with each indicator: its button sits in a box around it.
  const legendBox = document.createElement("div");
  legendBox.className = "legend-box";
  legend.replaceWith(legendBox);
  const legendFold = foldButton("layout.legend", legend, legendBox, folded);
  legendBox.append(legendFold.button, legend);

  const controlsFold = foldButton("layout.controls", controls, controls, folded);
  controls.prepend(controlsFold.button);

  const panelFold = foldButton("layout.panel", panel, panel.parentElement, () => view.invalidate());
  panelFold.button.classList.add("panel-fold");
  panel.before(panelFold.button);

  const fit = () => {
    legendFold.set(PHONE.matches);
    controlsFold.set(PHONE.matches);
    panelFold.set(false);
    view.invalidate();
  };
  fit();
  PHONE.addEventListener("change", fit);

  // After each navigation (app.js marks the page ready with the territory's code) and each
  // change of language (the legend changes sides and size).
  new MutationObserver(keepClear).observe(document.body, { attributeFilter: ["data-ready"] });
  new MutationObserver(keepClear).observe(document.documentElement, { attributeFilter: ["dir"] });

  // Printed, the map is smaller (print style sheet): fitted to its printed size, clear of
  // the legend, then put back as it was on the screen.
  let screenView = null;
  const toPaper = () => {
    if (screenView) return;
    screenView = { center: map.getCenter(), zoom: map.getZoom() };
    view.invalidate();
    clearSelection(view, overlays());
  };
  const toScreen = () => {
    if (!screenView) return;
    view.invalidate();
    map.setView(screenView.center, screenView.zoom, { animate: false });
    screenView = null;
  };
  window.addEventListener("beforeprint", toPaper);
  window.addEventListener("afterprint", toScreen);
  window.matchMedia("print").addEventListener("change", (m) => (m.matches ? toPaper() : toScreen()));
}

/** The pixel box of `bounds` in the map's container. */
function pixelBox(map, bounds) {
  const a = map.latLngToContainerPoint(bounds.getNorthWest());
  const b = map.latLngToContainerPoint(bounds.getSouthEast());
  return { left: a.x, top: a.y, right: b.x, bottom: b.y };
}

const shifted = (box, dx, dy) => ({ left: box.left + dx, right: box.right + dx, top: box.top + dy, bottom: box.bottom + dy });

/** The smallest move that takes `box` out from under every overlay and keeps it on the
 * map, or null when there is none. */
function clearShift(box, overlays, size) {
  const fits = (b) =>
    b.left >= 0 && b.top >= 0 && b.right <= size.x && b.bottom <= size.y && !overlays.some((o) => overlaps(o, b));
  const candidates = [[0, 0]];
  // Into the map first, then beside or above/below each overlay.
  const dx0 = box.left < 0 ? -box.left + GAP : box.right > size.x ? size.x - box.right - GAP : 0;
  const dy0 = box.top < 0 ? -box.top + GAP : box.bottom > size.y ? size.y - box.bottom - GAP : 0;
  candidates.push([dx0, dy0]);
  for (const o of overlays) {
    for (const [dx, dy] of [
      [o.right + GAP - box.left, 0],
      [o.left - GAP - box.right, 0],
      [0, o.bottom + GAP - box.top],
      [0, o.top - GAP - box.bottom],
    ]) {
      candidates.push([dx, dy], [dx + dx0, dy + dy0], [dx || dx0, dy || dy0]);
    }
  }
  let best = null;
  for (const [dx, dy] of candidates) {
    if (!fits(shifted(box, dx, dy))) continue;
    const cost = Math.hypot(dx, dy);
    if (!best || cost < best.cost) best = { dx, dy, cost };
  }
  return best;
}

/** Move the map when an overlay covers the selected territory: a selected commune is
 * moved out from under it at the same scale when it can be; the whole layer (the region
 * or province shown, or a commune that cannot be moved clear) is fitted again inside the
 * space the overlays leave. */
function clearSelection(view, elements) {
  const map = view.map;
  // A zoom still animating would put its own view back when it ends: wait for it.
  if (map._animatingZoom) {
    map.once("zoomend", () => requestAnimationFrame(() => clearSelection(view, elements)));
    return;
  }
  const container = map.getContainer();
  const overlays = elements.map((el) => boxIn(el, container)).filter(Boolean);
  const size = map.getSize();
  const layerBounds = view.areaLayer.getBounds();
  if (!layerBounds.isValid() || !size.x || !size.y) return;
  let target = null;
  view.areaLayer.eachLayer((layer) => {
    if (view.selected && layer.feature?.properties.code === view.selected) target = layer;
  });
  if (target) {
    const move = clearShift(pixelBox(map, target.getBounds()), overlays, size);
    if (move && (move.dx || move.dy)) map.panBy(L.point(-move.dx, -move.dy), { animate: false });
    if (move) return;
  } else if (clearShift(pixelBox(map, layerBounds), overlays, size)?.cost === 0) {
    return;
  }
  const pad = clearPadding(map, layerBounds, overlays);
  if (!pad) return;
  map.fitBounds(layerBounds, {
    paddingTopLeft: L.point(pad.left, pad.top),
    paddingBottomRight: L.point(pad.right, pad.bottom),
    animate: false,
  });
}
