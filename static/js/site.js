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
  // A limited-time price that ends within a day counts down (the page is cached: the end is
  // a time, not seconds left); at the end the page is loaded again at the usual price.
  document.querySelectorAll("[data-ends-at]").forEach(function (el) {
    var ends = Date.parse(el.getAttribute("data-ends-at"));
    var out = el.querySelector("[data-ends-left]");
    if (!ends || !out) { return; }
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      var left = Math.floor((ends - Date.now()) / 1000);
      if (left <= 0) { window.location.reload(); return; }
      if (left > 86400) { el.hidden = true; window.setTimeout(tick, 60000); return; }
      el.hidden = false;
      out.textContent = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor(left / 60) % 60) + ":" + pad(left % 60);
      window.setTimeout(tick, 1000);
    }
    tick();
  });
  // Choosing another coupon at checkout prices the order again (the Apply button without JS).
  document.querySelectorAll("[data-requote]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var button = radio.form && radio.form.querySelector("[data-requote-button]");
      if (button) { button.click(); }
    });
  });
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

// Search suggestions under the search box: typing asks the (cached) suggestions API; arrow
// keys move through them, Enter opens the chosen one (or searches), Escape closes the list.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("search-suggestions");
  if (!input || !list || !window.fetch) { return; }
  var url = input.getAttribute("data-suggest-url");
  var timer = null, active = -1, options = [], asked = "";

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function add(entry, kind) {
    var item = document.createElement("li");
    item.setAttribute("role", "option");
    item.id = "search-suggestion-" + options.length;
    var link = document.createElement("a");
    link.href = entry.url;
    link.tabIndex = -1;
    link.textContent = entry.name;
    if (kind) {
      var tag = document.createElement("span");
      tag.className = "suggestion-kind";
      tag.textContent = kind;
      link.appendChild(tag);
    }
    item.appendChild(link);
    list.appendChild(item);
    options.push(item);
  }
  function show(data) {
    list.textContent = "";
    options = [];
    (data.categories || []).forEach(function (c) { add(c, list.getAttribute("data-category-label")); });
    (data.products || []).forEach(function (p) { add(p, ""); });
    if (!options.length) { close(); return; }
    active = -1;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }
  function move(step) {
    if (list.hidden || !options.length) { return; }
    if (active >= 0) { options[active].removeAttribute("aria-selected"); }
    active = (active + step + options.length) % options.length;
    options[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", options[active].id);
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var query = input.value.trim();
    if (!query) { close(); return; }
    timer = window.setTimeout(function () {
      asked = query;
      fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && asked === input.value.trim()) { show(data); } })
        .catch(close);
    }, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    // The browser's own Escape empties a search box: close the list and keep the query.
    else if (event.key === "Escape") { event.preventDefault(); close(); }
    else if (event.key === "Enter" && active >= 0 && !list.hidden) {
      event.preventDefault();
      window.location.assign(options[active].querySelector("a").href);
    }
  });
  // A click on a suggestion lands before the blur closes the list.
  input.addEventListener("blur", function () { window.setTimeout(close, 200); });
})();

// The price shows the chosen SKU's; without JS it shows the product's range.
(function () {
  "use strict";
  var price = document.querySelector("[data-product-price]");
  if (!price) { return; }
  var options = document.querySelectorAll("input[name=sku][data-price]");
  function follow() {
    var chosen = document.querySelector("input[name=sku][data-price]:checked");
    if (chosen) { price.textContent = chosen.getAttribute("data-price"); }
  }
  options.forEach(function (option) { option.addEventListener("change", follow); });
  follow();
})();

// "Recently viewed": the product page tells the shop it was seen, after it loaded.
(function () {
  "use strict";
  var mark = document.querySelector("[data-viewed]");
  if (!mark || !navigator.sendBeacon) { return; }
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (!token) { return; }
  var form = new FormData();
  form.append("product", mark.getAttribute("data-viewed"));
  form.append("csrfmiddlewaretoken", token.value);
  navigator.sendBeacon(mark.getAttribute("data-viewed-url"), form);
})();

// An open order page notices when the order changes (paid, closed, shipped, refunded) and
// shows it again. The push over the user's websocket comes the moment the status changes; an
// order waiting for payment also asks the order API every few seconds for up to ten minutes
// (the push is a hint on top of that, not a replacement). A shopper halfway through typing
// in one of the page's forms is told instead, so the reload does not throw their words away.
(function () {
  "use strict";
  var mark = document.querySelector("[data-order-status][data-status-url]");
  if (!mark || !window.fetch) { return; }
  var shown = mark.getAttribute("data-order-status");
  var url = mark.getAttribute("data-status-url");
  var orderNo = mark.getAttribute("data-order-no");
  // The pay page goes to the order once it changes; the order page shows itself again.
  var doneUrl = mark.getAttribute("data-done-url");
  var moved = false;
  function typing() {
    var field = document.activeElement;
    return field && field.form && /^(INPUT|TEXTAREA)$/.test(field.tagName) &&
      field.type !== "radio" && field.type !== "checkbox" && field.value !== "";
  }
  function moveOn() {
    if (moved) { return; }
    moved = true;
    if (doneUrl) { window.location.assign(doneUrl); return; }
    if (!typing()) { window.location.reload(); return; }
    var notice = document.createElement("p");
    notice.className = "card order-changed";
    notice.setAttribute("role", "status");
    var link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = mark.getAttribute("data-changed-label") || "↻";
    notice.appendChild(link);
    mark.parentNode.insertBefore(notice, mark.nextSibling);
  }
  if (window.WebSocket) {
    try {
      var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/events/");
      socket.onmessage = function (message) {
        var payload = JSON.parse(message.data);
        if (payload.event === "order.status" && payload.data.order_no === orderNo &&
            payload.data.status !== shown) {
          moveOn();
        }
      };
    } catch (error) { /* the poll (or the next visit) covers it */ }
  }
  // An unpaid order changes when its payment lands; a group order waiting for its group
  // when the group fills or fails: the page asks the API as the fallback of the push.
  if (shown !== "pending_payment" && shown !== "grouping") { return; }
  var every = shown === "grouping" ? 10000 : 3000;
  var tries = 0;
  function check() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (order) {
        if (order && order.status && order.status !== shown) {
          moveOn();
        } else if (tries < 200) {
          window.setTimeout(check, every);
        }
      })
      .catch(function () { if (tries < 200) { window.setTimeout(check, 2 * every); } });
  }
  window.setTimeout(check, every);
})();

