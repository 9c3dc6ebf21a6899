/* The main menu (dashboards/_shell.py): on a narrow screen a disclosure button folds it. The
   button's aria-expanded is the one state; tracker.css shows or hides the list from it. A page
   change or a click on one of its links closes the menu; the current page's link is marked with
   aria-current="page". Escape closes the open menu and gives the focus back to its button. */
(function () {
  var BUTTON = "shell-menu-button";

  function markCurrent(pathname) {
    document.querySelectorAll("#shell-menu a").forEach(function (link) {
      if (new URL(link.href, window.location.href).pathname === pathname) {
        link.setAttribute("aria-current", "page");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  function menu(clicks, pathname, expanded) {
    markCurrent(pathname);
    var triggered = (window.dash_clientside.callback_context.triggered || []).map(function (t) {
      return t.prop_id;
    });
    if (clicks && triggered.indexOf(BUTTON + ".n_clicks") !== -1) {
      return expanded === "true" ? "false" : "true";
    }
    return "false";
  }

  function close() {
    window.dash_clientside.set_props(BUTTON, {"aria-expanded": "false"});
  }

  function isOpen() {
    var button = document.getElementById(BUTTON);
    return Boolean(button) && button.getAttribute("aria-expanded") === "true";
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !isOpen()) { return; }
    if (document.getElementById("shell-nav").contains(document.activeElement)) {
      close();
      document.getElementById(BUTTON).focus();
    }
  });

  // A link of the open menu closes it, also the current page's (whose address does not change).
  document.addEventListener("click", function (event) {
    if (isOpen() && event.target.closest && event.target.closest("#shell-menu a")) { close(); }
  });

  /* Printing: plotly.js draws at a width in pixels and does not redraw for paper (plotly.js
     issue 1275), so a chart drawn for a wide screen would be cut at the page's edge. Before
     printing, each chart is redrawn at its share of the printed width: A4 less the @page margins
     in tracker.css, 210 - 2 x 12 mm = 186 mm = 703 px; after printing, at the screen's again. */
  var PRINT_WIDTH = 703;

  function charts() {
    return window.Plotly ? document.querySelectorAll(".js-plotly-plot") : [];
  }

  function fitForPrint() {
    var main = document.getElementById("main");
    if (!main || main.dataset.printed) { return; }
    var style = window.getComputedStyle(main);
    var inner = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    main.dataset.printed = "drawing";
    var drawn = Array.prototype.map.call(charts(), function (chart) {
      if (!chart.offsetWidth) { return null; }
      var width = Math.floor(PRINT_WIDTH * Math.min(1, chart.offsetWidth / inner));
      return window.Plotly.relayout(chart, {width: width});
    });
    // "done" once plotly.js has also made room for the axes' labels (tests wait for it)
    Promise.all(drawn).then(function () {
      if (main.dataset.printed) { main.dataset.printed = "done"; }
    });
  }

  function backToScreen() {
    var main = document.getElementById("main");
    if (!main || !main.dataset.printed) { return; }
    delete main.dataset.printed;
    charts().forEach(function (chart) {
      window.Plotly.relayout(chart, {width: null, autosize: true}).then(function () {
        window.Plotly.Plots.resize(chart);
      });
    });
  }

  window.addEventListener("beforeprint", fitForPrint);
  window.addEventListener("afterprint", backToScreen);
  window.matchMedia("print").addEventListener("change", function (query) {
    if (query.matches) { fitForPrint(); } else { backToScreen(); }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {shell: {menu: menu}});
})();
