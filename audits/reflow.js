// Measures horizontal scrolling after the viewport was narrowed to 320 CSS px (WCAG 1.4.10).
// Lists the outermost elements that stick out past the viewport's right edge.
() => {
  const root = document.scrollingElement || document.documentElement;
  const width = document.documentElement.clientWidth;
  const offenders = [];
  const seen = new Set();
  for (const el of document.body ? document.body.querySelectorAll("*") : []) {
    if (offenders.length >= 10) break;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.right <= width + 1) continue;
    if (Array.from(seen).some((s) => s.contains(el))) continue;
    // Skip an element whose overflow is scrolled or clipped inside a smaller ancestor.
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== "visible" && p.getBoundingClientRect().right <= width + 1) {
        clipped = true;
        break;
      }
    }
    if (clipped) continue;
    seen.add(el);
    const html = el.outerHTML || "";
    offenders.push({
      tag: el.localName,
      in_two_d: !!el.closest("table, pre, code, [role=grid], [role=application], canvas, svg, video, iframe"),
      selector: el.id ? "#" + el.id : el.localName + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""),
      html: html.length > 300 ? html.slice(0, 299) + "…" : html,
      right: Math.round(rect.right),
    });
  }
  return { width, scroll_width: root.scrollWidth, client_width: root.clientWidth, offenders };
}
