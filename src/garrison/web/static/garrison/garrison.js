// Garrison's small behaviours, kept out of the pages because the CSP forbids inline
// scripts. Every page works without this file.
"use strict";

// <form data-confirm="Question?"> asks before submitting.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
