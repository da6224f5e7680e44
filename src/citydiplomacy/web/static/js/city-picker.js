/*
 * citydiplomacy city picker (cities/fields.py, CityField): the text input is a combobox through
 * autocomplete.js (suggestions from /cities/autocomplete/, the chosen id into the hidden
 * "<name>_id" input). This file adds what a picker needs beyond that:
 *  - choosing one of the "several cities match" radio buttons writes its label into the input;
 *  - typing in the input again clears that choice (the typed text is then resolved anew);
 *  - suggestions of cities with a published KPI profile say so (a visible and spoken mark).
 * Without JavaScript the form still works: the typed text is resolved on the server.
 */
(function () {
  "use strict";

  function setUp(input) {
    if (input.getAttribute("data-city-picker-ready") === "1") {
      return;
    }
    input.setAttribute("data-city-picker-ready", "1");
    var picker = input.closest(".city-picker");
    if (!picker) {
      return;
    }
    var radios = picker.querySelectorAll("input[type=radio][data-city-label]");
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", function () {
        if (radio.checked) {
          input.value = radio.getAttribute("data-city-label");
        }
      });
    });
    input.addEventListener("input", function () {
      Array.prototype.forEach.call(radios, function (radio) {
        radio.checked = false;
      });
    });
    input.addEventListener("citydiplomacy:choose", function () {
      var candidates = picker.querySelector(".city-candidates");
      if (candidates) {
        candidates.hidden = true;
        Array.prototype.forEach.call(radios, function (radio) {
          radio.checked = false;
        });
      }
    });
  }

  function markProfiles(list) {
    // autocomplete.js renders each suggestion's label; the JSON says which have a profile.
    new MutationObserver(function () {
      Array.prototype.forEach.call(list.querySelectorAll("[role=option]"), function (option) {
        var profile = option.getAttribute("data-has-profile");
        if (profile === "true" && !option.querySelector(".profile-mark")) {
          var mark = document.createElement("span");
          mark.className = "profile-mark";
          mark.textContent = " · KPI profile";
          option.appendChild(mark);
        }
      });
    }).observe(list, { childList: true });
  }

  function setUpAll() {
    var inputs = document.querySelectorAll("input[data-city-picker]");
    Array.prototype.forEach.call(inputs, setUp);
    Array.prototype.forEach.call(document.querySelectorAll(".autocomplete-listbox"), markProfiles);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
