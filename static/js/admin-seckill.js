// The flash-sale admin's live numbers (left in Redis, queued, orders, dead letters) refresh
// themselves every 5 seconds while the page is open and visible. The admin loads it in the
// page's head: it waits for the list.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var spans = document.querySelectorAll(".live-numbers[data-event]");
  if (!spans.length) return;
  var base = window.location.pathname.replace(/\/seckillevent\/.*$/, "/seckillevent/");
  var query = Array.prototype.map
    .call(spans, function (span) { return "id=" + encodeURIComponent(span.dataset.event); })
    .join("&");
  function refresh() {
    if (document.hidden) return;
    fetch(base + "live/?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (numbers) {
        spans.forEach(function (span) {
          var html = numbers[span.dataset.event];
          if (!html) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector(".live-numbers");
          if (fresh) span.innerHTML = fresh.innerHTML;
        });
      })
      .catch(function () {});
  }
  window.setInterval(refresh, 5000);
});
