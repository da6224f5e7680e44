/* Progress while a report PDF is printed (a first PDF takes a few seconds).
 *
 * Each link with data-pdf-progress="<id of a role=status element>" is fetched here instead of
 * followed: the status says "Preparing PDF…" until the file arrives, then the browser saves it
 * under the server's file name. Without JavaScript (or if fetch fails) the link is a plain
 * download link. A static file because the Content-Security-Policy forbids inline scripts.
 */
(function () {
  "use strict";

  function fileName(response, href) {
    var header = response.headers.get("Content-Disposition") || "";
    var star = /filename\*=UTF-8''([^;]+)/i.exec(header);
    if (star) { return decodeURIComponent(star[1]); }
    var plain = /filename="?([^";]+)"?/i.exec(header);
    if (plain) { return plain[1]; }
    return href.split("?")[0].split("/").pop() || "report.pdf";
  }

  function say(status, text, busy) {
    status.textContent = "";
    if (busy) {
      var spin = document.createElement("span");
      spin.className = "spinner";
      spin.setAttribute("aria-hidden", "true");
      status.appendChild(spin);
    }
    status.appendChild(document.createTextNode(text));
  }

  /* With background workers the server answers 202 ("being printed") until the PDF is
   * ready: ask again after its Retry-After, for up to about five minutes. */
  function fetchPdf(href, tries) {
    return fetch(href, { credentials: "same-origin" }).then(function (response) {
      if (response.status === 202 && tries < 150) {
        var wait = parseInt(response.headers.get("Retry-After") || "2", 10) || 2;
        return new Promise(function (resolve) { setTimeout(resolve, wait * 1000); })
          .then(function () { return fetchPdf(href, tries + 1); });
      }
      if (response.status !== 200) { throw new Error("HTTP " + response.status); }
      return response;
    });
  }

  function start(event) {
    var link = event.currentTarget;
    var status = document.getElementById(link.getAttribute("data-pdf-progress"));
    if (!status || !window.fetch || !window.URL || !URL.createObjectURL) { return; }
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") { return; }
    link.setAttribute("aria-busy", "true");
    say(status, "Preparing PDF… this can take a few seconds.", true);
    fetchPdf(link.href, 0)
      .then(function (response) {
        return response.blob().then(function (blob) { return [blob, fileName(response, link.href)]; });
      })
      .then(function (got) {
        var url = URL.createObjectURL(got[0]);
        var save = document.createElement("a");
        save.href = url;
        save.download = got[1];
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        say(status, "PDF ready: " + got[1] + " was downloaded.", false);
      })
      .catch(function () {
        say(status, "The PDF could not be prepared here; opening the link instead.", false);
        window.location.href = link.href;
      })
      .then(function () { link.removeAttribute("aria-busy"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var links = document.querySelectorAll("a[data-pdf-progress]");
    for (var i = 0; i < links.length; i++) { links[i].addEventListener("click", start); }
  });
})();
