/* normkit workspace: the little JavaScript the pages use. Everything works without it except
   the access token (sent as a header, kept in this tab only: sessionStorage). */
(function () {
  "use strict";
  var KEY = "normkit-token";
  var body = document.body;
  var tokenRequired = body && body.getAttribute("data-token-required") === "yes";

  function token() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }

  function show(html, url, push) {
    if (push) { history.pushState({}, "", url); }
    document.open();
    document.write(html);
    document.close();
  }

  function send(url, options, push) {
    options = options || {};
    options.headers = { "Authorization": "Bearer " + token() };
    return fetch(url, options).then(function (r) {
      if (r.status === 401) { sessionStorage.removeItem(KEY); location.reload(); return; }
      return r.text().then(function (html) { show(html, r.url || url, push); });
    });
  }

  // the token form (shown when the server requires a token and none was sent)
  var tokenForm = document.getElementById("token-form");
  if (tokenForm) {
    tokenForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      sessionStorage.setItem(KEY, document.getElementById("token").value);
      send(location.href, {}, false);
    });
    if (token()) { send(location.href, {}, false); }
  }

  if (tokenRequired && token()) {
    document.addEventListener("click", function (ev) {
      var a = ev.target.closest ? ev.target.closest("a") : null;
      if (!a || a.hasAttribute("download") || a.target || a.origin !== location.origin) { return; }
      ev.preventDefault();
      send(a.href, {}, true);
    });
    document.addEventListener("submit", function (ev) {
      var f = ev.target;
      if (f.id === "token-form") { return; }
      ev.preventDefault();
      if ((f.method || "get").toLowerCase() === "get") {
        var q = new URLSearchParams(new FormData(f)).toString();
        send(f.action.split("?")[0] + "?" + q, {}, true);
      } else {
        send(f.action, { method: "POST", body: new FormData(f) }, false);
      }
    });
  }

  // a new pack on the price / what-if form: reload the form with that pack's norms
  document.querySelectorAll("select[data-reload=pack]").forEach(function (sel) {
    var form = sel.form;
    if (!form || form.enctype === "multipart/form-data" && form.id !== "whatif-form") { return; }
    sel.addEventListener("change", function () {
      var u = new URL(location.href);
      u.search = "";
      u.searchParams.set("pack", sel.value);
      var lang = new URL(location.href).searchParams.get("lang");
      if (lang) { u.searchParams.set("lang", lang); }
      if (tokenRequired && token()) { send(u.pathname + u.search, {}, true); } else { location.href = u.pathname + u.search; }
    });
  });

  // filters over a table's rows (findings by severity and text; a pack's names by text)
  document.querySelectorAll("[data-filter-for]").forEach(function (box) {
    var table = document.getElementById(box.getAttribute("data-filter-for"));
    var sev = box.querySelector("select");
    var txt = box.querySelector("input[type=search]");
    function apply() {
      var s = sev ? sev.value : "";
      var q = txt ? txt.value.trim().toLowerCase() : "";
      var shown = 0;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var ok = (!s || tr.getAttribute("data-severity") === s) && (!q || tr.textContent.toLowerCase().indexOf(q) >= 0);
        tr.hidden = !ok;
        if (ok) { shown += 1; }
      });
      table.setAttribute("data-shown", String(shown));
    }
    if (sev) { sev.addEventListener("change", apply); }
    if (txt) { txt.addEventListener("input", apply); }
    apply();
  });

  // counts and rates by one column at a time
  document.querySelectorAll("select[data-views]").forEach(function (sel) {
    var views = document.querySelectorAll("." + sel.getAttribute("data-views"));
    function apply() { views.forEach(function (v) { v.hidden = v.getAttribute("data-column") !== sel.value; }); }
    sel.addEventListener("change", apply);
    apply();
  });
})();
