// Live countdowns of reporting deadlines: every <time data-countdown="ISO"> shows the time
// left (or how long overdue) and is refreshed every second. Served as a static file, since
// the content security policy allows no inline script.
(function () {
  "use strict";

  function pad(value) {
    return value < 10 ? "0" + value : String(value);
  }

  function describe(milliseconds) {
    var seconds = Math.floor(Math.abs(milliseconds) / 1000);
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    var clock = pad(hours) + ":" + pad(minutes) + ":" + pad(rest);
    return days > 0 ? days + "d " + clock : clock;
  }

  function update() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (element) {
      var due = Date.parse(element.getAttribute("data-countdown"));
      if (isNaN(due)) {
        return;
      }
      var left = due - now;
      if (left < 0) {
        element.textContent = (element.getAttribute("data-overdue-label") || "overdue by") + " " + describe(left);
        element.classList.add("text-danger", "fw-semibold");
        var row = element.closest("tr");
        if (row) {
          row.classList.add("table-danger", "obligation-overdue");
        }
      } else {
        element.textContent = describe(left) + " " + (element.getAttribute("data-left-label") || "left");
      }
    });
  }

  function start() {
    if (!document.querySelector("time[data-countdown]")) {
      return;
    }
    update();
    window.setInterval(update, 1000);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
