// The scan page's "use my location" button: with the person's permission, the browser's position is
// rounded to 0.1 degree (about 10 km) here, before it leaves the device, and sent as a place report
// (?place=1&near=lat,lon); the server keeps only the nearest city. Without JavaScript the form asks for
// the city by name.
(function () {
  "use strict";
  var form = document.querySelector("form.place");
  if (!form || !navigator.geolocation) return;
  var button = document.createElement("button");
  button.type = "button";
  button.id = "locate";
  button.textContent = form.getAttribute("data-locate");
  form.appendChild(document.createTextNode(" "));
  form.appendChild(button);
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var url = new URL(form.getAttribute("action"), location.href);
        url.searchParams.set("place", "1");
        url.searchParams.set("lang", form.elements.lang.value);
        url.searchParams.set("near", position.coords.latitude.toFixed(1) + "," + position.coords.longitude.toFixed(1));
        location.assign(url.toString());
      },
      function () {
        button.disabled = false;
      },
      { enableHighAccuracy: false, maximumAge: 600000, timeout: 15000 }
    );
  });
})();
