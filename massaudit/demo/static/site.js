// Mass.gov Demo: collapsible sections, the footer feedback form and the widgets of templates/keyboard.html. No network requests.
(function () {
  "use strict";
  document.documentElement.classList.add("ma__js");

  document.querySelectorAll("[data-ma-collapsible]").forEach(function (button) {
    button.addEventListener("click", function () {
      var panel = document.getElementById(button.getAttribute("aria-controls"));
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      if (panel) {
        panel.hidden = open;
      }
    });
  });

  // The demo's planted keyboard problems (templates/keyboard.html), each on the page whose
  // `defects` name it: a div only a mouse can open, a skip link that scrolls without moving
  // focus, links that load their page when focused, a select that navigates as soon as its
  // value changes, a widget Tab cannot leave. Then a select with a Go button, done right.
  document.querySelectorAll("[data-ma-expander]").forEach(function (el) {
    el.addEventListener("click", function () {
      var panel = document.getElementById(el.getAttribute("data-ma-expander"));
      if (panel) {
        panel.hidden = !panel.hidden;
      }
    });
  });
  document.querySelectorAll("a[data-ma-scroll-only]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        event.preventDefault();
        target.scrollIntoView();
      }
    });
  });
  document.querySelectorAll("a[data-ma-load-on-focus]").forEach(function (link) {
    link.addEventListener("focus", function () {
      window.location.assign(link.href);
    });
  });
  document.querySelectorAll("select[data-ma-jump]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value) {
        window.location.assign(select.value);
      }
    });
  });
  document.querySelectorAll("[data-ma-trap]").forEach(function (widget) {
    widget.addEventListener("keydown", function (event) {
      var items = widget.querySelectorAll("input, button");
      if (event.key === "Tab" && !event.shiftKey && document.activeElement === items[items.length - 1]) {
        event.preventDefault();
        items[0].focus();
      }
    });
  });
  document.querySelectorAll("form[data-ma-jump-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.location.assign(form.elements.agency.value);
    });
  });

  var feedback = document.getElementById("feedback");
  if (feedback) {
    feedback.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = feedback.querySelector("[data-feedback-status]");
      if (status) {
        status.textContent = feedback.getAttribute("data-thanks");
      }
    });
  }
})();
