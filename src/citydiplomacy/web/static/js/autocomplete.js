/*
 * citydiplomacy autocomplete: turns a text input into an ARIA 1.2 combobox with a listbox
 * of suggestions (WAI-ARIA Authoring Practices, "list autocomplete with manual selection").
 * No framework. Without JavaScript the input stays a plain form field.
 *
 * Markup:
 *   <label for="city-input">City</label>
 *   <input id="city-input" type="text" name="city_name"
 *          data-autocomplete-url="/cities/autocomplete/"   (required; answers ?q=...)
 *          data-target="city"            (optional: hidden input <input type="hidden" name="city">
 *                                          of the same form that receives the chosen id)
 *          data-autocomplete-target="some-id"  (optional, the same by the hidden input's id)
 *          data-navigate                 (optional: go to the chosen result's "url"; a value
 *                                          with "{id}" is used as the address template instead)
 *          data-autocomplete-params="country"  (optional: names of other fields of the form
 *                                          whose values are sent along)
 *          data-min-length="1">          (optional: characters before asking; default 1)
 * Link css/autocomplete.css for the list's look; without it the script sets a plain look of
 * its own (inline styles through the DOM, which a Content-Security-Policy allows).
 *
 * The endpoint answers {"results": [{"id", "label", "url"?, ...}]}.
 * Keys: Down/Up move through the suggestions (opening the list), Enter chooses the highlighted
 * one (otherwise the form submits as usual), Escape closes the list, then clears the input.
 * A polite live region tells screen-reader users how many suggestions there are.
 * Other scripts may call window.citydiplomacyAutocomplete.enhance(input) for inputs added
 * later; on choice the input fires a "citydiplomacy:choose" event with the result as detail.
 */
