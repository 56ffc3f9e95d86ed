// Flash sales. The event page counts down against the server's clock (the page carries the
// server time; the offset to the device clock is kept), enables "Buy now" at the start and
// refreshes the sold bar. The result page follows a reservation: the websocket push is a
// hint, the result API (polled) is the truth.
(function () {
  "use strict";
  var box = document.querySelector("[data-seckill-event]");
  if (!box) { return; }
  var offset = parseInt(box.getAttribute("data-server-ms"), 10) - Date.now();
  var starts = parseInt(box.getAttribute("data-starts-ms"), 10);
  var ends = parseInt(box.getAttribute("data-ends-ms"), 10);
  var clock = box.querySelector("[data-seckill-countdown]");
  var buy = box.querySelector("[data-seckill-buy]");
  var wasLive = Date.now() + offset >= starts;
  // Sold out while it is on: the button says so; units given back by unpaid orders open it.
  var soldOut = buy !== null && buy.hasAttribute("data-sold-out");
  function showSoldOut(isSoldOut) {
    if (!buy || isSoldOut === soldOut) { return; }
    soldOut = isSoldOut;
    buy.disabled = soldOut;
    buy.textContent = buy.getAttribute(soldOut ? "data-sold-out-label" : "data-live-label");
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function show(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    return (d ? d + "d " : "") + pad(h) + ":" + pad(m) + ":" + pad(s % 60);
  }
  function tick() {
    var now = Date.now() + offset;
    if (now >= ends) { window.location.reload(); return; }
    var live = now >= starts;
    if (live && !wasLive) { window.location.reload(); return; }  // labels and buttons change
    if (clock) { clock.textContent = show((live ? ends : starts) - now); }
    if (buy && live && !soldOut) { buy.disabled = false; }
    window.setTimeout(tick, 250);
  }
  tick();
  var bar = box.querySelector("[data-sold-bar]");
  var label = box.querySelector("[data-sold-label]");
  var url = box.getAttribute("data-status-url");
  function refresh() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status) {
          offset = Date.parse(status.server_time) - Date.now();
          if (status.state === "live" && status.left !== null) { showSoldOut(status.left === 0); }
          if (bar && status.sold_percent !== null) {
            bar.style.width = status.sold_percent + "%";
            label.textContent = label.getAttribute("data-template").replace("__P__", status.sold_percent);
          }
        }
        window.setTimeout(refresh, 5000);
      })
      .catch(function () { window.setTimeout(refresh, 10000); });
  }
  if (url && window.fetch) { window.setTimeout(refresh, 5000); }
})();

(function () {
  "use strict";
  var box = document.querySelector("[data-seckill-result='queued']");
  if (!box || !window.fetch) { return; }
  var rid = box.getAttribute("data-reservation");
  var url = box.getAttribute("data-result-url");
  var done = false;
  function moveOn() { if (!done) { done = true; window.location.reload(); } }
  if (window.WebSocket) {
    try {
      var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/events/");
      socket.onmessage = function (message) {
        var payload = JSON.parse(message.data);
        if (payload.event === "seckill.result" && payload.data.reservation_id === rid) { moveOn(); }
      };
    } catch (error) { /* polling covers it */ }
  }
  var tries = 0;
  function check() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (result && result.status !== "queued") { moveOn(); }
        else if (tries < 300) { window.setTimeout(check, tries < 10 ? 1000 : 3000); }
      })
      .catch(function () { if (tries < 300) { window.setTimeout(check, 5000); } });
  }
  window.setTimeout(check, 1000);
})();
