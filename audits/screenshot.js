// Where the elements of a page's findings are, in one pass, without changing the page: for each
// selector its box in document CSS px (in viewport px when it is fixed on screen), its role and
// name (for the image's alt text), or why it cannot be pictured; and the page's size. Nothing
// here trusts the page: the caller checks every number.
(arg) => {
  const clean = (text) => {
    const words = String(text || "").replace(/\s+/g, " ").trim();
    return words.length > 80 ? `${words.slice(0, 79)}…` : words;
  };
  const root = document.documentElement;
  const viewport = [root.clientWidth || innerWidth, root.clientHeight || innerHeight];
  const size = [Math.max(root.scrollWidth, viewport[0]), Math.max(root.scrollHeight, viewport[1])];
  const implicit = (element) => {
    const tag = element.tagName.toLowerCase();
    const inputs = { checkbox: "checkbox", radio: "radio button", submit: "button",
      button: "button", image: "image button", reset: "button" };
    const roles = { button: "button", img: "image", select: "list box", textarea: "text box",
      nav: "navigation", main: "main region", form: "form", table: "table", iframe: "frame",
      h1: "heading", h2: "heading", h3: "heading", h4: "heading", h5: "heading", h6: "heading",
      ul: "list", ol: "list", svg: "graphic" };
    if (tag === "a") return element.hasAttribute("href") ? "link" : "a element";
    if (tag === "input") return inputs[element.type] || "text field";
    return roles[tag] || `${tag} element`;
  };
  const nameOf = (element) => {
    const labelled = (element.getAttribute("aria-labelledby") || "").split(/\s+/)
      .map((ref) => (ref && element.ownerDocument.getElementById(ref)) || null)
      .filter(Boolean).map((e) => e.textContent).join(" ");
    return clean(element.getAttribute("aria-label")) || clean(labelled)
      || clean(element.getAttribute("alt")) || clean(element.getAttribute("title"))
      || clean(element.getAttribute("placeholder"))
      || clean(element.innerText || element.textContent)
      || (element.tagName === "INPUT" ? clean(element.value) : "");
  };
  const onScreen = (element) => {
    for (let e = element; e && e.nodeType === 1; e = e.parentElement) {
      const position = getComputedStyle(e).position;
      if (position === "fixed" || position === "sticky") return true;
    }
    return false;
  };
  const locate = (parts) => {
    let scope = document;
    let element = null;
    let left = 0, top = 0;
    for (let i = 0; i < parts.length; i++) {
      try {
        element = scope.querySelector(parts[i]);
      } catch (error) {
        return { skip: "not a selector the page understands" };
      }
      if (!element) return { skip: "not on the page" };
      if (i < parts.length - 1) {
        if (element.shadowRoot) {
          scope = element.shadowRoot;
        } else if (element.contentDocument) {
          const frame = element.getBoundingClientRect();
          left += frame.left; top += frame.top;
          scope = element.contentDocument;
        } else {
          return { skip: "inside another origin's frame or a closed shadow root" };
        }
      }
    }
    // The head (the title, meta tags) is never on screen: its problems are the whole page's.
    const head = Boolean(element.closest && element.closest("head"));
    if (head || element === root || element === document.body) return { whole: true, head };
    const rect = element.getBoundingClientRect();
    if (!(rect.width > 0 && rect.height > 0)) return { skip: "not rendered (hidden or empty)" };
    const fixed = scope === document && onScreen(element);
    const x = rect.left + left + (fixed ? 0 : scrollX);
    const y = rect.top + top + (fixed ? 0 : scrollY);
    return {
      box: [x, y, rect.width, rect.height],
      fixed,
      role: clean(element.getAttribute("role")) || implicit(element),
      name: nameOf(element),
    };
  };
  const found = arg.targets.map((parts) => {
    try {
      return locate(parts);
    } catch (error) {
      return { skip: "the page's scripts stood in the way" };
    }
  });
  return { viewport, size, found };
}
