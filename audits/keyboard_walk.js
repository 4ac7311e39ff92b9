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
    // A select's text is all its options: without a label its name is its title, else none.
    if (el.localName === "select") return clip(el.getAttribute("title") || "", 120);
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
    onFocus: (event) => { state.moves += 1; state.lastFocused = event.target; }, style: null, order: null,
    // Which walk the Tab presses belong to ("forward", "back" or null: not recorded).
    recording: "forward", entries: [], navigations: [], fieldValues: [],
    // After each Tab (keyup: focus has moved), what has focus; Python reads them in batches.
    onKeyUp: (event) => {
      if (event.key !== "Tab" || !state.recording || state.recording === "over") return;
      if (state.recording === "back") { state.entries.push(api.brief()); return; }
      const entry = api.stop();
      state.entries.push(entry);
      // Focus left the document or came back to an earlier stop: the walk is over, and the
      // rest of the batch's presses are not described.
      if (entry.left || (entry.seen >= 0 && entry.seen !== state.stops.length - 1)) state.recording = "over";
    },
    // Navigations to another document and windows opened by script, each with the press
    // during which it started and the element that had focus then (what caused it).
    onNavigate: (event) => {
      if (!event.destination || event.destination.sameDocument) return;
      state.navigations.push([state.entries.length, clip(event.destination.url, 300)]);
      state.navigationFrom.push(document.activeElement);
    },
    navigationFrom: [], windows: [], windowFrom: [], open: null,
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
      // `focus` in the capture phase runs before the element's own handler, which may take
      // focus away at once (focusin is then never sent).
      document.addEventListener("focus", state.onFocus, true);
      // Windows the page's script opens are recorded with the press that opened them (as for
      // navigations) and not opened: a new window would take the keyboard away from the page.
      state.open = window.open;
      window.open = function (url) {
        state.windows.push([state.entries.length, clip(url, 300)]);
        state.windowFrom.push(document.activeElement);
        return null;
      };
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
    // The element the last press focused, when the page took focus away from it at once
    // (blur() on focus): focus sits on the body, but it did not leave the document.
    blurredByPage(moves) {
      const el = document.activeElement;
      const onBody = !el || el === document.body || el === document.documentElement;
      const last = state.lastFocused;
      return onBody && moves > 0 && last && last.nodeType === 1 && last.isConnected && last !== document.body ? last : null;
    },
    // What has focus after one press: `left` when focus left the document (or sits on the body).
    stop() {
      const el = document.activeElement;
      const moves = state.moves;
      state.moves = 0;
      const blurred = api.blurredByPage(moves);
      if (blurred) {
        const seen = state.stops.indexOf(blurred);
        if (seen < 0 && state.stops.length < 1000) state.stops.push(blurred);
        return { left: false, moves, seen, blurred: true, ...describe(blurred) };
      }
      if (!el || el === document.body || el === document.documentElement) return { left: true, moves };
      if (el.localName === "iframe") return { left: false, moves, seen: state.stops.indexOf(el), ...describe(el) };
      const seen = state.stops.indexOf(el);
      if (seen < 0 && state.stops.length < 1000) state.stops.push(el);
      return { left: false, moves, seen, ...describe(el) };
    },
    // The entries since the last call, and the navigations each entry's focus caused.
    take() {
      const taken = { entries: state.entries, navigations: state.navigations, windows: state.windows };
      state.entries = [];
      api.causedBy(null);
      return taken;
    },
    // The first navigation and window caused while `el` had focus; the lists are emptied.
    causedBy(el) {
      const first = (items, from) => { const at = from.findIndex((f) => f === el || (el && el.contains(f))); return at < 0 ? null : items[at][1]; };
      const caused = { navigation: first(state.navigations, state.navigationFrom), window: first(state.windows, state.windowFrom) };
      state.navigations = []; state.navigationFrom = []; state.windows = []; state.windowFrom = [];
      return caused;
    },
    brief() {
      const el = document.activeElement;
      const blurred = api.blurredByPage(state.moves);
      state.moves = 0;
      if (blurred) return selectorOf(blurred);
      if (!el || el === document.body) return null;
      return selectorOf(el);
    },
    focusStop(index) { const el = state.stops[index]; if (el) el.focus(); return !!el && document.activeElement === el; },
    // Shift+Tab from the last stop: the presses that follow are the backward walk.
    focusLast() {
      const el = state.stops[state.stops.length - 1];
      if (!el) return null;
      el.focus();
      state.recording = "back"; state.entries = []; api.causedBy(null);
      return api.brief();
    },
    blur() { if (document.activeElement && document.activeElement.blur) document.activeElement.blur(); state.moves = 0; },
    // Each stop's style with nothing focused, for comparison with its focused style. The
    // forward walk is over: Tab presses from here on (after a skip link) are not stops.
    unfocused() {
      state.recording = null;
      api.blur();
      return state.stops.map((el) => ({ style: styleOf(el, STYLE_PROPS), parent: el.parentElement ? styleOf(el.parentElement, PARENT_PROPS) : null }));
    },
    // After activating stop `index` (an in-page link) and one more Tab: where the link's target
    // is, and whether focus is now inside or after it.
    skipResult(index, url) {
      try { history.replaceState(history.state, "", url); } catch (e) { /* kept as it is */ }
      const link = state.stops[index];
      let fragment = "";
      try { fragment = decodeURIComponent((link.getAttribute("href") || "").slice(1)); } catch (e) { fragment = ""; }
      const target = (fragment && (document.getElementById(fragment) || document.getElementsByName(fragment)[0])) || null;
      const el = document.activeElement;
      const focus = el && el !== document.body ? selectorOf(el) : null;
      const result = { fragment: clip(fragment, 100), target: target ? selectorOf(target) : null, target_visible: target ? visible(target) : false, focus, reached: false, navigation: api.causedBy(link).navigation };
      if (target && focus) result.reached = target === el || target.contains(el) || !!(target.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
      return result;
    },
    // Form fields among the stops, to be changed from the keyboard: [index, kind]. Selects come
    // first (one that navigates on change is the common failure), then text fields. Their values
    // are kept so that restore() puts them back whatever happens.
    fields(limit) {
      const selects = [], texts = [];
      state.stops.forEach((el, i) => {
        if (!visible(el) || el.disabled || el.readOnly) return;
        if (el.localName === "select" && !el.multiple && el.options.length > 1) selects.push([i, "select"]);
        else if (el.localName === "textarea" || (el.localName === "input" && /^(text|search|email|tel|url|number|)$/.test((el.getAttribute("type") || "").toLowerCase()))) texts.push([i, "text"]);
      });
      const out = selects.concat(texts).slice(0, limit);
      state.fieldValues = out.map(([i, kind]) => [state.stops[i], kind === "select" ? state.stops[i].selectedIndex : state.stops[i].value]);
      return out.map(([i, kind], n) => [i, kind, n === 0 ? api.focusStop(i) : null]);
    },
    // Focus is still on stop `index` (or inside it)?
    stillOn(index) { const el = state.stops[index]; const a = document.activeElement; return !!el && (a === el || el.contains(a)); },
    // After a field's change and `ms` more: where focus is if it left the field; then the
    // field's value is put back, and the next field focused (or focus taken off).
    afterChange(index, ms, next) {
      return new Promise((resolve) => setTimeout(() => {
        const moved = api.stillOn(index) ? null : api.brief();
        const caused = api.causedBy(state.stops[index]);
        api.resetFields();
        api.blur();
        resolve([moved, caused, next === null ? null : api.focusStop(next)]);
      }, ms));
    },
    resetFields() {
      for (const [el, value] of state.fieldValues) {
        if (el.localName === "select") el.selectedIndex = value; else el.value = value;
      }
    },
    // Elements that CSS shows on :hover, kept as the hover triggers; the first one made ready.
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
      return api.hoverBefore(0);
    },
    // Visible elements around hover trigger `index` (its parent's subtree), by identity.
    shownNear(index) {
      const el = state.triggers[index];
      const scope = (el && (el.parentElement || el)) || document.body;
      const shown = Array.from(scope.querySelectorAll("*")).slice(0, 500).filter((e) => visible(e));
      return shown.map((e) => domIndex(e));
    },
    // Hover trigger `index`, in three calls around the pointer's moves: what is shown before
    // (nothing focused), and where the pointer goes; then what hovering it showed; then, the
    // pointer gone, what focusing it (or the first focusable element in it) shows.
    hoverBefore(index) {
      const el = state.triggers[index];
      if (!el) return null;
      api.blur();
      state.hoverBefore = new Set(api.shownNear(index));
      el.scrollIntoView({ block: "center", inline: "nearest" });
      const r = el.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    },
    // [something shown, where the pointer goes for the next trigger (nothing shown)].
    hoverAfter(index) {
      state.onHover = api.shownNear(index).filter((i) => !state.hoverBefore.has(i));
      return state.onHover.length ? [true, null] : [false, api.hoverBefore(index + 1)];
    },
    focusAfter(index) {
      const el = state.triggers[index];
      const target = focusable(el) ? el : Array.from(el.querySelectorAll(TABBABLE)).find((e) => focusable(e) && visible(e));
      let onFocus = new Set();
      if (target) {
        target.focus();
        onFocus = new Set(api.shownNear(index));
        api.blur();
      }
      const shown = state.onHover.slice().sort((a, b) => a - b);
      const found = {
        trigger: selectorOf(el), shown: api.selectorsAt(shown), shown_count: shown.length,
        focusable: !!target, shown_on_focus: shown.filter((i) => onFocus.has(i)).length,
      };
      return [found, api.hoverBefore(index + 1)];
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
        // Inside a control, or a focusable container that may handle the keys (a listbox):
        // not pointer-only. A container with a negative tabindex (<main tabindex="-1"> for a
        // skip link) is not reached by Tab and does not count.
        if (focusable(el) || el.closest("a[href], button, label, summary, select, input, textarea, [tabindex]:not([tabindex^='-']), [contenteditable]")) continue;
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
      return info.length ? nodes : null;
    },
    pointerInfo() { return state.pointer || []; },
    restore() {
      document.removeEventListener("focus", state.onFocus, true);
      if (state.open) window.open = state.open;
      window.removeEventListener("keyup", state.onKeyUp, true);
      if (window.navigation) window.navigation.removeEventListener("navigate", state.onNavigate);
      if (state.style) state.style.remove();
      api.resetFields();
      api.blur();
      if (state.active && state.active !== document.body && state.active.focus) state.active.focus();
      window.scrollTo(state.scroll[0], state.scroll[1]);
      delete window[key];
    },
  };
  Object.defineProperty(window, key, { value: api, configurable: true });
  return true;
}