// Back on the product page after "Add to cart" (?sku=&qty=): the same SKU and quantity stay
// chosen (the page body is a cached fragment, so the choice is put back here).
(function () {
  "use strict";
  var form = document.querySelector("form[data-add-to-cart]");
  if (!form || !window.URLSearchParams) return;
  var params = new URLSearchParams(window.location.search);
  var sku = params.get("sku");
  var qty = params.get("qty");
  if (sku && /^[0-9]+$/.test(sku)) {
    var radio = form.querySelector("input[name=sku][value='" + sku + "']");
    if (radio && !radio.disabled) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  var quantity = form.querySelector("input[name=quantity]");
  if (quantity && qty && /^[0-9]{1,3}$/.test(qty)) quantity.value = qty;
})();

// Opening an unread message tells the shop it was read (a POST; the page's GET never writes).
(function () {
  "use strict";
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  document.querySelectorAll("details[data-read-url]").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open || !details.dataset.readUrl) return;
      var url = details.dataset.readUrl;
      delete details.dataset.readUrl;
      var csrf = token ? token.value : (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf || "", Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) return;
        var badge = details.querySelector(".badge");
        if (badge) badge.remove();
        details.closest("li").classList.remove("unread");
        return response.json().then(function (data) {
          document.querySelectorAll("[data-unread-count]").forEach(function (count) {
            count.textContent = data.unread;
            if (!data.unread) count.hidden = true;
          });
        });
      }).catch(function () {});
    });
  });
  // The region picker: choosing a province lists its cities, a city its districts (without
  // this the form's "Show the list" button does it through the server).
  document.querySelectorAll(".region-picker[data-regions-url]").forEach(function (picker) {
    var url = picker.getAttribute("data-regions-url");
    var levels = ["province", "city", "district"];
    function select(level) { return picker.querySelector('select[data-region="' + level + '"]'); }
    function fill(target, places) {
      var first = target.options[0];
      target.innerHTML = "";
      target.appendChild(first);
      places.forEach(function (place) {
        var option = document.createElement("option");
        option.value = place.code;
        option.textContent = place.name;
        target.appendChild(option);
      });
      // A city with one district (东莞) has it chosen at once.
      if (places.length === 1) { target.value = places[0].code; }
    }
    levels.slice(0, 2).forEach(function (level, i) {
      var source = select(level);
      if (!source) return;
      source.addEventListener("change", function () {
        levels.slice(i + 1).forEach(function (below) { fill(select(below), []); });
        if (!source.value) return;
        fetch(url + "?parent=" + encodeURIComponent(source.value), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (places) {
            var next = select(levels[i + 1]);
            fill(next, places);
            if (places.length === 1) { next.dispatchEvent(new Event("change")); }
          })
          .catch(function () {});
      });
    });
  });
  // Pickup points nearest the shopper: the browser's location, asked for only on a press.
  document.querySelectorAll("[data-geo-button]").forEach(function (button) {
    if (!navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        var form = button.form;
        form.querySelector('[data-geo="lat"]').value = position.coords.latitude.toFixed(6);
        form.querySelector('[data-geo="lng"]').value = position.coords.longitude.toFixed(6);
        var requote = form.querySelector("[data-requote-button]");
        if (requote) requote.click();
      }, function () {}, { timeout: 10000, maximumAge: 600000 });
    });
  });
  // The pickup code page stays on the phone (static/js/sw.js keeps its last copy).
  if (document.querySelector("[data-offline-page]") && "serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(function () {});
    if (!navigator.onLine) {
      document.querySelectorAll("[data-offline-note]").forEach(function (note) { note.hidden = false; });
    }
  }
  // The pickup desk scans a code with the camera where the browser can (BarcodeDetector).
  document.querySelectorAll("[data-scan]").forEach(function (button) {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var form = button.form;
      var video = form.querySelector("[data-scan-video]");
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        function look() {
          detector.detect(video).then(function (codes) {
            if (!codes.length) { window.setTimeout(look, 300); return; }
            stream.getTracks().forEach(function (track) { track.stop(); });
            var text = codes[0].rawValue;
            var found = text.match(/code=([0-9]{8})/) || text.match(/^([0-9]{8})$/);
            form.querySelector("input[name=code]").value = found ? found[1] : text;
            form.submit();
          }).catch(function () { window.setTimeout(look, 500); });
        }
        look();
      }).catch(function () {});
    });
  });
})();
