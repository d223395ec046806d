/* A page that follows a background job (a draw, messages being written) marks the region that
   shows the job's progress with data-follow-seconds. Reloading the whole page on a timer, as a
   meta refresh does, moves a screen reader back to the top every few seconds and fails WCAG
   2.2.1; instead the region is fetched again and updated in place (it is a live region) until
   the server stops marking it, and then the main content is replaced once, to show what can be
   done next (only the region, when it is marked data-follow-keeps-page: the rest of the page
   may hold a form being filled in). Without JavaScript the page shows the progress as it was
   when it was loaded. */
(function () {
  "use strict";
  var region = document.querySelector("[data-follow-seconds]");
  if (!region || !region.id || !window.fetch || !window.DOMParser) {
    return;
  }
  var delay = 1000 * (Number(region.getAttribute("data-follow-seconds")) || 3);

  function showNotes() {
    // Sentences such as "This page refreshes itself" are true only while this script runs.
    var notes = region.querySelectorAll("[data-follow-note]");
    for (var index = 0; index < notes.length; index += 1) {
      notes[index].hidden = false;
    }
  }

  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  function replaceRegion(next) {
    // Whoever is on a link or the table inside the region stays on its counterpart: replacing
    // the region's contents would otherwise drop the keyboard focus to the top of the page.
    var focused = document.activeElement;
    var place = -1;
    if (focused && focused !== region && region.contains(focused)) {
      place = Array.prototype.indexOf.call(region.querySelectorAll(FOCUSABLE), focused);
    }
    region.innerHTML = next.innerHTML;
    if (place >= 0) {
      var counterparts = region.querySelectorAll(FOCUSABLE);
      var counterpart = counterparts[Math.min(place, counterparts.length - 1)];
      if (counterpart) {
        counterpart.focus({ preventScroll: true });
      }
    }
  }

  function follow(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var next = fresh.getElementById(region.id);
    if (!next) {
      return; // not the page followed (the sign-in page, after the session ended): stop here
    }
    if (next.hasAttribute("data-follow-seconds")) {
      replaceRegion(next);
      showNotes();
      window.setTimeout(poll, delay);
      return;
    }
    if (region.hasAttribute("data-follow-keeps-page")) {
      replaceRegion(next);
      return;
    }
    var main = document.querySelector("main");
    var freshMain = fresh.querySelector("main");
    if (main && freshMain) {
      main.innerHTML = freshMain.innerHTML;
      document.title = fresh.title;
    }
  }

  function poll() {
    window
      .fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(follow)
      .catch(function () {
        window.setTimeout(poll, 2 * delay);
      });
  }

  showNotes();
  window.setTimeout(poll, delay);
})();
