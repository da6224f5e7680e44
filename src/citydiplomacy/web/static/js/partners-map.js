/*
 * The map of a city's partners, drawn with basemap.js over the offline country borders.
 * Reads the JSON of #partner-map-data
 * ({"city": {id, name, lat, lon}, "partners": [{id, name, country, lat, lon, status, url}]})
 * and draws the city, each partner, and a line between them; every marker has a text label
 * in its tooltip and the figure's caption lists the partners, so the map is never the only
 * way to read them. #partner-map stays hidden unless Leaflet loaded.
 */
(function () {
  "use strict";

  function start() {
    var el = document.getElementById("partner-map");
    var source = document.getElementById("partner-map-data");
    var maps = window.citydiplomacyMaps;
    if (!el || !source || !window.L || !maps) {
      return;
    }
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (e) {
      return;
    }
    var city = data.city;
    var partners = data.partners || [];
    var map = maps.createMap(el, {}, "Borders: Natural Earth · Cities: GeoNames (CC BY 4.0)");
    var points = [[city.lat, city.lon]];
    partners.forEach(function (p) {
      points.push([p.lat, p.lon]);
    });
    if (points.length > 1) {
      map.fitBounds(points, { padding: [30, 30], maxZoom: 7 });
    } else {
      map.setView(points[0], 5);
    }

    function draw() {
      partners.forEach(function (p) {
        L.polyline([[city.lat, city.lon], [p.lat, p.lon]], {
          color: "#0b2f52", weight: 1.5, opacity: 0.7, interactive: false
        }).addTo(map);
        var marker = L.circleMarker([p.lat, p.lon], {
          radius: 5, color: "#0b2f52", weight: 2, fillColor: "#f2a900", fillOpacity: 1
        }).bindTooltip(maps.textLabel(p.name + " (" + p.country + ") — " + p.status), {
          // a few partners: every name stays written beside its marker
          permanent: partners.length <= 12,
          direction: "top",
          className: "city-map-label"
        });
        marker.on("click", function () {
          window.location.href = p.url;
        });
        marker.addTo(map);
      });
      L.circleMarker([city.lat, city.lon], {
        radius: 8, color: "#0b2f52", weight: 3, fillColor: "#ffffff", fillOpacity: 1,
        interactive: false
      }).bindTooltip(maps.textLabel(city.name), { permanent: true, direction: "right",
        offset: [10, 0], className: "city-map-label" }).addTo(map);
    }

    maps
      .drawCountries(map, el.getAttribute("data-basemap-url"), function () {
        return { color: "#5b6670", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 };
      })
      .then(draw);
  }

  // Wait for every deferred script (Leaflet may be included after this one on the city page).
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
