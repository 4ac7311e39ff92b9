// Mass.gov Demo: collapsible sections and the footer feedback form. No network requests.
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