(function () {
  "use strict";

  var counter = 0;
  var DELAY_MS = 150;

  function text(key, n) {
    var words = {
      none: "No suggestions.",
      one: "1 suggestion. Use the up and down arrow keys to review, Enter to choose.",
      many: n + " suggestions. Use the up and down arrow keys to review, Enter to choose."
    };
    return words[key];
  }

  function assign(target, values) {
    Object.keys(values).forEach(function (key) {
      target[key] = values[key];
    });
  }

  function enhance(input) {
    if (!input || input.getAttribute("data-autocomplete-ready") === "1") {
      return;
    }
    var url = input.getAttribute("data-autocomplete-url");
    if (!url) {
      return;
    }
    input.setAttribute("data-autocomplete-ready", "1");
    counter += 1;
    if (!input.id) {
      input.id = "autocomplete-" + counter;
    }
    var form = input.form;
    var targetName = input.getAttribute("data-target");
    var targetId = input.getAttribute("data-autocomplete-target");
    var hidden = null;
    if (targetId) {
      hidden = document.getElementById(targetId);
    } else if (targetName) {
      hidden = form ? form.elements.namedItem(targetName) : document.getElementsByName(targetName)[0];
    }
    var navigate = input.hasAttribute("data-navigate") ? input.getAttribute("data-navigate") : null;
    var params = (input.getAttribute("data-autocomplete-params") || "").split(/\s+/).filter(Boolean);
    var minLength = parseInt(input.getAttribute("data-min-length") || "1", 10);

    var wrapper = document.createElement("div");
    wrapper.className = "autocomplete";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    var list = document.createElement("ul");
    list.id = input.id + "-listbox";
    list.className = "autocomplete-listbox";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = input.labels && input.labels.length ? input.labels[0] : null;
    if (label) {
      if (!label.id) {
        label.id = input.id + "-label";
      }
      list.setAttribute("aria-labelledby", label.id);
    }
    wrapper.appendChild(list);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(status);

    // Without css/autocomplete.css on the page, a plain look of our own.
    var unstyled = window.getComputedStyle(list).position !== "absolute";
    if (unstyled) {
      assign(wrapper.style, { position: "relative", display: "inline-block", maxWidth: "100%" });
      assign(list.style, {
        position: "absolute", zIndex: "20", left: "0", right: "0", top: "100%",
        minWidth: "16rem", maxHeight: "20rem", overflowY: "auto", margin: "2px 0 0",
        padding: "0", listStyle: "none", background: "#fff", color: "#1a1a1a",
        border: "1px solid #767676", borderRadius: "3px"
      });
    }
    if (window.getComputedStyle(status).position !== "absolute") {
      assign(status.style, {
        position: "absolute", width: "1px", height: "1px", overflow: "hidden",
        clip: "rect(0 0 0 0)", whiteSpace: "nowrap"
      });
    }

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    var results = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = null;

    function open() {
      if (results.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function setActive(index) {
      var options = list.children;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "false");
        options[active].classList.remove("active");
        if (unstyled) {
          assign(options[active].style, { background: "", color: "", outline: "" });
        }
      }
      active = index;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "true");
        options[active].classList.add("active");
        if (unstyled) {
          assign(options[active].style, {
            background: "#0b4f8a", color: "#fff", outline: "2px solid #f2a900"
          });
        }
        input.setAttribute("aria-activedescendant", options[active].id);
        if (options[active].scrollIntoView) {
          options[active].scrollIntoView({ block: "nearest" });
        }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(items) {
      results = items;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      list.textContent = "";
      items.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("dir", "auto");
        if (item.has_profile) {
          option.setAttribute("data-has-profile", "true");
        }
        option.textContent = item.label;
        if (unstyled) {
          assign(option.style, { padding: ".4rem .6rem", cursor: "pointer" });
        }
        // mousedown, not click: keeps the focus in the input.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        option.addEventListener("click", function () {
          choose(i);
        });
        list.appendChild(option);
      });
      if (items.length) {
        open();
        status.textContent = text(items.length === 1 ? "one" : "many", items.length);
      } else {
        close();
        status.textContent = input.value.trim() ? text("none") : "";
      }
    }

    function choose(index) {
      var item = results[index];
      if (!item) {
        return;
      }
      input.value = item.label;
      lastQuery = input.value;
      if (hidden) {
        hidden.value = item.id;
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
      close();
      status.textContent = "";
      input.dispatchEvent(new CustomEvent("citydiplomacy:choose", { bubbles: true, detail: item }));
      if (navigate !== null) {
        var address = navigate && navigate.indexOf("{id}") >= 0
          ? navigate.replace("{id}", encodeURIComponent(item.id))
          : item.url;
        if (address) {
          window.location.assign(address);
        }
      }
    }

    function requestUrl(query) {
      var search = new URLSearchParams();
      search.set("q", query);
      params.forEach(function (name) {
        var field = form ? form.elements.namedItem(name) : null;
        if (field && field.value) {
          search.set(name, field.value);
        }
      });
      return url + (url.indexOf("?") >= 0 ? "&" : "?") + search.toString();
    }

    function fetchResults() {
      var query = input.value.trim();
      if (query === lastQuery) {
        open();
        return;
      }
      lastQuery = query;
      if (query.length < minLength) {
        render([]);
        return;
      }
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      fetch(requestUrl(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          if (input.value.trim() === query) {
            render((data && data.results) || []);
          }
        })
        .catch(function (error) {
          if (!error || error.name !== "AbortError") {
            render([]);
          }
        });
    }

    input.addEventListener("input", function () {
      if (hidden) {
        hidden.value = "";
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchResults, DELAY_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
        case "Down":
          event.preventDefault();
          if (!expanded) {
            open();
            if (!results.length) {
              lastQuery = null;
              fetchResults();
              return;
            }
          }
          setActive(active + 1 < results.length ? active + 1 : 0);
          break;
        case "ArrowUp":
        case "Up":
          event.preventDefault();
          if (!expanded) {
            open();
          }
          setActive(active > 0 ? active - 1 : results.length - 1);
          break;
        case "Enter":
          if (expanded && active >= 0) {
            event.preventDefault();
            choose(active);
          }
          break;
        case "Escape":
        case "Esc":
          if (expanded) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            lastQuery = null;
            if (hidden) {
              hidden.value = "";
            }
            render([]);
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    input.addEventListener("blur", function () {
      close();
    });
  }

  function enhanceAll(root) {
    var inputs = (root || document).querySelectorAll("input[data-autocomplete-url]");
    Array.prototype.forEach.call(inputs, enhance);
  }

  window.citydiplomacyAutocomplete = { enhance: enhance, enhanceAll: enhanceAll };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      enhanceAll();
    });
  } else {
    enhanceAll();
  }
})();
