// The page side of the keyboard walk (audits/keyboard.py). Installs one object under a symbol the
// page cannot guess; Python presses the keys and asks it, after each press, what has focus.
// Every list is capped: the page may be hostile.
() => {
  const key = Symbol.for("massaudit.keyboard");
  const STYLE_PROPS = [
    "outlineStyle", "outlineWidth", "outlineColor", "outlineOffset", "boxShadow",
    "borderTopColor", "borderBottomColor", "borderLeftColor", "borderRightColor",
    "borderTopWidth", "borderBottomWidth", "backgroundColor", "color", "textDecorationLine",
  ];
  const PARENT_PROPS = ["outlineStyle", "outlineWidth", "boxShadow", "backgroundColor", "borderTopColor"];
  const TABBABLE = "a[href], area[href], button, input:not([type=hidden]), select, textarea, iframe, summary, [tabindex], [contenteditable=''], [contenteditable=true]";
  const IMPLICIT_ROLES = { a: "link", area: "link", button: "button", select: "combobox", textarea: "textbox", summary: "button", iframe: "iframe" };

  const clip = (text, n) => { text = String(text || "").replace(/\s+/g, " ").trim(); return text.length > n ? text.slice(0, n - 1) + "…" : text; };
  const cssEscape = (s) => (window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/[^\w-]/g, "\\$&"));
  function selectorOf(el) {
    if (!el || el.nodeType !== 1) return "";
    if (el.id && document.querySelectorAll("#" + cssEscape(el.id)).length === 1) return "#" + cssEscape(el.id);
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && parts.length < 8; node = node.parentElement) {
      if (node.id && document.querySelectorAll("#" + cssEscape(node.id)).length === 1) { parts.unshift("#" + cssEscape(node.id)); break; }
      let part = node.localName;
      const parent = node.parentElement;
      if (parent) {
        const same = Array.from(parent.children).filter((c) => c.localName === node.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
      if (node.localName === "body") break;
    }
    return parts.join(" > ");
  }
  function roleOf(el) {
    const explicit = (el.getAttribute("role") || "").trim().split(/\s+/)[0];
    if (explicit) return explicit;
    const tag = el.localName;
    if (tag === "input") {
      const type = (el.getAttribute("type") || "text").toLowerCase();
      return { checkbox: "checkbox", radio: "radio", button: "button", submit: "button", reset: "button", image: "button", range: "slider", search: "searchbox" }[type] || "textbox";
    }
    if ((tag === "a" || tag === "area") && !el.hasAttribute("href")) return "generic";
    return IMPLICIT_ROLES[tag] || "generic";
  }
  function nameOf(el) {
    const label = el.getAttribute("aria-label");
    if (label && label.trim()) return clip(label, 120);
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const text = by.split(/\s+/).map((id) => { const t = document.getElementById(id); return t ? t.textContent : ""; }).join(" ");
      if (text.trim()) return clip(text, 120);
    }
    if (el.labels && el.labels.length) return clip(Array.from(el.labels).map((l) => l.textContent).join(" "), 120);
    const text = el.innerText || el.textContent || "";
    if (text.trim()) return clip(text, 120);
    const img = el.querySelector && el.querySelector("img[alt]");
    return clip((img && img.getAttribute("alt")) || el.getAttribute("title") || el.getAttribute("placeholder") || el.getAttribute("value") || "", 120);
  }
  function htmlOf(el) {
    const html = el.outerHTML || "";
    const open = html.indexOf(">");
    return clip(open > 0 && open < 300 ? html.slice(0, open + 1) : html, 300);
  }
  function visible(el) {
    if (!el.isConnected) return false;
    if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    return r.right + window.scrollX > 0 && r.bottom + window.scrollY > 0;
  }
  function styleOf(el, props) {
    const style = getComputedStyle(el);
    const out = {};
    for (const p of props) out[p] = style[p];
    return out;
  }
  function box(el) {
    const r = el.getBoundingClientRect();
    return { x: Math.round(r.left + window.scrollX), y: Math.round(r.top + window.scrollY), width: Math.round(r.width), height: Math.round(r.height) };
  }
  const focusable = (el) => el.matches(TABBABLE) && !el.matches(":disabled") && el.tabIndex >= 0;
  const allElements = () => Array.from(document.querySelectorAll("body *"));

  const state = {
    stops: [], moves: 0, scroll: [window.scrollX, window.scrollY], active: document.activeElement,
    onFocus: () => { state.moves += 1; }, style: null, order: null,
    back: false, entries: [], navigations: [],
    // After each Tab (keyup: focus has moved), what has focus; Python reads them in batches.
    onKeyUp: (event) => { if (event.key === "Tab") state.entries.push(state.back ? api.brief() : api.stop()); },
    onNavigate: (event) => { state.navigations.push([state.entries.length, clip(event.destination && event.destination.url, 300)]); },
  };
  function domIndex(el) {
    if (!state.order) { state.order = new Map(); allElements().slice(0, 20000).forEach((e, i) => state.order.set(e, i)); }
    return state.order.has(el) ? state.order.get(el) : -1;
  }
  function describe(el) {
    const parent = el.parentElement;
    return {
      selector: selectorOf(el), role: roleOf(el), name: nameOf(el), tag: el.localName, html: htmlOf(el),
      box: box(el), visible: visible(el), dom_index: domIndex(el),
      tabindex: el.getAttribute("tabindex"), href: el.localName === "a" ? clip(el.getAttribute("href"), 300) : null,
      focused_style: styleOf(el, STYLE_PROPS), parent_focused_style: parent ? styleOf(parent, PARENT_PROPS) : null,
    };
  }
  const api = {
    start() {
      document.addEventListener("focusin", state.onFocus, true);
      window.addEventListener("keyup", state.onKeyUp, true);
      if (window.navigation) window.navigation.addEventListener("navigate", state.onNavigate);
      // Transitions would show a focus style half-way; the walk reads them at their end.
      state.style = document.createElement("style");
      state.style.textContent = "*, *::before, *::after { transition: none !important; animation-duration: 0s !important; }";
      (document.head || document.documentElement).appendChild(state.style);
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
      const tabbable = allElements().filter((el) => focusable(el) && visible(el));
      return { tabbable: tabbable.length, tabbable_sample: tabbable.slice(0, 400).map((el) => domIndex(el)) };
    },
    // What has focus after one press: null when focus left the document (or sits on the body).
    stop() {
      const el = document.activeElement;
      const moves = state.moves;
      state.moves = 0;
      if (!el || el === document.body || el === document.documentElement) return { left: true, moves };
      if (el.localName === "iframe") return { left: false, moves, seen: state.stops.indexOf(el), ...describe(el) };
      const seen = state.stops.indexOf(el);
      if (seen < 0 && state.stops.length < 1000) state.stops.push(el);
      return { left: false, moves, seen, ...describe(el) };
    },
    // The entries since the last call, and the navigations each entry's focus caused.
    take(back) {
      const taken = { entries: state.entries, navigations: state.navigations };
      state.entries = []; state.navigations = []; state.back = !!back;
      return taken;
    },
    brief() {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      return selectorOf(el);
    },
    focusStop(index) { const el = state.stops[index]; if (el) el.focus(); return !!el && document.activeElement === el; },
    focusLast() { const el = state.stops[state.stops.length - 1]; if (el) el.focus(); return !!el; },
    blur() { if (document.activeElement && document.activeElement.blur) document.activeElement.blur(); state.moves = 0; },
    // Each stop's style with nothing focused, for comparison with its focused style.
    unfocused() {
      api.blur();
      return state.stops.map((el) => ({ style: styleOf(el, STYLE_PROPS), parent: el.parentElement ? styleOf(el.parentElement, PARENT_PROPS) : null }));
    },
    // After activating stop `index` (an in-page link): where its target is and where focus went.
    skipTarget(index) {
      const link = state.stops[index];
      const fragment = decodeURIComponent((link.getAttribute("href") || "").slice(1));
      const target = document.getElementById(fragment) || document.getElementsByName(fragment)[0] || null;
      return { fragment: clip(fragment, 100), target: target ? selectorOf(target) : null, target_visible: target ? visible(target) : false };
    },
    // Whether focus (after the Tab that follows a skip link) is inside or after the link's target.
    focusAfterTarget(index) {
      const link = state.stops[index];
      const fragment = decodeURIComponent((link.getAttribute("href") || "").slice(1));
      const target = document.getElementById(fragment) || document.getElementsByName(fragment)[0];
      const el = document.activeElement;
      if (!target || !el || el === document.body) return { focus: el && el !== document.body ? selectorOf(el) : null, reached: false };
      const reached = target === el || target.contains(el) || !!(target.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
      return { focus: selectorOf(el), reached };
    },
    // Form fields among the stops, to be changed from the keyboard: [index, kind, value].
    fields(limit) {
      const out = [];
      state.stops.forEach((el, i) => {
        if (out.length >= limit || !visible(el) || el.disabled || el.readOnly) return;
        if (el.localName === "select" && !el.multiple && el.options.length > 1) out.push([i, "select", el.selectedIndex]);
        else if (el.localName === "textarea" || (el.localName === "input" && /^(text|search|email|tel|url|number|)$/.test((el.getAttribute("type") || "").toLowerCase()))) out.push([i, "text", el.value]);
      });
      return out;
    },
    // Focus is still on stop `index` (or inside it)?
    stillOn(index) { const el = state.stops[index]; const a = document.activeElement; return !!el && (a === el || el.contains(a)); },
    // After a field's change and `ms` more: [focus still on it, else where focus is].
    afterChange(index, ms) {
      return new Promise((resolve) => setTimeout(() => {
        const stayed = api.stillOn(index);
        resolve([stayed, stayed ? null : api.brief()]);
      }, ms));
    },
    resetField(index, value) {
      const el = state.stops[index];
      if (!el) return;
      if (el.localName === "select") el.selectedIndex = value; else el.value = value;
    },
    // Elements that CSS shows on :hover: [trigger index into `hoverTriggers`, selector].
    hoverTriggers(limit) {
      const triggers = [];
      const visit = (rules) => {
        for (const rule of rules) {
          if (triggers.length >= limit) return;
          if (rule.cssRules && !rule.selectorText) { visit(rule.cssRules); continue; }
          const text = rule.selectorText || "";
          if (!text.includes(":hover")) continue;
          const s = rule.style;
          const reveals = (s.display && s.display !== "none") || s.visibility === "visible" || (s.opacity && s.opacity !== "0") || s.maxHeight || s.clip || s.left || s.transform;
          if (!reveals) continue;
          for (const part of text.split(",")) {
            const at = part.indexOf(":hover");
            if (at < 0 || !part.slice(at + 6).trim()) continue;  // the hovered element itself changes
            let els = [];
            try { els = Array.from(document.querySelectorAll(part.slice(0, at).trim() || "*")).slice(0, 3); } catch (e) { continue; }
            for (const el of els) if (triggers.length < limit && !triggers.includes(el) && visible(el)) triggers.push(el);
          }
        }
      };
      for (const sheet of Array.from(document.styleSheets).slice(0, 50)) {
        try { visit(sheet.cssRules); } catch (e) { /* another origin's sheet */ }
      }
      state.triggers = triggers;
      return triggers.map((el) => selectorOf(el));
    },
    // Visible elements around hover trigger `index` (its parent's subtree), by identity.
    shownNear(index) {
      const el = state.triggers[index];
      const scope = (el && (el.parentElement || el)) || document.body;
      const shown = Array.from(scope.querySelectorAll("*")).slice(0, 500).filter((e) => visible(e));
      return shown.map((e) => domIndex(e));
    },
    triggerCenter(index) {
      const el = state.triggers[index];
      el.scrollIntoView({ block: "center", inline: "nearest" });
      const r = el.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    },
    // Focus the trigger or its first focusable descendant, as a keyboard user would reach it.
    focusTrigger(index) {
      const el = state.triggers[index];
      const target = focusable(el) ? el : Array.from(el.querySelectorAll(TABBABLE)).find((e) => focusable(e) && visible(e));
      if (!target) return false;
      target.focus();
      return true;
    },
    selectorsAt(indexes) {
      const byIndex = new Map();
      if (state.order) state.order.forEach((i, e) => byIndex.set(i, e));
      return indexes.slice(0, 5).map((i) => { const e = byIndex.get(i); return e ? { selector: selectorOf(e), html: htmlOf(e), name: nameOf(e) } : null; }).filter(Boolean);
    },
    // Non-focusable elements that look clickable, each with its ancestors, for CDP's listener lookup.
    pointerNodes(limit) {
      const candidates = [];
      for (const el of allElements()) {
        if (candidates.length >= limit) break;
        if (focusable(el) || el.closest("a[href], button, label, summary, select, input, textarea, [tabindex], [contenteditable]")) continue;
        const style = getComputedStyle(el);
        const own = el.hasAttribute("onclick") || el.hasAttribute("onmousedown");
        if (style.cursor !== "pointer" && !own) continue;
        const parent = el.parentElement;
        if (!own && parent && getComputedStyle(parent).cursor === "pointer") continue;  // inherited
        if (!visible(el) || el.querySelector(TABBABLE)) continue;
        candidates.push(el);
      }
      const nodes = [window, document];
      const info = candidates.map((el) => {
        const chain = [];
        for (let node = el; node; node = node.parentElement) {
          let at = nodes.indexOf(node);
          if (at < 0 && nodes.length < 300) { nodes.push(node); at = nodes.length - 1; }
          if (at >= 0) chain.push(at);
        }
        chain.push(1, 0);
        return { selector: selectorOf(el), html: htmlOf(el), name: nameOf(el), role: roleOf(el), chain };
      });
      const names = new Set(allElements().filter((e) => focusable(e) && visible(e)).slice(0, 2000).map((e) => nameOf(e).toLowerCase()).filter(Boolean));
      info.forEach((c) => { c.equivalent = !!c.name && names.has(c.name.toLowerCase()); });
      state.pointer = info;
      return nodes;
    },
    pointerInfo() { return state.pointer || []; },
    restore() {
      document.removeEventListener("focusin", state.onFocus, true);
      window.removeEventListener("keyup", state.onKeyUp, true);
      if (window.navigation) window.navigation.removeEventListener("navigate", state.onNavigate);
      if (state.style) state.style.remove();
      api.blur();
      if (state.active && state.active !== document.body && state.active.focus) state.active.focus();
      window.scrollTo(state.scroll[0], state.scroll[1]);
      delete window[key];
    },
  };
  Object.defineProperty(window, key, { value: api, configurable: true });
  return true;
}
