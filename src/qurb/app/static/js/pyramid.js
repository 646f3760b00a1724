// The age pyramid as inline SVG: men on one side, women on the other, 16 HCP age bands.
import { num, t } from "./i18n.js";

export function pyramidSVG(bands, { rtl = false } = {}) {
  if (!bands || !bands.length) return `<p class="unknown">${t("panel.pyramid.none")}</p>`;
  const width = 320;
  const rowH = 13;
  const labelW = 40;
  const top = 18;
  const half = (width - labelW) / 2;
  const height = top + bands.length * rowH + 4;
  const max = Math.max(...bands.flatMap((b) => [b.male ?? 0, b.female ?? 0]), 1);
  // In Arabic the men's side is on the right: the page reads from the right.
  const [leftKey, rightKey] = rtl ? ["female", "male"] : ["male", "female"];
  const rows = [...bands]
    .reverse()
    .map((b, i) => {
      const y = top + i * rowH;
      const lv = b[leftKey];
      const rv = b[rightKey];
      const lw = ((lv ?? 0) / max) * (half - 4);
      const rw = ((rv ?? 0) / max) * (half - 4);
      const title = `${b.label} — ${t("panel.male")}: ${num(b.male)} (${num(b.male_pct, 1)} %), ${t("panel.female")}: ${num(b.female)} (${num(b.female_pct, 1)} %)`;
      return `<g class="band"><title>${title}</title>
        <rect class="bar ${leftKey}" x="${half - lw}" y="${y}" width="${lw}" height="${rowH - 2}"/>
        <text class="age" x="${half + labelW / 2}" y="${y + rowH - 4}" text-anchor="middle">${b.label}</text>
        <rect class="bar ${rightKey}" x="${half + labelW}" y="${y}" width="${rw}" height="${rowH - 2}"/>
        ${lv === null ? `<text class="unk" x="${half - 4}" y="${y + rowH - 4}" text-anchor="end">${t("unknown")}</text>` : ""}
        ${rv === null ? `<text class="unk" x="${half + labelW + 4}" y="${y + rowH - 4}">${t("unknown")}</text>` : ""}
      </g>`;
    })
    .join("");
  const leftLabel = t(leftKey === "male" ? "panel.male" : "panel.female");
  const rightLabel = t(rightKey === "male" ? "panel.male" : "panel.female");
  return `<svg class="pyramid" viewBox="0 0 ${width} ${height}" role="img" aria-label="${t("panel.pyramid")}" direction="ltr">
    <text class="side" x="${half / 2}" y="12" text-anchor="middle">${leftLabel}</text>
    <text class="side" x="${half + labelW + half / 2}" y="12" text-anchor="middle">${rightLabel}</text>
    ${rows}</svg>`;
}
