/*
 * The map of a city page: vendored Leaflet over the world-atlas country borders (Natural
 * Earth, TopoJSON), all served by this site; no tile server, no CDN. The container
 * (#city-map) stays hidden unless Leaflet and topojson-client loaded; the figure's caption
 * is the text alternative either way.
 *
 * Data attributes of #city-map: data-lat, data-lon, data-label (the city's name, shown as a
 * permanent text label beside the marker), data-country (ISO 3166-1 numeric code, whose
 * country is shaded) and data-basemap-url (the TopoJSON file).
 */
(function () {
  "use strict";

  function start() {
    var el = document.getElementById("city-map");
    if (!el || !window.L || !window.topojson) {
      return;
    }
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lon = parseFloat(el.getAttribute("data-lon"));
    if (!isFinite(lat) || !isFinite(lon)) {
      return;
    }
    var label = el.getAttribute("data-label") || "";
    var country = el.getAttribute("data-country") || "";
    var basemap = el.getAttribute("data-basemap-url");
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    el.hidden = false;
    var map = L.map(el, {
      center: [lat, lon],
      zoom: 5,
      minZoom: 1,
      maxZoom: 10,
      worldCopyJump: true,
      zoomAnimation: !still,
      fadeAnimation: !still,
      markerZoomAnimation: !still
    });
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution("Borders: Natural Earth · City: GeoNames (CC BY 4.0)");

    function addMarker() {
      L.circleMarker([lat, lon], {
        radius: 7,
        color: "#0b2f52",
        weight: 3,
        fillColor: "#ffffff",
        fillOpacity: 1,
        interactive: false
      })
        // A text node: Leaflet inserts a string tooltip as HTML, and city names are data.
        .bindTooltip(document.createTextNode(label), {
          permanent: true,
          direction: "right",
          offset: [10, 0],
          className: "city-map-label"
        })
        .addTo(map);
    }

    if (!basemap) {
      addMarker();
      return;
    }
    fetch(basemap, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (topology) {
        var countries = topojson.feature(topology, topology.objects.countries);
        L.geoJSON(countries, {
          interactive: false,
          style: function (feature) {
            var own = country && feature.id === country;
            return {
              color: "#5b6670",
              weight: own ? 1.5 : 0.6,
              fillColor: own ? "#e9d8a6" : "#f4f1ea",
              fillOpacity: 1
            };
          }
        }).addTo(map);
      })
      .catch(function () {
        /* The borders are decoration; the marker, its label and the caption remain. */
      })
      .then(addMarker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
