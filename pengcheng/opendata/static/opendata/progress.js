// Polls the load progress of resource versions and updates the <progress> bars; reloads when done.
(function () {
  "use strict";
  var items = document.querySelectorAll("[data-progress-url]");
  items.forEach(function (item) {
    var timer = setInterval(function () {
      fetch(item.getAttribute("data-progress-url"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          var bar = item.querySelector("progress");
          if (bar) { bar.value = state.percent; bar.textContent = state.percent + "%"; }
          if (state.status !== "scanning" && state.status !== "loading") {
            clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () { clearInterval(timer); });
    }, 2000);
  });
})();
