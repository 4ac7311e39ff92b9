// Collects DOM facts about the rendered page for massaudit's own checks (rules/checks/).
// Judges nothing: it only measures and copies. Evaluated once per page, after axe-core.
// Returns a plain JSON object; its shape is described in rules/checks/__init__.py.
() => {
  const MAX_LINKS = 400;
  const MAX_IMAGES = 200;
  const MAX_BLOCKS = 400;
  const HTML_LIMIT = 300;
  const CHROME = "nav, header, footer, aside, [role=navigation], [role=banner], [role=contentinfo], [role=complementary], script, style, noscript, template";
  const BLOCKS = "p, li, dd, dt, td, th, blockquote, figcaption, pre, h1, h2, h3, h4, h5, h6";

  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const snippet = (el) => {
    const html = el.outerHTML || "";
    return html.length > HTML_LIMIT ? html.slice(0, HTML_LIMIT - 1) + "…" : html;
  };
  const cssEscape = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : s);
  const selector = (el) => {
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1 && node !== document.documentElement) {
      if (node.id) {
        parts.unshift("#" + cssEscape(node.id));
        break;
      }
      let part = node.localName;
      const parent = node.parentElement;
      if (parent) {
        const same = Array.from(parent.children).filter((c) => c.localName === node.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      node = parent;
    }
    return parts.join(" > ") || "html";
  };
  const visible = (el) => (el.checkVisibility ? el.checkVisibility() : !!el.getClientRects().length);
  const langOf = (el) => {
    const holder = el.closest("[lang]");
    return holder ? holder.getAttribute("lang") : null;
  };
  const meta = (name) => {
    const el = document.querySelector(`meta[name="${name}" i]`);
    return el ? el.getAttribute("content") : null;
  };

  const main =
    document.querySelector("main, [role=main]") || document.getElementById("main-content") || document.body;

  // Main-content text as blocks (paragraphs, list items, cells), leaving out site chrome.
  const blocks = [];
  if (main) {
    for (const el of main.querySelectorAll(BLOCKS)) {
      if (blocks.length >= MAX_BLOCKS) break;
      if (el.closest(CHROME) && !main.closest(CHROME)) continue;
      if (el.querySelector(BLOCKS)) continue; // keep the innermost blocks only
      if (el.closest("form, .ma__translations")) continue;
      if (!visible(el)) continue;
      const text = clean(el.innerText);
      if (!text) continue;
      // A block that is nothing but links (a link list) is navigation, not prose.
      const linkText = clean(Array.from(el.querySelectorAll("a")).map((a) => a.innerText).join(" "));
      blocks.push({ tag: el.localName, text, lang: langOf(el), link_only: linkText === text });
    }
  }

  const accessibleText = (a) => {
    const label = a.getAttribute("aria-label");
    if (label && clean(label)) return clean(label);
    let text = clean(a.innerText);
    if (!text) {
      text = clean(Array.from(a.querySelectorAll("img[alt]")).map((i) => i.getAttribute("alt")).join(" "));
    }
    return text;
  };
  const links = [];
  const anchors = Array.from(document.querySelectorAll("a[href]"));
  // A link right after another to the same address, with nothing but white space between them
  // (e.g. an image link and a text link to the same page): screen readers hear it twice.
  const adjacentSameHref = (prev, a) => {
    if (!prev || prev.href !== a.href || prev.contains(a) || a.contains(prev)) return false;
    const range = document.createRange();
    range.setStartAfter(prev);
    range.setEndBefore(a);
    if (range.collapsed === false && clean(range.toString())) return false;
    const between = range.cloneContents();
    return !between.querySelector("a, button, input, select, textarea, img, svg");
  };
  let previous = null;
  for (const a of anchors) {
    if (links.length >= MAX_LINKS) break;
    const adjacent = adjacentSameHref(previous, a);
    previous = a;
    links.push({
      adjacent_same_href: adjacent,
      text: accessibleText(a),
      href: a.href,
      raw_href: a.getAttribute("href"),
      in_main: !!(main && main.contains(a)) && !a.closest(CHROME),
      visible: visible(a),
      selector: selector(a),
      html: snippet(a),
    });
  }

  const images = [];
  for (const img of document.querySelectorAll("img")) {
    if (images.length >= MAX_IMAGES) break;
    images.push({
      alt: img.hasAttribute("alt") ? img.getAttribute("alt") : null,
      src: img.currentSrc || img.src || "",
      selector: selector(img),
      html: snippet(img),
    });
  }

  const canonical = document.querySelector('link[rel~="canonical" i]');
  const alternates = Array.from(document.querySelectorAll('link[rel~="alternate" i][hreflang]')).map((l) => ({
    hreflang: l.getAttribute("hreflang"),
    href: l.href,
  }));
  const head = {
    title: document.title || "",
    description: meta("description"),
    canonical: canonical ? canonical.href : null,
    viewport: meta("viewport"),
    mg_organization: meta("mg_organization"),
    alternates,
  };

  const translationList = document.querySelector(".ma__translations, [data-translations]");
  const features = {
    brand_banner: !!document.querySelector(".ma__brand-banner"),
    feedback_form: !!document.querySelector("#feedback[data-mass-feedback-form], form[data-mass-feedback-form]"),
    search: !!document.querySelector('[role=search], form[role=search], input[type=search]'),
    translation_widget: !!document.querySelector(
      '#google_translate_element, .goog-te-combo, .goog-te-gadget, script[src*="translate.google"], .gtranslate_wrapper'
    ),
    translation_links: translationList
      ? Array.from(translationList.querySelectorAll("a[hreflang], a[lang]")).map((a) => ({
          hreflang: a.getAttribute("hreflang") || a.getAttribute("lang"),
          href: a.href,
        }))
      : [],
  };

  // Loading metrics recorded since the document began by performance.js (an init script added
  // with axe-core); null where the browser does not report a type.
  const recorder = window[Symbol.for("massaudit.performance")];
  const recorded = recorder ? recorder() : {};
  const lcpEntries = recorded["largest-contentful-paint"] || null;
  const shiftEntries = recorded["layout-shift"] || null;
  let lcp = null;
  if (lcpEntries && lcpEntries.length) lcp = Math.round(lcpEntries[lcpEntries.length - 1].startTime);
  let cls = null;
  if (shiftEntries) {
    // CLS: the largest session window (gaps under 1 s, windows at most 5 s).
    let best = 0, current = 0, first = 0, last = 0;
    for (const e of shiftEntries) {
      if (e.hadRecentInput) continue;
      if (current && e.startTime - last < 1000 && e.startTime - first < 5000) {
        current += e.value;
      } else {
        current = e.value;
        first = e.startTime;
      }
      last = e.startTime;
      best = Math.max(best, current);
    }
    cls = Math.round(best * 10000) / 10000;
  }
  const nav = performance.getEntriesByType("navigation")[0];

  return {
    text: { blocks },
    links,
    images,
    lang: { html: document.documentElement.getAttribute("lang") },
    head,
    features,
    performance: {
      lcp_ms: lcp,
      cls,
      dom_content_loaded_ms: nav ? Math.round(nav.domContentLoadedEventEnd) : null,
      load_ms: nav ? Math.round(nav.loadEventEnd) : null,
    },
  };
}
