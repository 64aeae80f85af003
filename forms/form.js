/* onething combined form: conditional fields, checks with the JSON Schema's rules and an
   error summary, saving what was typed as an answers file. Offline: no network, no libraries.
   The form's data arrives as JSON (#onething-data); nothing here builds HTML from text. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("onething-data").textContent);
  var form = document.getElementById("onething-form");
  var summary = document.getElementById("error-summary");
  var status = document.getElementById("status");
  var W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], C = "10X98765432";

  function idNumberOk(v) {
    if (!/^[1-9][0-9]{16}[0-9Xx]$/.test(v)) { return false; }
    var s = 0;
    for (var i = 0; i < 17; i++) { s += Number(v.charAt(i)) * W[i]; }
    if (C.charAt(s % 11) !== v.charAt(17).toUpperCase()) { return false; }
    var y = Number(v.substr(6, 4)), m = Number(v.substr(10, 2)), d = Number(v.substr(12, 2));
    var born = new Date(y, m - 1, d);
    return y >= 1900 && born.getMonth() === m - 1 && born.getDate() === d && born <= new Date();
  }

  function controls(root) {
    return Array.prototype.slice.call((root || form).querySelectorAll("[data-key]"));
  }

  function valueOf(els) {
    var el = els[0];
    if (!el) { return undefined; }
    var type = el.getAttribute("data-type");
    if (el.type === "radio") {
      for (var i = 0; i < els.length; i++) { if (els[i].checked) { return els[i].value === "true"; } }
      return undefined;
    }
    if (el.type === "checkbox") { return el.checked; }
    var v = el.value.trim();
    if (v === "") { return undefined; }
    if (type === "integer") { return /^-?[0-9]+$/.test(v) ? parseInt(v, 10) : v; }
    if (type === "decimal") { return isNaN(Number(v)) ? v : Number(v); }
    if (type === "datetime") { return v.replace("T", " "); }
    return v;
  }

  function answer(key) {
    return valueOf(controls().filter(function (el) { return el.getAttribute("data-key") === key && !el.hasAttribute("data-group"); }));
  }

  function test(t) {  /* three-valued: true, false or null (undecided) */
    var op = t[0];
    if (op === "const") { return t[1]; }
    if (op === "and" || op === "or") {
      var undecided = false;
      for (var i = 1; i < t.length; i++) {
        var r = test(t[i]);
        if (r === (op === "or")) { return r; }
        if (r === null) { undecided = true; }
      }
      return undecided ? null : op === "and";
    }
    if (op === "not") { var n = test(t[1]); return n === null ? null : !n; }
    var a = answer(op === "truthy" ? t[1] : t[2]);
    if (a === undefined) { return null; }
    if (op === "truthy") { return Boolean(a); }
    var v = t[3];
    switch (t[1]) {
      case "==": return a === v;
      case "!=": return a !== v;
      case "in": return v.indexOf(a) >= 0;
      case "not in": return v.indexOf(a) < 0;
      case "<": return a < v;
      case "<=": return a <= v;
      case ">": return a > v;
      default: return a >= v;
    }
  }

  function applies(box) {
    var when = box.getAttribute("data-when");
    return when ? test(JSON.parse(when)) : true;
  }

  function refresh() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-when]"), function (box) {
      var r = applies(box);
      box.classList.toggle("not-applicable", r === false);
      controls(box).forEach(function (el) {
        el.disabled = r === false;
        if (box.getAttribute("data-required") === "true" && el.type !== "checkbox" && !el.hasAttribute("data-group")) {
          if (el.type !== "radio" || el.value === "true") { el.required = r === true; }
        }
      });
    });
  }

  function labelOf(el) {
    var box = el.closest("[data-field]");
    var head = box && box.querySelector("legend, label");
    return head ? head.textContent.replace(/\s+/g, " ").trim() : el.name;
  }

  function check() {
    refresh();
    var problems = [], seen = {};
    controls().forEach(function (el) {
      if (el.disabled) { return; }
      el.setCustomValidity("");
      if (el.getAttribute("data-format") === "cn-resident-id" && el.value.trim() !== "" && !idNumberOk(el.value.trim())) {
        el.setCustomValidity(data.messages.err_id_check);
      }
      if (el.type === "radio") {
        var group = form.querySelectorAll('input[name="' + CSS.escape(el.name) + '"]');
        if (el.required && valueOf(group) === undefined && !seen[el.name]) {
          seen[el.name] = true;
          problems.push([el, data.messages.err_required]);
        }
        return;
      }
      var ok = el.checkValidity();
      var err = document.getElementById(el.id + "-error");
      el.setAttribute("aria-invalid", ok ? "false" : "true");
      if (err) { err.hidden = ok; err.textContent = ok ? "" : messageFor(el); }
      if (!ok) { problems.push([el, messageFor(el)]); }
    });
    var list = summary.querySelector("ul");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    problems.forEach(function (p) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "#" + p[0].id;
      a.textContent = labelOf(p[0]) + ": " + p[1];
      li.appendChild(a);
      list.appendChild(li);
    });
    summary.hidden = problems.length === 0;
    status.textContent = problems.length === 0 ? data.messages.all_ok : "";
    if (problems.length) { summary.focus(); }
    return problems.length === 0;
  }

  function messageFor(el) {
    if (el.validity.valueMissing) { return data.messages.err_required; }
    if (el.validity.customError) { return el.validationMessage; }
    return data.messages.err_invalid;
  }

  function collect() {
    var out = {};
    controls().forEach(function (el) {
      if (el.disabled || el.hasAttribute("data-group")) { return; }
      var key = el.getAttribute("data-key");
      if (key in out) { return; }
      var v = valueOf(controls().filter(function (x) { return x.name === el.name; }));
      if (v !== undefined) { out[key] = v; }
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-group-key]"), function (box) {
      if (box.classList.contains("not-applicable")) { return; }
      var rows = [];
      Array.prototype.forEach.call(box.querySelectorAll(".group-row"), function (row) {
        var entry = {}, any = false;
        controls(row).forEach(function (el) {
          var key = el.getAttribute("data-key");
          if (key in entry) { return; }
          var v = valueOf(controls(row).filter(function (x) { return x.name === el.name; }));
          if (v !== undefined) { entry[key] = v; any = true; }
        });
        if (any) { rows.push(entry); }
      });
      if (rows.length) { out[box.getAttribute("data-group-key")] = rows; }
    });
    return out;
  }

  function save() {
    var text = JSON.stringify(collect(), null, 2) + "\n";
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.download = "answers-" + data.bundle + ".json";
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
  }

  function addRow(button) {
    var box = button.closest("[data-group-key]");
    var rows = box.querySelectorAll(".group-row");
    var max = box.getAttribute("data-max");
    if (max !== "" && rows.length >= Number(max)) { return; }
    var last = rows[rows.length - 1], copy = last.cloneNode(true), n = rows.length;
    copy.setAttribute("data-row", String(n));
    Array.prototype.forEach.call(copy.querySelectorAll("[id],[for],[name],[aria-describedby],[data-row]"), function (el) {
      ["id", "for", "name", "aria-describedby"].forEach(function (attr) {
        var v = el.getAttribute(attr);
        if (v) { el.setAttribute(attr, v.replace(/-[0-9]+(?=(-yes|-no|-desc|-error)?$)/, "-" + n)); }
      });
      if (el.hasAttribute("data-row") && el !== copy) { el.setAttribute("data-row", String(n)); }
      if (el.matches("input[type=text],input[type=tel],input[type=email],input[type=number],input[type=date],input[type=datetime-local],textarea")) { el.value = ""; }
      if (el.matches("select")) { el.selectedIndex = 0; }
      if (el.matches("input[type=radio],input[type=checkbox]")) { el.checked = false; }
    });
    var legend = copy.querySelector("legend");
    if (legend) { legend.textContent = legend.textContent.replace(/[0-9]+/, String(n + 1)); }
    last.parentNode.insertBefore(copy, last.nextSibling);
  }

  form.addEventListener("change", refresh);
  form.addEventListener("click", function (e) {
    if (e.target.classList && e.target.classList.contains("add-row")) { addRow(e.target); }
  });
  document.getElementById("btn-check").addEventListener("click", check);
  document.getElementById("btn-save").addEventListener("click", function () { if (check()) { save(); } });
  document.getElementById("btn-print").addEventListener("click", function () { window.print(); });
  refresh();
}());
