// planmine evidence report: filter the (folded) claims by text, opening the sub-outcomes that
// match and closing them again when the search is cleared. Vanilla JS, no network: the page
// must work from a file on a laptop with no connection.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var count = document.getElementById("search-count");
  var noResults = document.getElementById("no-results");
  var details = document.getElementById("details");
  var claims = Array.prototype.slice.call(document.querySelectorAll("li.claim"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".claims-period"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.sub-outcome"));
  var headings = Array.prototype.slice.call(document.querySelectorAll(".outcome-title"));
  var texts = claims.map(function (li) { return li.textContent.toLowerCase(); });
  var total = claims.length;
  var openedBySearch = [];

  function words(query) {
    return query.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
  }

  function anyVisible(root, selector) {
    var items = root.querySelectorAll(selector);
    for (var i = 0; i < items.length; i++) { if (!items[i].hidden) { return true; } }
    return false;
  }

  function apply() {
    var terms = words(input.value);
    var active = terms.length > 0;
    var shown = 0;
    claims.forEach(function (li, i) {
      var match = terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    groups.forEach(function (g) { g.hidden = active && !anyVisible(g, "li.claim"); });
    openedBySearch.forEach(function (d) { d.open = false; });
    openedBySearch = [];
    sections.forEach(function (s) {
      var any = anyVisible(s, "li.claim");
      s.hidden = active && !any;
      var fold = s.querySelector("details");
      if (active && any && fold && !fold.open) { fold.open = true; openedBySearch.push(fold); }
    });
    headings.forEach(function (h) {
      var next = h.nextElementSibling, any = false;
      while (next && !next.classList.contains("outcome-title")) {
        if (next.matches("section.sub-outcome") && !next.hidden) { any = true; }
        next = next.nextElementSibling;
      }
      h.hidden = active && !any;
    });
    noResults.hidden = !(active && shown === 0);
    count.value = active ? shown + " of " + total + " claims match" : total + " claims";
    count.textContent = count.value;
  }

  var timer = null;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(apply, 120);
  });
  input.addEventListener("search", apply);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && details) { apply(); details.scrollIntoView(); }
  });
  apply();
}());
