// icon(): an inline stroke SVG (24×24 viewBox, currentColor) from one or more path strings, so
// pages draw icons one way and they inherit the text colour.

const NS = "http://www.w3.org/2000/svg";

/**
 * @param {string|string[]} paths the `d` of each path
 * @param {{className?: string, strokeWidth?: number|string}} [options]
 * @returns {SVGSVGElement}
 */
export function icon(paths, { className = "h-4 w-4", strokeWidth = 2 } = {}) {
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", String(strokeWidth));
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", className);
  [].concat(paths).forEach((d) => {
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
  });
  return svg;
}
