// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  // Forms with data-confirm ask before submitting (deletes and other irreversible actions).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();

// Product gallery: a thumbnail shows its image in the main slot (links still work without JS).
(function () {
  "use strict";
  var main = document.querySelector("[data-main-image]");
  if (!main) { return; }
  document.querySelectorAll("[data-gallery-thumb]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      main.src = link.getAttribute("href");
    });
  });
})();

// Pay-deadline countdown; without JS the page shows the deadline itself.
(function () {
  "use strict";
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var left = parseInt(el.getAttribute("data-countdown"), 10);
    var label = el.textContent;
    function tick() {
      if (left <= 0) { el.textContent = label; return; }
      var m = Math.floor(left / 60), s = left % 60;
      el.textContent = label + " (" + m + ":" + (s < 10 ? "0" : "") + s + ")";
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  });
})();
