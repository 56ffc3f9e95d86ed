// The product form's "Build the SKU rows": from the spec axes (颜色：黑色，白色 / 尺码：S，M),
// one SKU row per combination that has none yet, its attributes filled in, for the merchant
// to give each its price, stock and code. Punctuation from a Chinese input method is read
// like ASCII; the server checks every row against the spec as before.
// The admin loads it in the page's head: it waits for the form.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var axesInput = document.getElementById("id_spec_axes");
  if (!axesInput) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.textContent = axesInput.getAttribute("data-build-label") || "Build the SKU rows";
  var note = document.createElement("span");
  note.className = "help sku-matrix-note";
  note.setAttribute("role", "status");
  axesInput.insertAdjacentElement("afterend", note);
  axesInput.insertAdjacentElement("afterend", button);

  function axes() {
    return axesInput.value.split(/\r?\n/).map(function (line) {
      var match = /[:：]/.exec(line);
      if (!match) return null;
      var values = line.slice(match.index + 1).split(/[,，、;；]/)
        .map(function (v) { return v.trim(); }).filter(Boolean);
      var name = line.slice(0, match.index).trim();
      return name && values.length ? { name: name, values: values } : null;
    }).filter(Boolean);
  }

  function combinations(list) {
    return list.reduce(function (done, axis) {
      var next = [];
      done.forEach(function (partial) {
        axis.values.forEach(function (value) {
          var row = Object.assign({}, partial);
          row[axis.name] = value;
          next.push(row);
        });
      });
      return next;
    }, [{}]);
  }

  function lenient(text) {
    var ascii = text.replace(/[“”‘’]/g, '"').replace(/：/g, ":").replace(/，/g, ",")
      .replace(/｛/g, "{").replace(/｝/g, "}");
    try { return JSON.parse(ascii); } catch (e) { return null; }
  }

  function key(attributes, names) {
    return names.map(function (n) { return attributes[n]; }).join("\u0001");
  }

  function rows() {
    return Array.prototype.filter.call(
      document.querySelectorAll("#skus-group tr.form-row"),
      function (row) { return !row.classList.contains("empty-form"); }
    );
  }

  button.addEventListener("click", function () {
    var list = axes();
    if (!list.length) { note.textContent = " " + (axesInput.getAttribute("data-empty") || ""); return; }
    var names = list.map(function (a) { return a.name; });
    var spec = document.getElementById("id_spec");
    var before = lenient(spec.value || "[]") || [];
    // The English of an unchanged axis stays; the server does the same.
    spec.value = JSON.stringify(list.map(function (axis) {
      var old = before.find(function (b) { return b && b.name === axis.name; });
      return old && JSON.stringify(old.values) === JSON.stringify(axis.values)
        ? Object.assign({}, old, axis) : axis;
    }));
    var have = {};
    var free = [];  // blank rows (the form's spare one): filled before any is added
    rows().forEach(function (row) {
      var field = row.querySelector("textarea[name$='-attributes']");
      var typed = field ? field.value.trim() : "";
      var code = row.querySelector("input[name$='-code']");
      if (field && ["", "null", "{}"].indexOf(typed) >= 0 && !(code && code.value)) {
        free.push(row);
        return;
      }
      var parsed = field && lenient(field.value || "");
      if (parsed) have[key(parsed, names)] = true;
    });
    var slug = (document.getElementById("id_slug") || {}).value || "SKU";
    var added = 0;
    var add = document.querySelector("#skus-group .add-row a");
    combinations(list).forEach(function (attributes) {
      if (have[key(attributes, names)]) return;
      var row = free.shift();
      if (!row) {
        if (!add) return;
        add.click();
        var all = rows();
        row = all[all.length - 1];
      }
      row.querySelector("textarea[name$='-attributes']").value = JSON.stringify(attributes);
      var code = row.querySelector("input[name$='-code']");
      if (code && !code.value) code.value = (slug + "-" + (rows().indexOf(row) + 1)).toUpperCase();
      added += 1;
    });
    note.textContent = " " + (axesInput.getAttribute("data-added") || "%s").replace("%s", added);
  });
});
