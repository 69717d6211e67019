/* Taking a call: show the caller's earlier tickets as soon as the phone number is typed, and save the
   form with Ctrl+Enter from any field. Without JavaScript the "Look up" button does the same. */
(function () {
  "use strict";
  var script = document.getElementById("call-script");
  var form = document.getElementById("call-form");
  if (!form) { return; }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  var phone = form.querySelector("[name=caller_phone]");
  var name = form.querySelector("[name=caller_name]");
  var region = document.getElementById("caller-history");
  if (!phone || !region || !script) { return; }
  phone.addEventListener("change", function () {
    var value = phone.value.trim();
    if (value.length < 7) { return; }
    fetch(script.dataset.lookup + "?phone=" + encodeURIComponent(value), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        region.textContent = "";
        var p = document.createElement("p");
        p.textContent = data.found ? (data.name || value) : value;
        region.appendChild(p);
        if (data.found && name && !name.value) { name.value = data.name; }
        var list = document.createElement("ul"); list.className = "history";
        data.tickets.forEach(function (t) {
          var li = document.createElement("li");
          li.textContent = t.number + " " + t.received + " " + t.title + " — " + t.status;
          list.appendChild(li);
        });
        region.appendChild(list);
      });
  });
})();
