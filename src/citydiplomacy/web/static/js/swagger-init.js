// Starts Swagger UI on /api/docs with the settings the page carries as JSON (a static file, so
// that the Content-Security-Policy needs no inline script).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  window.ui = window.SwaggerUIBundle(config);
})();
