/* dcc.Graph loads plotly.js from window._dashPlotlyJSURL when the first chart appears. The
   tracker draws only scatter and bar traces, so that address is pinned to plotly.js's basic
   bundle (assets/vendor, 1.2 MB instead of the full 4.8 MB): a chart page settles about a second
   sooner. Should Dash stop reading this variable, the full bundle loads as before. */
(function () {
  var basic = document.currentScript.src.split("?")[0].replace(/[^/]*$/, "vendor/plotly-basic.min.js");
  Object.defineProperty(window, "_dashPlotlyJSURL", {
    configurable: true,
    get: function () { return basic; },
    set: function () {},
  });
})();
