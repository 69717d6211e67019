// Live knowledge-base suggestions on the call-intake page: as the agent types the subject or the
// description, ask /console/kb/suggest/ (debounced) and list the answers; choosing one shows it and
// arms the "Direct answer" button. Keyboard: Alt+ArrowDown from the text moves to the suggestions,
// ArrowUp/ArrowDown between them, Escape back to the description.
(function () {
  "use strict";
  var panel = document.getElementById("kb-suggest");
  var form = document.getElementById("call-form");
  if (!panel || !form) { return; }
  var list = document.getElementById("kb-suggest-list");
  var status = document.getElementById("kb-suggest-status");
  var chosen = document.getElementById("kb-chosen");
  var chosenTitle = document.getElementById("kb-chosen-title");
  var chosenBody = document.getElementById("kb-chosen-body");
  var hidden = document.getElementById("kb-article");
  var answerButton = document.getElementById("kb-answer-button");
  var description = form.querySelector("[name=description]");
  var title = form.querySelector("[name=title]");
  var url = panel.getAttribute("data-url");
  var timer = null;
  var lastQuery = "";
  var controller = null;
  var lang = document.documentElement.lang || "";
  var zh = lang.indexOf("zh") === 0;
  var text = {
    none: zh ? "没有匹配的答案。" : "No matching answer.",
    found: zh ? "条建议答案" : " suggested answers",
    error: zh ? "暂时无法获取建议。" : "Suggestions are unavailable just now.",
    chosen: zh ? "已选择答案：" : "Answer chosen: "
  };

  function query() {
    return ((title ? title.value : "") + " " + (description ? description.value : "")).trim();
  }

  function buttons() { return Array.prototype.slice.call(list.querySelectorAll("button")); }

  function choose(item) {
    hidden.value = item.key;
    chosenTitle.textContent = item.key + " " + item.title;
    chosenBody.textContent = item.body;
    chosen.hidden = false;
    status.textContent = text.chosen + item.title;
    buttons().forEach(function (b) { b.setAttribute("aria-pressed", b.getAttribute("data-key") === item.key ? "true" : "false"); });
    answerButton.focus();
  }

  function render(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "kb-option";
      button.setAttribute("data-key", item.key);
      button.setAttribute("aria-pressed", hidden.value === item.key ? "true" : "false");
      var strong = document.createElement("strong");
      strong.textContent = item.title;
      var small = document.createElement("span");
      small.className = "kb-excerpt";
      small.textContent = item.excerpt + (item.department ? " · " + item.department : "");
      button.appendChild(strong);
      button.appendChild(small);
      button.addEventListener("click", function () { choose(item); });
      li.appendChild(button);
      list.appendChild(li);
    });
    status.textContent = results.length ? (zh ? results.length + text.found : results.length + text.found) : text.none;
  }

  function fetchSuggestions() {
    var q = query();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (q.length < 2) { list.textContent = ""; status.textContent = ""; return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (data.query === lastQuery) { render(data.results || []); }
    }).catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      status.textContent = text.error;
    });
  }

  function schedule() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(fetchSuggestions, 300);
  }

  [title, description].forEach(function (field) {
    if (!field) { return; }
    field.addEventListener("input", schedule);
    field.addEventListener("keydown", function (event) {
      if (event.altKey && event.key === "ArrowDown") {
        var first = buttons()[0];
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
  });

  list.addEventListener("keydown", function (event) {
    var all = buttons();
    var at = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < all.length - 1) { event.preventDefault(); all[at + 1].focus(); }
    else if (event.key === "ArrowUp" && at > 0) { event.preventDefault(); all[at - 1].focus(); }
    else if (event.key === "Escape" && description) { event.preventDefault(); description.focus(); }
  });
  if (description && description.value.trim()) { schedule(); }
}());
