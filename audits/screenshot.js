// Find one element of a finding, scroll it into view and outline it with an overlay the page's
// own styles cannot change; return the area to capture (viewport coordinates) and what the
// element is (its role and name, for the image's alt text). Nothing here trusts the page: the
// caller checks every number.
(arg) => {
  const { parts, id, colour, margin, min, max } = arg;
  const clean = (text) => String(text || "").replace(/\s+/g, " ").trim().slice(0, 80);
  let root = document;
  let element = null;
  const frames = [];
  for (let i = 0; i < parts.length; i++) {
    try {
      element = root.querySelector(parts[i]);
    } catch (error) {
      return { skip: "not a selector the page understands" };
    }
    if (!element) return { skip: "not on the page" };
    if (i < parts.length - 1) {
      if (element.shadowRoot) {
        root = element.shadowRoot;
      } else if (element.contentDocument) {
        frames.push(element);
        root = element.contentDocument;
      } else {
        return { skip: "inside another origin's frame or a closed shadow root" };
      }
    }
  }
  // The head (the title, meta tags) is never on screen: its problems are the whole page's.
  const head = Boolean(element.closest && element.closest("head"));
  if (head) element = element.ownerDocument.documentElement;
  const whole = element === document.documentElement || element === document.body;
  const box = element.getBoundingClientRect();
  if (!(box.width > 0 && box.height > 0)) return { skip: "not rendered (hidden or empty)" };
  if (whole) window.scrollTo(0, 0);
  else element.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
  const rect = element.getBoundingClientRect();
  let left = rect.left, top = rect.top, right = rect.right, bottom = rect.bottom;
  for (const frame of frames) {
    const outer = frame.getBoundingClientRect();
    left += outer.left; right += outer.left; top += outer.top; bottom += outer.top;
  }
  const width = document.documentElement.clientWidth || innerWidth;
  const height = document.documentElement.clientHeight || innerHeight;
  const x0 = Math.max(left, 0), y0 = Math.max(top, 0);
  const x1 = Math.min(right, width), y1 = Math.min(bottom, height);
  if (x1 - x0 < 1 || y1 - y0 < 1) return { skip: "outside the page's visible area" };
  // The area around it: at least min, at most max, within the viewport.
  const grow = (a0, a1, low, high, limit) => {
    let c0 = a0 - margin, c1 = a1 + margin;
    if (c1 - c0 < low) { const extra = (low - (c1 - c0)) / 2; c0 -= extra; c1 += extra; }
    if (c1 - c0 > high) c1 = c0 + high;
    if (c0 < 0) { c1 -= c0; c0 = 0; }
    if (c1 > limit) { c0 -= c1 - limit; c1 = limit; }
    return [Math.max(c0, 0), Math.min(c1, limit)];
  };
  const [cx0, cx1] = grow(x0, x1, min[0], max[0], width);
  const [cy0, cy1] = grow(y0, y1, min[1], max[1], height);
  const ring = 6;
  const overlay = document.createElement("div");
  overlay.id = id;
  const style = {
    all: "initial",
    position: "fixed",
    "z-index": "2147483647",
    "pointer-events": "none",
    "box-sizing": "border-box",
    left: `${Math.max(x0 - ring, cx0)}px`,
    top: `${Math.max(y0 - ring, cy0)}px`,
    width: `${Math.min(x1 + ring, cx1) - Math.max(x0 - ring, cx0)}px`,
    height: `${Math.min(y1 + ring, cy1) - Math.max(y0 - ring, cy0)}px`,
    border: `4px solid ${colour}`,
    "box-shadow": "0 0 0 2px #fff, inset 0 0 0 2px #fff",
    display: "block",
    visibility: "visible",
    opacity: "1",
    transform: "none",
  };
  for (const [name, value] of Object.entries(style)) overlay.style.setProperty(name, value, "important");
  document.documentElement.appendChild(overlay);
  const tag = element.tagName.toLowerCase();
  const implicit = {
    a: element.hasAttribute("href") ? "link" : "", button: "button", img: "image",
    select: "list box", textarea: "text box", nav: "navigation", main: "main region",
    form: "form", table: "table", iframe: "frame", h1: "heading", h2: "heading", h3: "heading",
    h4: "heading", h5: "heading", h6: "heading", ul: "list", ol: "list", svg: "graphic",
    input: { checkbox: "checkbox", radio: "radio button", submit: "button", button: "button",
             image: "image button", reset: "button" }[element.type] || "text field",
  };
  const labelled = (element.getAttribute("aria-labelledby") || "").split(/\s+/)
    .map((ref) => (ref && element.ownerDocument.getElementById(ref)) || null)
    .filter(Boolean).map((e) => e.textContent).join(" ");
  const name = clean(element.getAttribute("aria-label")) || clean(labelled)
    || clean(element.getAttribute("alt")) || clean(element.getAttribute("title"))
    || clean(element.getAttribute("placeholder")) || clean(element.innerText || element.textContent)
    || (tag === "input" ? clean(element.value) : "");
  if (whole) return { clip: [cx0, cy0, cx1 - cx0, cy1 - cy0], role: "page", name: "", head };
  return {
    clip: [cx0, cy0, cx1 - cx0, cy1 - cy0],
    role: clean(element.getAttribute("role")) || implicit[tag] || `${tag} element`,
    name,
  };
}
