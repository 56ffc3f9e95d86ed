// 拼团: countdowns tick; a group's share page follows its group live over the websocket and
// polls the API when the socket is down (the page reloads when the group changed).
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll("[data-deadline]").forEach(function (el) {
    var deadline = Date.parse(el.getAttribute("data-deadline"));
    if (!deadline) { return; }
    var template = el.textContent.replace(/\d{2,}:\d{2}:\d{2}/, "__T__");
    function tick() {
      var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      var text = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
      el.textContent = template.replace("__T__", text);
      if (left > 0) { window.setTimeout(tick, 1000); }
    }
    tick();
  });
  var page = document.querySelector("[data-group]");
  if (!page) { return; }
  var seen = null;
  function changed(state) {
    var now = state.status + ":" + state.members_count;
    if (seen === null) { seen = now; return false; }
    return now !== seen;
  }
  function poll() {
    fetch(page.getAttribute("data-state-url"), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (state && changed(state)) { window.location.reload(); return; }
        window.setTimeout(poll, 15000);
      })
      .catch(function () { window.setTimeout(poll, 15000); });
  }
  poll();
  if (!("WebSocket" in window)) { return; }
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  try {
    var socket = new WebSocket(scheme + window.location.host + "/ws/groups/" + page.getAttribute("data-group") + "/");
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.event === "team.state" && changed(data.data)) { window.location.reload(); }
    };
  } catch (e) { /* polling goes on */ }
})();
