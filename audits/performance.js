// Added to every document before its own scripts run (an init script, with axe-core): records
// the browser's loading metrics as they are reported, so facts.js reads them at once instead of
// waiting for a buffered PerformanceObserver's delivery (about 50 ms a page).
(() => {
  const key = Symbol.for("massaudit.performance");
  if (window[key]) return;
  const entries = { "largest-contentful-paint": [], "layout-shift": [] };
  const observers = [];
  for (const type of Object.keys(entries)) {
    try {
      const observer = new PerformanceObserver((list) => entries[type].push(...list.getEntries()));
      observer.observe({ type, buffered: true });
      observers.push([type, observer]);
    } catch (e) {
      // This browser does not report the type: facts.js records null.
    }
  }
  const read = () => {
    for (const [type, observer] of observers) entries[type].push(...observer.takeRecords());
    const result = {};
    for (const [type] of observers) result[type] = entries[type].slice();
    return result;
  };
  Object.defineProperty(window, key, { value: read, enumerable: false });
})();
