/* The submissions page's upload: dcc.Upload reads the chosen or dropped file in the browser; this
   posts it to /submissions/check with XMLHttpRequest, whose upload events drive the progress bar
   (a Dash callback cannot report progress). The page's server callback then shows the report. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  tracker: {
    upload: function (contents, filename, context) {
      if (!contents) { return window.dash_clientside.no_update; }
      var box = "submissions-progress-box", bar = "submissions-progress";
      var set = window.dash_clientside.set_props;
      var bytes = Uint8Array.from(atob(contents.split(",")[1] || ""), function (c) { return c.charCodeAt(0); });
      var form = new FormData();
      form.append("file", new Blob([bytes]), filename || "upload.xlsx");
      form.append("entity", context.entity || "");
      form.append("period", context.period || "");
      var token = (document.cookie.match(/(?:^|; )_csrf_token=([^;]*)/) || [])[1] || "";
      set(box, {hidden: false});
      set(bar, {value: 0});
      return new Promise(function (resolve) {
        var request = new XMLHttpRequest();
        request.open("POST", "/submissions/check");
        request.setRequestHeader("X-CSRFToken", decodeURIComponent(token));
        request.upload.onprogress = function (event) {
          if (event.lengthComputable) { set(bar, {value: Math.round(100 * event.loaded / event.total)}); }
        };
        request.upload.onload = function () { set(bar, {value: 100}); };
        request.onload = function () {
          var answer = {status: request.status, file: filename, at: Date.now()};
          try { answer.upload_id = JSON.parse(request.responseText).upload_id; } catch (e) { answer.upload_id = null; }
          resolve(answer);
        };
        request.onerror = function () { resolve({status: 0, file: filename, at: Date.now()}); };
        request.send(form);
      });
    },
  },
});
