/*
 * The map of a city page, drawn with basemap.js over the offline country borders. The
 * container (#city-map) stays hidden unless Leaflet and topojson-client loaded; the figure's
 * caption is the text alternative either way.
 *
 * Data attributes of #city-map: data-lat, data-lon, data-label (the city's name, shown as a
 * permanent text label beside the marker), data-country (ISO 3166-1 numeric code, whose
 * country is shaded) and data-basemap-url (the TopoJSON file).
 */
(function () {
  "use strict";

  function start() {
    var el = document.getElementById("city-map");
    var maps = window.citydiplomacyMaps;
    if (!el || !window.L || !window.topojson || !maps) {
      return;
    }
    var lat = parseFloat(el.getAttribute("data-lat"));
    var lon = parseFloat(el.getAttribute("data-lon"));
    if (!isFinite(lat) || !isFinite(lon)) {
      return;
    }
    var label = el.getAttribute("data-label") || "";
    var country = el.getAttribute("data-country") || "";
    var map = maps.createMap(
      el,
      { center: [lat, lon], zoom: 5 },
      "Borders: Natural Earth · City: GeoNames (CC BY 4.0)"
    );

    function addMarker() {
      L.circleMarker([lat, lon], {
        radius: 7,
        color: "#0b2f52",
        weight: 3,
        fillColor: "#ffffff",
        fillOpacity: 1,
        interactive: false
      })
        .bindTooltip(maps.textLabel(label), {
          permanent: true,
          direction: "right",
          offset: [10, 0],
          className: "city-map-label"
        })
        .addTo(map);
    }

    maps
      .drawCountries(map, el.getAttribute("data-basemap-url"), function (feature) {
        var own = country && feature.id === country;
        return {
          color: "#5b6670",
          weight: own ? 1.5 : 0.6,
          fillColor: own ? "#e9d8a6" : "#f4f1ea",
          fillOpacity: 1
        };
      })
      .then(addMarker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
