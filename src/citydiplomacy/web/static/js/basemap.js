/*
 * What the site's maps share (city-map.js, partners-map.js): a Leaflet map that honours
 * "reduce motion", the offline country borders (world-atlas TopoJSON served by this site; no
 * tile server, no CDN) and labels that are only ever text. Load it after Leaflet and
 * topojson-client and before the map scripts; a second copy on the same page does nothing.
 */
(function () {
  "use strict";
  if (window.citydiplomacyMaps) {
    return;
  }

  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Leaflet writes a string tooltip as HTML: give it an element holding text, so that a
  // name is only ever text, whatever characters it holds.
  function textLabel(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  // Shows the container and makes a map in it; `options` are Leaflet map options.
  function createMap(el, options, attribution) {
    var settings = {
      minZoom: 1,
      maxZoom: 10,
      worldCopyJump: true,
      zoomAnimation: !still,
      fadeAnimation: !still,
      markerZoomAnimation: !still
    };
    Object.keys(options || {}).forEach(function (key) {
      settings[key] = options[key];
    });
    el.hidden = false;
    var map = L.map(el, settings);
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution(attribution);
    return map;
  }

  // Draws the countries of the TopoJSON at `url` with `style` (a Leaflet style function).
  // The promise resolves whether or not that worked: borders are decoration, and what the
  // caller draws next (markers, labels) must appear either way.
  function drawCountries(map, url, style) {
    if (!url || !window.topojson) {
      return Promise.resolve();
    }
    return fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (topology) {
        L.geoJSON(topojson.feature(topology, topology.objects.countries), {
          interactive: false,
          style: style
        }).addTo(map);
      })
      .catch(function () {
        /* the caller's markers, lines and the figure's caption remain */
      });
  }

  window.citydiplomacyMaps = { createMap: createMap, drawCountries: drawCountries, textLabel: textLabel };
})();
